package payments

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Receipt is the Vipps Receipt (ePayment createPayment and Order Management): order lines and a
// bottom line. Field names are Vipps' own, so the JSON a till sends is the JSON Vipps receives.
// Amounts are in minor units.
type Receipt struct {
	OrderLines []OrderLine `json:"orderLines"`
	BottomLine *BottomLine `json:"bottomLine"`
}

// OrderLine is one line of a receipt.
type OrderLine struct {
	Name                    string    `json:"name"`
	ID                      string    `json:"id"`
	TotalAmount             int64     `json:"totalAmount"`             // including tax, after discount
	TotalAmountExcludingTax int64     `json:"totalAmountExcludingTax"` // after discount
	TotalTaxAmount          int64     `json:"totalTaxAmount"`
	TaxRate                 *int64    `json:"taxRate,omitempty"` // basis points: 2500 is 25 %
	TaxPercentage           *int64    `json:"taxPercentage,omitempty"`
	UnitInfo                *UnitInfo `json:"unitInfo,omitempty"`
	Discount                int64     `json:"discount,omitempty"`
	ProductURL              string    `json:"productUrl,omitempty"`
	IsReturn                bool      `json:"isReturn,omitempty"` // counts negative
	IsShipping              bool      `json:"isShipping,omitempty"`
}

// UnitInfo is a line's unit price and quantity.
type UnitInfo struct {
	UnitPrice    int64  `json:"unitPrice"` // including tax, before discount
	Quantity     string `json:"quantity"`  // decimal, e.g. "2.5"
	QuantityUnit string `json:"quantityUnit,omitempty"`
}

// BottomLine summarises the receipt.
type BottomLine struct {
	Currency       string          `json:"currency"`
	TipAmount      int64           `json:"tipAmount,omitempty"`
	PosID          string          `json:"posId,omitempty"`
	PaymentSources *PaymentSources `json:"paymentSources,omitempty"`
	Barcode        *ReceiptBarcode `json:"barcode,omitempty"`
	ReceiptNumber  string          `json:"receiptNumber,omitempty"`
}

// PaymentSources splits what the customer paid.
type PaymentSources struct {
	GiftCard int64 `json:"giftCard,omitempty"`
	Card     int64 `json:"card,omitempty"`
	Voucher  int64 `json:"voucher,omitempty"`
	Cash     int64 `json:"cash,omitempty"`
}

// ReceiptBarcode is printed on the digital receipt.
type ReceiptBarcode struct {
	Format string `json:"format"` // "EAN-13", "CODE 39" or "CODE 128"
	Data   string `json:"data"`
}

// ParseReceipt decodes a receipt given on its own (vmp_attach_receipt). Unknown fields are an
// error.
func ParseReceipt(data []byte) (*Receipt, error) {
	var r Receipt
	if err := wirejson.UnmarshalStrict(data, &r); err != nil {
		return nil, &model.Error{Code: abi.CodeInvalidJSON, Message: "receipt: " + err.Error(), Err: err}
	}
	return &r, nil
}

// Caps on a receipt's size and text. Vipps documents none (quantity aside, at most 10); these
// leave room for any till's receipt while keeping what is journaled and sent with a payment
// bounded: a body Vipps cannot take would end a checkout as an unknown outcome.
const (
	maxOrderLines     = 1000
	maxLineNameBytes  = 1024
	maxReceiptIDBytes = 256 // a line's id, posId, receiptNumber, barcode data
)

// textField is a text and its cap in bytes.
type textField struct {
	text string
	max  int
}

// checkTextLengths reports the first field (by name) longer than its cap.
func checkTextLengths(fields map[string]textField) error {
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if f := fields[name]; len(f.text) > f.max {
			return fmt.Errorf("%s is %d bytes; it is at most %d", name, len(f.text), f.max)
		}
	}
	return nil
}

