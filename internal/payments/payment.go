// Package payments is the home of the payment itself: what the library knows of one payment
// (Payment) and the invariants every view of it keeps (invariants.go). The money operations,
// the poll and the recovery around it are core's still (issue 15: to move here).
package payments

import "github.com/vmp-dev/vmp/internal/abi"

// State is the Vipps ePayment state: vmp_payment_state (internal/abi, with String and Final);
// invariants.go says how states follow each other.
type State = abi.State

// Payment is what the library knows of one payment. Amounts are in minor units.
type Payment struct {
	Reference    string
	State        State
	Currency     string
	Amount       int64
	Authorized   int64
	Captured     int64
	Refunded     int64
	Cancelled    int64
	PSPReference string
	// RedirectURL is, for a QR checkout, the QR code's target URL.
	RedirectURL string
}
