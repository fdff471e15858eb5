package vipps

import "context"

// QRExchangeRequest is the body of POST /qr/v1/exchange (contract §3.2). QRCode is the complete
// scanned content, URL and all: Vipps moves to opaque tokens, so the number is never parsed
// out of it.
type QRExchangeRequest struct {
	QRCode        string   `json:"qrCode"`
	RequestedData []string `json:"requestedData,omitempty"`
}

// QRExchangeResponse is the 200 answer of the exchange. Version is "1.0" for the legacy
// clear-text codes and "2.0" for tokenised ones, which also carry Timestamp (Unix seconds when
// the code was generated).
type QRExchangeResponse struct {
	MSISDN    string `json:"msisdn"`
	Timestamp int64  `json:"timestamp,omitempty"`
	Version   string `json:"version"`
}

const qrExchangePath = "/qr/v1/exchange"

// ExchangePersonalQR asks the QR API for the MSISDN behind a scanned personal QR. It changes
// nothing at Vipps, so the engine may repeat it freely. A code Vipps does not accept is a
// 400 *Problem whose ExtraDetails name qrCode.
func (c *Client) ExchangePersonalQR(ctx context.Context, qrCode string) (QRExchangeResponse, error) {
	body, err := EncodeJSON(QRExchangeRequest{QRCode: qrCode, RequestedData: []string{"MSISDN"}})
	if err != nil {
		return QRExchangeResponse{}, err
	}
	var out QRExchangeResponse
	err = c.doJSON(ctx, Request{Method: "POST", Path: qrExchangePath, Body: body}, &out)
	return out, err
}
