package payments

import (
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// The payment invariants, in one place: every check of an amount or a currency, and every
// merge of what is known of a payment, goes through these; they are written nowhere else.
//   - An amount is 1 to MaxAmount minor units (CheckAmount).
//   - A currency is NOK, DKK or EUR (ValidCurrency).
//   - A payment leaves CREATED once, for one final state, and never comes back (State.Final of
//     internal/abi, LaterState); its aggregates only grow: a late answer or a reordered webhook event never
//     moves it backwards (NewerOf).
//   - What an authorized payment still holds reserved is what was authorized and neither
//     captured nor cancelled (Reserved).
// Captures, refunds and cancels beyond these amounts are Vipps' to refuse: the library does
// not second-guess them, it verifies a capture afterwards (capture_check.go).

// MaxAmount is the largest value Vipps accepts for a payment, in minor units.
const MaxAmount = 65_000_000

// CheckAmount checks a payment's or an operation's amount.
func CheckAmount(amount int64) error {
	if amount <= 0 {
		return model.Errorf(abi.CodeInvalidAmount, "amount must be greater than 0 (minor units), is %d", amount)
	}
	if amount > MaxAmount {
		return model.Errorf(abi.CodeInvalidAmount, "amount must be at most %d (minor units), is %d", MaxAmount, amount)
	}
	return nil
}

// ValidCurrency reports whether c is a currency Vipps takes.
func ValidCurrency(c string) bool { return c == "NOK" || c == "DKK" || c == "EUR" }

// State.Final - Vipps moves the payment out of the state on its own no more; AUTHORIZED is
// final although captures, refunds and cancels still change its aggregates - lives with the
// states in internal/abi/state.go (State is abi.State, and an alias takes no methods).

// LaterState is the state a payment is in after being seen in both: it leaves CREATED once,
// for one final state, and never comes back.
func LaterState(known, seen State) State {
	switch {
	case known.Final():
		return known
	case seen.Final():
		return seen
	case seen == abi.StateCreated:
		return abi.StateCreated
	}
	return known
}

// NewerOf merges a fresh view p (a read, an operation's answer, events) into old, what was
// known: a late answer or a reordered event can never move the payment backwards. The state
// only advances; the aggregates only grow; fields the fresh view lacks are kept.
func NewerOf(old, p Payment) Payment {
	p.State = LaterState(old.State, p.State)
	p.Amount = firstNonZero(p.Amount, old.Amount)
	p.Authorized = max(p.Authorized, old.Authorized)
	p.Captured = max(p.Captured, old.Captured)
	p.Refunded = max(p.Refunded, old.Refunded)
	p.Cancelled = max(p.Cancelled, old.Cancelled)
	p.Currency = firstNonEmpty(p.Currency, old.Currency)
	p.Reference = firstNonEmpty(p.Reference, old.Reference)
	p.PSPReference = firstNonEmpty(p.PSPReference, old.PSPReference)
	if !old.CreatedAt.IsZero() && (p.CreatedAt.IsZero() || old.CreatedAt.Before(p.CreatedAt)) {
		p.CreatedAt = old.CreatedAt
	}
	if old.LastChanged.After(p.LastChanged) {
		p.LastChanged = old.LastChanged
	}
	return p
}

// sameFigures reports whether two views of a payment have the same state and aggregates.
func sameFigures(a, b Payment) bool {
	return a.State == b.State && a.Amount == b.Amount && a.Authorized == b.Authorized && a.Captured == b.Captured &&
		a.Refunded == b.Refunded && a.Cancelled == b.Cancelled
}

// Reserved is what the payment still holds on the customer's account: authorized, neither
// captured nor cancelled.
func (p Payment) Reserved() int64 { return p.Authorized - p.Captured - p.Cancelled }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstNonZero(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}
