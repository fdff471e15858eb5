package abi

// Final reports whether Vipps will move the payment out of this state on its own no more.
// AUTHORIZED is final although captures, refunds and cancels still change its aggregates.
func (s State) Final() bool {
	return s == StateAuthorized || s == StateAborted || s == StateExpired || s == StateTerminated
}

// ParseState maps a Vipps state name ("AUTHORIZED") to a State; unknown names give StateUnknown.
func ParseState(name string) State {
	for _, s := range States {
		if s.String() == name {
			return s
		}
	}
	return StateUnknown
}

// Final reports whether the enrollment can no longer change.
func (s EnrollmentState) Final() bool { return s >= EnrollmentConsented && s <= EnrollmentFailed }
