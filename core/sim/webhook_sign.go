package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// The simulator signs deliveries as Vipps does (contract §8.4). This is deliberately its own
// code, not the client library's verifier: a shared mistake would let both agree and both be
// wrong. Both are tested against the official test vector.

// webhookContentHash is Base64(SHA-256(body)), the x-ms-content-sha256 header.
func webhookContentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// webhookAuthorization is the Authorization header of a delivery: HMAC-SHA256 keyed with the
// secret's UTF-8 bytes over "POST\n<path and query>\n<x-ms-date>;<host>;<content hash>".
func webhookAuthorization(secret, pathAndQuery, date, host, contentHash string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("POST\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash))
	return "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" +
		base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
