package payments

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

var referencePattern = regexp.MustCompile(`^[a-zA-Z0-9-]{8,64}$`)

// CheckReference checks a payment reference as Vipps takes it.
func CheckReference(ref string) error {
	if !referencePattern.MatchString(ref) {
		return model.Errorf(abi.CodeInvalidReference, "reference %q must be 8 to 64 characters of a-z A-Z 0-9 -", model.Truncate(ref, 70))
	}
	return nil
}

// GenerateReference makes a reference unique per till: store and POS id, the time to the
// second, and a random suffix so two tills configured alike still differ.
func GenerateReference(storeID, posID string, now time.Time) string {
	var parts []string
	for _, p := range []string{storeID, posID} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	parts = append(parts, now.UTC().Format("20060102T150405"), randomSuffix())
	ref := strings.Join(parts, "-")
	if len(ref) > 64 {
		ref = ref[len(ref)-64:]
		ref = strings.TrimLeft(ref, "-")
	}
	return ref
}

// randomSuffix is 8 random hex digits with at least one letter: eight decimal digits after a
// dash look like a phone number to the masking of log records and error texts, which would
// hide the reference (about one reference in 43 was shown as "20261204T174905-64****75").
func randomSuffix() string {
	h := []byte(RandomHex(4))
	for _, b := range h {
		if b >= 'a' {
			return string(h)
		}
	}
	h[0] = 'a' + (h[0]-'0')%6
	return string(h)
}

// RandomHex is nBytes random bytes in hex.
func RandomHex(nBytes int) string {
	b := make([]byte, nBytes)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return hex.EncodeToString(b)
}
