package club

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/phone"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Enrollment of a non-member into the POS's customer club by merchant-initiated login (Vipps
// Login CIBA, contract §6): the customer gets a consent request in the app; when they accept,
// the library reads the profile they agreed to share (userinfo) and hands it to the till,
// whose own system enrolls them.
//
// The till never waits on the network for it: StartEnrollment sends the request and returns
// an id; a goroutine of the library polls the token endpoint at the interval Vipps asks for
// (growing it on slow_down); PollEnrollment, on the till's thread, returns the state at once
// or when it changes. Close stops the goroutines; CancelEnrollment stops one.

// EnrollmentRequest is the JSON given to vmp_start_enrollment. Unknown fields are an error.
type EnrollmentRequest struct {
	// PhoneNumber is the customer's number: an MSISDN or typed (default_country_code applies).
	PhoneNumber string `json:"phone_number"`
	// Scopes are the profile parts asked for (Vipps Login scopes); "openid" is always added.
	// Default: name, phoneNumber, email. "customFlow" is Vipps' recommended consent mechanism
	// for marketing (merchant-initiated login only), "delegatedConsents" the older one.
	Scopes []string `json:"scopes"`
	// BindingMessage is shown on the till and in the app so the customer can tell the request
	// is theirs: 5 to 8 of A-Z 0-9 -. Optional.
	BindingMessage string `json:"binding_message"`
	// CheckUserExists asks Vipps first whether the customer can log in at all (default true),
	// so an unknown number fails at once with abi.CodeCustomerNotFound.
	CheckUserExists *bool `json:"check_user_exists"`
	// RequestedExpiryS asks Vipps to keep the consent request open this many seconds
	// (60 .. 900); 0 leaves Vipps' default of about 10 minutes.
	RequestedExpiryS int64 `json:"requested_expiry_s"`
}

var (
	defaultEnrollmentScopes = []string{"name", "phoneNumber", "email"}
	enrollmentScopes        = []string{"openid", "name", "phoneNumber", "email", "address", "birthDate", "nin", "gender", "delegatedConsents", "customFlow"}
	bindingMessagePattern   = regexp.MustCompile(`^[A-Z0-9-]{5,8}$`)
)

// ParseEnrollment decodes and checks an enrollment request; the phone number is normalised
// by StartEnrollment, which knows the configured default country.
func ParseEnrollment(data []byte) (EnrollmentRequest, error) {
	var req EnrollmentRequest
	if err := wirejson.UnmarshalStrict(data, &req); err != nil {
		return EnrollmentRequest{}, &model.Error{Code: abi.CodeInvalidJSON, Message: "enrollment: " + err.Error(), Err: err}
	}
	if strings.TrimSpace(req.PhoneNumber) == "" {
		return EnrollmentRequest{}, model.Errorf(abi.CodeInvalidCustomer, "enrollment: phone_number is required (identify the customer first)")
	}
	for _, s := range req.Scopes {
		if !slices.Contains(enrollmentScopes, s) {
			return EnrollmentRequest{}, model.Errorf(abi.CodeInvalidArgument, "enrollment: scope %q is not one of %s", model.Truncate(s, 40), strings.Join(enrollmentScopes, ", "))
		}
	}
	if req.BindingMessage != "" && !bindingMessagePattern.MatchString(req.BindingMessage) {
		return EnrollmentRequest{}, model.Errorf(abi.CodeInvalidArgument, "enrollment: binding_message must be 5 to 8 of A-Z 0-9 -, such as \"AB-123\"")
	}
	if e := req.RequestedExpiryS; e != 0 && (e < 60 || e > 900) {
		return EnrollmentRequest{}, model.Errorf(abi.CodeInvalidArgument, "enrollment: requested_expiry_s must be 60 to 900 seconds (or 0 for Vipps' default), is %d", e)
	}
	return req, nil
}

