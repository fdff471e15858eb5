package payments

import (
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// A checkout is repeated only while it is younger than CheckoutRepeatWindow. Its age by the
// wall clock (CreatedAt in the journal) is wrong after the clock was stepped forward (NTP): a
// repeat a moment later looked 11 minutes old and became a second payment request for the
// sale. This process also remembers, on the monotonic clock, when it wrote each checkout (births.go), and
// takes the younger of the two ages: a checkout taken for younger than it is is finished with
// its own key (its payment comes back, nothing new is made); one taken for older is a second
// payment. Captures, refunds and cancels keep the wall clock's age, whose error refuses a
// repeat rather than guessing (ModificationRepeatWindow).

// checkoutAge is the age of checkout e at t: by the wall clock, or by this process's monotonic
// clock when that says it is younger.
func (eng *Engine) checkoutAge(e *journal.Entry, t time.Time) time.Duration {
	age := t.Sub(e.CreatedAt)
	if mono, ok := eng.births.age(e.ID, eng.monotonic()); ok {
		age = min(age, mono)
	}
	return age
}
