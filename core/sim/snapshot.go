package sim

import (
	"encoding/json"
	"time"
)

// PaymentSnapshot is a copy of one payment's full state, for tests and for GET
// /sim/payments/{reference}. It shares nothing with the simulator.
type PaymentSnapshot struct {
	MSN                  string         `json:"msn"` // the sales unit the payment was created under
	Reference            string         `json:"reference"`
	PSPReference         string         `json:"pspReference"`
	State                State          `json:"state"`
	Amount               Amount         `json:"amount"`
	Aggregate            Aggregate      `json:"aggregate"`
	PaymentMethod        string         `json:"paymentMethod"`
	UserFlow             string         `json:"userFlow"`
	CustomerInteraction  string         `json:"customerInteraction"`
	PaymentDescription   string         `json:"paymentDescription,omitempty"`
	RedirectURL          string         `json:"redirectUrl,omitempty"`
	CustomerMSISDN       string         `json:"customerMsisdn,omitempty"`       // as resolved from phone number, QR or token
	CustomerIdentifiedBy string         `json:"customerIdentifiedBy,omitempty"` // "phoneNumber", "personalQr" or "customerToken"
	CustomerBehaviour    string         `json:"customerBehaviour"`
	IdempotencyKey       string         `json:"idempotencyKey"` // of the createPayment request
	CreatedAt            time.Time      `json:"createdAt"`
	ExpiresAt            time.Time      `json:"expiresAt"`
	Events               []PaymentEvent `json:"events"`
	// Receipt is the receipt given in createPayment, or else the one attached to the order
	// (MSN, ECOM, reference) through Order Management, as compact JSON; nil without.
	Receipt json.RawMessage `json:"receipt,omitempty"`
	// ReturnURL, MinimumUserAge, ProfileScope, Metadata and ReceiptURL are the createPayment
	// members of the same names (profile.scope), as given.
	ReturnURL      string            `json:"returnUrl,omitempty"`
	MinimumUserAge *int64            `json:"minimumUserAge,omitempty"`
	ProfileScope   string            `json:"profileScope,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	ReceiptURL     string            `json:"receiptUrl,omitempty"`
	// CapturedSkew is what SkewCaptured adds to the capturedAmount the API reports; Aggregate
	// holds the real amounts.
	CapturedSkew int64 `json:"capturedSkew,omitempty"`
}

// Payment returns a snapshot of the payment with this reference, after applying whatever the
// clock says is due (a customer's answer, expiry). References are unique per MSN: when the
// reference exists under more than one MSN, Payment reports false; use PaymentOf.
func (s *Server) Payment(reference string) (PaymentSnapshot, bool) {
	return s.PaymentOf("", reference)
}

// Stats returns a copy of the simulator's counters.
func (s *Server) Stats() Stats {
	return s.stats.snapshot()
}

func (p *payment) snapshot() PaymentSnapshot {
	return PaymentSnapshot{
		MSN:                  p.msn,
		Reference:            p.reference,
		PSPReference:         p.pspReference,
		State:                p.state,
		Amount:               p.amount,
		Aggregate:            p.aggregate(),
		PaymentMethod:        p.paymentMethod,
		UserFlow:             p.userFlow,
		CustomerInteraction:  p.customerInteraction,
		PaymentDescription:   p.description,
		RedirectURL:          p.redirectURL,
		CustomerMSISDN:       p.customer.MSISDN,
		CustomerIdentifiedBy: p.customer.Kind,
		CustomerBehaviour:    string(p.behaviour),
		IdempotencyKey:       p.createKey,
		CreatedAt:            p.createdAt.UTC(),
		ExpiresAt:            p.expiresAt.UTC(),
		Events:               p.eventLog(),
		CapturedSkew:         p.capturedSkew,
		ReturnURL:            p.returnURL,
		MinimumUserAge:       p.options.MinimumUserAge,
		ProfileScope:         p.options.ProfileScope,
		Metadata:             p.options.Metadata,
		ReceiptURL:           p.options.ReceiptURL,
	}
}
