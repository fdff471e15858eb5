package sim

import "time"

// State is an ePayment payment state (contract §2.5). A payment leaves CREATED once and never
// again; capture, refund and cancel after authorization change the aggregate, not the state.
type State string

// The payment states.
const (
	StateCreated    State = "CREATED"
	StateAuthorized State = "AUTHORIZED"
	StateAborted    State = "ABORTED"
	StateExpired    State = "EXPIRED"
	StateTerminated State = "TERMINATED"
)

// Event names of the payment event log (contract §2.6).
const (
	EventCreated    = "CREATED"
	EventAuthorized = "AUTHORIZED"
	EventAborted    = "ABORTED"
	EventExpired    = "EXPIRED"
	EventCancelled  = "CANCELLED"
	EventCaptured   = "CAPTURED"
	EventRefunded   = "REFUNDED"
	EventTerminated = "TERMINATED"
)

// Amount is a Vipps amount in minor units (øre, cents).
type Amount struct {
	Currency string `json:"currency"`
	Value    int64  `json:"value"`
}

// Aggregate is the running totals of a payment.
type Aggregate struct {
	AuthorizedAmount Amount `json:"authorizedAmount"`
	CancelledAmount  Amount `json:"cancelledAmount"`
	CapturedAmount   Amount `json:"capturedAmount"`
	RefundedAmount   Amount `json:"refundedAmount"`
}

// PaymentEvent is one entry of a payment's event log, as GET …/events returns it.
type PaymentEvent struct {
	Reference      string    `json:"reference"`
	PSPReference   string    `json:"pspReference"`
	Name           string    `json:"name"`
	Amount         Amount    `json:"amount"`
	Timestamp      time.Time `json:"timestamp"`
	IdempotencyKey *string   `json:"idempotencyKey,omitempty"`
	Success        bool      `json:"success"`
}

// createPaymentResponse is the 201 answer of createPayment.
type createPaymentResponse struct {
	RedirectURL string `json:"redirectUrl,omitempty"`
	Reference   string `json:"reference"`
}

// getPaymentResponse is the 200 answer of getPayment.
type getPaymentResponse struct {
	Aggregate     Aggregate         `json:"aggregate"`
	Amount        Amount            `json:"amount"`
	State         State             `json:"state"`
	PaymentMethod paymentMethod     `json:"paymentMethod"`
	Profile       profileResponse   `json:"profile"`
	PSPReference  string            `json:"pspReference"`
	RedirectURL   string            `json:"redirectUrl,omitempty"`
	Reference     string            `json:"reference"`
	Metadata      map[string]string `json:"metadata,omitempty"`
}

// profileResponse is getPayment's profile: the sub of a customer who shared the profile.
type profileResponse struct {
	Sub string `json:"sub,omitempty"`
}

type paymentMethod struct {
	Type string `json:"type"`
}

// modificationResponse is the 200 answer of capture, refund and cancel.
type modificationResponse struct {
	Amount       Amount    `json:"amount"`
	State        State     `json:"state"`
	Aggregate    Aggregate `json:"aggregate"`
	PSPReference string    `json:"pspReference"`
	Reference    string    `json:"reference"`
}

// accessTokenResponse is the 200 answer of /accesstoken/get. Every numeric field is a JSON
// string, as on the real endpoint.
type accessTokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	ExtExpiresIn string `json:"ext_expires_in"`
	ExpiresOn    string `json:"expires_on"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	AccessToken  string `json:"access_token"`
}
