// Package payments is a client's money: the Engine (engine.go) and the sales units it acts for
// (unit.go), whose operations move money - checkout, capture, refund, cancel (operations.go),
// each through the one way money moves (moneyop.go): the repeat rule (repeat_rule.go), settling
// an attempt that may have been applied (settle.go, settle_by_poll.go), the capture check
// (capture_check.go) -, recovery and pending (recovery.go, pending.go), the new journal
// (newjournal.go), upkeep (upkeep.go), the QR of a QR checkout and receipts afterwards. And what
// they keep: Payment and its invariants (invariants.go), a payment's Tracker with its status
// poll, webhook events and listener (tracker.go, poll.go, webhook_events.go, listener.go), the
// seen log and the journal's entries (seen.go, entries.go), the operation locks
// (intent_locks.go, origins.go), references and Idempotency-Keys (reference.go,
// idempotency.go), the checkout request and the receipt with their parsers. It is given what it
// needs (Deps) and imports no subsystem and not core.
package payments

import (
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
)

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
	// CreatedAt is when the payment was created: the CREATED event of Vipps' event log once the
	// library has read it, else when this library's createPayment was answered; zero when unknown.
	CreatedAt time.Time
	// LastChanged is when the library saw the payment's state or aggregates change (its own
	// clock; Vipps' getPayment carries no time); zero when unknown.
	LastChanged time.Time
}
