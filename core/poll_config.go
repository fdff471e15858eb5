package core

import (
	"time"

	"github.com/vmp-dev/vmp/internal/payments"
)

// PollingConfig is the cadence of status reads while vmp_poll_status waits ("polling"):
// interval_ms between reads for the first 2 minutes (default 500; 500 to 60000, so that one
// waiting poll stays within Vipps' 120 reads a minute per payment), first_delay_ms before the
// first read of a payment this till created (default 0; at most 60000). Vipps recommends
// {"interval_ms": 2000, "first_delay_ms": 5000} (internal/payments, Cadence).
type PollingConfig struct {
	IntervalMS   int64 `json:"interval_ms"`
	FirstDelayMS int64 `json:"first_delay_ms"`
}

func (p PollingConfig) check() error {
	interval, first := time.Duration(p.IntervalMS)*time.Millisecond, time.Duration(p.FirstDelayMS)*time.Millisecond
	if p.IntervalMS != 0 && (interval < payments.MinReadInterval || interval > payments.MaxReadInterval) {
		return newError(CodeInvalidConfig, "config: polling.interval_ms must be %d to %d (Vipps allows 120 reads a minute per payment)",
			payments.MinReadInterval.Milliseconds(), payments.MaxReadInterval.Milliseconds())
	}
	if first < 0 || first > payments.MaxFirstDelay {
		return newError(CodeInvalidConfig, "config: polling.first_delay_ms must be 0 to %d", payments.MaxFirstDelay.Milliseconds())
	}
	return nil
}

// cadence is the checked config as the trackers' Cadence.
func (p PollingConfig) cadence() payments.Cadence {
	c := payments.DefaultCadence
	if p.IntervalMS != 0 {
		c.Interval = time.Duration(p.IntervalMS) * time.Millisecond
	}
	c.FirstDelay = time.Duration(p.FirstDelayMS) * time.Millisecond
	return c
}
