package core

import (
	"testing"

	"github.com/vmp-dev/vmp/internal/payments"
)

// Fuzz targets for every decoder of JSON a till hands in (vmp_init, vmp_start_checkout,
// vmp_start_enrollment, vmp_attach_receipt, the webhook registration calls). Whatever the
// bytes, a decoder must not panic, must refuse with one of the invalid-input codes (never
// CodeInternal, which tells the till "a bug in vmp"), and whatever it accepts must be within
// the limits it promises. `make fuzz` runs them; the seeds are in testdata/fuzz.

// inputCodes are the codes a refused input may have.
var inputCodes = map[Code]bool{CodeInvalidArgument: true, CodeInvalidJSON: true, CodeInvalidConfig: true,
	CodeInvalidAmount: true, CodeInvalidReference: true, CodeInvalidCustomer: true}

func refusedAsInput(t *testing.T, what string, data []byte, err error) {
	t.Helper()
	if err != nil && !inputCodes[CodeOf(err)] {
		t.Fatalf("%s(%q) refused with %v: %v", what, data, CodeOf(err), err)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{}`, `{"environment":"test","client_id":"a","client_secret":"b","subscription_key":"c","msn":"123456"}`,
		`{"timeouts":{"request_ms":500}}`, `{"scanner":{"port":"/dev/ttyACM0","terminators":"\r\n"}}`,
		`{"sales_units":[{"name":"b","msn":"234567"}],"partner":{"client_id":"p","client_secret":"q","subscription_key":"r"}}`,
		`{"webhooks":{"listen":"127.0.0.1:0"}}`, `null`, `{"journal_retention_days":0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		refusedAsInput(t, "ParseConfig", data, err)
		if err != nil {
			return
		}
		to := cfg.Timeouts
		for _, ms := range []int64{to.ConnectMS, to.RequestMS, to.OperationMS, to.RecoveryMS} {
			if ms < 100 || ms > 600000 {
				t.Fatalf("ParseConfig(%q) accepted a timeout of %d ms", data, ms)
			}
		}
		if cfg.Environment != EnvSimulator && cfg.Environment != EnvTest && cfg.Environment != EnvProduction {
			t.Fatalf("ParseConfig(%q) accepted environment %q", data, cfg.Environment)
		}
	})
}

func FuzzParseCheckout(f *testing.F) {
	for _, s := range []string{`{"amount":100,"phone_number":"4791234567"}`, `{"amount":100,"personal_qr":"https://qr.vipps.no/p/x"}`,
		`{"amount":12000,"flow":"qr","reference":"abc-12345"}`, `{"amount":65000000,"phone_number":"+47 912 34 567","currency":"EUR"}`,
		`{"amount":9900,"phone_number":"4791234567","receipt":{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,` +
			`"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK"}}}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseCheckout(data)
		refusedAsInput(t, "ParseCheckout", data, err)
		if err != nil {
			return
		}
		if req.Amount < 1 || req.Amount > 65000000 {
			t.Fatalf("ParseCheckout(%q) accepted amount %d", data, req.Amount)
		}
		if req.Reference != "" && payments.CheckReference(req.Reference) != nil {
			t.Fatalf("ParseCheckout(%q) accepted reference %q", data, req.Reference)
		}
	})
}

func FuzzParseEnrollment(f *testing.F) {
	for _, s := range []string{`{"phone_number":"4791234567"}`, `{"phone_number":"4791234567","scopes":["name","email"],"binding_message":"AB-123"}`,
		`{"phone_number":"4791234567","requested_expiry_s":600,"check_user_exists":false}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseEnrollment(data)
		refusedAsInput(t, "ParseEnrollment", data, err)
	})
}

func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{`{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,` +
		`"totalTaxAmount":1291,"taxRate":1500,"unitInfo":{"unitPrice":9900,"quantity":"1"}}],"bottomLine":{"currency":"NOK","tipAmount":0}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReceipt(data)
		refusedAsInput(t, "ParseReceipt", data, err)
		if err == nil && r == nil {
			t.Fatalf("ParseReceipt(%q) accepted nothing", data)
		}
	})
}

func FuzzParseWebhookRequests(f *testing.F) {
	for _, s := range []string{`{"url":"https://pos.example.com/hook"}`, `{"url":"https://x/","events":["epayments.payment.authorized.v1"]}`,
		`{"webhooks":[{"url":"https://pos.example.com/a"}],"managed_prefix":"https://pos.example.com/"}`, ``, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseWebhookRequest(data)
		refusedAsInput(t, "ParseWebhookRequest", data, err)
		_, err = ParseReconcileRequest(data)
		refusedAsInput(t, "ParseReconcileRequest", data, err)
	})
}
