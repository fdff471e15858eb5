package payments

import (
	"fmt"
	"maps"
	"math"
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
	Currency  string `json:"currency"`
	TipAmount int64  `json:"tipAmount,omitempty"`
	PosID     string `json:"posId,omitempty"`
	// PaymentSources tells a split tender: what was paid other ways than this payment.
	PaymentSources *PaymentSources `json:"paymentSources,omitempty"`
	Barcode        *ReceiptBarcode `json:"barcode,omitempty"`
	ReceiptNumber  string          `json:"receiptNumber,omitempty"`
	// Deprecated by Vipps but in its schema: passed on as given (giftCardAmount counts as a
	// payment source).
	GiftCardAmount *int64        `json:"giftCardAmount,omitempty"`
	TotalAmount    *int64        `json:"totalAmount,omitempty"`
	TotalTax       *int64        `json:"totalTax,omitempty"`
	TotalDiscount  *int64        `json:"totalDiscount,omitempty"`
	ShippingAmount *int64        `json:"shippingAmount,omitempty"`
	ShippingInfo   *ShippingInfo `json:"shippingInfo,omitempty"`
	TerminalID     string        `json:"terminalId,omitempty"`
}

// ShippingInfo is the deprecated bottom-line shipping summary (Vipps: use a line with
// isShipping); passed on as given.
type ShippingInfo struct {
	Amount             *int64 `json:"amount,omitempty"`
	AmountExcludingTax *int64 `json:"amountExcludingTax,omitempty"`
	TaxAmount          *int64 `json:"taxAmount,omitempty"`
	TaxPercentage      *int64 `json:"taxPercentage,omitempty"`
}

// PaymentSources splits what the customer paid: the parts paid other ways than this payment
// (the lines plus tip add up to the payment plus these).
type PaymentSources struct {
	GiftCard *int64 `json:"giftCard,omitempty"`
	Card     *int64 `json:"card,omitempty"`
	Voucher  *int64 `json:"voucher,omitempty"`
	Cash     *int64 `json:"cash,omitempty"`
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
	if err := checkRequiredFields(data); err != nil {
		return nil, err
	}
	return &r, nil
}

// checkRequiredFields refuses a receipt (already decoded strictly) that leaves out a member
// the Vipps schema requires, or gives it as null: decoded into Go, a missing amount would be
// a zero sent as if the till had said so.
func checkRequiredFields(data []byte) error {
	var shape struct {
		OrderLines []map[string]wirejson.RawMessage `json:"orderLines"`
		BottomLine map[string]wirejson.RawMessage   `json:"bottomLine"`
	}
	if err := wirejson.Unmarshal(data, &shape); err != nil {
		return &model.Error{Code: abi.CodeInvalidJSON, Message: "receipt: " + err.Error(), Err: err}
	}
	missing := func(obj map[string]wirejson.RawMessage, name string) bool {
		v, ok := obj[name]
		return !ok || string(v) == "null"
	}
	for i, l := range shape.OrderLines {
		for _, name := range []string{"name", "id", "totalAmount", "totalAmountExcludingTax", "totalTaxAmount"} {
			if missing(l, name) {
				return model.Errorf(abi.CodeInvalidJSON, "receipt: orderLines[%d].%s is required", i, name)
			}
		}
		if missing(l, "taxRate") && missing(l, "taxPercentage") {
			return model.Errorf(abi.CodeInvalidJSON, "receipt: orderLines[%d].taxRate (basis points: 2500 is 25 %%) is required", i)
		}
	}
	if shape.BottomLine != nil && missing(shape.BottomLine, "currency") {
		return model.Errorf(abi.CodeInvalidJSON, "receipt: bottomLine.currency is required")
	}
	return nil
}