// scopes is the scope list sent to Vipps: openid first, the till's (or the default) after.
func (r EnrollmentRequest) scopes() []string {
	asked := r.Scopes
	if len(asked) == 0 {
		asked = defaultEnrollmentScopes
	}
	out := []string{"openid"}
	for _, s := range asked {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Enrollment is what PollEnrollment reports.
type Enrollment struct {
	ID    string
	State EnrollmentState
	// Profile is the userinfo JSON object the customer consented to share (CONSENTED only).
	Profile []byte
	// Err says why a FAILED enrollment failed.
	Err error
}

// Limits and timing of enrollments.
const (
	maxPendingEnrollments  = 64               // per client; more is abi.CodeRateLimited
	enrollmentRetention    = 10 * time.Minute // a finished enrollment stays readable this long
	defaultCIBAInterval    = 5 * time.Second  // when Vipps announces no interval
	defaultCIBALifetime    = 10 * time.Minute // when Vipps announces no lifetime
	cibaSlowDownStep       = 5 * time.Second  // CIBA: slow_down adds at least 5 s for good
	cibaPollMargin         = 50 * time.Millisecond
	cibaExpiryGrace        = 5 * time.Second // Vipps' own expired_token is preferred to our clock
	maxEnrollmentPolls     = 10000
	maxEnrollmentIDPrinted = 64
)

func (c *Club) clock() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Club) wait(ctx context.Context, d time.Duration) bool {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

// enrollment is one consent request being followed.
type enrollment struct {
	id        string
	authReqID string
	cancel    context.CancelFunc
	done      chan struct{} // closed when the following goroutine has returned

	mu      sync.Mutex
	state   EnrollmentState
	profile []byte
	err     *model.Error
	changed chan struct{} // closed and replaced on every change
	endedAt time.Time
}

// finish moves a pending enrollment to a final state; a final one stays as it is.
func (e *enrollment) finish(s EnrollmentState, profile []byte, err *model.Error, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state.Final() {
		return false
	}
	e.state, e.profile, e.err, e.endedAt = s, profile, err, now
	close(e.changed)
	e.changed = make(chan struct{})
	return true
}

func (e *enrollment) snapshot() (Enrollment, chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := Enrollment{ID: e.id, State: e.state, Profile: e.profile}
	if e.err != nil {
		out.Err = e.err
	}
	return out, e.changed
}

// add registers an enrollment unless too many are pending, dropping long-finished ones.
func (c *Club) add(e *enrollment, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enrollments == nil {
		c.enrollments = map[string]*enrollment{}
	}
	pending := 0
	for id, old := range c.enrollments {
		old.mu.Lock()
		final, ended := old.state.Final(), old.endedAt
		old.mu.Unlock()
		switch {
		case final && now.Sub(ended) > enrollmentRetention:
			delete(c.enrollments, id)
		case !final:
			pending++
		}
	}
	if pending >= maxPendingEnrollments {
		return model.Errorf(abi.CodeRateLimited, "enrollment: %d enrollments are in progress; finish or cancel some first", pending)
	}
	c.enrollments[e.id] = e
	return nil
}

func (c *Club) get(id string) (*enrollment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.enrollments[id]; ok {
		return e, nil
	}
	return nil, model.Errorf(abi.CodeInvalidArgument, "enrollment %q is unknown, or finished more than %s ago", model.Truncate(id, maxEnrollmentIDPrinted), enrollmentRetention)
}

// StartEnrollment sends the customer a consent request (merchant-initiated login) and returns
// the enrollment's id at once; the library follows the request on its own goroutine.
//
// With CheckUserExists (the default) it first asks Vipps whether the number can log in:
// abi.CodeCustomerNotFound when not. Vipps' refusals of the request itself: abi.CodeCustomerNotFound
// (invalid_user), abi.CodeAppTooOld (old_app), abi.CodeRateLimited (a request to this customer is
// still pending: it cannot be withdrawn and must expire first). The request is sent once: a
// missing answer is abi.CodeUnknownOutcome, since a consent request may have reached the phone.
func (c *Club) StartEnrollment(ctx context.Context, req EnrollmentRequest) (string, error) {
	msisdn, err := phone.Normalize(req.PhoneNumber, c.cfg.DefaultCountryCode)
	if err != nil {
		return "", &model.Error{Code: abi.CodeInvalidCustomer, Message: "enrollment: " + err.Error(), Err: err}
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return "", err
	}
	defer leave()
	auth := c.cfg.LoginAuth
	hint := vipps.MSISDNLoginHint(msisdn)
	if req.CheckUserExists == nil || *req.CheckUserExists {
		var exists bool
		err := c.retry.Call(ctx, "enrollment: user check", retry.OneOff(), false, func(ctx context.Context) error {
			var err error
			exists, err = c.api.LoginUserExists(ctx, hint, auth)
			return err
		})
		if err != nil {
			return "", err
		}
		if !exists {
			return "", model.Errorf(abi.CodeCustomerNotFound, "enrollment: the customer is not a Vipps MobilePay user who can log in")
		}
	}
	start, err := c.startLogin(ctx, vipps.CIBARequest{LoginHint: hint, Scopes: req.scopes(), BindingMessage: req.BindingMessage,
		RequestedExpiry: time.Duration(req.RequestedExpiryS) * time.Second}, auth)
	if err != nil {
		return "", err
	}
	// The follower registers as a call of its own, so Close cancels it and waits for it.
	fctx, fleave, err := c.enter(context.Background())
	if err != nil {
		return "", err
	}
	fctx, cancel := context.WithCancel(fctx)
	e := &enrollment{id: newEnrollmentID(), authReqID: start.AuthReqID, cancel: cancel,
		done: make(chan struct{}), state: EnrollmentPending, changed: make(chan struct{})}
	if err := c.add(e, c.clock()); err != nil {
		cancel()
		fleave()
		return "", err
	}
	go c.followEnrollment(fctx, fleave, e, start, auth)
	return e.id, nil
}

// startLogin sends the authentication request, repeating it only when it certainly never
// reached Vipps (the connection could not be made): each request that arrives puts a consent
// request on the customer's phone.
func (c *Club) startLogin(ctx context.Context, r vipps.CIBARequest, auth vipps.LoginAuth) (vipps.CIBAStart, error) {
	ctx, cancel := context.WithTimeout(ctx, c.retry.Budget)
	defer cancel()
	for attempt := 1; ; attempt++ {
		start, err := c.api.StartLogin(ctx, r, auth)
		if err == nil {
			return start, nil
		}
		var te *vipps.TransportError
		if errors.As(err, &te) && !te.MaybeSent && attempt < retry.MaxAttempts && c.retry.Closing.Err() == nil && retry.Sleep(ctx, retry.Backoff(attempt)) {
			continue
		}
		return vipps.CIBAStart{}, loginStartError(err)
	}
}

// loginAnswer is Login's OAuth-style error as Vipps' answer: its error_code extension, else
// the standard "error" member ("invalid_user"), stands for ePayment's numeric ErrorCode.
func loginAnswer(le *vipps.LoginError) model.VippsAnswer {
	a := retry.AnswerOf(le.Problem)
	if a.VippsErrorCode == "" {
		a.VippsErrorCode = le.VippsCode
	}
	if a.VippsErrorCode == "" {
		a.VippsErrorCode = le.Code
	}
	return a
}

// loginStartError classifies a failed authentication request.
func loginStartError(err error) error {
	var le *vipps.LoginError
	if errors.As(err, &le) {
		switch {
		case le.Has(vipps.LoginErrInvalidUser) || le.Has(vipps.LoginErrUnknownUserID):
			return &model.Error{Code: abi.CodeCustomerNotFound, VippsAnswer: loginAnswer(le), Err: err,
				Message: "enrollment: the customer has no active Vipps MobilePay account or cannot use this login (" + le.Error() + ")"}
		case le.Has(vipps.LoginErrOldApp):
			return &model.Error{Code: abi.CodeAppTooOld, VippsAnswer: loginAnswer(le), Err: err,
				Message: "enrollment: the customer's app is too old for this; ask them to update it (" + le.Error() + ")"}
		case le.Problem.HTTPStatus == 429:
			msg := "enrollment: a consent request to this customer is still pending at Vipps; a new one is possible when it has expired"
			if ra := le.Problem.RetryAfter; ra > 0 {
				msg += fmt.Sprintf(" (in %s)", ra.Round(time.Second))
			}
			return &model.Error{Code: abi.CodeRateLimited, VippsAnswer: loginAnswer(le), Err: err, Message: msg}
		}
	}
	e := retry.WireError("enrollment: consent request", err, retry.Decide(err).MaybeApplied || retry.MaybeSent(err), true)
	if e.Code == abi.CodeUnknownOutcome {
		e.Message = "enrollment: consent request: " + err.Error() + " - a consent request may have reached the customer's phone; a new one may be refused (VMP_ERR_RATE_LIMITED) until it expires"
	}
	return e
}

// followEnrollment polls the token endpoint until the customer answers, the request expires,
// the till cancels or the client closes, then reads the profile. It never polls sooner than
// the interval, and grows the interval by 5 s for good on every slow_down (CIBA §11).
func (c *Club) followEnrollment(ctx context.Context, leave func(), e *enrollment, start vipps.CIBAStart, auth vipps.LoginAuth) {
	defer leave()
	defer close(e.done)
	defer func() {
		if r := recover(); r != nil {
			e.finish(EnrollmentFailed, nil, model.Errorf(abi.CodeInternal, "enrollment: internal error (a bug in vmp): %v", r), c.clock())
		}
	}()
	interval := start.Interval
	if interval <= 0 {
		interval = defaultCIBAInterval
	}
	lifetime := start.ExpiresIn
	if lifetime <= 0 {
		lifetime = defaultCIBALifetime
	}
	deadline := c.clock().Add(lifetime + cibaExpiryGrace)
	var lastErr *model.Error // of the last poll, while Vipps could not be asked
	extra := time.Duration(0)
	for polls := 0; polls < maxEnrollmentPolls; polls++ {
		if !c.wait(ctx, interval+cibaPollMargin+extra) {
			return // cancelled by the till (the state says so) or by Close
		}
		extra = 0
		if !c.clock().Before(deadline) {
			if lastErr != nil {
				e.finish(EnrollmentFailed, nil, lastErr, c.clock())
			} else {
				e.finish(EnrollmentExpired, nil, nil, c.clock())
			}
			return
		}
		tokens, err := c.api.PollLoginToken(ctx, e.authReqID, auth)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			profile, err := c.readProfile(ctx, tokens.AccessToken)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				e.finish(EnrollmentFailed, nil, err, c.clock())
				return
			}
			e.finish(EnrollmentConsented, profile, nil, c.clock())
			return
		}
		var le *vipps.LoginError
		if errors.As(err, &le) {
			switch le.Code {
			case vipps.LoginErrAuthorizationPending:
				lastErr = nil
				continue
			case vipps.LoginErrSlowDown:
				interval += cibaSlowDownStep
				lastErr = nil
				continue
			case vipps.LoginErrAccessDenied:
				e.finish(EnrollmentDenied, nil, nil, c.clock())
				return
			case vipps.LoginErrExpiredToken:
				e.finish(EnrollmentExpired, nil, nil, c.clock())
				return
			}
		}
		if d := retry.Decide(err); d.Retry {
			// No answer, or Vipps busy: ask again (Retry-After, when given, comes first).
			lastErr = retry.WireError("enrollment: token poll", err, false, false)
			extra = max(d.Wait-interval, 0)
			continue
		}
		e.finish(EnrollmentFailed, nil, retry.WireError("enrollment: token poll", err, false, false), c.clock())
		return
	}
	e.finish(EnrollmentFailed, nil, model.Errorf(abi.CodeInternal, "enrollment: gave up after %d polls", maxEnrollmentPolls), c.clock())
}

