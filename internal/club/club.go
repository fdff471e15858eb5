// Package club is the customer club at the till: identifying a customer (a scanned personal QR
// or a typed phone number), loyalty check-in, and enrollment by merchant-initiated login. It
// acts for the till's own sales unit, with the wire client, retry policy and call lifetime the
// client gives it.
package club

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Config is what the club needs of the client's configuration.
type Config struct {
	// DefaultCountryCode is put in front of phone numbers typed without one ("" for none).
	DefaultCountryCode string
	// LoginAuth is how the Login API's token endpoint is authenticated (login.auth_method).
	LoginAuth vipps.LoginAuth
}

// Club is one client's customer club. Safe for concurrent use.
type Club struct {
	api   *vipps.Client
	cfg   Config
	retry retry.Policy
	// enter registers a call with the client: it fails once the client is closing, and the
	// context it gives ends when the client closes.
	enter func(context.Context) (context.Context, func(), error)

	// Now and Sleep are the club's clock for enrollments; nil means the real clock and
	// sleeping. Tests set them before the first enrollment.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) bool

	mu          sync.Mutex
	enrollments map[string]*enrollment
}

// New gives the club of a client: api is the till's own sales unit's wire client.
func New(api *vipps.Client, cfg Config, policy retry.Policy, enter func(context.Context) (context.Context, func(), error)) *Club {
	return &Club{api: api, cfg: cfg, retry: policy, enter: enter}
}

// newEnrollmentID gives an enrollment's id: "enr-" and 24 random hex digits.
func newEnrollmentID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return "enr-" + hex.EncodeToString(b)
}
