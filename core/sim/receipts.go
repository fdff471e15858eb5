package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// receipt is a Receipt (contract §7.2) that passed the schema checks: what the strict
// arithmetic check needs, and the JSON as sent (compacted) to store and give back.
type receipt struct {
	raw      json.RawMessage
	lines    []receiptLine
	currency string
	tip      int64
	// otherSources is what bottomLine.paymentSources (and the deprecated giftCardAmount) say
	// was paid other ways: a split tender.
	otherSources int64
	card         int64 // paymentSources.card
}

// receiptLine is the arithmetic of one order line.
type receiptLine struct {
	total, excludingTax, tax int64
	isReturn                 bool
}

// fieldIssue is one thing wrong with a receipt: the field's path ("receipt.orderLines[0].id"
// in createPayment, "orderLines[0].id" in Order Management) and why. missing marks a
// required field that is absent or null.
type fieldIssue struct {
	field, reason string
	missing       bool
}

// problem renders the issue as ePayment does: 400 naming the field, ErrorCode 4140 when the
// field is missing.
func (fi *fieldIssue) problem() *problem {
	if fi.missing {
		p := missingProblem(fi.field)
		p.ExtraDetails[0].Reason = fi.reason
		return p
	}
	return fieldProblem(fi.field, fi.reason)
}

var (
	receiptCurrencies = []string{"NOK", "DKK", "EUR"}
	quantityUnits     = []string{"PCS", "KG", "KM", "MINUTE", "LITRE", "KWH"}
	barcodeFormats    = []string{"EAN-13", "CODE 39", "CODE 128"}
	quantityPattern   = regexp.MustCompile(`^\d+([.]\d{1,8})?$`)
)

const maxQuantityLength = 10

// parseReceipt checks a Receipt against its schema (contract §7.2) and returns the first issue
// in field order. prefix is put before every field name ("receipt." inside createPayment).
// Unknown and deprecated members (bottomLine.totalAmount, shippingInfo, terminalId, …) are
// accepted unchecked, as a gateway ignores what it does not know.
func parseReceipt(data []byte, prefix string) (*receipt, *fieldIssue) {
	v := receiptValidator{prefix: prefix}
	body := "body"
	if prefix != "" {
		body = prefix[:len(prefix)-1]
	}
	var obj jsonObject
	if err := wirejson.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, &fieldIssue{field: body, reason: "The " + body + " must be a Receipt object with orderLines and bottomLine."}
	}
	rc := &receipt{}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err == nil {
		rc.raw = compact.Bytes()
	} else {
		rc.raw = append(json.RawMessage(nil), data...)
	}

	raw, ok := obj.member("orderLines")
	if !ok {
		return nil, v.missing("orderLines")
	}
	var lines []wirejson.RawMessage
	if err := wirejson.Unmarshal(raw, &lines); err != nil {
		return nil, v.invalid("orderLines", "The field orderLines must be an array of order lines.")
	}
	if len(lines) == 0 {
		return nil, v.invalid("orderLines", "The field orderLines must hold at least one order line.")
	}
	for i, lineRaw := range lines {
		line, issue := v.orderLine(lineRaw, fmt.Sprintf("orderLines[%d]", i))
		if issue != nil {
			return nil, issue
		}
		rc.lines = append(rc.lines, line)
	}

	bl, present, issue := v.object(obj, "bottomLine", "bottomLine")
	switch {
	case issue != nil:
		return nil, issue
	case !present:
		return nil, v.missing("bottomLine")
	}
	if rc.currency, issue = v.requiredEnum(bl, "currency", "bottomLine.currency", receiptCurrencies); issue != nil {
		return nil, issue
	}
	if tip, present, issue := v.integer(bl, "tipAmount", "bottomLine.tipAmount", true); issue != nil {
		return nil, issue
	} else if present {
		rc.tip = tip
	}
	for _, name := range []string{"posId", "receiptNumber"} {
		if _, _, issue := v.str(bl, name, "bottomLine."+name); issue != nil {
			return nil, issue
		}
	}
	if ps, present, issue := v.object(bl, "paymentSources", "bottomLine.paymentSources"); issue != nil {
		return nil, issue
	} else if present {
		for _, name := range []string{"giftCard", "card", "voucher", "cash"} {
			n, _, issue := v.integer(ps, name, "bottomLine.paymentSources."+name, false)
			if issue != nil {
				return nil, issue
			}
			rc.otherSources += n
			if name == "card" {
				rc.card = n
			}
		}
	}
	giftCardAmount, _, issue := v.integer(bl, "giftCardAmount", "bottomLine.giftCardAmount", true)
	if issue != nil {
		return nil, issue
	}
	rc.otherSources += giftCardAmount
	if bc, present, issue := v.object(bl, "barcode", "bottomLine.barcode"); issue != nil {
		return nil, issue
	} else if present {
		if _, issue := v.requiredEnum(bc, "format", "bottomLine.barcode.format", barcodeFormats); issue != nil {
			return nil, issue
		}
		if _, present, issue := v.str(bc, "data", "bottomLine.barcode.data"); issue != nil {
			return nil, issue
		} else if !present {
			return nil, v.missing("bottomLine.barcode.data")
		}
	}
	return rc, nil
}

