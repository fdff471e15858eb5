package core

import "github.com/vmp-dev/vmp/internal/abi"

// State is the Vipps ePayment state (vmp_payment_state; abi_gen.go). String and Final are
// internal/abi's (a method cannot be added to an alias); payment_invariants.go says how states
// follow each other.

// ParseState maps a Vipps state name to a State; unknown names give StateUnknown.
func ParseState(name string) State { return abi.ParseState(name) }

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