// readProfile reads the consented claims with the login access token.
func (c *Club) readProfile(ctx context.Context, accessToken string) ([]byte, *model.Error) {
	var profile []byte
	err := c.retry.Call(ctx, "enrollment: userinfo", retry.OneOff(), false, func(ctx context.Context) error {
		var err error
		profile, err = c.api.Userinfo(ctx, accessToken)
		return err
	})
	if err != nil {
		var e *model.Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, &model.Error{Code: abi.CodeInternal, Message: "enrollment: userinfo: " + err.Error(), Err: err}
	}
	return profile, nil
}

// PollEnrollment returns the enrollment's state: at once with wait 0, otherwise as soon as it
// is final or when wait has elapsed (then PENDING). A FAILED enrollment is returned together
// with its error. An unknown id (or one finished more than 10 minutes ago) is
// abi.CodeInvalidArgument.
func (c *Club) PollEnrollment(ctx context.Context, id string, wait time.Duration) (Enrollment, error) {
	if wait < 0 || wait > model.MaxWait {
		return Enrollment{}, model.Errorf(abi.CodeInvalidArgument, "wait must be between 0 and %s", model.MaxWait)
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return Enrollment{}, err
	}
	defer leave()
	e, err := c.get(id)
	if err != nil {
		return Enrollment{}, err
	}
	deadline := time.Now().Add(wait)
	for {
		snap, changed := e.snapshot()
		remaining := time.Until(deadline)
		if snap.State.Final() || remaining <= 0 {
			return snap, snap.Err
		}
		timer := time.NewTimer(remaining)
		select {
		case <-changed:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			if model.EndedByClose(ctx) {
				return Enrollment{}, model.ClosedWhileWaiting("the enrollment")
			}
			return snap, nil
		}
		timer.Stop()
	}
}

// CancelEnrollment stops following an enrollment: it becomes CANCELLED unless it already
// ended (then nothing changes). Vipps has no way to withdraw a consent request: it stays in
// the customer's app until it expires, and a new one to the same customer is refused until
// then.
func (c *Club) CancelEnrollment(id string) error {
	_, leave, err := c.enter(context.Background())
	if err != nil {
		return err
	}
	defer leave()
	e, err := c.get(id)
	if err != nil {
		return err
	}
	e.finish(EnrollmentCancelled, nil, nil, c.clock())
	e.cancel()
	return nil
}

// FollowerDone is closed once the library has stopped following the enrollment: it ended, was
// cancelled, or the client closed. nil for an unknown id.
func (c *Club) FollowerDone(id string) <-chan struct{} {
	e, err := c.get(id)
	if err != nil {
		return nil
	}
	return e.done
}