var (
	quantityPattern = regexp.MustCompile(`^\d+([.]\d{1,8})?$`)
	quantityUnits   = map[string]bool{"": true, "PCS": true, "KG": true, "KM": true, "MINUTE": true, "LITRE": true, "KWH": true}
	barcodeFormats  = map[string]bool{"EAN-13": true, "CODE 39": true, "CODE 128": true}
)

// Check reports the receipt's first inconsistency, in the order a cashier reads a receipt.
// currency is the payment's; amount is the payment amount the lines must add up to, or 0 when
// there is no payment to match (a receipt attached to a sale paid another way).
func (r *Receipt) Check(currency string, amount int64) error {
	if len(r.OrderLines) == 0 {
		return ReceiptError("it has no order lines")
	}
	if len(r.OrderLines) > maxOrderLines {
		return ReceiptError("it has %d order lines; at most %d", len(r.OrderLines), maxOrderLines)
	}
	var sum int64
	for i := range r.OrderLines {
		l := &r.OrderLines[i]
		if err := l.check(); err != nil {
			return ReceiptError("orderLines[%d] (%q): %v", i, model.Truncate(l.Name, 40), err)
		}
		if l.IsReturn {
			sum -= l.TotalAmount
		} else {
			sum += l.TotalAmount
		}
	}
	b := r.BottomLine
	if b == nil {
		return ReceiptError("bottomLine is missing")
	}
	if err := checkTextLengths(map[string]textField{"posId": {b.PosID, maxReceiptIDBytes},
		"receiptNumber": {b.ReceiptNumber, maxReceiptIDBytes}}); err != nil {
		return ReceiptError("bottomLine.%v", err)
	}
	if b.Currency != currency {
		return ReceiptError("bottomLine.currency %q is not the payment's currency %q", model.Truncate(b.Currency, 10), currency)
	}
	if b.TipAmount < 0 {
		return ReceiptError("bottomLine.tipAmount is negative")
	}
	if ps := b.PaymentSources; ps != nil && (ps.GiftCard < 0 || ps.Card < 0 || ps.Voucher < 0 || ps.Cash < 0) {
		return ReceiptError("bottomLine.paymentSources has a negative amount")
	}
	if bc := b.Barcode; bc != nil {
		if err := checkReceiptBarcode(bc); err != nil {
			return ReceiptError("bottomLine.barcode: %v", err)
		}
	}
	if total := sum + b.TipAmount; amount > 0 && total != amount {
		return ReceiptError("the order lines (returns counted negative) plus tip add up to %d, but the payment is %d", total, amount)
	}
	return nil
}

func (l *OrderLine) check() error {
	if err := checkTextLengths(map[string]textField{"name": {l.Name, maxLineNameBytes}, "id": {l.ID, maxReceiptIDBytes},
		"productUrl": {l.ProductURL, model.MaxURLBytes}}); err != nil {
		return err
	}
	switch {
	case l.Name == "" || l.ID == "":
		return fmt.Errorf("name and id are required")
	case l.TotalAmount < 0 || l.TotalAmountExcludingTax < 0 || l.TotalTaxAmount < 0 || l.Discount < 0:
		return fmt.Errorf("amounts are never negative (a return is marked with isReturn)")
	case l.TotalAmount != l.TotalAmountExcludingTax+l.TotalTaxAmount:
		return fmt.Errorf("totalAmount %d is not totalAmountExcludingTax %d + totalTaxAmount %d", l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount)
	}
	rate, err := l.basisPoints()
	if err != nil {
		return err
	}
	// Vipps rounds tax to the øre; allow one unit of rounding either way.
	if want := roundDiv(l.TotalAmountExcludingTax*rate, 10000); abs(l.TotalTaxAmount-want) > 1 {
		return fmt.Errorf("totalTaxAmount %d does not match %d.%02d %% of %d (expected %d)", l.TotalTaxAmount, rate/100, rate%100, l.TotalAmountExcludingTax, want)
	}
	if u := l.UnitInfo; u != nil {
		if err := u.check(l); err != nil {
			return fmt.Errorf("unitInfo: %v", err)
		}
	}
	return nil
}

