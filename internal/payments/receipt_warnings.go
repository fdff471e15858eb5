package payments

import (
	"fmt"
	"strings"
	"sync"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// maxWarnedReceipts bounds ReceiptWarnings: the most recent receipts' warnings are kept, a
// till reads them right after its call.
const maxWarnedReceipts = 1024

// ReceiptWarnings keeps what looked wrong in the receipts sent (Receipt.Review), by sales unit
// and payment reference, for the host to read (vmp_receipt_warnings). Memory only: the
// warnings were also logged.
type ReceiptWarnings struct {
	mu    sync.Mutex
	byKey map[string][]string
	order []string // keys, oldest first
}

// Put records the warnings of the receipt last sent for (unit, reference); none clears them.
func (w *ReceiptWarnings) Put(unit, reference string, warnings []string) {
	key := unit + "|" + reference
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byKey == nil {
		w.byKey = map[string][]string{}
	}
	if _, ok := w.byKey[key]; !ok {
		w.order = append(w.order, key)
		if len(w.order) > maxWarnedReceipts {
			delete(w.byKey, w.order[0])
			w.order = w.order[1:]
		}
	}
	w.byKey[key] = append([]string{}, warnings...)
}

// Get gives the warnings of the receipt last sent for (unit, reference), and whether one was.
func (w *ReceiptWarnings) Get(unit, reference string) ([]string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ws, ok := w.byKey[unit+"|"+reference]
	return append([]string{}, ws...), ok
}

// reviewReceipt checks a receipt before it is sent: an error refuses the call; the warnings
// go with the receipt, or refuse the call with strict_receipts.
func (eng *Engine) reviewReceipt(r *Receipt, currency string, amount int64) ([]string, error) {
	if eng.checkout.StrictReceipts {
		return nil, r.Check(currency, amount)
	}
	return r.Review(currency, amount)
}

// noteReceiptWarnings keeps the warnings of the receipt sent for the payment reference, for
// ReceiptWarnings, and logs them.
func (eng *Engine) noteReceiptWarnings(u *Unit, reference string, warnings []string) {
	eng.receiptWarnings.Put(u.msnKey(), reference, warnings)
	if len(warnings) > 0 {
		eng.log.Log(abi.LogWarn, "receipt", fmt.Sprintf("the receipt of %s was sent with %d warning(s): %s", reference, len(warnings),
			strings.Join(warnings, "; ")), model.LogID("reference", reference))
	}
}

// ReceiptWarnings gives what looked wrong in the receipt last sent for the payment reference
// (with a checkout or AttachReceipt); none when it looked right, or when no receipt was sent
// for it since the client was created.
func (u *Unit) ReceiptWarnings(reference string) ([]string, error) {
	if err := CheckReference(reference); err != nil {
		return nil, err
	}
	ws, _ := u.engine.receiptWarnings.Get(u.msnKey(), reference)
	return ws, nil
}
