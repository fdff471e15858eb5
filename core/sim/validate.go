package sim

import (
	"bytes"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

var (
	referencePattern = regexp.MustCompile(`^[a-zA-Z0-9-]{8,64}$`)
	phonePattern     = regexp.MustCompile(`^[0-9]{10,15}$`)
	msnPattern       = regexp.MustCompile(`^[0-9]{4,7}$`)
	integerPattern   = regexp.MustCompile(`^-?[0-9]+$`)
)

// Amount limits (contract §2.2): 0 … 65 000 000 minor units, and a per-currency minimum for a
// new payment.
const maxAmountValue = 65_000_000

var minimumAmount = map[string]int64{"NOK": 100, "DKK": 1, "EUR": 1}

const maxIdempotencyKeyLength = 50

// createRequest is a validated createPayment body.
type createRequest struct {
	Reference           string
	Amount              Amount
	PaymentMethod       string
	UserFlow            string
	CustomerInteraction string
	Customer            customerRef
	ReturnURL           string
	Description         string
	QRFormat            string   // IMAGE/SVG+XML when userFlow is QR and none was asked for
	QRSize              int      // qrFormat.size (IMAGE/PNG only); 0 when not given
	Receipt             *receipt // nil when not given (receipts.go)
	Options             paymentOptions
}

// customerRef is the customer a request names, resolved to an MSISDN.
type customerRef struct {
	Kind   string // "phoneNumber", "personalQr", "customerToken"; "" when no customer is given
	MSISDN string
}

var (
	userFlows            = []string{"PUSH_MESSAGE", "NATIVE_REDIRECT", "WEB_REDIRECT", "QR"}
	customerInteractions = []string{"CUSTOMER_PRESENT", "CUSTOMER_NOT_PRESENT"}
	qrFormats            = []string{"TEXT/TARGETURL", "IMAGE/SVG+XML", "IMAGE/PNG"}
)

// validateCreate checks a createPayment body against the ePayment rules (contract §2.2) and
// returns the first problem found, in field order.
func validateCreate(body []byte) (createRequest, *problem) {
	var req createRequest
	obj, p := decodeObject(body, "body")
	if p != nil {
		return req, p
	}
	if req.Reference, p = requiredReference(obj); p != nil {
		return req, p
	}
	if req.Amount, p = requiredAmount(obj, "amount"); p != nil {
		return req, p
	}
	if min := minimumAmount[req.Amount.Currency]; req.Amount.Value < min {
		return req, codeProblem(codeAmountTooSmall, fmt.Sprintf("The minimum amount in %s is %d.", req.Amount.Currency, min))
	}
	if req.PaymentMethod, p = requiredPaymentMethod(obj); p != nil {
		return req, p
	}
	if req.UserFlow, p = requiredEnum(obj, "userFlow", userFlows); p != nil {
		return req, p
	}
	if req.CustomerInteraction, p = optionalEnum(obj, "customerInteraction", customerInteractions, "CUSTOMER_NOT_PRESENT"); p != nil {
		return req, p
	}
	if c, present, p := obj.object("customer", "customer"); p != nil {
		return req, p
	} else if present {
		if req.Customer, p = parseCustomer(c); p != nil {
			return req, p
		}
	}
	if req.ReturnURL, p = optionalReturnURL(obj); p != nil {
		return req, p
	}
	if req.Description, p = optionalDescription(obj); p != nil {
		return req, p
	}
	if _, present := obj.member("expiresAt"); present {
		return req, codeProblem(codeLongLivingNotAllowed, "This sales unit is not approved for long-living payments (expiresAt).")
	}
	if req.QRFormat, req.QRSize, p = optionalQRFormat(obj); p != nil {
		return req, p
	}
	if p = qrFlowRules(&req); p != nil {
		return req, p
	}
	if req.Receipt, p = optionalReceipt(obj); p != nil {
		return req, p
	}
	if req.Options, p = parsePaymentOptions(obj); p != nil {
		return req, p
	}
	switch {
	case req.UserFlow == "PUSH_MESSAGE" && req.Customer.Kind == "":
		return req, missingProblem("customer")
	case req.UserFlow == "WEB_REDIRECT" && req.ReturnURL == "":
		return req, missingProblem("returnUrl")
	}
	if req.Customer.Kind != "" && !isKnownCustomer(req.Customer.MSISDN) {
		return req, codeProblem(codeCustomerNotFound, "The customer cannot pay with Vipps MobilePay.")
	}
	return req, nil
}

func requiredReference(obj jsonObject) (string, *problem) {
	ref, present, p := obj.str("reference", "reference")
	switch {
	case p != nil:
		return "", p
	case !present:
		return "", missingProblem("reference")
	}
	return ref, checkReference(ref)
}

// checkReference applies the reference pattern to a reference from a body or a path.
func checkReference(ref string) *problem {
	if !referencePattern.MatchString(ref) {
		return fieldProblem("reference", "The field Reference must match the regular expression '^[a-zA-Z0-9-]{8,64}$'.")
	}
	return nil
}

// requiredAmount decodes and checks an Amount member: currency NOK, DKK or EUR (else 5040),
// value an integer from 0 to 65 000 000 (else 4040).
func requiredAmount(obj jsonObject, name string) (Amount, *problem) {
	var a Amount
	o, present, p := obj.object(name, name)
	switch {
	case p != nil:
		return a, p
	case !present:
		return a, missingProblem(name)
	}
	cur, present, p := o.str("currency", name+".currency")
	switch {
	case p != nil:
		return a, p
	case !present:
		return a, missingProblem(name + ".currency")
	}
	if _, ok := minimumAmount[cur]; !ok {
		return a, codeProblem(codeInvalidCurrency, fmt.Sprintf("Currency %q is not supported; use NOK, DKK or EUR.", cur))
	}
	raw, present := o.member("value")
	if !present {
		return a, missingProblem(name + ".value")
	}
	v, ok := parseMinorUnits(raw)
	if !ok {
		return a, codeProblem(codeInvalidAmount, fmt.Sprintf("The field %s.value must be an integer number of minor units from 0 to %d.", name, maxAmountValue))
	}
	return Amount{Currency: cur, Value: v}, nil
}

// parseMinorUnits accepts only a JSON integer literal from 0 to 65 000 000: decimals,
// exponents and strings are invalid amounts.
func parseMinorUnits(raw []byte) (int64, bool) {
	return parseIntLiteral(raw, maxAmountValue)
}

// parseNonNegativeInt accepts a JSON integer literal from 0 to a bound that keeps a count of
// milliseconds inside a time.Duration.
func parseNonNegativeInt(raw []byte) (int64, bool) {
	return parseIntLiteral(raw, math.MaxInt64/int64(time.Millisecond))
}

func parseIntLiteral(raw []byte, max int64) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if !integerPattern.Match(raw) {
		return 0, false
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < 0 || v > max {
		return 0, false
	}
	return v, true
}

func requiredPaymentMethod(obj jsonObject) (string, *problem) {
	pm, present, p := obj.object("paymentMethod", "paymentMethod")
	switch {
	case p != nil:
		return "", p
	case !present:
		return "", missingProblem("paymentMethod")
	}
	t, present, p := pm.str("type", "paymentMethod.type")
	switch {
	case p != nil:
		return "", p
	case !present:
		return "", missingProblem("paymentMethod.type")
	case t == "WALLET":
		return t, nil
	case t == "CARD":
		return "", codeProblem(codeInvalidPaymentMethod, "Payment method CARD is not available for this sales unit; use WALLET.")
	}
	return "", fieldProblem("paymentMethod.type", "The field paymentMethod.type must be one of WALLET, CARD.")
}

func requiredEnum(obj jsonObject, name string, allowed []string) (string, *problem) {
	v, present, p := obj.str(name, name)
	switch {
	case p != nil:
		return "", p
	case !present:
		return "", missingProblem(name)
	}
	return v, checkEnum(name, v, allowed)
}

func optionalEnum(obj jsonObject, name string, allowed []string, fallback string) (string, *problem) {
	v, present, p := obj.str(name, name)
	switch {
	case p != nil:
		return "", p
	case !present:
		return fallback, nil
	}
	return v, checkEnum(name, v, allowed)
}

func checkEnum(name, v string, allowed []string) *problem {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fieldProblem(name, fmt.Sprintf("The field %s must be one of %v.", name, allowed))
}

// parseCustomer checks a Customer object: exactly one of phoneNumber (MSISDN, else 4070),
// personalQr (5..255 characters and a QR this simulator knows, else 4060) or customerToken
// (one this simulator issued, else 4050).
func parseCustomer(c jsonObject) (customerRef, *problem) {
	var given []string
	for _, name := range []string{"phoneNumber", "personalQr", "customerToken"} {
		if _, ok := c.member(name); ok {
			given = append(given, name)
		}
	}
	if len(given) != 1 {
		return customerRef{}, fieldProblem("customer", "Exactly one of customer.phoneNumber, customer.personalQr or customer.customerToken is required.")
	}
	kind := given[0]
	v, _, p := c.str(kind, "customer."+kind)
	if p != nil {
		return customerRef{}, p
	}
	switch kind {
	case "phoneNumber":
		if !phonePattern.MatchString(v) {
			return customerRef{}, codeProblem(codeInvalidPhoneNumber, "The phone number must be an MSISDN of 10 to 15 digits, such as 4712345678.")
		}
		return customerRef{Kind: kind, MSISDN: v}, nil
	case "personalQr":
		n := utf8.RuneCountInString(v)
		msisdn, ok := msisdnFromPersonalQR(v)
		if n < 5 || n > 255 || !ok {
			return customerRef{}, codeProblem(codeInvalidPersonalQR, "The personal QR is not valid.")
		}
		return customerRef{Kind: kind, MSISDN: msisdn}, nil
	default:
		msisdn, ok := msisdnFromCustomerToken(v)
		if !ok {
			return customerRef{}, codeProblem(codeInvalidCustomerToken, "The customer token is not valid.")
		}
		return customerRef{Kind: kind, MSISDN: msisdn}, nil
	}
}

// optionalReturnURL accepts an https:// URL with a host or a custom-scheme URL (4090 otherwise).
func optionalReturnURL(obj jsonObject) (string, *problem) {
	v, present, p := obj.str("returnUrl", "returnUrl")
	if p != nil || !present {
		return "", p
	}
	u, err := url.Parse(v)
	switch {
	case err != nil, u.Scheme == "", u.Scheme == "http", u.Scheme == "https" && u.Host == "":
		return "", codeProblem(codeInvalidURL, "The returnUrl must use the https:// scheme or a custom URL scheme.")
	}
	return v, nil
}

func optionalDescription(obj jsonObject) (string, *problem) {
	v, present, p := obj.str("paymentDescription", "paymentDescription")
	if p != nil || !present {
		return "", p
	}
	if n := utf8.RuneCountInString(v); n < 3 || n > 100 {
		return "", fieldProblem("paymentDescription", "The field paymentDescription must be 3 to 100 characters long.")
	}
	return v, nil
}

// parseModificationAmount reads the modificationAmount of a capture or refund body. A
// modification moves at least one minor unit.
func parseModificationAmount(body []byte) (Amount, *problem) {
	obj, p := decodeObject(body, "body")
	if p != nil {
		return Amount{}, p
	}
	a, p := requiredAmount(obj, "modificationAmount")
	if p != nil {
		return a, p
	}
	if a.Value == 0 {
		return a, codeProblem(codeInvalidAmount, "The modificationAmount.value must be at least 1.")
	}
	return a, nil
}

// parseCancel reads the optional cancel body {"cancelTransactionOnly": bool}.
func parseCancel(body []byte) (transactionOnly bool, p *problem) {
	if len(bytes.TrimSpace(body)) == 0 || isJSONNull(body) {
		return false, nil
	}
	obj, p := decodeObject(body, "body")
	if p != nil {
		return false, p
	}
	v, _, p := obj.boolean("cancelTransactionOnly", "cancelTransactionOnly")
	return v, p
}

// parseForceApprove reads the optional forceApprove body {"customer": {...}, "token": "..."}.
func parseForceApprove(body []byte) *problem {
	if len(bytes.TrimSpace(body)) == 0 || isJSONNull(body) {
		return nil
	}
	obj, p := decodeObject(body, "body")
	if p != nil {
		return p
	}
	c, present, p := obj.object("customer", "customer")
	if p != nil || !present {
		return p
	}
	_, p = parseCustomer(c)
	return p
}

// checkIdempotencyKey checks the Idempotency-Key header: required on create, capture and
// refund (4140 when missing), at most 50 characters.
func checkIdempotencyKey(key string, required bool) *problem {
	switch {
	case key == "" && required:
		return missingProblem("Idempotency-Key")
	case len(key) > maxIdempotencyKeyLength:
		return fieldProblem("Idempotency-Key", fmt.Sprintf("The Idempotency-Key header must be at most %d characters long.", maxIdempotencyKeyLength))
	}
	return nil
}