// receiptValidator names fields with its prefix.
type receiptValidator struct {
	prefix string
}

func (v receiptValidator) missing(field string) *fieldIssue {
	return &fieldIssue{field: v.prefix + field, reason: "The " + v.prefix + field + " field is required.", missing: true}
}

func (v receiptValidator) invalid(field, reason string) *fieldIssue {
	return &fieldIssue{field: v.prefix + field, reason: reason}
}

// orderLine checks one OrderLine.
func (v receiptValidator) orderLine(raw []byte, path string) (receiptLine, *fieldIssue) {
	var line receiptLine
	var obj jsonObject
	if err := wirejson.Unmarshal(raw, &obj); err != nil || obj == nil {
		return line, v.invalid(path, "Each order line must be a JSON object.")
	}
	for _, name := range []string{"name", "id"} {
		if _, present, issue := v.str(obj, name, path+"."+name); issue != nil {
			return line, issue
		} else if !present {
			return line, v.missing(path + "." + name)
		}
	}
	for _, f := range []struct {
		name string
		into *int64
	}{{"totalAmount", &line.total}, {"totalAmountExcludingTax", &line.excludingTax}, {"totalTaxAmount", &line.tax}} {
		n, present, issue := v.integer(obj, f.name, path+"."+f.name, false)
		switch {
		case issue != nil:
			return line, issue
		case !present:
			return line, v.missing(path + "." + f.name)
		}
		*f.into = n
	}
	rate, hasRate, issue := v.integer(obj, "taxRate", path+".taxRate", true)
	if issue != nil {
		return line, issue
	}
	if hasRate && rate > 10000 {
		return line, v.invalid(path+".taxRate", "The field taxRate must be between 0 and 10000 (basis points: 2500 is 25 %).")
	}
	pct, hasPct, issue := v.integer(obj, "taxPercentage", path+".taxPercentage", true)
	if issue != nil {
		return line, issue
	}
	if hasPct && pct > 100 {
		return line, v.invalid(path+".taxPercentage", "The field taxPercentage must be between 0 and 100.")
	}
	if !hasRate && !hasPct {
		return line, &fieldIssue{field: v.prefix + path + ".taxRate", reason: "Either taxRate or taxPercentage must be set.", missing: true}
	}
	if ui, present, issue := v.object(obj, "unitInfo", path+".unitInfo"); issue != nil {
		return line, issue
	} else if present {
		if issue := v.unitInfo(ui, path+".unitInfo"); issue != nil {
			return line, issue
		}
	}
	if _, _, issue := v.integer(obj, "discount", path+".discount", true); issue != nil {
		return line, issue
	}
	if _, _, issue := v.str(obj, "productUrl", path+".productUrl"); issue != nil {
		return line, issue
	}
	for _, name := range []string{"isReturn", "isShipping"} {
		b, _, p := obj.boolean(name, v.prefix+path+"."+name)
		if p != nil {
			return line, v.invalid(path+"."+name, "The field "+name+" must be true or false.")
		}
		if name == "isReturn" {
			line.isReturn = b
		}
	}
	return line, nil
}

