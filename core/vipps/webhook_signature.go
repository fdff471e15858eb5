package vipps

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// Webhook delivery authentication (contract §8.4). Vipps signs every delivery with the secret
// it handed out when the webhook was registered:
//
//	x-ms-content-sha256: Base64(SHA-256(body))
//	stringToSign:        "POST\n" + pathAndQuery + "\n" + x-ms-date + ";" + host + ";" + contentHash
//	Authorization:       "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" +
//	                     Base64(HMAC-SHA256(key: the secret's UTF-8 bytes, data: stringToSign))
//
// pathAndQuery and host are those of the registered URL: the path with "?" and the query when
// it has one, and the URL's authority (with a port that is not the scheme's default).

// Header names of a signed delivery.
const (
	HeaderMSDate        = "x-ms-date"
	HeaderContentSHA256 = "x-ms-content-sha256"
	HeaderAuthorization = "Authorization"
)

// webhookAuthPrefix is everything of the Authorization header before the signature.
const webhookAuthPrefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="

// WebhookDelivery is what a receiver got in one delivery: the parts the signature covers.
type WebhookDelivery struct {
	// Method is the HTTP method; "" means POST. Vipps only POSTs.
	Method string
	// PathAndQuery is the request target as Vipps addressed it: "/path" or "/path?query".
	PathAndQuery string
	// Host is the URL authority Vipps addressed (the Host header), port included when it is
	// not the scheme's default, e.g. "pos.example.com" or "127.0.0.1:8080".
	Host string
	// Date, ContentSHA256 and Authorization are the x-ms-date, x-ms-content-sha256 and
	// Authorization headers, as received.
	Date          string
	ContentSHA256 string
	Authorization string
	// Body is the raw request body, byte for byte.
	Body []byte
}

// VerifyOptions tune VerifyWebhook.
type VerifyOptions struct {
	// MaxAge, when positive, refuses a delivery whose x-ms-date is further than MaxAge from Now
	// (in either direction: a clock ahead of ours counts too). Vipps documents no window, so
	// the default is no check.
	MaxAge time.Duration
	// Now is the time MaxAge is measured from; zero means time.Now().
	Now time.Time
}

// Reasons a delivery fails verification (WebhookVerifyError.Reason).
const (
	VerifyMissingHeader = "missing_header" // a header, the host or the path is empty
	VerifyMethod        = "method"         // not a POST
	VerifyContentHash   = "content_hash"   // x-ms-content-sha256 is not the body's hash
	VerifySignature     = "signature"      // the Authorization header is not the expected one
	VerifyDate          = "date"           // x-ms-date is not an HTTP date (only checked with MaxAge)
	VerifyStale         = "stale"          // x-ms-date is further from now than MaxAge
)

// WebhookVerifyError says why a delivery failed verification. Its text names the part at fault
// and never contains the secret or the expected signature.
type WebhookVerifyError struct {
	Reason string
	Detail string
}

func (e *WebhookVerifyError) Error() string { return "webhook delivery not verified: " + e.Detail }

func verifyError(reason, detail string) *WebhookVerifyError {
	return &WebhookVerifyError{Reason: reason, Detail: detail}
}

// WebhookContentHash is the x-ms-content-sha256 value of body.
func WebhookContentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// WebhookStringToSign is the text Vipps signs for a delivery.
func WebhookStringToSign(method, pathAndQuery, date, host, contentHash string) string {
	return method + "\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash
}

// WebhookAuthorization is the Authorization header of a delivery signed with secret.
func WebhookAuthorization(secret, stringToSign string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return webhookAuthPrefix + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a delivery against the secret of its webhook registration: every
// signed header present, the body's SHA-256 equal to x-ms-content-sha256, the Authorization
// header equal (compared in constant time) to the one computed from the method, path and
// query, x-ms-date, host and content hash; and, with opts.MaxAge, x-ms-date recent enough.
// It returns nil or a *WebhookVerifyError.
func VerifyWebhook(secret string, d WebhookDelivery, opts VerifyOptions) error {
	method := d.Method
	if method == "" {
		method = http.MethodPost
	}
	if method != http.MethodPost {
		return verifyError(VerifyMethod, "the method is "+quoteShort(method)+"; Vipps delivers with POST")
	}
	for _, h := range []struct{ name, value string }{
		{HeaderMSDate, d.Date}, {HeaderContentSHA256, d.ContentSHA256}, {HeaderAuthorization, d.Authorization},
		{"host", d.Host}, {"path", d.PathAndQuery},
	} {
		if strings.TrimSpace(h.value) == "" {
			return verifyError(VerifyMissingHeader, "the "+h.name+" is missing")
		}
	}
	if secret == "" {
		return verifyError(VerifySignature, "there is no secret to check the signature with")
	}
	hash := WebhookContentHash(d.Body)
	if !hmac.Equal([]byte(hash), []byte(strings.TrimSpace(d.ContentSHA256))) {
		return verifyError(VerifyContentHash, HeaderContentSHA256+" does not match the body")
	}
	want := WebhookAuthorization(secret, WebhookStringToSign(method, d.PathAndQuery, d.Date, d.Host, hash))
	if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(d.Authorization))) {
		return verifyError(VerifySignature, "the signature does not match (another secret, or the path, host, "+
			HeaderMSDate+" or content hash differ from what was signed)")
	}
	if opts.MaxAge > 0 {
		sent, err := http.ParseTime(d.Date)
		if err != nil {
			return verifyError(VerifyDate, HeaderMSDate+" is not an HTTP date")
		}
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		if age := now.Sub(sent); age > opts.MaxAge || -age > opts.MaxAge {
			return verifyError(VerifyStale, HeaderMSDate+" is "+age.Round(time.Second).String()+
				" from now, more than the allowed "+opts.MaxAge.String())
		}
	}
	return nil
}

// quoteShort quotes at most 16 bytes of s for an error text.
func quoteShort(s string) string {
	if len(s) > 16 {
		s = s[:16] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
