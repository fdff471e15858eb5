package sim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// validCreate is a createPayment body with every field the library sends.
func validCreate(ref string) map[string]any {
	return map[string]any{
		"amount":              map[string]any{"currency": "NOK", "value": 49900},
		"paymentMethod":       map[string]any{"type": "WALLET"},
		"customer":            map[string]any{"phoneNumber": "4712345678"},
		"customerInteraction": "CUSTOMER_PRESENT",
		"reference":           ref,
		"userFlow":            "PUSH_MESSAGE",
		"paymentDescription":  "Purchase at Acme Store",
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := wirejson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreatePaymentValidatesItsBody(t *testing.T) {
	type edit func(m map[string]any)
	set := func(k string, v any) edit { return func(m map[string]any) { m[k] = v } }
	del := func(k string) edit { return func(m map[string]any) { delete(m, k) } }
	amount := func(cur string, v any) edit { return set("amount", map[string]any{"currency": cur, "value": v}) }
	customer := func(k string, v any) edit { return set("customer", map[string]any{k: v}) }
	lit := func(s string) *string { return &s }
	cases := []struct {
		name   string
		edits  []edit
		raw    *string // a literal body instead of the edited valid one
		status int
		code   int
		field  string // a field the extraDetails must name
	}{
		{name: "a complete push payment is created", status: 201},
		{name: "unknown fields are ignored", edits: []edit{set("someFutureField", map[string]any{"x": 1}), set("metadata", map[string]any{"a": "b"})}, status: 201},
		{name: "a receipt and a profile are accepted", edits: []edit{set("receipt", map[string]any{"orderLines": []any{map[string]any{"name": "socks", "id": "1", "totalAmount": 1000, "totalAmountExcludingTax": 800, "totalTaxAmount": 200, "taxRate": 2500}}, "bottomLine": map[string]any{"currency": "NOK"}}), set("profile", map[string]any{"scope": "name"})}, status: 201},
		{name: "DKK at a Norwegian sales unit is 5040 (unit_rules_test: accepted in DK)", edits: []edit{amount("DKK", 1)}, status: 400, code: codeInvalidCurrency},
		{name: "EUR at a Norwegian sales unit is 5040 (unit_rules_test: accepted in FI)", edits: []edit{amount("EUR", 1)}, status: 400, code: codeInvalidCurrency},
		{name: "the largest amount is accepted", edits: []edit{amount("NOK", 65000000)}, status: 201},
		{name: "a customer given as a legacy personal QR is accepted", edits: []edit{customer("personalQr", LegacyPersonalQR("4791234567"))}, status: 201},
		{name: "a customer given as a tokenised personal QR is accepted", edits: []edit{customer("personalQr", PersonalQR("4791234567"))}, status: 201},
		{name: "a customer given as a customer token is accepted", edits: []edit{customer("customerToken", CustomerToken("4791234567"))}, status: 201},
		{name: "a QR payment with a null customer is accepted", edits: []edit{set("userFlow", "QR"), set("customer", nil)}, status: 201},
		{name: "a custom-scheme returnUrl is accepted", edits: []edit{set("returnUrl", "acmepos://done")}, status: 201},

		{name: "a truncated document is 400 naming the body", raw: lit(`{"amount":`), status: 400, field: "body"},
		{name: "an empty body is 400 naming the body", raw: lit(``), status: 400, field: "body"},
		{name: "a JSON array is 400 naming the body", raw: lit(`[1,2]`), status: 400, field: "body"},
		{name: "a JSON null is 400 naming the body", raw: lit(`null`), status: 400, field: "body"},
		{name: "trailing data is 400 naming the body", raw: lit(`{"reference":"abcdefgh-1"} {}`), status: 400, field: "body"},
		{name: "a missing reference is 4140", edits: []edit{del("reference")}, status: 400, code: codeMissingParameter, field: "reference"},
		{name: "a seven-character reference is 400", edits: []edit{set("reference", "abc-123")}, status: 400, field: "reference"},
		{name: "a 65-character reference is 400", edits: []edit{set("reference", strings.Repeat("r", 65))}, status: 400, field: "reference"},
		{name: "a reference with an underscore is 400", edits: []edit{set("reference", "order_12345")}, status: 400, field: "reference"},
		{name: "a numeric reference is 400", edits: []edit{set("reference", 12345678)}, status: 400, field: "reference"},
		{name: "a missing amount is 4140", edits: []edit{del("amount")}, status: 400, code: codeMissingParameter, field: "amount"},
		{name: "a missing currency is 4140", edits: []edit{set("amount", map[string]any{"value": 1000})}, status: 400, code: codeMissingParameter, field: "amount.currency"},
		{name: "a missing amount value is 4140", edits: []edit{set("amount", map[string]any{"currency": "NOK"})}, status: 400, code: codeMissingParameter, field: "amount.value"},
		{name: "a decimal amount is 4040", edits: []edit{amount("NOK", 499.5)}, status: 400, code: codeInvalidAmount},
		{name: "an amount with an exponent is 4040", raw: lit(strings.Replace(pushBody("exponent-1", 0, phone("4712345678")), `"value":0`, `"value":1e3`, 1)), status: 400, code: codeInvalidAmount},
		{name: "a negative amount is 4040", edits: []edit{amount("NOK", -100)}, status: 400, code: codeInvalidAmount},
		{name: "an amount above 65 000 000 is 4040", edits: []edit{amount("NOK", 65000001)}, status: 400, code: codeInvalidAmount},
		{name: "an amount given as a string is 4040", edits: []edit{amount("NOK", "1000")}, status: 400, code: codeInvalidAmount},
		{name: "99 øre is below the NOK minimum and is 6010", edits: []edit{amount("NOK", 99)}, status: 400, code: codeAmountTooSmall},
		{name: "zero DKK is below the minimum and is 6010", edits: []edit{amount("DKK", 0)}, status: 400, code: codeAmountTooSmall},
		{name: "zero EUR is below the minimum and is 6010", edits: []edit{amount("EUR", 0)}, status: 400, code: codeAmountTooSmall},
		{name: "SEK is an invalid currency, 5040", edits: []edit{amount("SEK", 1000)}, status: 400, code: codeInvalidCurrency},
		{name: "a lower-case currency is 5040", edits: []edit{amount("nok", 1000)}, status: 400, code: codeInvalidCurrency},
		{name: "a missing payment method is 4140", edits: []edit{del("paymentMethod")}, status: 400, code: codeMissingParameter, field: "paymentMethod"},
		{name: "a CARD payment method is 4160", edits: []edit{set("paymentMethod", map[string]any{"type": "CARD"})}, status: 400, code: codeInvalidPaymentMethod},
		{name: "a payment method without a type is 4140", edits: []edit{set("paymentMethod", map[string]any{})}, status: 400, code: codeMissingParameter, field: "paymentMethod.type"},
		{name: "a payment method that is not an object is 400", edits: []edit{set("paymentMethod", "WALLET")}, status: 400, field: "paymentMethod"},
		{name: "a userFlow that is not a string is 400", edits: []edit{set("userFlow", 1)}, status: 400, field: "userFlow"},
		{name: "an unknown payment method is 400", edits: []edit{set("paymentMethod", map[string]any{"type": "CASH"})}, status: 400, field: "paymentMethod.type"},
		{name: "a missing userFlow is 4140", edits: []edit{del("userFlow")}, status: 400, code: codeMissingParameter, field: "userFlow"},
		{name: "an unknown userFlow is 400", edits: []edit{set("userFlow", "EMAIL")}, status: 400, field: "userFlow"},
		{name: "an unknown customerInteraction is 400", edits: []edit{set("customerInteraction", "IN_STORE")}, status: 400, field: "customerInteraction"},
		{name: "a push payment without a customer is 4140", edits: []edit{del("customer")}, status: 400, code: codeMissingParameter, field: "customer"},
		{name: "a web redirect without a returnUrl is 4140", edits: []edit{set("userFlow", "WEB_REDIRECT")}, status: 400, code: codeMissingParameter, field: "returnUrl"},
		{name: "an http returnUrl is 4090", edits: []edit{set("returnUrl", "http://shop.example/back")}, status: 400, code: codeInvalidURL},
		{name: "a customer with two identifiers is 400", edits: []edit{set("customer", map[string]any{"phoneNumber": "4712345678", "personalQr": PersonalQR("4712345678")})}, status: 400, field: "customer"},
		{name: "an empty customer is 400", edits: []edit{set("customer", map[string]any{})}, status: 400, field: "customer"},
		{name: "a customer that is not an object is 400", edits: []edit{set("customer", "4712345678")}, status: 400, field: "customer"},
		{name: "a phone number with a plus is 4070", edits: []edit{customer("phoneNumber", "+4712345678")}, status: 400, code: codeInvalidPhoneNumber},
		{name: "a phone number of nine digits is 4070", edits: []edit{customer("phoneNumber", "471234567")}, status: 400, code: codeInvalidPhoneNumber},
		{name: "a phone number of sixteen digits is 4070", edits: []edit{customer("phoneNumber", "4712345678901234")}, status: 400, code: codeInvalidPhoneNumber},
		{name: "a phone number given as a number is 400", edits: []edit{customer("phoneNumber", 4712345678)}, status: 400, field: "customer.phoneNumber"},
		{name: "a four-character personal QR is 4060", edits: []edit{customer("personalQr", "abcd")}, status: 400, code: codeInvalidPersonalQR},
		{name: "a personal QR of 256 characters is 4060", edits: []edit{customer("personalQr", tokenQRPrefix+strings.Repeat("x", 256-len(tokenQRPrefix)))}, status: 400, code: codeInvalidPersonalQR},
		{name: "a tokenised personal QR the simulator never issued is 4060", edits: []edit{customer("personalQr", "https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe")}, status: 400, code: codeInvalidPersonalQR},
		{name: "a legacy personal QR without its version suffix is 4060", edits: []edit{customer("personalQr", "https://qr.vipps.no/28/2/01/031/4712345678")}, status: 400, code: codeInvalidPersonalQR},
		{name: "a customer token the simulator never issued is 4050", edits: []edit{customer("customerToken", "ey%382jf8+qk3nnfdsao0i5jlalidugujnakgo9t8ghn")}, status: 400, code: codeInvalidCustomerToken},
		{name: "the unknown magic customer is 7010", edits: []edit{customer("phoneNumber", MSISDNUnknown)}, status: 400, code: codeCustomerNotFound},
		{name: "the unknown magic customer behind a QR is 7010", edits: []edit{customer("personalQr", PersonalQR(MSISDNUnknown))}, status: 400, code: codeCustomerNotFound},
		{name: "a two-character description is 400", edits: []edit{set("paymentDescription", "ab")}, status: 400, field: "paymentDescription"},
		{name: "a 101-character description is 400", edits: []edit{set("paymentDescription", strings.Repeat("d", 101))}, status: 400, field: "paymentDescription"},
		{name: "a long-living payment is 5050", edits: []edit{set("expiresAt", "2026-03-09T09:30:00Z")}, status: 400, code: codeLongLivingNotAllowed},
		{name: "an unknown QR format is 400", edits: []edit{set("userFlow", "QR"), set("qrFormat", map[string]any{"format": "IMAGE/GIF"})}, status: 400, field: "qrFormat.format"},
	}
	r := newRig(t, Options{TokenLifetime: 24 * time.Hour})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			// Bodies without a usable reference share one rate-limit bucket, as on Vipps.
			r.clock.Advance(rateWindow)
			ref := fmt.Sprintf("validation-%03d", i)
			var body string
			if tc.raw != nil {
				body = *tc.raw
			} else {
				m := validCreate(ref)
				for _, e := range tc.edits {
					e(m)
				}
				body = encode(t, m)
			}
			a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "key-"+ref)
			if tc.status == http.StatusCreated {
				if a.status != http.StatusCreated {
					t.Fatalf("create: %v", a)
				}
				return
			}
			p := wantProblem(t, a, tc.status, tc.code)
			if tc.field != "" && !namesField(p, tc.field) {
				t.Fatalf("extraDetails %+v do not name %s", p.ExtraDetails, tc.field)
			}
			if tc.code == 0 && p.Detail == "" {
				t.Fatal("a schema error without detail")
			}
		})
	}
}