// unitInfo checks a UnitInfo: unitPrice ≥ 0 and quantity required, quantityUnit optional.
func (v receiptValidator) unitInfo(ui jsonObject, path string) *fieldIssue {
	if _, present, issue := v.integer(ui, "unitPrice", path+".unitPrice", true); issue != nil {
		return issue
	} else if !present {
		return v.missing(path + ".unitPrice")
	}
	q, present, issue := v.str(ui, "quantity", path+".quantity")
	switch {
	case issue != nil:
		return issue
	case !present:
		return v.missing(path + ".quantity")
	case utf8.RuneCountInString(q) > maxQuantityLength || !quantityPattern.MatchString(q):
		return v.invalid(path+".quantity", `The field quantity must be a string of at most 10 characters matching '^\d+([.]\d{1,8})?$', such as "2" or "0.822".`)
	}
	if raw, ok := ui.member("quantityUnit"); ok {
		var unit string
		if wirejson.Unmarshal(raw, &unit) != nil {
			return v.invalid(path+".quantityUnit", "The field quantityUnit must be a string.")
		}
		if p := checkEnum(v.prefix+path+".quantityUnit", unit, quantityUnits); p != nil {
			return v.invalid(path+".quantityUnit", p.ExtraDetails[0].Reason)
		}
	}
	return nil
}

// str checks an optional string member.
func (v receiptValidator) str(obj jsonObject, name, path string) (string, bool, *fieldIssue) {
	s, present, p := obj.str(name, v.prefix+path)
	if p != nil {
		return "", true, v.invalid(path, "The field "+name+" must be a string.")
	}
	return s, present, nil
}

// object checks an optional object member.
func (v receiptValidator) object(obj jsonObject, name, path string) (jsonObject, bool, *fieldIssue) {
	o, present, p := obj.object(name, v.prefix+path)
	if p != nil {
		return nil, true, v.invalid(path, "The field "+name+" must be a JSON object.")
	}
	return o, present, nil
}

// requiredEnum checks a required string member against its allowed values.
func (v receiptValidator) requiredEnum(obj jsonObject, name, path string, allowed []string) (string, *fieldIssue) {
	s, present, issue := v.str(obj, name, path)
	switch {
	case issue != nil:
		return "", issue
	case !present:
		return "", v.missing(path)
	}
	if p := checkEnum(v.prefix+path, s, allowed); p != nil {
		return "", v.invalid(path, p.ExtraDetails[0].Reason)
	}
	return s, nil
}

// integer checks an optional int64 member given as a JSON integer literal (no fraction, no
// exponent, no string); nonNegative refuses values below zero.
func (v receiptValidator) integer(obj jsonObject, name, path string, nonNegative bool) (int64, bool, *fieldIssue) {
	raw, ok := obj.member(name)
	if !ok {
		return 0, false, nil
	}
	lit := bytes.TrimSpace(raw)
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if !integerPattern.Match(lit) || err != nil {
		return 0, true, v.invalid(path, "The field "+name+" must be an integer (an amount in minor units).")
	}
	if nonNegative && n < 0 {
		return 0, true, v.invalid(path, "The field "+name+" must not be negative.")
	}
	return n, true, nil
}

