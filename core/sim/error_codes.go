package sim

import "net/http"

// Vipps ePayment error codes the simulator produces (contract §2.9). They travel in a problem's
// extraDetails as {"name":"ErrorCode","reason":"NNNN"}.
const (
	codeInternal               = 3010
	codeCaptureIdempotency     = 4010
	codeIdempotencyKeyExists   = 4020
	codeInvalidAmount          = 4040
	codeInvalidCustomerToken   = 4050
	codeInvalidPersonalQR      = 4060
	codeInvalidPhoneNumber     = 4070
	codeInvalidURL             = 4090
	codeMissingParameter       = 4140
	codeReferenceExists        = 4150 // also "refund idempotency conflict"
	codeInvalidPaymentMethod   = 4160
	codeInvalidCurrency        = 5040
	codeLongLivingNotAllowed   = 5050
	codePushNotAllowed         = 5080
	codeRefundNotPossible      = 5100
	codeReferenceNotFound      = 5090
	codeAmountTooSmall         = 6010
	codeRefundBeforeReserve    = 6020
	codeCannotCancelCaptured   = 6040
	codeCannotCancelUnreserved = 6050
	codeCannotCancelAuthorized = 6060
	codeCaptureCancelled       = 6070
	codeCaptureBeforeReserve   = 6080
	codeCaptureTooHigh         = 6090
	codeMustCaptureFull        = 6140
	codeNotEnoughRefundable    = 6150
	codeCannotCapture          = 6200
	codeOrderProcessing        = 6160 // concurrent operation on the payment: HTTP 423, retry shortly
	codeCannotRefund           = 6210
	codeRefundPeriodExpired    = 6220
	codeCannotCancelProcessing = 6250 // the customer is approving right now: try again shortly
	codeFundsUnavailable       = 6260 // transient: retry the capture with the same key
	codeCaptureFailed          = 6280 // transient: retry the capture with the same key
	codeCustomerNotFound       = 7010
	codeApproveFailed          = 10010
)

type codeInfo struct {
	status int
	title  string
}

// errorCodes gives each code its HTTP status and title. Vipps does not tabulate the status per
// code; examples show 400 for domain errors. The simulator answers 409 for idempotency
// conflicts and an already-used reference, and 404 for an unknown reference.
var errorCodes = map[int]codeInfo{
	codeInternal:               {http.StatusInternalServerError, "Internal error"},
	codeCaptureIdempotency:     {http.StatusConflict, "Capture idempotency conflict"},
	codeIdempotencyKeyExists:   {http.StatusConflict, "Idempotency error"},
	codeInvalidAmount:          {http.StatusBadRequest, "Invalid amount"},
	codeInvalidCustomerToken:   {http.StatusBadRequest, "Invalid CustomerToken"},
	codeInvalidPersonalQR:      {http.StatusBadRequest, "Invalid PersonalQr"},
	codeInvalidPhoneNumber:     {http.StatusBadRequest, "Invalid phone number"},
	codeInvalidURL:             {http.StatusBadRequest, "Invalid URL"},
	codeMissingParameter:       {http.StatusBadRequest, "Missing required parameter"},
	codeReferenceExists:        {http.StatusConflict, "Reference exists"},
	codeInvalidPaymentMethod:   {http.StatusBadRequest, "Invalid payment method type"},
	codeInvalidCurrency:        {http.StatusBadRequest, "Invalid currency for merchant"},
	codeLongLivingNotAllowed:   {http.StatusBadRequest, "Long-living payment not allowed"},
	codePushNotAllowed:         {http.StatusBadRequest, "PUSH_MESSAGE not allowed"},
	codeRefundNotPossible:      {http.StatusBadRequest, "Refund not possible"},
	codeMustCaptureFull:        {http.StatusBadRequest, "Must capture full amount"},
	codeRefundPeriodExpired:    {http.StatusBadRequest, "Refund period expired"},
	codeReferenceNotFound:      {http.StatusNotFound, "Reference not found"},
	codeAmountTooSmall:         {http.StatusBadRequest, "Amount too small"},
	codeRefundBeforeReserve:    {http.StatusBadRequest, "Attempted refund before reservation"},
	codeCannotCancelCaptured:   {http.StatusBadRequest, "Cannot cancel a captured payment"},
	codeCannotCancelUnreserved: {http.StatusBadRequest, "Cannot cancel a non-reserved payment"},
	codeCannotCancelAuthorized: {http.StatusBadRequest, "Cannot cancel authorized payment"},
	codeCaptureCancelled:       {http.StatusBadRequest, "Cannot capture a cancelled payment"},
	codeCaptureBeforeReserve:   {http.StatusBadRequest, "Cannot capture before reservation"},
	codeCaptureTooHigh:         {http.StatusBadRequest, "Capture amount too high"},
	codeNotEnoughRefundable:    {http.StatusBadRequest, "Not enough refundable"},
	codeCannotCapture:          {http.StatusBadRequest, "Payment cannot be captured"},
	codeOrderProcessing:        {http.StatusLocked, "Order processing"},
	codeCannotRefund:           {http.StatusBadRequest, "Payment cannot be refunded"},
	codeCannotCancelProcessing: {http.StatusBadRequest, "Cannot cancel processing payment"},
	codeFundsUnavailable:       {http.StatusBadRequest, "Funds unavailable"},
	codeCaptureFailed:          {http.StatusBadRequest, "Capture failed, please try again later"},
	codeCustomerNotFound:       {http.StatusBadRequest, "Customer not found"},
	codeApproveFailed:          {http.StatusBadRequest, "Approve failed"},
}