// basisPoints gives the line's tax rate in basis points from taxRate or the older taxPercentage.
func (l *OrderLine) basisPoints() (int64, error) {
	switch {
	case l.TaxRate != nil && (*l.TaxRate < 0 || *l.TaxRate > 10000):
		return 0, fmt.Errorf("taxRate %d is not 0..10000 basis points (2500 is 25 %%)", *l.TaxRate)
	case l.TaxRate != nil:
		return *l.TaxRate, nil
	case l.TaxPercentage != nil && (*l.TaxPercentage < 0 || *l.TaxPercentage > 100):
		return 0, fmt.Errorf("taxPercentage %d is not 0..100", *l.TaxPercentage)
	case l.TaxPercentage != nil:
		return *l.TaxPercentage * 100, nil
	}
	return 0, fmt.Errorf("taxRate (basis points) is required")
}

func (u *UnitInfo) check(l *OrderLine) error {
	if u.UnitPrice < 0 {
		return fmt.Errorf("unitPrice is negative")
	}
	if len(u.Quantity) > 10 || !quantityPattern.MatchString(u.Quantity) {
		return fmt.Errorf("quantity %q must be a decimal like \"2\" or \"2.5\" (at most 10 characters)", model.Truncate(u.Quantity, 20))
	}
	if !quantityUnits[u.QuantityUnit] {
		return fmt.Errorf("quantityUnit %q is not PCS, KG, KM, MINUTE, LITRE or KWH", model.Truncate(u.QuantityUnit, 20))
	}
	// unitPrice x quantity - discount must give the line total, to the øre after rounding.
	millis, err := decimalThousandths(u.Quantity)
	if err != nil {
		return err
	}
	if want := roundDiv(u.UnitPrice*millis, 1000) - l.Discount; abs(want-l.TotalAmount) > 1 {
		return fmt.Errorf("unitPrice %d x quantity %s - discount %d is %d, not totalAmount %d", u.UnitPrice, u.Quantity, l.Discount, want, l.TotalAmount)
	}
	return nil
}

func checkReceiptBarcode(b *ReceiptBarcode) error {
	if !barcodeFormats[b.Format] {
		return fmt.Errorf("format %q is not EAN-13, CODE 39 or CODE 128", model.Truncate(b.Format, 20))
	}
	if b.Data == "" {
		return fmt.Errorf("data is empty")
	}
	if len(b.Data) > maxReceiptIDBytes {
		return fmt.Errorf("data is %d bytes; it is at most %d", len(b.Data), maxReceiptIDBytes)
	}
	if b.Format == "EAN-13" && !validEAN13(b.Data) {
		return fmt.Errorf("data is not a valid EAN-13 (13 digits with a correct check digit)")
	}
	return nil
}

func validEAN13(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		d := int(s[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i < 12 {
			sum += d * (1 + 2*(i%2))
		}
	}
	return (10-sum%10)%10 == int(s[12]-'0')
}

// decimalThousandths parses a quantity to thousandths, rounding further decimals.
func decimalThousandths(q string) (int64, error) {
	var whole, frac, scale int64 = 0, 0, 1
	seenDot := false
	for _, c := range q {
		switch {
		case c == '.':
			seenDot = true
		case seenDot:
			frac, scale = frac*10+int64(c-'0'), scale*10
		default:
			whole = whole*10 + int64(c-'0')
		}
	}
	if whole > 1e9 {
		return 0, fmt.Errorf("quantity %q is too large", q)
	}
	return whole*1000 + roundDiv(frac*1000, scale), nil
}

func roundDiv(a, b int64) int64 {
	if a >= 0 {
		return (a + b/2) / b
	}
	return -((-a + b/2) / b)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// ReceiptError is the error of a receipt that cannot be sent.
func ReceiptError(format string, args ...any) *model.Error {
	return model.Errorf(abi.CodeInvalidArgument, "receipt: "+format, args...)
}