// checkArithmetic is Options.StrictReceipts: every line's totalAmount is
// totalAmountExcludingTax + totalTaxAmount, and, when the payment is known (amount not nil),
// the currency is the payment's and the signed sum of the lines (returns negative) plus
// tipAmount is its amount - or, for a split tender, its amount plus the other sources of
// bottomLine.paymentSources, or those sources alone when they name the whole split with
// this payment as card.
func (rc *receipt) checkArithmetic(prefix string, amount *Amount) *fieldIssue {
	var sum int64
	for i, l := range rc.lines {
		if l.total != l.excludingTax+l.tax {
			return &fieldIssue{field: fmt.Sprintf("%sorderLines[%d].totalAmount", prefix, i),
				reason: fmt.Sprintf("totalAmount %d is not totalAmountExcludingTax %d + totalTaxAmount %d.", l.total, l.excludingTax, l.tax)}
		}
		if l.isReturn {
			sum -= l.total
		} else {
			sum += l.total
		}
	}
	if amount == nil {
		return nil
	}
	if rc.currency != amount.Currency {
		return &fieldIssue{field: prefix + "bottomLine.currency",
			reason: fmt.Sprintf("The receipt is in %s, the payment in %s.", rc.currency, amount.Currency)}
	}
	if total := sum + rc.tip; total != amount.Value && total != amount.Value+rc.otherSources && (total != rc.otherSources || rc.card != amount.Value) {
		return &fieldIssue{field: prefix + "orderLines",
			reason: fmt.Sprintf("The order lines add up to %d (returns counted negative) and the tip is %d, but the payment amount is %d and the other payment sources %d.",
				sum, rc.tip, amount.Value, rc.otherSources)}
	}
	return nil
}

// optionalReceipt reads createPayment's receipt member (schema checks only; the strict check
// runs in createPayment, which knows the options).
func optionalReceipt(obj jsonObject) (*receipt, *problem) {
	raw, ok := obj.member("receipt")
	if !ok {
		return nil, nil
	}
	rc, issue := parseReceipt(raw, "receipt.")
	if issue != nil {
		return nil, issue.problem()
	}
	return rc, nil
}

// checkCreateReceipt runs the strict arithmetic check of a createPayment receipt when
// Options.StrictReceipts is set.
func (s *Server) checkCreateReceipt(req createRequest) *problem {
	if req.Receipt == nil || !s.opts.StrictReceipts {
		return nil
	}
	if issue := req.Receipt.checkArithmetic("receipt.", &req.Amount); issue != nil {
		return issue.problem()
	}
	return nil
}

// keepCreateReceipt stores createPayment's receipt with the new payment and, unless the order
// already has one (receipts are immutable), as the receipt of the ePayment order (MSN, ECOM,
// reference), so a later Order Management POST for it is 409. The lock must be held.
func (s *Server) keepCreateReceipt(pay *payment, req createRequest, now time.Time) {
	if req.Receipt == nil {
		return
	}
	pay.receipt = req.Receipt.raw
	s.storeReceipt(orderKey{msn: pay.msn, paymentType: paymentTypeEcom, orderID: pay.reference}, req.Receipt.raw, now)
}

// snapshotOf is the PaymentSnapshot of p, with the receipt given in createPayment or else the
// one attached to its order through Order Management. The lock must be held.
func (s *Server) snapshotOf(p *payment) PaymentSnapshot {
	snap := p.snapshot()
	if rc := s.receiptOf(p); rc != nil {
		snap.Receipt = append(json.RawMessage(nil), rc...)
	}
	return snap
}

// receiptOf is p's receipt: the one given in createPayment, or else the one attached to its
// order through Order Management; nil without. Shared, not copied. The lock must be held.
func (s *Server) receiptOf(p *payment) []byte {
	if p.receipt != nil {
		return p.receipt
	}
	if o, ok := s.orders[orderKey{msn: p.msn, paymentType: paymentTypeEcom, orderID: p.reference}]; ok {
		return o.receipt
	}
	return nil
}
