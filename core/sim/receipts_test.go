package sim

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// validReceipt is a receipt with every member the schema knows; its lines add up to 1500
// (the amount to pay for it in strict mode).
func validReceipt() map[string]any {
	return map[string]any{
		"orderLines": []any{
			map[string]any{"name": "socks", "id": "line-1", "totalAmount": 1000, "totalAmountExcludingTax": 800, "totalTaxAmount": 200,
				"taxRate": 2500, "unitInfo": map[string]any{"unitPrice": 400, "quantity": "2.5", "quantityUnit": "KG"},
				"discount": 0, "productUrl": "https://example.com/socks", "isReturn": false, "isShipping": false},
			map[string]any{"name": "bag", "id": "line-2", "totalAmount": 500, "totalAmountExcludingTax": 400, "totalTaxAmount": 100,
				"taxPercentage": 25},
		},
		"bottomLine": map[string]any{"currency": "NOK", "posId": "pos_122", "receiptNumber": "0527013501", "tipAmount": 0,
			"paymentSources": map[string]any{"giftCard": 0, "card": 1500, "voucher": 0, "cash": 0},
			"barcode":        map[string]any{"format": "CODE 39", "data": "SC0527013501"}},
	}
}

// receiptEdit changes a receipt built by validReceipt.
type receiptEdit func(rc map[string]any)

func rcSet(k string, v any) receiptEdit { return func(rc map[string]any) { rc[k] = v } }
func rcDel(k string) receiptEdit        { return func(rc map[string]any) { delete(rc, k) } }
func rcLine(i int) func(map[string]any) map[string]any {
	return func(rc map[string]any) map[string]any { return rc["orderLines"].([]any)[i].(map[string]any) }
}
func lineSet(i int, k string, v any) receiptEdit {
	return func(rc map[string]any) { rcLine(i)(rc)[k] = v }
}
func lineDel(i int, keys ...string) receiptEdit {
	return func(rc map[string]any) {
		for _, k := range keys {
			delete(rcLine(i)(rc), k)
		}
	}
}
func unitSet(k string, v any) receiptEdit {
	return func(rc map[string]any) { rcLine(0)(rc)["unitInfo"].(map[string]any)[k] = v }
}
func unitDel(k string) receiptEdit {
	return func(rc map[string]any) { delete(rcLine(0)(rc)["unitInfo"].(map[string]any), k) }
}
func bottomSet(k string, v any) receiptEdit {
	return func(rc map[string]any) { rc["bottomLine"].(map[string]any)[k] = v }
}
func bottomDel(k string) receiptEdit {
	return func(rc map[string]any) { delete(rc["bottomLine"].(map[string]any), k) }
}
func barcodeSet(k string, v any) receiptEdit {
	return func(rc map[string]any) { rc["bottomLine"].(map[string]any)["barcode"].(map[string]any)[k] = v }
}
func barcodeDel(k string) receiptEdit {
	return func(rc map[string]any) { delete(rc["bottomLine"].(map[string]any)["barcode"].(map[string]any), k) }
}

func buildReceipt(edits ...receiptEdit) map[string]any {
	rc := validReceipt()
	for _, e := range edits {
		e(rc)
	}
	return rc
}

// createWithReceipt is a push payment of value øre carrying receipt rc.
func createWithReceipt(t *testing.T, ref string, value int64, rc any) string {
	m := validCreate(ref)
	m["amount"] = map[string]any{"currency": "NOK", "value": value}
	m["receipt"] = rc
	return encode(t, m)
}

// postReceipt sends an Order Management receipt for orderID with the rig's default unit.
func (r *rig) postReceipt(paymentType, orderID, body string) answer {
	r.t.Helper()
	return r.epay(http.MethodPost, "/order-management/v2/"+paymentType+"/receipts/"+orderID, body)
}

