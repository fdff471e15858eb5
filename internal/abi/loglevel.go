package abi

// logLevelNames are the config's "log_level" spellings; LogNone is "off".
var logLevelNames = map[LogLevel]string{LogNone: "off", LogDebug: "debug", LogInfo: "info", LogWarn: "warn", LogError: "error"}

// String gives the level's name as the config spells it ("debug" ... "error", "off"); vmp_log_level_str
// gives the C names ("DEBUG").
func (l LogLevel) String() string {
	if n, ok := logLevelNames[l]; ok {
		return n
	}
	return "unknown"
}
