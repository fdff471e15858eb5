package core

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/payments"
)

// Config is the JSON configuration given to vmp_init (docs/CONFIGURATION.md). Unknown fields
// are an error, so a typo cannot silently change behaviour.
type Config struct {
	// Environment is "simulator" (an embedded simulator, no credentials; the default of a
	// configuration without keys only), "test" (apitest.vipps.no) or "production"
	// (api.vipps.no). Keys without it are refused (config_endpoint.go).
	Environment string `json:"environment"`
	// BaseURL overrides the environment's host, e.g. a standalone simulator's URL: https for
	// test and production, http only on loopback for the simulator (config_endpoint.go).
	BaseURL         string       `json:"base_url"`
	ClientID        string       `json:"client_id"`
	ClientSecret    string       `json:"client_secret"`
	SubscriptionKey string       `json:"subscription_key"`
	MSN             string       `json:"msn"`
	System          SystemConfig `json:"system"`
	StoreID         string       `json:"store_id"`
	PosID           string       `json:"pos_id"`
	// Currency of checkouts that do not name one; default NOK.
	Currency string `json:"currency"`
	// Description shown to the customer when a checkout has none; default "Purchase".
	Description string `json:"description"`
	// SalesUnits are the chain's other stores this till may act for (refunds on behalf of
	// another store), chosen by name (sales_units.go).
	SalesUnits []SalesUnitConfig `json:"sales_units"`
	// Partner holds partner keys: with them the Merchant-Serial-Number of each call comes from
	// the sales unit it is for.
	Partner  *PartnerConfig `json:"partner"`
	Timeouts TimeoutConfig  `json:"timeouts"`
	// Polling is the cadence of status reads while a call waits for a payment (poll_config.go).
	Polling   PollingConfig   `json:"polling"`
	Simulator SimulatorConfig `json:"simulator"`
	// PushFallback "qr" turns a push checkout that Vipps refuses because the sales unit may not
	// send push requests (ErrorCode 5080) into a QR checkout (push_fallback.go); "" (default):
	// the checkout fails with CodePushNotAllowed.
	PushFallback string `json:"push_fallback"`
	// DefaultCountryCode is the country calling code ("47") put in front of a phone number
	// typed without one ("912 34 567"); "" (the default) refuses such numbers (internal/phone).
	DefaultCountryCode string `json:"default_country_code"`
	// Login configures merchant-initiated login, the customer-club enrollment (internal/club).
	Login LoginConfig `json:"login"`
	// Scanner is the barcode scanner on a serial port (scanning.go); nil: none.
	Scanner *ScannerConfig `json:"scanner"`
	// Webhooks configures the webhook receiver and registration (internal/webhooks); nil: none.
	Webhooks *WebhookConfig `json:"webhooks"`
	// JournalPath is the write-ahead journal file. Default: journal-<environment>-<msn>.db in
	// the user's configuration folder (vmp/ under os.UserConfigDir); with the embedded simulator
	// a temporary file that is removed at close (that simulator's payments die with it).
	JournalPath string `json:"journal_path"`
	// JournalRetentionDays is how long finished operations stay in the journal; default 30.
	JournalRetentionDays int `json:"journal_retention_days"`
	// Ledger publishes the journal's payment records to the chain's PostgreSQL database and
	// lets find and totals answer for the chain (ledger_config.go).
	Ledger *LedgerConfig `json:"ledger"`
	// StrictReceipts refuses a receipt whose arithmetic looks wrong (VMP_ERR_INVALID_ARGUMENT)
	// instead of sending it with warnings (payments.Receipt.Review): for development.
	StrictReceipts bool `json:"strict_receipts"`
	// LogLevel is the least level of the log records the host gets (vmp_on_log,
	// vmp_next_log): "debug", "info" (default), "warn", "error" or "off" (internal/logs).
	LogLevel string `json:"log_level"`
}

// SystemConfig fills the Vipps-System-* headers; each value at most 30 characters.
type SystemConfig struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	PluginName    string `json:"plugin_name"`
	PluginVersion string `json:"plugin_version"`
}