// wantOrderError checks an Order Management ErrorResponse and that it names field.
func wantOrderError(t *testing.T, a answer, status int, field string) orderError {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != contentProblemJSON {
		t.Fatalf("Content-Type %q", ct)
	}
	var e orderError
	if err := wirejson.UnmarshalStrict(a.body, &e); err != nil {
		t.Fatalf("ErrorResponse %s does not decode strictly: %v", a.body, err)
	}
	if e.Type == "" || e.Title == "" || e.Detail == "" || e.Instance == "" || len(e.InvalidParams) == 0 {
		t.Fatalf("incomplete ErrorResponse %s", a.body)
	}
	if field != "" && e.InvalidParams[0].Name != field {
		t.Fatalf("invalidParams %+v do not name %s", e.InvalidParams, field)
	}
	return e
}

func TestReceiptsAreCheckedAgainstTheirSchemaInBothAPIs(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name    string
		receipt any // a literal receipt instead of the edited valid one
		edits   []receiptEdit
		field   string // "" when the receipt is accepted
		missing bool   // a required field: ErrorCode 4140 in createPayment
	}{
		{name: "a receipt with every member is accepted"},
		{name: "a minimal receipt is accepted", receipt: map[string]any{
			"orderLines": []any{map[string]any{"name": "x", "id": "1", "totalAmount": 1, "totalAmountExcludingTax": 1, "totalTaxAmount": 0, "taxRate": 0}},
			"bottomLine": map[string]any{"currency": "EUR"}}},
		{name: "null optional members are accepted", edits: []receiptEdit{lineSet(0, "taxPercentage", nil), lineSet(0, "unitInfo", nil),
			lineSet(0, "discount", nil), lineSet(0, "isReturn", nil), bottomSet("barcode", nil), bottomSet("posId", nil), bottomSet("paymentSources", nil)}},
		{name: "a return line, a shipping line and deprecated bottom-line members are accepted", edits: []receiptEdit{lineSet(1, "isReturn", true),
			lineSet(0, "isShipping", true), bottomSet("totalAmount", 1500), bottomSet("terminalId", "t1"), bottomSet("shippingInfo", map[string]any{"amount": 0})}},
		{name: "both taxRate and taxPercentage on one line are accepted", edits: []receiptEdit{lineSet(0, "taxPercentage", 25)}},
		{name: "a unitInfo without quantityUnit is accepted", edits: []receiptEdit{unitDel("quantityUnit")}},
		{name: "a quantity of exactly ten characters is accepted", edits: []receiptEdit{unitSet("quantity", "1.12345678")}},
		{name: "every barcode format is accepted", edits: []receiptEdit{barcodeSet("format", "EAN-13")}},

		{name: "a receipt that is not an object is refused", receipt: "receipt", field: "receipt"},
		{name: "a receipt without orderLines is refused", edits: []receiptEdit{rcDel("orderLines")}, field: "orderLines", missing: true},
		{name: "orderLines that are not an array are refused", edits: []receiptEdit{rcSet("orderLines", "x")}, field: "orderLines"},
		{name: "an empty orderLines array is refused", edits: []receiptEdit{rcSet("orderLines", []any{})}, field: "orderLines"},
		{name: "an order line that is not an object is refused", edits: []receiptEdit{rcSet("orderLines", []any{1})}, field: "orderLines[0]"},
		{name: "an order line without a name is refused", edits: []receiptEdit{lineDel(0, "name")}, field: "orderLines[0].name", missing: true},
		{name: "an order line without an id is refused", edits: []receiptEdit{lineDel(1, "id")}, field: "orderLines[1].id", missing: true},
		{name: "an order line without totalAmount is refused", edits: []receiptEdit{lineDel(0, "totalAmount")}, field: "orderLines[0].totalAmount", missing: true},
		{name: "an order line without totalAmountExcludingTax is refused", edits: []receiptEdit{lineDel(0, "totalAmountExcludingTax")}, field: "orderLines[0].totalAmountExcludingTax", missing: true},
		{name: "an order line without totalTaxAmount is refused", edits: []receiptEdit{lineDel(0, "totalTaxAmount")}, field: "orderLines[0].totalTaxAmount", missing: true},
		{name: "a null totalTaxAmount counts as missing", edits: []receiptEdit{lineSet(0, "totalTaxAmount", nil)}, field: "orderLines[0].totalTaxAmount", missing: true},
		{name: "a name that is not a string is refused", edits: []receiptEdit{lineSet(0, "name", 5)}, field: "orderLines[0].name"},
		{name: "a decimal totalAmount is refused", edits: []receiptEdit{lineSet(0, "totalAmount", 10.5)}, field: "orderLines[0].totalAmount"},
		{name: "a totalAmount given as a string is refused", edits: []receiptEdit{lineSet(0, "totalAmount", "1000")}, field: "orderLines[0].totalAmount"},
		{name: "a line with neither taxRate nor taxPercentage is refused", edits: []receiptEdit{lineDel(0, "taxRate", "taxPercentage")}, field: "orderLines[0].taxRate", missing: true},
		{name: "a taxRate above 10000 is refused", edits: []receiptEdit{lineSet(0, "taxRate", 10001)}, field: "orderLines[0].taxRate"},
		{name: "a negative taxRate is refused", edits: []receiptEdit{lineSet(0, "taxRate", -1)}, field: "orderLines[0].taxRate"},
		{name: "a taxPercentage above 100 is refused", edits: []receiptEdit{lineSet(1, "taxPercentage", 101)}, field: "orderLines[1].taxPercentage"},
		{name: "a negative taxPercentage is refused", edits: []receiptEdit{lineSet(1, "taxPercentage", -5)}, field: "orderLines[1].taxPercentage"},
		{name: "a unitInfo that is not an object is refused", edits: []receiptEdit{lineSet(0, "unitInfo", []any{})}, field: "orderLines[0].unitInfo"},
		{name: "a unitInfo without unitPrice is refused", edits: []receiptEdit{unitDel("unitPrice")}, field: "orderLines[0].unitInfo.unitPrice", missing: true},
		{name: "a negative unitPrice is refused", edits: []receiptEdit{unitSet("unitPrice", -1)}, field: "orderLines[0].unitInfo.unitPrice"},
		{name: "a unitInfo without quantity is refused", edits: []receiptEdit{unitDel("quantity")}, field: "orderLines[0].unitInfo.quantity", missing: true},
		{name: "a quantity given as a number is refused", edits: []receiptEdit{unitSet("quantity", 2.5)}, field: "orderLines[0].unitInfo.quantity"},
		{name: "a quantity with a decimal comma is refused", edits: []receiptEdit{unitSet("quantity", "2,5")}, field: "orderLines[0].unitInfo.quantity"},
		{name: "a quantity with nine decimals is refused", edits: []receiptEdit{unitSet("quantity", "1.123456789")}, field: "orderLines[0].unitInfo.quantity"},
		{name: "a quantity of eleven digits is refused", edits: []receiptEdit{unitSet("quantity", "12345678901")}, field: "orderLines[0].unitInfo.quantity"},
		{name: "a negative quantity is refused", edits: []receiptEdit{unitSet("quantity", "-1")}, field: "orderLines[0].unitInfo.quantity"},
		{name: "an unknown quantityUnit is refused", edits: []receiptEdit{unitSet("quantityUnit", "BOX")}, field: "orderLines[0].unitInfo.quantityUnit"},
		{name: "a negative discount is refused", edits: []receiptEdit{lineSet(0, "discount", -100)}, field: "orderLines[0].discount"},
		{name: "a productUrl that is not a string is refused", edits: []receiptEdit{lineSet(0, "productUrl", 1)}, field: "orderLines[0].productUrl"},
		{name: "an isReturn that is not a boolean is refused", edits: []receiptEdit{lineSet(0, "isReturn", "yes")}, field: "orderLines[0].isReturn"},
		{name: "an isShipping that is not a boolean is refused", edits: []receiptEdit{lineSet(1, "isShipping", 1)}, field: "orderLines[1].isShipping"},
		{name: "a receipt without bottomLine is refused", edits: []receiptEdit{rcDel("bottomLine")}, field: "bottomLine", missing: true},
		{name: "a bottomLine that is not an object is refused", edits: []receiptEdit{rcSet("bottomLine", "NOK")}, field: "bottomLine"},
		{name: "a bottomLine without currency is refused", edits: []receiptEdit{bottomDel("currency")}, field: "bottomLine.currency", missing: true},
		{name: "an unknown currency is refused", edits: []receiptEdit{bottomSet("currency", "SEK")}, field: "bottomLine.currency"},
		{name: "a negative tipAmount is refused", edits: []receiptEdit{bottomSet("tipAmount", -1)}, field: "bottomLine.tipAmount"},
		{name: "a posId that is not a string is refused", edits: []receiptEdit{bottomSet("posId", 122)}, field: "bottomLine.posId"},
		{name: "a receiptNumber that is not a string is refused", edits: []receiptEdit{bottomSet("receiptNumber", 527013501)}, field: "bottomLine.receiptNumber"},
		{name: "paymentSources that are not an object are refused", edits: []receiptEdit{bottomSet("paymentSources", 1500)}, field: "bottomLine.paymentSources"},
		{name: "a decimal card amount in paymentSources is refused", edits: []receiptEdit{func(rc map[string]any) {
			rc["bottomLine"].(map[string]any)["paymentSources"].(map[string]any)["card"] = 1.5
		}}, field: "bottomLine.paymentSources.card"},
		{name: "a barcode that is not an object is refused", edits: []receiptEdit{bottomSet("barcode", "SC0527013501")}, field: "bottomLine.barcode"},
		{name: "a barcode without format is refused", edits: []receiptEdit{barcodeDel("format")}, field: "bottomLine.barcode.format", missing: true},
		{name: "an unknown barcode format is refused", edits: []receiptEdit{barcodeSet("format", "QR")}, field: "bottomLine.barcode.format"},
		{name: "a barcode without data is refused", edits: []receiptEdit{barcodeDel("data")}, field: "bottomLine.barcode.data", missing: true},
		{name: "barcode data that is not a string is refused", edits: []receiptEdit{barcodeSet("data", 123)}, field: "bottomLine.barcode.data"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			var rc any = buildReceipt(tc.edits...)
			if tc.receipt != nil {
				rc = tc.receipt
			}
			ref := fmt.Sprintf("receipt-case-%03d", i)

			a := r.epay(http.MethodPost, "/epayment/v1/payments", createWithReceipt(t, ref, 9999, rc), "Idempotency-Key", ref)
			om := r.postReceipt("ecom", "om-"+ref, encode(t, rc))
			if tc.field == "" {
				if a.status != http.StatusCreated || om.status != http.StatusCreated {
					t.Fatalf("createPayment %v; Order Management %v", a, om)
				}
				return
			}
			code := 0
			if tc.missing {
				code = codeMissingParameter
			}
			p := wantProblem(t, a, http.StatusBadRequest, code)
			if !namesField(p, "receipt."+tc.field) && !(tc.field == "receipt" && namesField(p, "receipt")) {
				t.Fatalf("createPayment's extraDetails %+v do not name receipt.%s", p.ExtraDetails, tc.field)
			}
			if _, ok := r.srv.Payment(ref); ok {
				t.Fatal("a payment with an invalid receipt was created")
			}
			field := tc.field
			if field == "receipt" {
				field = "body"
			}
			wantOrderError(t, om, http.StatusBadRequest, field)
			if _, ok := r.srv.Receipt(DefaultCredentials.MSN, "om-"+ref); ok {
				t.Fatal("an invalid receipt was stored")
			}
		})
	}
}

