package sim

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// MSISDNScansQR is the customer who scans a customer-facing QR when ScanQR or POST
// /sim/qr/{token}/scan names nobody: a Vipps user who approves.
const MSISDNScansQR = "4712345678"

// Customer-facing QR formats (createPayment qrFormat.format, contract §2.2).
const (
	qrTargetURL    = "TEXT/TARGETURL"
	qrImageSVG     = "IMAGE/SVG+XML"
	qrImagePNG     = "IMAGE/PNG"
	defaultQRSize  = 1024
	qrPathPrefix   = "/sim/qr/"
	qrImageSuffix  = "/image"
	qrScanSuffix   = "/scan"
	qrScanCustomer = "qrScan" // PaymentSnapshot.CustomerIdentifiedBy after a scan
)

// ErrUnknownQR: no customer-facing QR has this token.
var ErrUnknownQR = errors.New("sim: no QR payment with this token")

// qrCode is a customer-facing QR the simulator handed out for a payment with userFlow QR.
type qrCode struct {
	payment paymentKey
	format  string
	size    int // PNG only
}

// qrRedirectURL is createPayment's redirectUrl of a payment: for userFlow QR the target URL the
// customer's camera opens (<base>/sim/qr/<token>) with TEXT/TARGETURL, else the QR image the
// simulator serves (<base>/sim/qr/<token>/image); the other flows as redirectURL says. The
// lock must be held.
func (s *Server) qrRedirectURL(pk paymentKey, req createRequest) string {
	if req.UserFlow != "QR" {
		return redirectURL(req)
	}
	token := newOpaqueToken(24)
	if s.qrCodes == nil {
		s.qrCodes = map[string]*qrCode{}
	}
	s.qrCodes[token] = &qrCode{payment: pk, format: req.QRFormat, size: req.QRSize}
	target := s.URL() + qrPathPrefix + token
	if req.QRFormat == qrTargetURL {
		return target
	}
	return target + qrImageSuffix
}

