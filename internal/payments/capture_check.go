package payments

import "github.com/vmp-dev/vmp/core/vipps"

// CapturedInEventLog is the capture check's rule (core/capture_check.go runs it after each
// capture): Vipps' own record, never the journal, is what a capture is compared with. It sums
// the successful CAPTURED events of a payment's event log and says whether the capture sent
// with key for amount is among them.
func CapturedInEventLog(events []vipps.PaymentEvent, key string, amount int64) (sum int64, ours bool) {
	for _, ev := range events {
		if ev.Name == "CAPTURED" && ev.Success {
			sum += ev.Amount.Value
			if ev.IdempotencyKey == key && ev.Amount.Value == amount {
				ours = true
			}
		}
	}
	return sum, ours
}