func TestStrictReceiptsAlsoCheckTheArithmetic(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1, StrictReceipts: true})
	cases := []struct {
		name   string
		amount int64
		edits  []receiptEdit
		field  string // "" when accepted
	}{
		{name: "lines that add up to the amount are accepted", amount: 1500},
		{name: "a return line counts negative", amount: 500, edits: []receiptEdit{lineSet(1, "isReturn", true)}},
		{name: "the tip counts towards the amount", amount: 1750, edits: []receiptEdit{bottomSet("tipAmount", 250)}},
		{name: "a line whose total is not its amount excluding tax plus tax is refused", amount: 1500,
			edits: []receiptEdit{lineSet(0, "totalTaxAmount", 250)}, field: "receipt.orderLines[0].totalAmount"},
		{name: "lines that do not add up to the amount are refused", amount: 1600, field: "receipt.orderLines"},
		{name: "a split tender told with paymentSources (a gift card paid the rest) is accepted", amount: 1000,
			edits: []receiptEdit{bottomSet("paymentSources", map[string]any{"giftCard": 500})}},
		{name: "a split tender whose other sources do not cover the rest is refused", amount: 1000,
			edits: []receiptEdit{bottomSet("paymentSources", map[string]any{"giftCard": 400})}, field: "receipt.orderLines"},
		{name: "a receipt in another currency than the payment is refused", amount: 1500, edits: []receiptEdit{bottomSet("currency", "DKK")}, field: "receipt.bottomLine.currency"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			ref := fmt.Sprintf("strict-case-%03d", i)
			a := r.epay(http.MethodPost, "/epayment/v1/payments", createWithReceipt(t, ref, tc.amount, buildReceipt(tc.edits...)), "Idempotency-Key", ref)
			if tc.field == "" {
				if a.status != http.StatusCreated {
					t.Fatalf("create: %v", a)
				}
				return
			}
			if p := wantProblem(t, a, http.StatusBadRequest, 0); !namesField(p, tc.field) {
				t.Fatalf("extraDetails %+v do not name %s", p.ExtraDetails, tc.field)
			}
		})
	}

	// Order Management checks the lines always, the sum only when the order is a payment.
	wantOrderError(t, r.postReceipt("ecom", "strict-om-1", encode(t, buildReceipt(lineSet(0, "totalTaxAmount", 250)))), http.StatusBadRequest, "orderLines[0].totalAmount")
	if a := r.postReceipt("ecom", "strict-om-2", encode(t, buildReceipt())); a.status != http.StatusCreated {
		t.Fatalf("a consistent receipt for an order that is not a payment: %v", a)
	}
	r.create("strict-om-pay-1", 2000, "4791234567")
	wantOrderError(t, r.postReceipt("ECOM", "strict-om-pay-1", encode(t, buildReceipt())), http.StatusBadRequest, "orderLines")
	if a := r.postReceipt("recurring", "strict-om-pay-1", encode(t, buildReceipt())); a.status != http.StatusCreated {
		t.Fatalf("a RECURRING order is not the ePayment payment of that reference: %v", a)
	}
	r.create("strict-om-pay-2", 1500, "4791234567")
	if a := r.postReceipt("ecom", "strict-om-pay-2", encode(t, buildReceipt())); a.status != http.StatusCreated {
		t.Fatalf("a receipt that adds up to the payment: %v", a)
	}
}

func TestWithoutStrictReceiptsLooseArithmeticIsAccepted(t *testing.T) {
	r := instantRig(t)
	loose := buildReceipt(lineSet(0, "totalTaxAmount", 250), bottomSet("currency", "EUR"))
	if a := r.epay(http.MethodPost, "/epayment/v1/payments", createWithReceipt(t, "loose-receipt-1", 100000, loose), "Idempotency-Key", "loose"); a.status != http.StatusCreated {
		t.Fatalf("create: %v", a)
	}
	if a := r.postReceipt("ecom", "loose-receipt-2", encode(t, loose)); a.status != http.StatusCreated {
		t.Fatalf("Order Management: %v", a)
	}
}