func TestPersonalQRFormsResolveToTheirMSISDN(t *testing.T) {
	cases := []struct {
		name   string
		qr     string
		msisdn string
		ok     bool
	}{
		{"a legacy QR carries the MSISDN in clear text", "https://qr.vipps.no/28/2/01/031/4791234567?v=1", "4791234567", true},
		{"a tokenised QR issued by the simulator maps to its MSISDN", "https://qr.vipps.no/p/sim-4712345678", "4712345678", true},
		{"a legacy QR with letters in the number is invalid", "https://qr.vipps.no/28/2/01/031/47912345ab?v=1", "", false},
		{"a legacy QR with another version is invalid", "https://qr.vipps.no/28/2/01/031/4791234567?v=2", "", false},
		{"a tokenised QR with a foreign token is invalid", "https://qr.vipps.no/p/4796844569", "", false},
		{"a tokenised QR with a short number is invalid", "https://qr.vipps.no/p/sim-4791", "", false},
		{"a plain http QR is invalid", "http://qr.vipps.no/p/sim-4712345678", "", false},
		{"a product barcode is invalid", "7038010009457", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msisdn, ok := msisdnFromPersonalQR(tc.qr)
			if ok != tc.ok || (ok && msisdn != tc.msisdn) {
				t.Fatalf("msisdnFromPersonalQR(%q) = %q, %v", tc.qr, msisdn, ok)
			}
		})
	}
}