// qrToken extracts the token of a QR target URL, image URL or scan URL; anything without
// "/sim/qr/" is taken to be the token itself.
func qrToken(targetURL string) string {
	_, rest, found := strings.Cut(targetURL, qrPathPrefix)
	if !found {
		return targetURL
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	rest = strings.TrimSuffix(rest, qrImageSuffix)
	return strings.TrimSuffix(rest, qrScanSuffix)
}

// ScanQR makes MSISDNScansQR scan the customer-facing QR of a payment and approve it at once
// (CREATED → AUTHORIZED). targetURL is the redirectUrl createPayment answered (target or
// image URL) or just its token. It returns ErrUnknownQR, or ErrNotPending (wrapped) when the
// payment has left CREATED.
func (s *Server) ScanQR(targetURL string) error {
	return s.ScanQRAs(targetURL, MSISDNScansQR)
}

// ScanQRAs is ScanQR by the customer with this MSISDN, who becomes the payment's customer.
// An MSISDN that is not 10 to 15 digits, or MSISDNUnknown (not a Vipps user), is refused.
func (s *Server) ScanQRAs(targetURL, msisdn string) error {
	switch {
	case !phonePattern.MatchString(msisdn):
		return fmt.Errorf("sim: phone number %q is not an MSISDN of 10 to 15 digits", msisdn)
	case !isKnownCustomer(msisdn):
		return fmt.Errorf("sim: %s is not a Vipps MobilePay user and cannot scan", msisdn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pay, _, err := s.qrPayment(qrToken(targetURL))
	if err != nil {
		return err
	}
	now := s.now()
	pay.settle(now)
	if pay.state != StateCreated {
		return fmt.Errorf("%w (state %s)", ErrNotPending, pay.state)
	}
	pay.customer = customerRef{Kind: qrScanCustomer, MSISDN: msisdn}
	pay.authorize(now)
	return nil
}

// qrPayment finds the payment behind a QR token. The lock must be held.
func (s *Server) qrPayment(token string) (*payment, *qrCode, error) {
	q, ok := s.qrCodes[token]
	if !ok {
		return nil, nil, ErrUnknownQR
	}
	pay, ok := s.payments[q.payment]
	if !ok {
		return nil, nil, ErrUnknownQR
	}
	return pay, q, nil
}

// controlScanQR serves POST /sim/qr/{token}/scan with an optional body {"phone_number":
// "47…"}: 204; 400 for a bad body or a customer who cannot pay; 404 unknown token; 409 when
// the payment is no longer CREATED.
func (s *Server) controlScanQR(c *call) reply {
	msisdn := MSISDNScansQR
	if len(bytes.TrimSpace(c.body)) > 0 && !isJSONNull(c.body) {
		var req struct {
			PhoneNumber string `json:"phone_number"`
		}
		if err := wirejson.UnmarshalStrict(c.body, &req); err != nil {
			return c.fail(fieldProblem("body", `The body must be {"phone_number": "<MSISDN>"} or empty: `+err.Error()))
		}
		if req.PhoneNumber != "" {
			msisdn = req.PhoneNumber
		}
	}
	if !phonePattern.MatchString(msisdn) || !isKnownCustomer(msisdn) {
		return c.fail(fieldProblem("phone_number", "The phone_number must be the MSISDN (10 to 15 digits) of a Vipps MobilePay user."))
	}
	err := s.ScanQRAs(c.reference, msisdn)
	switch {
	case err == nil:
		return emptyReply(http.StatusNoContent)
	case errors.Is(err, ErrUnknownQR):
		return c.fail(newProblem(http.StatusNotFound, "Not Found", err.Error()))
	default:
		return c.fail(newProblem(http.StatusConflict, "Conflict", err.Error()))
	}
}

// qrPage is what a phone shows after scanning: the answer of GET /sim/qr/{token}.
type qrPage struct {
	MSN                string `json:"msn"`
	Reference          string `json:"reference"`
	Amount             Amount `json:"amount"`
	PaymentDescription string `json:"paymentDescription,omitempty"`
	State              State  `json:"state"`
	ScanURL            string `json:"scanUrl"` // POST here to scan and approve
}

// controlQRPage serves GET /sim/qr/{token}: the payment as the customer's phone would show it,
// as JSON, or as a small HTML page when the client accepts text/html. 404 unknown token.
func (s *Server) controlQRPage(c *call) reply {
	s.mu.Lock()
	pay, _, err := s.qrPayment(c.reference)
	var page qrPage
	if err == nil {
		pay.settle(s.now())
		page = qrPage{MSN: pay.msn, Reference: pay.reference, Amount: pay.amount, PaymentDescription: pay.description,
			State: pay.state, ScanURL: s.URL() + qrPathPrefix + c.reference + qrScanSuffix}
	}
	s.mu.Unlock()
	if err != nil {
		return c.fail(newProblem(http.StatusNotFound, "Not Found", err.Error()))
	}
	if !strings.Contains(c.r.Header.Get("Accept"), "text/html") {
		return jsonReply(http.StatusOK, page)
	}
	esc := html.EscapeString
	body := fmt.Sprintf(`<!doctype html><html><head><meta charset="utf-8"><title>Vipps MobilePay (simulator)</title></head>`+
		`<body><h1>Pay %d.%02d %s</h1><p>%s</p><p>Sales unit %s, reference %s: %s</p>`+
		`<form method="post" action="%s"><button>Pay</button></form></body></html>`,
		page.Amount.Value/100, page.Amount.Value%100, esc(page.Amount.Currency), esc(page.PaymentDescription),
		esc(page.MSN), esc(page.Reference), esc(string(page.State)), esc(page.ScanURL))
	return reply{status: http.StatusOK, contentType: "text/html; charset=utf-8", body: []byte(body)}
}

// controlQRImage serves GET /sim/qr/{token}/image: a placeholder image in the payment's
// format (an SVG that names the target URL, or a blank PNG of the requested size). The
// library draws real QR codes itself from the target URL. 404 unknown token.
func (s *Server) controlQRImage(c *call) reply {
	s.mu.Lock()
	_, q, err := s.qrPayment(c.reference)
	var format string
	var size int
	if err == nil {
		format, size = q.format, q.size
	}
	s.mu.Unlock()
	if err != nil {
		return c.fail(newProblem(http.StatusNotFound, "Not Found", err.Error()))
	}
	target := s.URL() + qrPathPrefix + c.reference
	if format == qrImagePNG {
		if size == 0 {
			size = defaultQRSize
		}
		return reply{status: http.StatusOK, contentType: "image/png", body: placeholderPNG(size)}
	}
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">`+
		`<rect width="256" height="256" fill="#fff" stroke="#000"/><text x="8" y="128" font-size="8">%s</text></svg>`,
		html.EscapeString(target))
	return reply{status: http.StatusOK, contentType: "image/svg+xml", body: []byte(svg)}
}

// placeholderPNG is a blank size×size PNG with a border.
func placeholderPNG(size int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for i := range size {
		img.SetColorIndex(i, 0, 1)
		img.SetColorIndex(i, size-1, 1)
		img.SetColorIndex(0, i, 1)
		img.SetColorIndex(size-1, i, 1)
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	_ = enc.Encode(&out, img)
	return out.Bytes()
}

// optionalQRFormat reads createPayment's qrFormat: format required (TEXT/TARGETURL,
// IMAGE/SVG+XML or IMAGE/PNG), size 100..2000 and only for IMAGE/PNG.
func optionalQRFormat(obj jsonObject) (format string, size int, p *problem) {
	q, present, p := obj.object("qrFormat", "qrFormat")
	if p != nil || !present {
		return "", 0, p
	}
	format, present, p = q.str("format", "qrFormat.format")
	switch {
	case p != nil:
		return "", 0, p
	case !present:
		return "", 0, missingProblem("qrFormat.format")
	}
	if p := checkEnum("qrFormat.format", format, qrFormats); p != nil {
		return "", 0, p
	}
	raw, present := q.member("size")
	if !present {
		return format, 0, nil
	}
	if format != qrImagePNG {
		return "", 0, fieldProblem("qrFormat.size", "The field qrFormat.size is only for the format IMAGE/PNG.")
	}
	n, ok := parseIntLiteral(raw, 2000)
	if !ok || n < 100 {
		return "", 0, fieldProblem("qrFormat.size", "The field qrFormat.size must be an integer from 100 to 2000.")
	}
	return format, int(n), nil
}

// qrFlowRules applies the qrFormat rules that need the userFlow: qrFormat only with userFlow
// QR, and IMAGE/SVG+XML when a QR payment asks for no format.
func qrFlowRules(req *createRequest) *problem {
	switch {
	case req.QRFormat != "" && req.UserFlow != "QR":
		return fieldProblem("qrFormat", "The field qrFormat is only for userFlow QR.")
	case req.UserFlow == "QR" && req.QRFormat == "":
		req.QRFormat = qrImageSVG
	}
	return nil
}
