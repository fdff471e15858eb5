package sim

import (
	"net/http"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// qrExchangeResponse is the answer of POST /qr/v1/exchange (contract §3.2).
type qrExchangeResponse struct {
	MSISDN    string `json:"msisdn"`
	Timestamp int64  `json:"timestamp,omitempty"`
	Version   string `json:"version"`
}

// tokenQRAge is how old the simulator says a tokenised personal QR is: the app renews the
// code shown to the customer all the time.
const tokenQRAge = 30 * time.Second

// exchangeQR serves POST /qr/v1/exchange: the MSISDN behind a scanned personal QR.
//
// Headers as the API gateway checks them (Merchant-Serial-Number optional). The body needs
// qrCode, the complete scanned text (400 naming qrCode otherwise); requestedData is optional
// and may only hold "MSISDN". A legacy code (https://qr.vipps.no/28/2/01/031/<MSISDN>?v=1)
// answers version "1.0"; a tokenised one (https://qr.vipps.no/p/sim-<MSISDN>) version "2.0"
// with the time the code was generated. Any other text is not a personal QR: 400 naming
// qrCode. The answer never echoes the code.
func (s *Server) exchangeQR(c *call) reply {
	if p := s.checkGatewayHeaders(c.r, false); p != nil {
		return c.fail(p)
	}
	obj, p := decodeObject(c.body, "body")
	if p != nil {
		return c.fail(p)
	}
	code, present, p := obj.str("qrCode", "qrCode")
	switch {
	case p != nil:
		return c.fail(p)
	case !present || code == "":
		return c.fail(fieldProblem("qrCode", "The complete data contained in the QR code is required."))
	}
	if raw, ok := obj.member("requestedData"); ok {
		var wanted []string
		if err := wirejson.Unmarshal(raw, &wanted); err != nil {
			return c.fail(fieldProblem("requestedData", "The field requestedData must be an array of strings."))
		}
		for _, w := range wanted {
			if w != "MSISDN" {
				return c.fail(fieldProblem("requestedData", "The field requestedData may only contain MSISDN."))
			}
		}
	}
	msisdn, ok := msisdnFromPersonalQR(code)
	if !ok {
		return c.fail(fieldProblem("qrCode", "The QR code is not a valid personal QR code."))
	}
	if strings.HasPrefix(code, legacyQRPrefix) {
		return jsonReply(http.StatusOK, qrExchangeResponse{MSISDN: msisdn, Version: "1.0"})
	}
	generated := s.now().Add(-tokenQRAge).Unix()
	return jsonReply(http.StatusOK, qrExchangeResponse{MSISDN: msisdn, Timestamp: generated, Version: "2.0"})
}
