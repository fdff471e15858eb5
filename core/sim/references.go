package sim

import "slices"

// References lists the references of every payment the simulator holds under the MSN ("" for
// every MSN), sorted. With the records of each (PaymentOf), a test can prove that no payment
// exists that the client under test does not know of - a checkout carried out twice.
func (s *Server) References(msn string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := make([]string, 0, len(s.payments))
	for k := range s.payments {
		if msn == "" || k.msn == msn {
			refs = append(refs, k.reference)
		}
	}
	slices.Sort(refs)
	return refs
}
