package sim

import (
	"fmt"
	"strings"
)

// UnitRules are what a sales unit's settings at Vipps make it refuse. The zero value is a
// Norwegian unit that may do everything the simulator knows.
type UnitRules struct {
	// Market is the unit's country: "NO" (default; NOK), "DK" (DKK) or "FI" (EUR). A payment
	// in another currency is refused with ErrorCode 5040 "Invalid currency for merchant": a
	// sales unit takes its market's currency only.
	Market string
	// PushNotAllowed makes the unit one Vipps has not approved for PUSH_MESSAGE payments
	// (skipping the landing page): createPayment with that userFlow answers ErrorCode 5080
	// "PUSH_MESSAGE not allowed" (ePayment's error list).
	PushNotAllowed bool
	// FullCaptureOnly makes the unit one that may not capture partially: a capture of less than
	// the whole reserved amount answers ErrorCode 6140 "Must capture full amount".
	FullCaptureOnly bool
}

// marketCurrency is each market's currency.
var marketCurrency = map[string]string{"NO": "NOK", "DK": "DKK", "FI": "EUR"}

// check reports what is wrong with the rules, for Start.
func (r UnitRules) check(msn string) error {
	if _, ok := marketCurrency[r.market()]; !ok {
		return fmt.Errorf("sim: sales unit %s: market %q is not NO, DK or FI", msn, r.Market)
	}
	return nil
}

func (r UnitRules) market() string {
	if r.Market == "" {
		return "NO"
	}
	return strings.ToUpper(r.Market)
}

// rulesOf is the sales unit's rules (MSN msn).
func (s *Server) rulesOf(msn string) UnitRules { return s.opts.UnitRules[msn] }

// unitRefusesCreate is the problem of a createPayment the sales unit may not make, nil when it
// may.
func (s *Server) unitRefusesCreate(msn string, req createRequest) *problem {
	rules := s.rulesOf(msn)
	if want := marketCurrency[rules.market()]; req.Amount.Currency != want {
		return codeProblem(codeInvalidCurrency, fmt.Sprintf("This sales unit (market %s) takes payments in %s only, not %s.",
			rules.market(), want, req.Amount.Currency))
	}
	if req.UserFlow == "PUSH_MESSAGE" && rules.PushNotAllowed {
		return codeProblem(codePushNotAllowed, "This sales unit is not allowed to use the PUSH_MESSAGE user flow.")
	}
	return nil
}

// unitRefusesCapture is the problem of a capture the payment's sales unit may not make: a
// partial one of a unit that must capture the full amount.
func (s *Server) unitRefusesCapture(p *payment, x Amount) *problem {
	remaining := p.authorized - p.captured - p.cancelled
	if s.rulesOf(p.msn).FullCaptureOnly && p.state == StateAuthorized && x.Value < remaining {
		return codeProblem(codeMustCaptureFull, fmt.Sprintf("This sales unit must capture the full amount, %d.", remaining))
	}
	return nil
}

// The test environment's failure amounts (Vipps' "test and go live" guide), in minor units,
// with Options.FailureAmounts: payments whose card authorization fails - 151 insufficient
// funds, 182 refused by the issuer, 183 suspected fraud, 184 withdrawal limit exceeded, 186
// expired card, 187 invalid card, 197 3-D Secure denied, 202 SCA required -, 201 an unknown
// result, and refunds that fail: 123 cannot refund (the customer's account is gone), 124 the
// refund period has expired.
var (
	failedAuthorizationAmounts = map[int64]bool{151: true, 182: true, 183: true, 184: true, 186: true, 187: true, 197: true, 202: true}
	unknownResultAmount        = int64(201)
)

// failureAmountBehaviour is what a customer who would otherwise do b does with a payment of
// amount: an authorization that fails leaves the customer nothing to approve with (the
// simulator ends it ABORTED, as a customer who gives up); an unknown result never answers.
func failureAmountBehaviour(amount int64, b behaviour) behaviour {
	switch {
	case b != behaviourApprove && b != behaviourConfirm:
		return b
	case failedAuthorizationAmounts[amount]:
		return behaviourReject
	case amount == unknownResultAmount:
		return behaviourNeverAnswer
	}
	return b
}

// failureAmountRefund is the problem of a refund of a failure amount, nil for any other.
func (s *Server) failureAmountRefund(x Amount) *problem {
	if !s.opts.FailureAmounts {
		return nil
	}
	switch x.Value {
	case 123:
		return codeProblem(codeRefundNotPossible, "The refund is not possible: the customer has no account to receive it.")
	case 124:
		return codeProblem(codeRefundPeriodExpired, "The refund period of this payment has expired.")
	}
	return nil
}
