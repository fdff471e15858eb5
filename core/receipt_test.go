package core

import (
	"strings"
	"testing"
)

func i64(v int64) *int64 { return &v }

// goodReceipt is 2 x milk at 25 % tax, a bag at 15 %, and a returned item, paying 49900 - 12500.
func goodReceipt() *Receipt {
	return &Receipt{
		OrderLines: []OrderLine{
			{Name: "Milk", ID: "7038010009457", TotalAmount: 40000, TotalAmountExcludingTax: 32000, TotalTaxAmount: 8000, TaxRate: i64(2500),
				UnitInfo: &UnitInfo{UnitPrice: 20000, Quantity: "2", QuantityUnit: "PCS"}},
			{Name: "Bag", ID: "bag", TotalAmount: 9900, TotalAmountExcludingTax: 8609, TotalTaxAmount: 1291, TaxRate: i64(1500)},
			{Name: "Cheese (return)", ID: "ch-1", TotalAmount: 12500, TotalAmountExcludingTax: 10000, TotalTaxAmount: 2500, TaxRate: i64(2500), IsReturn: true},
		},
		BottomLine: &BottomLine{Currency: "NOK", PosID: "till-3", ReceiptNumber: "0527013501",
			Barcode: &ReceiptBarcode{Format: "EAN-13", Data: "7038010009457"}},
	}
}

func TestAConsistentReceiptPasses(t *testing.T) {
	if err := goodReceipt().Check("NOK", 49900-12500); err != nil {
		t.Fatal(err)
	}
}

func TestEveryReceiptInconsistencyIsReportedClearly(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *Receipt)
		amount int64
		want   string
	}{
		{"a receipt without lines", func(r *Receipt) { r.OrderLines = nil }, 37400, "no order lines"},
		{"a line without a name", func(r *Receipt) { r.OrderLines[0].Name = "" }, 37400, "name and id"},
		{"a negative line amount", func(r *Receipt) { r.OrderLines[1].TotalAmount = -1 }, 37400, "is negative"},
		{"totals that do not add up", func(r *Receipt) { r.OrderLines[1].TotalTaxAmount = 1200 }, 37400, "totalAmount 9900 is not"},
		{"tax that does not match the rate", func(r *Receipt) {
			l := &r.OrderLines[1]
			l.TotalAmountExcludingTax, l.TotalTaxAmount = 8000, 1900
		}, 37400, "does not match 15.00 %"},
		{"a tax rate above 100 %", func(r *Receipt) { r.OrderLines[1].TaxRate = i64(10001) }, 37400, "basis points"},
		{"no tax rate at all", func(r *Receipt) { r.OrderLines[1].TaxRate = nil }, 37400, "taxRate"},
		{"a unit price that does not give the total", func(r *Receipt) { r.OrderLines[0].UnitInfo.UnitPrice = 19000 }, 37400, "unitPrice 19000 x quantity 2"},
		{"a malformed quantity", func(r *Receipt) { r.OrderLines[0].UnitInfo.Quantity = "2,5" }, 37400, "quantity"},
		{"an unknown quantity unit", func(r *Receipt) { r.OrderLines[0].UnitInfo.QuantityUnit = "BOX" }, 37400, "quantityUnit"},
		{"lines that do not add up to the payment", nil, 49900, "add up to 37400, but the payment is 49900"},
		{"a return counted as a sale", func(r *Receipt) { r.OrderLines[2].IsReturn = false }, 37400, "add up to 62400"},
		{"a missing bottom line", func(r *Receipt) { r.BottomLine = nil }, 37400, "bottomLine is missing"},
		{"another currency", func(r *Receipt) { r.BottomLine.Currency = "DKK" }, 37400, "currency"},
		{"a negative tip", func(r *Receipt) { r.BottomLine.TipAmount = -5 }, 37400, "tipAmount"},
		{"a negative payment source", func(r *Receipt) { r.BottomLine.PaymentSources = &PaymentSources{Cash: i64(-1)} }, 37400, "paymentSources"},
		{"an unknown barcode format", func(r *Receipt) { r.BottomLine.Barcode.Format = "QR" }, 37400, "barcode"},
		{"an EAN-13 with a wrong check digit", func(r *Receipt) { r.BottomLine.Barcode.Data = "7038010009458" }, 37400, "EAN-13"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused in strict mode", func(t *testing.T) {
			r := goodReceipt()
			if tc.change != nil {
				tc.change(r)
			}
			err := r.Check("NOK", tc.amount)
			if CodeOf(err) != CodeInvalidArgument || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestATipCountsTowardsThePayment(t *testing.T) {
	r := goodReceipt()
	r.BottomLine.TipAmount = 2000
	if err := r.Check("NOK", 39400); err != nil {
		t.Fatal(err)
	}
}

func TestTheDeprecatedTaxPercentageIsAccepted(t *testing.T) {
	r := goodReceipt()
	r.OrderLines[1].TaxRate, r.OrderLines[1].TaxPercentage = nil, i64(15)
	if err := r.Check("NOK", 37400); err != nil {
		t.Fatal(err)
	}
}

func TestAReceiptIsPartOfTheCheckoutJSON(t *testing.T) {
	req, err := ParseCheckout([]byte(`{"amount":9900,"phone_number":"4791234567","receipt":{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK"}}}`))
	if err != nil || req.Receipt == nil || req.Receipt.OrderLines[0].TaxRate == nil {
		t.Fatalf("%+v, %v", req, err)
	}
	_, err = ParseCheckout([]byte(`{"amount":9900,"phone_number":"4791234567","receipt":{"orderLines":[],"bottomLine":{"currency":"NOK","colour":"red"}}}`))
	wantCode(t, err, CodeInvalidJSON, "")
}

func TestAQRCheckoutTakesNoCustomer(t *testing.T) {
	if _, err := ParseCheckout([]byte(`{"amount":100,"flow":"qr"}`)); err != nil {
		t.Fatal(err)
	}
	_, err := ParseCheckout([]byte(`{"amount":100,"flow":"qr","phone_number":"4791234567"}`))
	wantCode(t, err, CodeInvalidCustomer, "")
	_, err = ParseCheckout([]byte(`{"amount":100,"flow":"sms","phone_number":"4791234567"}`))
	wantCode(t, err, CodeInvalidArgument, "")
}

func FuzzReceiptCheckNeverPanics(f *testing.F) {
	f.Add([]byte(`{"orderLines":[{"name":"a","id":"b","totalAmount":100,"totalAmountExcludingTax":80,"totalTaxAmount":20,"taxRate":2500,"unitInfo":{"unitPrice":50,"quantity":"2.00000001"}}],"bottomLine":{"currency":"NOK"}}`))
	f.Add([]byte(`{"orderLines":[{"taxPercentage":-1}],"bottomLine":{"currency":"NOK","barcode":{"format":"EAN-13","data":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReceipt(data)
		if err == nil {
			_ = r.Check("NOK", 100)
		}
	})
}