func FuzzValidateCreate(f *testing.F) {
	seeds := []string{
		pushBody("fuzz-seed-001", 49900, phone("4712345678")),
		pushBody("fuzz-seed-002", 100, `{"personalQr":"https://qr.vipps.no/28/2/01/031/4791234567?v=1"}`),
		pushBody("fuzz-seed-003", 1, `{"customerToken":"sim-4790000001"}`),
		pushBody("fuzz-seed-004", 65000001, phone("4790000003")),
		`{"amount":{"currency":"EUR","value":1.5},"paymentMethod":{"type":"CARD"},"reference":"x","userFlow":"QR"}`,
		`{"amount":{"currency":"DKK","value":1},"paymentMethod":{"type":"WALLET"},"reference":"fuzz-seed-005","userFlow":"WEB_REDIRECT","returnUrl":"https://a.example/"}`,
		`{"amount":null,"customer":{"phoneNumber":"4712345678","personalQr":"x"}}`,
		`{"reference":"fuzz-seed-006","qrFormat":{"format":"IMAGE/PNG","size":100},"expiresAt":"2026-01-01T00:00:00Z"}`,
		`{`, `[]`, `null`, `""`, "\x00", `{"amount":{"value":-0}}`, `{"amount":{"currency":"NOK","value":99999999999999999999}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, p := validateCreate(body)
		if p != nil {
			if p.Status != http.StatusBadRequest || len(p.ExtraDetails) == 0 || p.Title == "" {
				t.Fatalf("malformed problem %+v for %q", p, body)
			}
			if a := p.reply("/v1/payments"); !wirejson.Valid(a.body) {
				t.Fatalf("problem body %q is not JSON", a.body)
			}
			return
		}
		switch {
		case !referencePattern.MatchString(req.Reference):
			t.Fatalf("accepted reference %q", req.Reference)
		case req.Amount.Value < minimumAmount[req.Amount.Currency] || req.Amount.Value > maxAmountValue:
			t.Fatalf("accepted amount %+v", req.Amount)
		case req.PaymentMethod != "WALLET":
			t.Fatalf("accepted payment method %q", req.PaymentMethod)
		case checkEnum("userFlow", req.UserFlow, userFlows) != nil:
			t.Fatalf("accepted userFlow %q", req.UserFlow)
		case req.UserFlow == "PUSH_MESSAGE" && req.Customer.Kind == "":
			t.Fatalf("accepted a push payment without a customer")
		case req.Customer.Kind != "" && (!phonePattern.MatchString(req.Customer.MSISDN) || !isKnownCustomer(req.Customer.MSISDN)):
			t.Fatalf("accepted customer %+v", req.Customer)
		}
	})
}
