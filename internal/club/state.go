package club

import "github.com/vmp-dev/vmp/internal/abi"

// EnrollmentState is where an enrollment stands: vmp_enrollment_state (internal/abi, with
// String and Final).
type EnrollmentState = abi.EnrollmentState

const (
	EnrollmentUnknown   = abi.EnrollmentUnknown
	EnrollmentPending   = abi.EnrollmentPending   // the consent request waits for the customer
	EnrollmentConsented = abi.EnrollmentConsented // accepted; the profile is there; final
	EnrollmentDenied    = abi.EnrollmentDenied    // the customer declined; final
	EnrollmentExpired   = abi.EnrollmentExpired   // nobody answered in time; final
	EnrollmentCancelled = abi.EnrollmentCancelled // the till cancelled; final
	EnrollmentFailed    = abi.EnrollmentFailed    // the library could not follow it (see the error); final
)
