package sim

import (
	"fmt"
	"maps"
	"net"
	"time"
)

// Credentials is the one set of API keys (one sales unit) the simulator accepts.
type Credentials struct {
	ClientID        string
	ClientSecret    string
	SubscriptionKey string
	MSN             string
}

// DefaultCredentials are the keys a simulator accepts when Options.Credentials is left empty.
var DefaultCredentials = Credentials{
	ClientID:        "sim-client-id",
	ClientSecret:    "sim-client-secret",
	SubscriptionKey: "sim-subscription-key",
	MSN:             "123456",
}

// Options configures Start. The zero value is a working simulator on a random loopback port.
type Options struct {
	// Addr is the listen address. Default "127.0.0.1:0" (a random free port). Start refuses any
	// host that is not a loopback address ("localhost", 127.0.0.0/8, ::1) unless AllowRemote.
	Addr string
	// AllowRemote lets Addr be any address, so other machines can reach the simulator (the
	// standalone vmp-sim's -allow-remote). Whoever reaches it can approve payments and inject
	// faults: the control API has no authentication and nothing is encrypted.
	AllowRemote bool
	// Clock is the source of time. Default: the real wall clock.
	Clock Clock
	// Credentials are the accepted API keys when SalesUnits is empty. Empty fields take the
	// value of DefaultCredentials. They are also the Login API client (CIBA, userinfo); when
	// SalesUnits is set and Credentials left empty, that is the first sales unit.
	Credentials Credentials
	// SalesUnits are the sales units whose keys the simulator accepts, each with its own MSN
	// (distinct) and keys (client_ids distinct); a unit's empty fields take the value of
	// DefaultCredentials. Empty means []Credentials{Credentials}. Payments, idempotency
	// records and rate limits are per MSN (sales_units.go).
	SalesUnits []Credentials
	// Partners are partner key sets, each acting for the MSNs it lists; partner keys must send
	// Merchant-Serial-Number on every call (403 without, or with an MSN not listed).
	Partners []PartnerCredentials
	// StrictReceipts makes the simulator check a receipt's arithmetic too (receipts.go): each
	// line's totalAmount is totalAmountExcludingTax + totalTaxAmount, and the signed sum of the
	// lines (returns negative) plus tipAmount is the payment's amount, in its currency. By
	// default only the schema is checked, as the Vipps documentation promises no more.
	StrictReceipts bool
	// ApproveDelay is how long a magic approving or rejecting customer takes to answer, a
	// payment request or a consent request (login) alike.
	// Zero means the default of 1s; a negative value means the customer answers at once.
	ApproveDelay time.Duration
	// QRScanDelay, when positive, makes a simulated customer (MSISDNScansQR) scan every
	// customer-facing QR payment that long after it is created, as if standing at the till;
	// zero leaves QR payments waiting for ScanQR or /sim/qr/{token}/scan.
	QRScanDelay time.Duration
	// PaymentExpiry is how long a payment may stay CREATED before it EXPIRES. Zero or negative
	// means the default of 10 minutes.
	PaymentExpiry time.Duration
	// TokenLifetime is how long an access token is valid. Zero or negative means the default
	// of 1 hour (the lifetime in the Vipps test environment).
	TokenLifetime time.Duration
	// LoginInterval is the least time between token polls the simulator announces for a
	// consent request (the CIBA "interval"), rounded up to whole seconds. Zero or negative
	// means the default of 1s; Vipps announces 5s, the simulator is quicker so demos are.
	LoginInterval time.Duration
	// LoginExpiry is how long a consent request lives when the client asks for no
	// requested_expiry, rounded up to whole seconds. Zero or negative means the default of
	// 10 minutes (Vipps: 600 s).
	LoginExpiry time.Duration
	// FaultSeed seeds the generator that decides which requests a fault with a Probability
	// hits, so a soak run can be repeated exactly. Zero means a seed from the current time.
	FaultSeed int64
	// Latency is a simulated network round trip (wall-clock time): every Vipps API request is
	// handled half of it after it arrives and answered the other half later, and every webhook
	// delivery travels the same way. Zero means none. The /sim control API is never delayed.
	Latency time.Duration
	// WebhookRetryDelay is the wait after a failed webhook delivery (wall-clock time): four
	// retries after it, then 30 and 60 times as long, then 1800 times. Zero or negative means
	// the default of 2s (Vipps: 2 s four times, then 60 s, 120 s, hourly).
	WebhookRetryDelay time.Duration
	// WebhookTimeout is how long a webhook receiver has to answer a delivery. Zero or negative
	// means the default of 10s (as on Vipps).
	WebhookTimeout time.Duration
	// FailureAmounts makes the test environment's failure amounts (unit_rules.go) fail as they
	// do there: a payment of 1.51 is refused by the card, a refund of 1.23 is not possible.
	// Off by default, so that no amount fails by surprise.
	FailureAmounts bool
	// UnitRules are the sales units' settings at Vipps, by MSN (unit_rules.go); an MSN without
	// an entry has the defaults.
	UnitRules map[string]UnitRules
	// MerchantNames are what the customer's phone page calls the sales units, by MSN (a store's
	// name as the customer knows it). An MSN without one is shown as "Sales unit <MSN>".
	MerchantNames map[string]string
}

