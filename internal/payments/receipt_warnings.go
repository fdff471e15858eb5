package payments

import "sync"

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
