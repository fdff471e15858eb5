package core

import (
	"strings"
	"testing"
)

// What a till hands in reaches Vipps or the journal only if it is text Vipps can take as it
// is: Unicode (a decoder would turn anything else into U+FFFD) and of a length Vipps accepts
// or, where Vipps documents none, of a sane documented cap - never a 64 MiB URL sent to end
// as an unknown outcome.

func TestInputJSONWhoseTextIsNotUnicodeIsMalformed(t *testing.T) {
	parsers := map[string]func([]byte) error{
		"config":    func(b []byte) error { _, err := ParseConfig(b); return err },
		"checkout":  func(b []byte) error { _, err := ParseCheckout(b); return err },
		"receipt":   func(b []byte) error { _, err := ParseReceipt(b); return err },
		"enroll":    func(b []byte) error { _, err := ParseEnrollment(b); return err },
		"webhook":   func(b []byte) error { _, err := ParseWebhookRequest(b); return err },
		"reconcile": func(b []byte) error { _, err := ParseReconcileRequest(b); return err },
	}
	docs := map[string][]string{
		"config":    {"{\"description\":\"Kj\xf8p\"}", `{"description":"Kj\ud800p"}`, "{\"store_id\":\"\xff\"}"},
		"checkout":  {"{\"amount\":100,\"phone_number\":\"4791234567\",\"description\":\"Br\xf8d\"}", `{"amount":100,"phone_number":"4791234567","description":"x\udfffyz"}`},
		"receipt":   {"{\"orderLines\":[{\"name\":\"Br\xf8d\",\"id\":\"1\",\"totalAmount\":100,\"totalAmountExcludingTax\":80,\"totalTaxAmount\":20,\"taxRate\":2500}],\"bottomLine\":{\"currency\":\"NOK\"}}"},
		"enroll":    {"{\"phone_number\":\"4791234567\",\"binding_message\":\"AB-\xc3\"}"},
		"webhook":   {"{\"url\":\"https://pos.example.com/h\xe9\"}", `{"url":"https://pos.example.com/\ud83d"}`},
		"reconcile": {"{\"managed_prefix\":\"https://pos.example.com/\xff\"}"},
	}
	for name, parse := range parsers {
		for _, doc := range docs[name] {
			if err := parse([]byte(doc)); CodeOf(err) != CodeInvalidJSON || !strings.Contains(err.Error(), "byte") {
				t.Errorf("%s %q: %v (%v); want CodeInvalidJSON naming the byte", name, doc, CodeOf(err), err)
			}
		}
	}
}

