package model

// Code is the outcome class of an engine call. The values are those of vmp_status in
// include/vmp.h and are never renumbered; new ones are only appended (in both places).
type Code int32

const (
	CodeOK               Code = 0
	CodeInvalidArgument  Code = 1
	CodeInvalidHandle    Code = 2
	CodeBufferTooSmall   Code = 3
	CodeInvalidJSON      Code = 4
	CodeInvalidConfig    Code = 5
	CodeInvalidAmount    Code = 6
	CodeInvalidReference Code = 7
	CodeInvalidCustomer  Code = 8
	CodeNotFound         Code = 9
	CodeRejected         Code = 10
	CodeAuth             Code = 11
	CodeNetwork          Code = 12
	CodeUnknownOutcome   Code = 13
	CodeRateLimited      Code = 14
	CodeConflict         Code = 15
	CodeUnavailable      Code = 16
	CodeInternal         Code = 17
	CodeJournal          Code = 18
	// CodeCustomerNotFound: the customer is not a Vipps MobilePay user or cannot use the
	// service (Login's invalid_user: no or inactive account, under 15).
	CodeCustomerNotFound Code = 19
	// CodeAppTooOld: the customer's app is too old for the request (Login's old_app).
	CodeAppTooOld         Code = 20
	CodeAlreadyAuthorized Code = 21
	CodeCaptureMismatch   Code = 22
	// CodeUnverified: a webhook delivery failed verification (signature, content hash, date
	// or a missing header); it was not applied.
	CodeUnverified Code = 23
	// CodeForked: the process was forked after vmp was loaded; decided in the C shim, which
	// never enters Go in such a child (capi/wall_fork.c).
	CodeForked Code = 24
	// CodeInCallback: a call that would wait for the running callback was made from inside
	// it (vmp_close); decided in the C shim.
	CodeInCallback Code = 25
	// CodeNewJournal: a call without an operation id on a payment a new journal does not know
	// (newjournal.go).
	CodeNewJournal Code = 26
)

var codeNames = map[Code]string{
	CodeOK:                "VMP_OK",
	CodeInvalidArgument:   "VMP_ERR_INVALID_ARGUMENT",
	CodeInvalidHandle:     "VMP_ERR_INVALID_HANDLE",
	CodeBufferTooSmall:    "VMP_ERR_BUFFER_TOO_SMALL",
	CodeInvalidJSON:       "VMP_ERR_INVALID_JSON",
	CodeInvalidConfig:     "VMP_ERR_INVALID_CONFIG",
	CodeInvalidAmount:     "VMP_ERR_INVALID_AMOUNT",
	CodeInvalidReference:  "VMP_ERR_INVALID_REFERENCE",
	CodeInvalidCustomer:   "VMP_ERR_INVALID_CUSTOMER",
	CodeNotFound:          "VMP_ERR_NOT_FOUND",
	CodeRejected:          "VMP_ERR_REJECTED",
	CodeAuth:              "VMP_ERR_AUTH",
	CodeNetwork:           "VMP_ERR_NETWORK",
	CodeUnknownOutcome:    "VMP_ERR_UNKNOWN_OUTCOME",
	CodeRateLimited:       "VMP_ERR_RATE_LIMITED",
	CodeConflict:          "VMP_ERR_CONFLICT",
	CodeUnavailable:       "VMP_ERR_UNAVAILABLE",
	CodeInternal:          "VMP_ERR_INTERNAL",
	CodeJournal:           "VMP_ERR_JOURNAL",
	CodeCustomerNotFound:  "VMP_ERR_CUSTOMER_NOT_FOUND",
	CodeAppTooOld:         "VMP_ERR_APP_TOO_OLD",
	CodeAlreadyAuthorized: "VMP_ERR_ALREADY_AUTHORIZED",
	CodeCaptureMismatch:   "VMP_ERR_CAPTURE_MISMATCH",
	CodeUnverified:        "VMP_ERR_UNVERIFIED",
	CodeForked:            "VMP_ERR_FORKED",
	CodeInCallback:        "VMP_ERR_IN_CALLBACK",
	CodeNewJournal:        "VMP_ERR_NEW_JOURNAL",
}

// String gives the C name of the code, e.g. "VMP_ERR_REJECTED".
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "VMP_ERR_UNKNOWN_STATUS"
}
