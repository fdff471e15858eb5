package core

import "github.com/vmp-dev/vmp/internal/club"

// The customer club (identify, loyalty check-in, enrollment) is its own subsystem,
// internal/club; Client.Club gives a client's. Its types are named here for users of core
// (EnrollmentState and its values in abi_gen.go).

// Customer is a customer identified at the till.
type Customer = club.Customer

// EnrollmentRequest is the JSON given to vmp_start_enrollment.
type EnrollmentRequest = club.EnrollmentRequest

// Enrollment is what PollEnrollment reports.
type Enrollment = club.Enrollment

// ParseEnrollment decodes and checks an enrollment request.
func ParseEnrollment(data []byte) (EnrollmentRequest, error) { return club.ParseEnrollment(data) }

// Club is the client's customer club: IdentifyCustomer, LoyaltyCheckIn and the enrollment
// calls. It acts for the till's own sales unit.
func (c *Client) Club() *club.Club { return c.club }
