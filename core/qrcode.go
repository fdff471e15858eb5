package core

import "github.com/vmp-dev/vmp/internal/qrcode"

// QRCode is a QR code drawn locally from a target URL (internal/qrcode, which the simulator's
// phone page uses too).
type QRCode = qrcode.Code

// EncodeQR draws a QR code for text with error correction level M (15 % may be damaged).
func EncodeQR(text string) (*QRCode, error) { return qrcode.Encode(text) }
