package core

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// A money-moving call needs an access token first. When the token endpoint fails, the call
// itself was never sent: it must end with a definite failure (nothing happened, the till may
// simply try again), never with VMP_ERR_UNKNOWN_OUTCOME, and leave nothing open in the journal.
// Found by the soak (tests/soak) with every token request failing.
func TestATokenFailureNeverMakesAMoneyMovingCallUnknown(t *testing.T) {
	s, clock := externalSim(t)
	tokenFaults := []sim.Fault{
		{Kind: sim.FaultStatus, Status: 503},
		{Kind: sim.FaultStatus, Status: 429, RetryAfter: time.Second},
		{Kind: sim.FaultDropAfterCommit},
		{Kind: sim.FaultMalformedJSON},
	}
	// A capture or refund reads the payment first, so create and cancel are the calls whose
	// own request is the first to need a token.
	for _, op := range []string{journal.OpCreate, journal.OpCapture, journal.OpCancel} {
		for _, f := range tokenFaults {
			t.Run(fmt.Sprintf("%s with %s on every token request", op, faultName(f)), func(t *testing.T) {
				ref := uniqueRef("tok")
				prepare(t, s, clock, op, ref)
				f.Operation, f.Times = sim.OperationToken, -1
				id, err := s.InjectFault(f)
				if err != nil {
					t.Fatal(err)
				}
				c := clientOn(t, s, filepath.Join(t.TempDir(), "journal.db"))
				err = runOp(c, op, ref)
				s.RemoveFault(id)
				defer c.Close()
				switch code := CodeOf(err); code {
				case CodeUnavailable, CodeNetwork, CodeRateLimited:
				default:
					t.Fatalf("the call ended %v, want a definite failure (nothing was sent): %v", code, err)
				}
				if got := effects(s, ref)[effectOf[op]]; op != journal.OpCreate && got != 0 {
					t.Fatalf("%s happened %d times without a token", op, got)
				}
				if _, ok := s.Payment(ref); op == journal.OpCreate && ok {
					t.Fatal("a payment was created without a token")
				}
				pending, err := c.Pending()
				if err != nil || len(pending.Open) != 0 {
					t.Fatalf("left open: %+v, %v", pending.Open, err)
				}
				clock.Advance(61 * time.Second)
			})
		}
	}
}
