package payments

import (
	"testing"

	"github.com/vmp-dev/vmp/core/journal"
)

// A call with an id, and every path that works on the entry it finds (recovery, settle-by-poll,
// the seen flush, a repeat without an id), take one lock - whatever key derivation wrote the
// entry and whether it names its unit by MSN (TestAnOpenEntryOfAnOlderJournalIsFinishedByOnePathAtATime
// in core shows the harm of two). A checkout's id is its explicit reference. Two operations
// apart never share one.
func TestACallAndTheEntryItFindsTakeOneLock(t *testing.T) {
	u := &Unit{name: "", msn: "123456"}
	till := TillIdentity{StoreID: "s1", PosID: "p1"}
	capture := moneyOp{unit: u, kind: journal.OpCapture, reference: "order-1", amount: 3000, operationID: "cap-1",
		intent: "capture|123456|order-1|3000"}
	checkout := moneyOp{unit: u, kind: journal.OpCreate, reference: "order-2", operationID: "order-2", intent: "create|x"}
	entryOf := func(op moneyOp, key, msn, intent string) *journal.Entry {
		return &journal.Entry{ID: key, IdempotencyKey: key, Operation: op.kind, Reference: op.reference, MSN: msn,
			OperationID: op.operationID, Intent: intent}
	}
	for _, op := range []moneyOp{capture, checkout} {
		key := IdempotencyKey(till, op.kind, u.msn, op.reference, op.operationID)
		for what, e := range map[string]*journal.Entry{
			"this vmp's":          entryOf(op, key, u.msn, op.intent),
			"under an older key":  entryOf(op, "vmp-0123456789abcdef0123456789abcdef01234567", u.msn, op.intent),
			"of vmp 0.1 (no MSN)": entryOf(op, "vmp-89abcdef0123456789abcdef0123456789abcdef", "", op.kind+"|"+op.reference),
		} {
			if op.lock() != lockOf(e) {
				t.Errorf("%s %s: the call locks %q, its entry %s %q", op.kind, op.operationID, op.lock(), what, lockOf(e))
			}
		}
	}
	apart := []string{capture.lock(), checkout.lock(),
		moneyOp{unit: u, kind: journal.OpRefund, reference: "order-1", operationID: "cap-1"}.lock(),
		moneyOp{unit: u, kind: journal.OpCapture, reference: "order-1", operationID: "cap-2"}.lock(),
		moneyOp{unit: u, kind: journal.OpCapture, reference: "order-3", operationID: "cap-1"}.lock(),
		moneyOp{unit: u, kind: journal.OpCapture, reference: "order-1", intent: capture.intent}.lock()}
	for i := range apart {
		for j := range i {
			if apart[i] == apart[j] {
				t.Errorf("two operations share the lock %q", apart[i])
			}
		}
	}
}
