package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync/atomic"
)

// randomBytes returns n bytes from crypto/rand (which never fails on supported platforms).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// newTraceID returns a W3C traceparent-style id, as Vipps puts in a problem's traceId.
func newTraceID() string {
	return "00-" + hex.EncodeToString(randomBytes(16)) + "-" + hex.EncodeToString(randomBytes(8)) + "-01"
}

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newOpaqueToken returns a URL-safe random token of n random bytes.
func newOpaqueToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// pspSequence hands out the numeric pspReferences of the events after CREATED (Vipps shows
// ten-digit numbers there). Numbers come from one counter per server, so they are distinct.
type pspSequence struct {
	next atomic.Uint64
}

func newPSPSequence() *pspSequence {
	s := &pspSequence{}
	s.next.Store(1_000_000_000 + binary.BigEndian.Uint64(randomBytes(8))%1_000_000_000)
	return s
}

func (s *pspSequence) take() string {
	return strconv.FormatUint(s.next.Add(1), 10)
}