// TimeoutConfig bounds network waits, in milliseconds.
type TimeoutConfig struct {
	ConnectMS int64 `json:"connect_ms"` // TCP/TLS connect; default 3000
	RequestMS int64 `json:"request_ms"` // one HTTP exchange; default 10000
	// OperationMS bounds one vmp call including its retries; default 30000.
	OperationMS int64 `json:"operation_ms"`
	// RecoveryMS bounds the recovery vmp_init runs over operations a previous run left open;
	// default 10000. What it cannot finish stays pending (vmp_pending).
	RecoveryMS int64 `json:"recovery_ms"`
}

// SimulatorConfig tunes the embedded simulator (environment "simulator" only).
type SimulatorConfig struct {
	// ApproveDelayMS is how long the simulated customer takes to answer; default 1000.
	ApproveDelayMS *int64 `json:"approve_delay_ms"`
	// PaymentExpiryMS is how long an unanswered payment lives; default 600000 (10 minutes).
	PaymentExpiryMS int64 `json:"payment_expiry_ms"`
	// PushNotAllowed makes the simulated sales units ones Vipps has not approved for push
	// requests: a push checkout is refused with ErrorCode 5080 (to try push_fallback).
	PushNotAllowed bool `json:"push_not_allowed"`
	// FullCaptureOnly makes them units that may not capture partially (ErrorCode 6140).
	FullCaptureOnly bool `json:"full_capture_only"`
	// FailureAmounts makes the test environment's failure amounts fail (core/sim, UnitRules).
	FailureAmounts bool `json:"failure_amounts"`
	// QRScanDelayMS, when set, makes a simulated customer scan each customer-facing QR that
	// long after the checkout; default: QR codes wait to be scanned through the control API.
	QRScanDelayMS int64 `json:"qr_scan_delay_ms"`
}

const (
	EnvSimulator  = "simulator"
	EnvTest       = "test"
	EnvProduction = "production"
)

var (
	msnPattern   = regexp.MustCompile(`^[0-9]{4,7}$`)
	idPattern    = regexp.MustCompile(`^[a-zA-Z0-9-]{0,20}$`)
	environments = map[string]string{EnvTest: "https://apitest.vipps.no", EnvProduction: "https://api.vipps.no", EnvSimulator: ""}
)

// ParseConfig decodes a configuration, fills defaults and checks it.
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	if err := wirejson.UnmarshalStrict(data, &cfg); err != nil {
		return Config{}, &Error{Code: CodeInvalidJSON, Message: "config: " + err.Error(), Err: err}
	}
	if err := cfg.applyDefaults(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c *Config) applyDefaults() error {
	if err := c.checkEnvironment(); err != nil {
		return err
	}
	if c.Environment != EnvSimulator {
		var missing []string
		keys := map[string]string{"client_id": c.ClientID, "client_secret": c.ClientSecret, "subscription_key": c.SubscriptionKey, "msn": c.MSN}
		if c.Partner != nil && c.ClientID == "" && c.ClientSecret == "" && c.SubscriptionKey == "" {
			keys = map[string]string{"msn": c.MSN} // the partner's keys act for this till's MSN
		}
		for name, v := range keys {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			return newError(CodeInvalidConfig, "config: environment %q needs %s", c.Environment, strings.Join(missing, ", "))
		}
		if c.Simulator != (SimulatorConfig{}) {
			return newError(CodeInvalidConfig, "config: the simulator block applies only to environment \"simulator\"")
		}
	}
	if err := c.checkBaseURL(); err != nil {
		return err
	}
	if err := c.checkCredentials(); err != nil {
		return err
	}
	if c.MSN != "" && !msnPattern.MatchString(c.MSN) {
		return newError(CodeInvalidConfig, "config: msn must be 4 to 7 digits")
	}
	if err := c.checkSalesUnits(); err != nil {
		return err
	}
	for name, v := range map[string]string{"system.name": c.System.Name, "system.version": c.System.Version,
		"system.plugin_name": c.System.PluginName, "system.plugin_version": c.System.PluginVersion} {
		if len(v) > 30 {
			return newError(CodeInvalidConfig, "config: %s is longer than 30 characters", name)
		}
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			// It travels in a header, where a line break would be replaced: Vipps would get
			// another name than the one configured.
			return newError(CodeInvalidConfig, "config: %s must not contain control characters", name)
		}
	}
	for name, v := range map[string]string{"store_id": c.StoreID, "pos_id": c.PosID} {
		if !idPattern.MatchString(v) {
			return newError(CodeInvalidConfig, "config: %s must be at most 20 of a-z A-Z 0-9 -", name)
		}
	}
	if c.Currency == "" {
		c.Currency = "NOK"
	}
	if !payments.ValidCurrency(c.Currency) {
		return newError(CodeInvalidConfig, "config: currency %q is not NOK, DKK or EUR", c.Currency)
	}
	if c.Description == "" {
		c.Description = "Purchase"
	}
	if err := payments.CheckDescription(c.Description); err != nil {
		return newError(CodeInvalidConfig, "config: %v", err)
	}
	if c.PushFallback != "" && c.PushFallback != FlowQR {
		return newError(CodeInvalidConfig, "config: push_fallback must be \"qr\" or absent")
	}
	if err := c.checkClub(); err != nil {
		return err
	}
	if c.JournalRetentionDays == 0 {
		c.JournalRetentionDays = 30
	}
	if c.JournalRetentionDays < 1 || c.JournalRetentionDays > 3650 {
		return newError(CodeInvalidConfig, "config: journal_retention_days must be between 1 and 3650")
	}
	if err := c.Scanner.check(); err != nil {
		return err
	}
	if err := c.Ledger.check(); err != nil {
		return err
	}
	if err := c.Webhooks.Check(c.Environment != EnvSimulator && c.BaseURL == ""); err != nil {
		return err
	}
	if err := c.checkLogLevel(); err != nil {
		return err
	}
	if err := c.Polling.check(); err != nil {
		return err
	}
	return c.Timeouts.applyDefaults()
}

