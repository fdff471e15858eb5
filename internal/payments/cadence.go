package payments

import "time"

// Cadence is how often a waiting poll reads a payment's status from Vipps (config "polling").
//
// Vipps recommends starting after 5 seconds and checking every 2 seconds (its polling
// guidelines), or every second for a QR payment in a store. vmp's default reads at once and
// every 0.5 s for the first 2 minutes - a customer at the counter is waited for - then every
// 1 s, then every 2 s, backing off further after failures, and never faster than Vipps' 120
// reads a minute per payment. {"interval_ms": 2000, "first_delay_ms": 5000} is Vipps'
// recommendation.
type Cadence struct {
	// Interval between reads for the first 2 minutes (twice it until 5, four times after).
	Interval time.Duration
	// FirstDelay before the first read of a payment this library created.
	FirstDelay time.Duration
}

// Bounds of a Cadence: MinReadInterval keeps one waiting poll within Vipps' 120 reads a
// minute per payment.
const (
	MinReadInterval = 500 * time.Millisecond
	MaxReadInterval = time.Minute
	MaxFirstDelay   = time.Minute
)

// DefaultCadence is vmp's default.
var DefaultCadence = Cadence{Interval: MinReadInterval}
