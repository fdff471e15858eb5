package payments

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strconv"
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
// second, and a random suffix so two tills configured alike still differ. The store prefix is
// never cut (issue 16): when the whole does not fit Vipps' 64 characters (store_id and pos_id
// of 20 each), the time is written shorter - Unix seconds in base 36 - and only if that is not
// enough (a sales unit's 40-character name as its prefix) the POS id keeps its last characters.
// A '_' (allowed in sales-unit names, not in references) becomes '-'.
func GenerateReference(storeID, posID string, now time.Time) string {
	store, pos := referencePart(storeID), referencePart(posID)
	suffix := randomSuffix()
	join := func(parts ...string) string {
		var kept []string
		for _, p := range parts {
			if p != "" {
				kept = append(kept, p)
			}
		}
		return strings.Join(kept, "-")
	}
	if ref := join(store, pos, now.UTC().Format("20060102T150405"), suffix); len(ref) <= 64 {
		return ref
	}
	stamp := strconv.FormatInt(now.Unix(), 36)
	if room := 64 - len(join(store, "x", stamp, suffix)) + 1; len(pos) > room {
		pos = strings.TrimLeft(pos[len(pos)-max(room, 0):], "-")
	}
	return join(store, pos, stamp, suffix)
}

// referencePart is a configured id as it may stand in a reference.
func referencePart(id string) string {
	return strings.Trim(strings.ReplaceAll(id, "_", "-"), "-")
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
