package payments

import (
	"testing"

	"github.com/vmp-dev/vmp/internal/abi"
)

// TestAPaymentNeverMovesBackwards feeds every pair of states and aggregates through newerOf,
// in both orders: a final state is kept, aggregates never shrink, and seeing the older view
// again changes neither.
func TestAPaymentNeverMovesBackwards(t *testing.T) {
	states := []State{abi.StateUnknown, abi.StateCreated, abi.StateAuthorized, abi.StateAborted, abi.StateExpired, abi.StateTerminated}
	amounts := []int64{0, 100, 250}
	for _, s1 := range states {
		for _, s2 := range states {
			for _, a1 := range amounts {
				for _, a2 := range amounts {
					old := Payment{State: s1, Authorized: a1, Captured: a1 / 2, Refunded: a1 / 5, Cancelled: a1 / 10}
					fresh := Payment{State: s2, Authorized: a2, Captured: a2 / 2, Refunded: a2 / 5, Cancelled: a2 / 10}
					got := NewerOf(old, fresh)
					if s1.Final() && got.State != s1 {
						t.Errorf("%v then %v gave %v: a final state moved", s1, s2, got.State)
					}
					if s1 != abi.StateUnknown && got.State == abi.StateUnknown {
						t.Errorf("%v then %v gave UNKNOWN", s1, s2)
					}
					for _, v := range []Payment{old, fresh} {
						if got.Authorized < v.Authorized || got.Captured < v.Captured || got.Refunded < v.Refunded || got.Cancelled < v.Cancelled {
							t.Errorf("%+v then %+v gave %+v: an aggregate shrank", old, fresh, got)
						}
						if again := NewerOf(got, v); again.State != got.State || again.Captured != got.Captured || again.Authorized != got.Authorized {
							t.Errorf("seeing %+v again after %+v gave %+v", v, got, again)
						}
					}
				}
			}
		}
	}
	if r := (Payment{Authorized: 1000, Captured: 300, Cancelled: 200}).Reserved(); r != 500 {
		t.Errorf("reserved = %d, want 500", r)
	}
}