// Caps on a receipt's size and text. Vipps documents none (quantity aside, at most 10); these
// leave room for any till's receipt while keeping what is journaled and sent with a payment
// bounded: a body Vipps cannot take would end a checkout as an unknown outcome.
const (
	maxOrderLines     = 1000
	maxLineNameBytes  = 1024
	maxReceiptIDBytes = 256 // a line's id, posId, receiptNumber, barcode data
	// maxReceiptAmount bounds every amount of a receipt either way (10 billion kroner): far
	// above any sale, and low enough that no sum of a receipt overflows.
	maxReceiptAmount = 1_000_000_000_000
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

// Check is Review in strict mode (config "strict_receipts"): what Review reports as a warning
// is an error too, the first one in the order a cashier reads a receipt.
func (r *Receipt) Check(currency string, amount int64) error {
	warnings, err := r.Review(currency, amount)
	if err != nil {
		return err
	}
	if len(warnings) > 0 {
		return ReceiptError("%s (strict_receipts)", warnings[0])
	}
	return nil
}

// Review checks a receipt before it is sent. What breaks the Vipps Receipt schema (a required
// field missing or empty, a value outside its documented range or enumeration), a barcode
// Vipps validates, or a text over vmp's caps is an error: nothing is sent. What only looks
// wrong - arithmetic Vipps documents no rule for (a line's total against its tax and unit
// price, the lines against the payment, quantities are "only for cosmetics"), a negative line
// amount, another currency than the payment's - is a warning: the receipt is sent as the till
// gave it. currency is the payment's; amount the payment amount, or 0 when there is no payment
// to match (a receipt attached to a sale paid another way).
//
// The lines plus tip add up to the payment; or, for a split tender, to the payment plus
// bottomLine.paymentSources (gift card, card, voucher, cash) and the deprecated
// giftCardAmount - or to those sources alone, when they name the whole split with this
// payment under card (as Vipps' own example does).
func (r *Receipt) Review(currency string, amount int64) (warnings []string, err error) {
	if len(r.OrderLines) == 0 {
		return nil, ReceiptError("it has no order lines")
	}
	if len(r.OrderLines) > maxOrderLines {
		return nil, ReceiptError("it has %d order lines; at most %d", len(r.OrderLines), maxOrderLines)
	}
	var sum int64
	for i := range r.OrderLines {
		l := &r.OrderLines[i]
		where := fmt.Sprintf("orderLines[%d] (%q)", i, model.Truncate(l.Name, 40))
		if err := l.checkSchema(); err != nil {
			return nil, ReceiptError("%s: %v", where, err)
		}
		for _, w := range l.warnings() {
			warnings = append(warnings, where+": "+w)
		}
		if l.IsReturn {
			sum -= l.TotalAmount
		} else {
			sum += l.TotalAmount
		}
	}
	b := r.BottomLine
	if b == nil {
		return nil, ReceiptError("bottomLine is missing")
	}
	if err := b.checkSchema(); err != nil {
		return nil, ReceiptError("bottomLine.%v", err)
	}
	if b.Currency != currency {
		warnings = append(warnings, fmt.Sprintf("bottomLine.currency %q is not the payment's currency %q", model.Truncate(b.Currency, 10), currency))
	}
	others := b.otherSources()
	if others < 0 {
		warnings = append(warnings, "bottomLine.paymentSources has a negative amount")
	}
	if total := sum + b.TipAmount; amount > 0 && total != amount && total != amount+others && (total != others || b.card() != amount) {
		if others != 0 {
			warnings = append(warnings, fmt.Sprintf("the order lines (returns counted negative) plus tip add up to %d, but the payment (%d) plus the other payment sources (%d) is %d",
				total, amount, others, amount+others))
		} else {
			warnings = append(warnings, fmt.Sprintf("the order lines (returns counted negative) plus tip add up to %d, but the payment is %d (a split tender is told with bottomLine.paymentSources)", total, amount))
		}
	}
	return warnings, nil
}

func (b *BottomLine) card() int64 {
	if b.PaymentSources == nil {
		return 0
	}
	return deref(b.PaymentSources.Card)
}

// otherSources is what bottomLine.paymentSources and giftCardAmount say was paid.
func (b *BottomLine) otherSources() int64 {
	var n int64
	if ps := b.PaymentSources; ps != nil {
		n += deref(ps.GiftCard) + deref(ps.Card) + deref(ps.Voucher) + deref(ps.Cash)
	}
	return n + deref(b.GiftCardAmount)
}

func (b *BottomLine) checkSchema() error {
	if err := checkTextLengths(map[string]textField{"posId": {b.PosID, maxReceiptIDBytes}, "terminalId": {b.TerminalID, maxReceiptIDBytes},
		"receiptNumber": {b.ReceiptNumber, maxReceiptIDBytes}}); err != nil {
		return err
	}
	if !ValidCurrency(b.Currency) {
		return fmt.Errorf("currency %q is not NOK, DKK or EUR", model.Truncate(b.Currency, 10))
	}
	if b.TipAmount < 0 {
		return fmt.Errorf("tipAmount is negative")
	}
	amounts := []*int64{&b.TipAmount, b.GiftCardAmount, b.TotalAmount, b.TotalTax, b.TotalDiscount, b.ShippingAmount}
	if ps := b.PaymentSources; ps != nil {
		amounts = append(amounts, ps.GiftCard, ps.Card, ps.Voucher, ps.Cash)
	}
	for _, v := range amounts {
		if v != nil && (*v > maxReceiptAmount || *v < -maxReceiptAmount) {
			return fmt.Errorf("an amount of %d is beyond vmp's bound of ±%d", *v, int64(maxReceiptAmount))
		}
	}
	for name, v := range map[string]*int64{"giftCardAmount": b.GiftCardAmount, "totalTax": b.TotalTax, "totalDiscount": b.TotalDiscount,
		"shippingAmount": b.ShippingAmount} {
		if v != nil && *v < 0 {
			return fmt.Errorf("%s is negative", name)
		}
	}
	if bc := b.Barcode; bc != nil {
		if err := checkReceiptBarcode(bc); err != nil {
			return fmt.Errorf("barcode: %v", err)
		}
	}
	return nil
}

// checkSchema checks what the Vipps OrderLine schema requires.
func (l *OrderLine) checkSchema() error {
	if err := checkTextLengths(map[string]textField{"name": {l.Name, maxLineNameBytes}, "id": {l.ID, maxReceiptIDBytes},
		"productUrl": {l.ProductURL, model.MaxURLBytes}}); err != nil {
		return err
	}
	for _, v := range []int64{l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount, l.Discount} {
		if v > maxReceiptAmount || v < -maxReceiptAmount {
			return fmt.Errorf("an amount of %d is beyond vmp's bound of ±%d", v, int64(maxReceiptAmount))
		}
	}
	if u := l.UnitInfo; u != nil && u.UnitPrice > maxReceiptAmount {
		return fmt.Errorf("unitInfo.unitPrice %d is beyond vmp's bound of %d", u.UnitPrice, int64(maxReceiptAmount))
	}
	switch {
	case l.Name == "" || l.ID == "":
		return fmt.Errorf("name and id are required")
	case l.Discount < 0:
		return fmt.Errorf("discount is negative")
	}
	if _, err := l.basisPoints(); err != nil {
		return err
	}
	if u := l.UnitInfo; u != nil {
		if err := u.checkSchema(); err != nil {
			return fmt.Errorf("unitInfo: %v", err)
		}
	}
	return nil
}

// warnings lists what looks wrong in the line's arithmetic.
func (l *OrderLine) warnings() []string {
	var w []string
	if l.TotalAmount < 0 || l.TotalAmountExcludingTax < 0 || l.TotalTaxAmount < 0 {
		w = append(w, "an amount is negative (a return is marked with isReturn)")
	}
	if l.TotalAmount != l.TotalAmountExcludingTax+l.TotalTaxAmount {
		w = append(w, fmt.Sprintf("totalAmount %d is not totalAmountExcludingTax %d + totalTaxAmount %d", l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount))
	}
	rate, _ := l.basisPoints()
	// Tax rounded to the øre; one unit of rounding either way is no warning.
	if want := roundDiv(l.TotalAmountExcludingTax*rate, 10000); abs(l.TotalTaxAmount-want) > 1 {
		w = append(w, fmt.Sprintf("totalTaxAmount %d does not match %d.%02d %% of %d (expected %d)", l.TotalTaxAmount, rate/100, rate%100, l.TotalAmountExcludingTax, want))
	}
	if u := l.UnitInfo; u != nil {
		// unitPrice x quantity - discount would give the line total; Vipps calls quantity
		// "only for cosmetics", so a mismatch is told, not refused.
		millis, err := decimalThousandths(u.Quantity)
		if err == nil && (millis == 0 || u.UnitPrice <= math.MaxInt64/millis) {
			if want := roundDiv(u.UnitPrice*millis, 1000) - l.Discount; abs(want-l.TotalAmount) > 1 {
				w = append(w, fmt.Sprintf("unitInfo: unitPrice %d x quantity %s - discount %d is %d, not totalAmount %d", u.UnitPrice, u.Quantity, l.Discount, want, l.TotalAmount))
			}
		}
	}
	return w
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

func (u *UnitInfo) checkSchema() error {
	if u.UnitPrice < 0 {
		return fmt.Errorf("unitPrice is negative")
	}
	if len(u.Quantity) > 10 || !quantityPattern.MatchString(u.Quantity) {
		return fmt.Errorf("quantity %q must be a decimal like \"2\" or \"2.5\" (at most 10 characters)", model.Truncate(u.Quantity, 20))
	}
	if !quantityUnits[u.QuantityUnit] {
		return fmt.Errorf("quantityUnit %q is not PCS, KG, KM, MINUTE, LITRE or KWH", model.Truncate(u.QuantityUnit, 20))
	}
	return nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
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
