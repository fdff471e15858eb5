package sim

import "strings"

// Magic customers. A payment's outcome is chosen by the customer it is sent to, identified by
// phone number (MSISDN), by a personal QR that carries that number, or by a customer token.
const (
	// MSISDNRejects is a customer who rejects (ABORTED) after ApproveDelay.
	MSISDNRejects = "4790000001"
	// MSISDNNeverAnswers is a customer who never answers: the payment EXPIRES after PaymentExpiry.
	MSISDNNeverAnswers = "4790000002"
	// MSISDNUnknown is not a Vipps MobilePay user: createPayment answers 400 ErrorCode 7010.
	MSISDNUnknown = "4790000003"
	// MSISDNWaitsForControl is a customer who does nothing until the control API (Approve,
	// Reject, Expire) decides; the payment expires after PaymentExpiry if nothing happens.
	MSISDNWaitsForControl = "4790000004"
	// MSISDNConfirming is a customer who is confirming the payment in the app (a card check,
	// BankID) and approves after ApproveDelay; until then a cancel is refused with ErrorCode
	// 6250 "Cannot cancel processing payment", as Vipps refuses one while the user is actively
	// authorizing.
	MSISDNConfirming = "4790000005"
)

// Personal QR and customer-token forms the simulator understands.
const (
	legacyQRPrefix = "https://qr.vipps.no/28/2/01/031/"
	legacyQRSuffix = "?v=1"
	tokenQRPrefix  = "https://qr.vipps.no/p/"
	simTokenPrefix = "sim-"
)

// behaviour is what a customer does with a payment request.
type behaviour string

const (
	behaviourApprove     behaviour = "approves"            // AUTHORIZED after ApproveDelay
	behaviourReject      behaviour = "rejects"             // ABORTED after ApproveDelay
	behaviourNeverAnswer behaviour = "never-answers"       // EXPIRED after PaymentExpiry
	behaviourWait        behaviour = "waits-for-control"   // control API decides, else EXPIRED
	behaviourConfirm     behaviour = "confirming"          // AUTHORIZED after ApproveDelay; no cancel before
	behaviourNoCustomer  behaviour = "no-customer-present" // redirect/QR flows without a customer: as behaviourWait
)

// behaviourOf returns what the customer with this MSISDN does. The unknown customer never
// gets this far (createPayment refuses it).
func behaviourOf(msisdn string) behaviour {
	switch msisdn {
	case "":
		return behaviourNoCustomer
	case MSISDNRejects:
		return behaviourReject
	case MSISDNNeverAnswers:
		return behaviourNeverAnswer
	case MSISDNWaitsForControl:
		return behaviourWait
	case MSISDNConfirming:
		return behaviourConfirm
	default:
		return behaviourApprove
	}
}

// answers reports whether the customer answers by themselves, after ApproveDelay.
func (b behaviour) answers() bool {
	return b == behaviourApprove || b == behaviourReject || b == behaviourConfirm
}

// isKnownCustomer reports whether an MSISDN belongs to a (simulated) Vipps MobilePay user.
func isKnownCustomer(msisdn string) bool {
	return msisdn != MSISDNUnknown
}

// PersonalQR returns the tokenised personal QR (https://qr.vipps.no/p/sim-<msisdn>) the
// simulator maps to msisdn.
func PersonalQR(msisdn string) string {
	return tokenQRPrefix + simTokenPrefix + msisdn
}

// LegacyPersonalQR returns the legacy clear-text personal QR
// (https://qr.vipps.no/28/2/01/031/<msisdn>?v=1) for msisdn.
func LegacyPersonalQR(msisdn string) string {
	return legacyQRPrefix + msisdn + legacyQRSuffix
}

// CustomerToken returns the customer token (sim-<msisdn>) the simulator maps to msisdn.
func CustomerToken(msisdn string) string {
	return simTokenPrefix + msisdn
}

// msisdnFromPersonalQR returns the MSISDN behind a scanned personal QR, in either the legacy
// clear-text form or the tokenised form with a token this simulator issued.
func msisdnFromPersonalQR(qr string) (string, bool) {
	if rest, ok := strings.CutPrefix(qr, legacyQRPrefix); ok {
		msisdn, ok := strings.CutSuffix(rest, legacyQRSuffix)
		return msisdn, ok && phonePattern.MatchString(msisdn)
	}
	if token, ok := strings.CutPrefix(qr, tokenQRPrefix); ok {
		return msisdnFromCustomerToken(token)
	}
	return "", false
}

// msisdnFromCustomerToken returns the MSISDN behind a token of the form sim-<msisdn>.
func msisdnFromCustomerToken(token string) (string, bool) {
	msisdn, ok := strings.CutPrefix(token, simTokenPrefix)
	return msisdn, ok && phonePattern.MatchString(msisdn)
}
