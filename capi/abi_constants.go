package main

// #include "vmp.h"
import "C"

import "github.com/vmp-dev/vmp/core"

// This blank function never runs: it exists so that the build fails when core's numbering or this
// package's copies of header values drift from include/vmp.h. A constant index into a
// one-element array must be exactly 0, so each line compiles only while both sides are equal.
func _() {
	var same [1]struct{}
	// vmp_status values are core.Code values, passed through unchanged.
	_ = same[C.VMP_OK-core.CodeOK]
	_ = same[C.VMP_ERR_INVALID_ARGUMENT-core.CodeInvalidArgument]
	_ = same[C.VMP_ERR_INVALID_HANDLE-core.CodeInvalidHandle]
	_ = same[C.VMP_ERR_BUFFER_TOO_SMALL-core.CodeBufferTooSmall]
	_ = same[C.VMP_ERR_INVALID_JSON-core.CodeInvalidJSON]
	_ = same[C.VMP_ERR_INVALID_CONFIG-core.CodeInvalidConfig]
	_ = same[C.VMP_ERR_INVALID_AMOUNT-core.CodeInvalidAmount]
	_ = same[C.VMP_ERR_INVALID_REFERENCE-core.CodeInvalidReference]
	_ = same[C.VMP_ERR_INVALID_CUSTOMER-core.CodeInvalidCustomer]
	_ = same[C.VMP_ERR_NOT_FOUND-core.CodeNotFound]
	_ = same[C.VMP_ERR_REJECTED-core.CodeRejected]
	_ = same[C.VMP_ERR_AUTH-core.CodeAuth]
	_ = same[C.VMP_ERR_NETWORK-core.CodeNetwork]
	_ = same[C.VMP_ERR_UNKNOWN_OUTCOME-core.CodeUnknownOutcome]
	_ = same[C.VMP_ERR_RATE_LIMITED-core.CodeRateLimited]
	_ = same[C.VMP_ERR_CONFLICT-core.CodeConflict]
	_ = same[C.VMP_ERR_UNAVAILABLE-core.CodeUnavailable]
	_ = same[C.VMP_ERR_INTERNAL-core.CodeInternal]
	_ = same[C.VMP_ERR_JOURNAL-core.CodeJournal]
	_ = same[C.VMP_ERR_CUSTOMER_NOT_FOUND-core.CodeCustomerNotFound]
	_ = same[C.VMP_ERR_APP_TOO_OLD-core.CodeAppTooOld]
	_ = same[C.VMP_ERR_ALREADY_AUTHORIZED-core.CodeAlreadyAuthorized]
	_ = same[C.VMP_ERR_CAPTURE_MISMATCH-core.CodeCaptureMismatch]
	_ = same[C.VMP_ERR_UNVERIFIED-core.CodeUnverified]
	_ = same[C.VMP_ERR_FORKED-core.CodeForked]
	_ = same[C.VMP_ERR_IN_CALLBACK-core.CodeInCallback]
	_ = same[C.VMP_ERR_NEW_JOURNAL-core.CodeNewJournal]
	// vmp_payment_state values are core.State values.
	_ = same[C.VMP_STATE_UNKNOWN-core.StateUnknown]
	_ = same[C.VMP_STATE_CREATED-core.StateCreated]
	_ = same[C.VMP_STATE_AUTHORIZED-core.StateAuthorized]
	_ = same[C.VMP_STATE_ABORTED-core.StateAborted]
	_ = same[C.VMP_STATE_EXPIRED-core.StateExpired]
	_ = same[C.VMP_STATE_TERMINATED-core.StateTerminated]
	// vmp_enrollment_state values are core.EnrollmentState values; buffer sizes of the club.
	_ = same[C.VMP_ENROLLMENT_UNKNOWN-core.EnrollmentUnknown]
	_ = same[C.VMP_ENROLLMENT_PENDING-core.EnrollmentPending]
	_ = same[C.VMP_ENROLLMENT_CONSENTED-core.EnrollmentConsented]
	_ = same[C.VMP_ENROLLMENT_DENIED-core.EnrollmentDenied]
	_ = same[C.VMP_ENROLLMENT_EXPIRED-core.EnrollmentExpired]
	_ = same[C.VMP_ENROLLMENT_CANCELLED-core.EnrollmentCancelled]
	_ = same[C.VMP_ENROLLMENT_FAILED-core.EnrollmentFailed]
	_ = same[C.VMP_MSISDN_SIZE-msisdnSize]
	_ = same[C.VMP_ENROLLMENT_ID_SIZE-enrollmentIDSize]
	// Copies used by the argument checks.
	_ = same[C.VMP_QR_URL-qrURL]
	_ = same[C.VMP_QR_SVG-qrSVG]
	_ = same[C.VMP_QR_PNG-qrPNG]
	_ = same[C.VMP_QR_MATRIX-qrMatrix]
	_ = same[C.VMP_REFERENCE_SIZE-referenceSize]
	_ = same[C.VMP_CANCEL_TRANSACTION_ONLY-cancelTransactionOnly]
}