// credentialPattern is what a client id, client secret or subscription key can be: printable
// ASCII without spaces, at most 256 bytes (Vipps' are GUIDs, hex and base64 of well under 100).
// They travel in HTTP headers, where anything else would be refused or split the request.
var credentialPattern = regexp.MustCompile(`^[\x21-\x7e]{0,256}$`)

// checkCredentials checks every key set of the configuration: the till's own, the partner's
// and the sales units'.
func (c *Config) checkCredentials() error {
	sets := map[string][3]string{"": {c.ClientID, c.ClientSecret, c.SubscriptionKey}}
	if p := c.Partner; p != nil {
		sets["partner."] = [3]string{p.ClientID, p.ClientSecret, p.SubscriptionKey}
	}
	for i, u := range c.SalesUnits {
		sets[fmt.Sprintf("sales_units[%d].", i)] = [3]string{u.ClientID, u.ClientSecret, u.SubscriptionKey}
	}
	for _, prefix := range slices.Sorted(maps.Keys(sets)) {
		for i, name := range []string{"client_id", "client_secret", "subscription_key"} {
			if !credentialPattern.MatchString(sets[prefix][i]) {
				return newError(CodeInvalidConfig, "config: %s%s must be at most 256 printable ASCII characters without spaces", prefix, name)
			}
		}
	}
	return nil
}

func (t *TimeoutConfig) applyDefaults() error {
	fields := []struct {
		name     string
		v        *int64
		def, min int64
	}{
		{"timeouts.connect_ms", &t.ConnectMS, 3000, 100},
		{"timeouts.request_ms", &t.RequestMS, 10000, 500},
		{"timeouts.operation_ms", &t.OperationMS, 30000, 500},
		{"timeouts.recovery_ms", &t.RecoveryMS, 10000, 100},
	}
	for _, f := range fields {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < f.min || *f.v > 600000 {
			return newError(CodeInvalidConfig, "config: %s must be between %d and 600000", f.name, f.min)
		}
	}
	if t.OperationMS < t.RequestMS {
		return newError(CodeInvalidConfig, "config: timeouts.operation_ms must not be less than timeouts.request_ms")
	}
	return nil
}

func (t TimeoutConfig) connect() time.Duration { return time.Duration(t.ConnectMS) * time.Millisecond }
func (t TimeoutConfig) request() time.Duration { return time.Duration(t.RequestMS) * time.Millisecond }
func (t TimeoutConfig) operation() time.Duration {
	return time.Duration(t.OperationMS) * time.Millisecond
}
func (t TimeoutConfig) recovery() time.Duration {
	return time.Duration(t.RecoveryMS) * time.Millisecond
}