func TestInputsThatReachTheWireHaveALengthCap(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	url := func(n int) string { return "https://pos.example.com/" + long(n-len("https://pos.example.com/")) }
	line := func(field, value string) string {
		l := map[string]string{"name": `"Bag"`, "id": `"bag"`}
		l[field] = `"` + value + `"`
		return `{"orderLines":[{"name":` + l["name"] + `,"id":` + l["id"] + `,"productUrl":` + firstNonEmptyString(l["productUrl"], `"https://x.example/"`) +
			`,"totalAmount":100,"totalAmountExcludingTax":80,"totalTaxAmount":20,"taxRate":2500}],` +
			`"bottomLine":{"currency":"NOK","posId":` + firstNonEmptyString(l["posId"], `"p"`) + `,"receiptNumber":` +
			firstNonEmptyString(l["receiptNumber"], `"1"`) + `}}`
	}
	receipt := func(doc string) error {
		r, err := ParseReceipt([]byte(doc))
		if err != nil {
			return err
		}
		return r.Check("NOK", 0)
	}
	manyLines := `{"orderLines":[` + strings.TrimSuffix(strings.Repeat(`{"name":"B","id":"b","totalAmount":100,"totalAmountExcludingTax":80,"totalTaxAmount":20,"taxRate":2500},`, 1001), ",") +
		`],"bottomLine":{"currency":"NOK"}}`
	events := `["` + strings.Repeat(`x.v1","`, 64) + `y.v1"]`
	for i := 0; i < 65; i++ {
		events = strings.Replace(events, `"x.v1"`, `"e`+strings.Repeat("x", i)+`.v1"`, 1)
	}
	cases := []struct {
		name string
		err  func() error
		want Code
	}{
		{"a webhook URL of 2048 bytes is taken", func() error { _, err := ParseWebhookRequest([]byte(`{"url":"` + url(2048) + `"}`)); return err }, CodeOK},
		{"a webhook URL of 2049 bytes is refused", func() error { _, err := ParseWebhookRequest([]byte(`{"url":"` + url(2049) + `"}`)); return err }, CodeInvalidArgument},
		{"a webhook of 65 event types is refused", func() error {
			_, err := ParseWebhookRequest([]byte(`{"url":"https://x.example/","events":` + events + `}`))
			return err
		}, CodeInvalidArgument},
		{"a wanted webhook URL of 2049 bytes is refused", func() error {
			_, err := ParseReconcileRequest([]byte(`{"webhooks":[{"url":"` + url(2049) + `"}]}`))
			return err
		}, CodeInvalidArgument},
		{"a managed prefix of 2049 bytes is refused", func() error {
			_, err := ParseReconcileRequest([]byte(`{"managed_prefix":"` + url(2049) + `"}`))
			return err
		}, CodeInvalidArgument},
		{"101 wanted webhooks are refused", func() error {
			_, err := ParseReconcileRequest([]byte(`{"webhooks":[` + strings.TrimSuffix(strings.Repeat(`{"url":"https://x.example/"},`, 101), ",") + `]}`))
			return err
		}, CodeInvalidArgument},
		{"a public_url of 2049 bytes is refused", func() error {
			_, err := ParseConfig([]byte(`{"webhooks":{"public_url":"` + url(2049) + `","register":false}}`))
			return err
		}, CodeInvalidConfig},
		{"a receipt line name of 1024 bytes is taken", func() error { return receipt(line("name", long(1024))) }, CodeOK},
		{"a receipt line name of 1025 bytes is refused", func() error { return receipt(line("name", long(1025))) }, CodeInvalidArgument},
		{"a receipt line id of 257 bytes is refused", func() error { return receipt(line("id", long(257))) }, CodeInvalidArgument},
		{"a product URL of 2049 bytes is refused", func() error { return receipt(line("productUrl", url(2049))) }, CodeInvalidArgument},
		{"a posId of 257 bytes is refused", func() error { return receipt(line("posId", long(257))) }, CodeInvalidArgument},
		{"a receipt number of 257 bytes is refused", func() error { return receipt(line("receiptNumber", long(257))) }, CodeInvalidArgument},
		{"a receipt of 1001 lines is refused", func() error { return receipt(manyLines) }, CodeInvalidArgument},
		{"a client_secret of 257 bytes is refused", func() error {
			_, err := ParseConfig([]byte(`{"environment":"test","client_id":"id","client_secret":"` + long(257) + `","subscription_key":"k","msn":"123456"}`))
			return err
		}, CodeInvalidConfig},
		{"a subscription key with a line break is refused", func() error {
			_, err := ParseConfig([]byte(`{"environment":"test","client_id":"id","client_secret":"s","subscription_key":"k\r\nX-Evil: 1","msn":"123456"}`))
			return err
		}, CodeInvalidConfig},
		{"a system name with a line break is refused, not sent changed", func() error {
			_, err := ParseConfig([]byte(`{"system":{"name":"Acme\r\nX-Evil: 1"}}`))
			return err
		}, CodeInvalidConfig},
		{"a system name with spaces and letters beyond ASCII is taken", func() error {
			_, err := ParseConfig([]byte(`{"system":{"name":"Kasse Ø 2"}}`))
			return err
		}, CodeOK},
		{"a sales unit's client_id of 257 bytes is refused", func() error {
			_, err := ParseConfig([]byte(`{"sales_units":[{"name":"b","msn":"234567","client_id":"` + long(257) + `","client_secret":"s","subscription_key":"k"}]}`))
			return err
		}, CodeInvalidConfig},
		{"a partner key of 257 bytes is refused", func() error {
			_, err := ParseConfig([]byte(`{"partner":{"client_id":"id","client_secret":"s","subscription_key":"` + long(257) + `"}}`))
			return err
		}, CodeInvalidConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.err(); CodeOf(err) != tc.want {
				t.Fatalf("%v (%v); want %v", CodeOf(err), err, tc.want)
			}
		})
	}
}