const (
	defaultAddr          = "127.0.0.1:0"
	defaultApproveDelay  = time.Second
	defaultPaymentExpiry = 10 * time.Minute
	defaultTokenLifetime = time.Hour
	defaultLoginInterval = time.Second
	defaultLoginExpiry   = 10 * time.Minute

	defaultWebhookRetryDelay = 2 * time.Second
	defaultWebhookTimeout    = 10 * time.Second
)

// withDefaults returns o with every unset field given its default value, or an error when o
// cannot work (a non-loopback address, a malformed MSN).
func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		o.Addr = defaultAddr
	}
	if err := checkLoopback(o.Addr); err != nil && !o.AllowRemote {
		return o, err
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Credentials == (Credentials{}) && len(o.SalesUnits) > 0 {
		o.Credentials = o.SalesUnits[0]
	}
	o.Credentials = o.Credentials.withDefaults()
	if !msnPattern.MatchString(o.Credentials.MSN) {
		return o, fmt.Errorf("sim: credentials MSN %q must be 4 to 7 digits", o.Credentials.MSN)
	}
	var err error
	if o, err = o.salesUnitsWithDefaults(); err != nil {
		return o, err
	}
	switch {
	case o.ApproveDelay == 0:
		o.ApproveDelay = defaultApproveDelay
	case o.ApproveDelay < 0:
		o.ApproveDelay = 0
	}
	if o.PaymentExpiry <= 0 {
		o.PaymentExpiry = defaultPaymentExpiry
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = defaultTokenLifetime
	}
	if o.LoginInterval <= 0 {
		o.LoginInterval = defaultLoginInterval
	}
	if o.LoginExpiry <= 0 {
		o.LoginExpiry = defaultLoginExpiry
	}
	o.LoginInterval, o.LoginExpiry = ceilSecond(o.LoginInterval), ceilSecond(o.LoginExpiry)
	if o.Latency < 0 {
		o.Latency = 0
	}
	if o.WebhookRetryDelay <= 0 {
		o.WebhookRetryDelay = defaultWebhookRetryDelay
	}
	o.MerchantNames = maps.Clone(o.MerchantNames) // the caller's map may change later
	o.UnitRules = maps.Clone(o.UnitRules)
	for msn, r := range o.UnitRules {
		if err := r.check(msn); err != nil {
			return o, err
		}
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = defaultWebhookTimeout
	}
	return o, nil
}

func (c Credentials) withDefaults() Credentials {
	if c.ClientID == "" {
		c.ClientID = DefaultCredentials.ClientID
	}
	if c.ClientSecret == "" {
		c.ClientSecret = DefaultCredentials.ClientSecret
	}
	if c.SubscriptionKey == "" {
		c.SubscriptionKey = DefaultCredentials.SubscriptionKey
	}
	if c.MSN == "" {
		c.MSN = DefaultCredentials.MSN
	}
	return c
}

// checkLoopback accepts "host:port" only when host is "localhost" or a loopback IP address.
// An empty host would listen on every interface, so it is refused too.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sim: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("sim: listen address %q is not a loopback address; the simulator only listens on 127.0.0.1, ::1 or localhost", addr)
}
