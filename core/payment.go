package core

// State is the Vipps ePayment state. Values are those of vmp_payment_state in include/vmp.h.
type State int32

const (
	StateUnknown    State = 0
	StateCreated    State = 1
	StateAuthorized State = 2
	StateAborted    State = 3
	StateExpired    State = 4
	StateTerminated State = 5
)

var stateNames = [...]string{"UNKNOWN", "CREATED", "AUTHORIZED", "ABORTED", "EXPIRED", "TERMINATED"}

// String gives the Vipps name of the state, "UNKNOWN" for values outside the enum.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "UNKNOWN"
	}
	return stateNames[s]
}

// ParseState maps a Vipps state name to a State; unknown names give StateUnknown.
func ParseState(name string) State {
	for i, n := range stateNames {
		if n == name {
			return State(i)
		}
	}
	return StateUnknown
}

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
