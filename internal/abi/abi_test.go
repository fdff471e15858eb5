package abi

import "testing"

// loglevel.go names the levels by hand (the config's spelling): a level the header adds must
// get a name there, or the config could not choose it.
func TestEveryLogLevelHasAConfigName(t *testing.T) {
	for _, l := range LogLevels {
		if l.String() == "unknown" {
			t.Errorf("log level %d has no config name in loglevel.go", int32(l))
		}
	}
	if len(logLevelNames) != len(LogLevels) {
		t.Errorf("loglevel.go names %d levels, vmp.h has %d", len(logLevelNames), len(LogLevels))
	}
}

func TestNamesAreTheCNames(t *testing.T) {
	if CodeNewJournal.String() != "VMP_ERR_NEW_JOURNAL" || Code(-1).String() != "VMP_ERR_UNKNOWN_STATUS" {
		t.Errorf("status names: %v, %v", CodeNewJournal, Code(-1))
	}
	if StateAuthorized.String() != "AUTHORIZED" || State(99).String() != "UNKNOWN" || ParseState("EXPIRED") != StateExpired {
		t.Errorf("state names: %v, %v, %v", StateAuthorized, State(99), ParseState("EXPIRED"))
	}
	if !StateAuthorized.Final() || StateCreated.Final() || !EnrollmentFailed.Final() || EnrollmentPending.Final() {
		t.Error("Final")
	}
}
