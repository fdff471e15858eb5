package sim

// UnitRules are what a sales unit's settings at Vipps make it refuse. The zero value is a unit
// that may do everything the simulator knows.
type UnitRules struct {
	// PushNotAllowed makes the unit one Vipps has not approved for PUSH_MESSAGE payments
	// (skipping the landing page): createPayment with that userFlow answers ErrorCode 5080
	// "PUSH_MESSAGE not allowed" (ePayment's error list).
	PushNotAllowed bool
}

// rulesOf is the sales unit's rules (MSN msn).
func (s *Server) rulesOf(msn string) UnitRules { return s.opts.UnitRules[msn] }

// unitRefusesCreate is the problem of a createPayment the sales unit may not make, nil when it
// may.
func (s *Server) unitRefusesCreate(msn string, req createRequest) *problem {
	if req.UserFlow == "PUSH_MESSAGE" && s.rulesOf(msn).PushNotAllowed {
		return codeProblem(codePushNotAllowed, "This sales unit is not allowed to use the PUSH_MESSAGE user flow.")
	}
	return nil
}
