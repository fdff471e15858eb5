package sim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// Two sales units (the first is DefaultCredentials, so rig.epay speaks for it) and a partner
// acting for the first unit and for a third MSN that has no keys of its own.
var (
	unitA   = DefaultCredentials
	unitB   = Credentials{ClientID: "unit-b-id", ClientSecret: "unit-b-secret", SubscriptionKey: "unit-b-key", MSN: "222222"}
	partner = PartnerCredentials{ClientID: "partner-id", ClientSecret: "partner-secret", SubscriptionKey: "partner-key",
		MSNs: []string{unitA.MSN, "333333"}}
)

func multiUnitOptions() Options {
	return Options{ApproveDelay: -1, SalesUnits: []Credentials{unitA, unitB}, Partners: []PartnerCredentials{partner}}
}

// keySet is one client's credentials and the token it fetched.
type keySet struct {
	id, secret, key string
	token           string
}

func (r *rig) login(id, secret, key string) *keySet {
	r.t.Helper()
	a := r.do(http.MethodPost, "/accesstoken/get", "", "client_id", id, "client_secret", secret, "Ocp-Apim-Subscription-Key", key)
	if a.status != http.StatusOK {
		r.t.Fatalf("token for %s: %v", id, a)
	}
	var tok accessTokenResponse
	mustDecode(r.t, a.body, &tok)
	return &keySet{id: id, secret: secret, key: key, token: tok.AccessToken}
}

func (r *rig) loginUnit(c Credentials) *keySet {
	return r.login(c.ClientID, c.ClientSecret, c.SubscriptionKey)
}

func (r *rig) loginPartner(p PartnerCredentials) *keySet {
	return r.login(p.ClientID, p.ClientSecret, p.SubscriptionKey)
}

// as sends an ePayment-style request with k's token and key and Merchant-Serial-Number msn
// (none when msn is ""), followed by extra headers.
func (r *rig) as(k *keySet, msn, method, path, body string, extra ...string) answer {
	r.t.Helper()
	h := []string{"Authorization", "Bearer " + k.token, "Ocp-Apim-Subscription-Key", k.key, "Content-Type", "application/json"}
	if msn != "" {
		h = append(h, "Merchant-Serial-Number", msn)
	}
	return r.do(method, path, body, append(h, extra...)...)
}

func TestEveryKeySetGetsATokenAndMixedKeysDoNot(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	r.loginUnit(unitA)
	r.loginUnit(unitB)
	r.loginPartner(partner)
	cases := []struct {
		name            string
		id, secret, key string
	}{
		{"unit B's client_id with unit A's secret is 401", unitB.ClientID, unitA.ClientSecret, unitB.SubscriptionKey},
		{"unit B's id and secret with unit A's subscription key is 401", unitB.ClientID, unitB.ClientSecret, unitA.SubscriptionKey},
		{"the partner's id and secret with unit B's subscription key is 401", partner.ClientID, partner.ClientSecret, unitB.SubscriptionKey},
		{"an unknown subscription key is 401", unitB.ClientID, unitB.ClientSecret, "no-such-key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			a := r.do(http.MethodPost, "/accesstoken/get", "", "client_id", tc.id, "client_secret", tc.secret, "Ocp-Apim-Subscription-Key", tc.key)
			wantProblem(t, a, http.StatusUnauthorized, 0)
		})
	}
}

func TestEachKeySetMayActOnlyForItsOwnMSNs(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	a, b, p := r.loginUnit(unitA), r.loginUnit(unitB), r.loginPartner(partner)
	const path = "/epayment/v1/payments/no-such-payment-1"
	cases := []struct {
		name   string
		keys   *keySet
		subKey string // "" means the key set's own
		msn    string
		status int
		code   int
		title  string
	}{
		{"a sales unit's own MSN is accepted", a, "", unitA.MSN, http.StatusNotFound, codeReferenceNotFound, ""},
		{"the other sales unit's own MSN is accepted", b, "", unitB.MSN, http.StatusNotFound, codeReferenceNotFound, ""},
		{"another sales unit's MSN is 403", a, "", unitB.MSN, http.StatusForbidden, 0, "Invalid MSN"},
		{"an MSN no key set knows is 403", b, "", "654321", http.StatusForbidden, 0, "Invalid MSN"},
		{"a sales unit without the MSN header is 400 with 4140", b, "", "", http.StatusBadRequest, codeMissingParameter, ""},
		{"a partner's first listed MSN is accepted", p, "", unitA.MSN, http.StatusNotFound, codeReferenceNotFound, ""},
		{"a partner's listed MSN without keys of its own is accepted", p, "", "333333", http.StatusNotFound, codeReferenceNotFound, ""},
		{"an MSN the partner does not list is 403", p, "", unitB.MSN, http.StatusForbidden, 0, "Invalid MSN"},
		{"partner keys without the MSN header are 403", p, "", "", http.StatusForbidden, 0, "Invalid MSN"},
		{"a token with another key set's subscription key is 401", b, unitA.SubscriptionKey, unitB.MSN, http.StatusUnauthorized, 0, ""},
		{"a partner token with a sales unit's subscription key is 401", p, unitA.SubscriptionKey, unitA.MSN, http.StatusUnauthorized, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			k := *tc.keys
			if tc.subKey != "" {
				k.key = tc.subKey
			}
			got := wantProblem(t, r.as(&k, tc.msn, http.MethodGet, path, ""), tc.status, tc.code)
			if tc.title != "" && got.Title != tc.title {
				t.Fatalf("title %q, want %q", got.Title, tc.title)
			}
			if tc.status == http.StatusForbidden && tc.msn != "" {
				want := "Invalid MSN: " + tc.msn + ". This MSN is not valid for the provided supermerchant ID."
				if got.Detail != want {
					t.Fatalf("detail %q, want %q", got.Detail, want)
				}
			}
		})
	}
}

func TestThePartnerMSNRulesHoldOnTheOptionalMSNAPIsToo(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	b, p := r.loginUnit(unitB), r.loginPartner(partner)
	qr := `{"qrCode":"` + PersonalQR("4791234567") + `"}`
	if a := r.as(b, "", http.MethodPost, "/qr/v1/exchange", qr); a.status != http.StatusOK {
		t.Fatalf("a sales unit may leave the MSN out of the QR exchange: %v", a)
	}
	wantProblem(t, r.as(p, "", http.MethodPost, "/qr/v1/exchange", qr), http.StatusForbidden, 0)
	if a := r.as(p, "333333", http.MethodPost, "/qr/v1/exchange", qr); a.status != http.StatusOK {
		t.Fatalf("a partner with a listed MSN: %v", a)
	}
	wantProblem(t, r.as(b, unitA.MSN, http.MethodPost, "/qr/v1/exchange", qr), http.StatusForbidden, 0)
}

func TestTheSameReferenceMayExistOncePerMSN(t *testing.T) {
	r := newRig(t, Options{SalesUnits: []Credentials{unitA, unitB}, Partners: []PartnerCredentials{partner}})
	a, b := r.loginUnit(unitA), r.loginUnit(unitB)
	const ref = "shared-ref-0001"
	create := func(k *keySet, msn string, value int64, key string) answer {
		return r.as(k, msn, http.MethodPost, "/epayment/v1/payments", pushBody(ref, value, phone(MSISDNWaitsForControl)), "Idempotency-Key", key)
	}
	// The same Idempotency-Key with different bodies is no conflict across MSNs either.
	if got := create(a, unitA.MSN, 1000, "same-key"); got.status != http.StatusCreated {
		t.Fatalf("create under A: %v", got)
	}
	if got := create(b, unitB.MSN, 2000, "same-key"); got.status != http.StatusCreated {
		t.Fatalf("create under B: %v", got)
	}
	wantProblem(t, create(b, unitB.MSN, 2000, "another-key"), http.StatusConflict, codeReferenceExists)

	for _, tc := range []struct {
		k     *keySet
		msn   string
		value int64
	}{{a, unitA.MSN, 1000}, {b, unitB.MSN, 2000}} {
		got := r.as(tc.k, tc.msn, http.MethodGet, "/epayment/v1/payments/"+ref, "")
		var p getPaymentResponse
		mustDecode(t, got.body, &p)
		if got.status != http.StatusOK || p.Amount.Value != tc.value {
			t.Fatalf("GET under %s: %v", tc.msn, got)
		}
		snap, ok := r.srv.PaymentOf(tc.msn, ref)
		if !ok || snap.MSN != tc.msn || snap.Amount.Value != tc.value {
			t.Fatalf("PaymentOf(%s): %+v %v", tc.msn, snap, ok)
		}
	}

	if _, ok := r.srv.Payment(ref); ok {
		t.Fatal("Payment found a reference that exists under two MSNs")
	}
	if err := r.srv.Approve(ref); !errors.Is(err, ErrAmbiguousPayment) {
		t.Fatalf("Approve of an ambiguous reference: %v", err)
	}
	wantProblem(t, r.do(http.MethodGet, "/sim/payments/"+ref, ""), http.StatusBadRequest, 0)
	wantProblem(t, r.do(http.MethodPost, "/sim/payments/"+ref+"/approve", ""), http.StatusBadRequest, 0)

	if got := r.do(http.MethodPost, "/sim/payments/"+ref+"/approve?msn="+unitB.MSN, ""); got.status != http.StatusNoContent {
		t.Fatalf("approve ?msn=B: %v", got)
	}
	if err := r.srv.RejectOf(unitA.MSN, ref); err != nil {
		t.Fatalf("RejectOf(A): %v", err)
	}
	got := r.do(http.MethodGet, "/sim/payments/"+ref+"?msn="+unitB.MSN, "")
	var snap PaymentSnapshot
	mustDecode(t, got.body, &snap)
	if got.status != http.StatusOK || snap.State != StateAuthorized || snap.MSN != unitB.MSN {
		t.Fatalf("snapshot ?msn=B: %v", got)
	}
	if snap, _ := r.srv.PaymentOf(unitA.MSN, ref); snap.State != StateAborted {
		t.Fatalf("the payment under A is %s, want ABORTED", snap.State)
	}
	wantProblem(t, r.do(http.MethodGet, "/sim/payments/"+ref+"?msn=333333", ""), http.StatusNotFound, 0)
	if err := r.srv.ExpireOf("333333", ref); !errors.Is(err, ErrUnknownPayment) {
		t.Fatalf("ExpireOf an MSN without the payment: %v", err)
	}
}

func TestAPaymentIsInvisibleUnderAnotherMSN(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	a, b, p := r.loginUnit(unitA), r.loginUnit(unitB), r.loginPartner(partner)
	const ref = "only-under-a-01"
	if got := r.as(a, unitA.MSN, http.MethodPost, "/epayment/v1/payments", pushBody(ref, 1000, phone("4791234567")), "Idempotency-Key", "k1"); got.status != http.StatusCreated {
		t.Fatalf("create: %v", got)
	}
	cases := []struct {
		name   string
		keys   *keySet
		msn    string
		method string
		suffix string
		body   string
		status int
	}{
		{"unit B cannot read it", b, unitB.MSN, http.MethodGet, "", "", http.StatusNotFound},
		{"unit B cannot read its events", b, unitB.MSN, http.MethodGet, "/events", "", http.StatusNotFound},
		{"unit B cannot capture it", b, unitB.MSN, http.MethodPost, "/capture", amountBody(100), http.StatusNotFound},
		{"unit B cannot cancel it", b, unitB.MSN, http.MethodPost, "/cancel", "", http.StatusNotFound},
		{"the partner under another listed MSN cannot read it", p, "333333", http.MethodGet, "", "", http.StatusNotFound},
		{"the partner under unit A's MSN reads it", p, unitA.MSN, http.MethodGet, "", "", http.StatusOK},
		{"the partner under unit A's MSN captures it", p, unitA.MSN, http.MethodPost, "/capture", amountBody(100), http.StatusOK},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			got := r.as(tc.keys, tc.msn, tc.method, "/epayment/v1/payments/"+ref+tc.suffix, tc.body, "Idempotency-Key", fmt.Sprintf("case-%d", i))
			if tc.status == http.StatusNotFound {
				wantProblem(t, got, http.StatusNotFound, codeReferenceNotFound)
			} else if got.status != tc.status {
				t.Fatalf("got %v, want %d", got, tc.status)
			}
		})
	}
	if snap, _ := r.srv.PaymentOf(unitA.MSN, ref); snap.Aggregate.CapturedAmount.Value != 100 {
		t.Fatalf("captured %d, want only the partner's 100", snap.Aggregate.CapturedAmount.Value)
	}
}

func TestRateLimitsArePerMSN(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	a, b, p := r.loginUnit(unitA), r.loginUnit(unitB), r.loginPartner(partner)
	const ref = "rate-per-msn-1"
	body := pushBody(ref, 1000, phone(MSISDNWaitsForControl))
	if got := r.as(a, unitA.MSN, http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "c"); got.status != http.StatusCreated {
		t.Fatalf("create: %v", got)
	}
	for i := range mutationsPerRef { // the cancels' own window (the create counts in its own)
		if got := r.as(a, unitA.MSN, http.MethodPost, "/epayment/v1/payments/"+ref+"/cancel", ""); got.status != http.StatusOK {
			t.Fatalf("cancel %d: %v", i, got)
		}
	}
	wantProblem(t, r.as(a, unitA.MSN, http.MethodPost, "/epayment/v1/payments/"+ref+"/cancel", ""), http.StatusTooManyRequests, 0)
	if got := r.as(b, unitB.MSN, http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "c"); got.status != http.StatusCreated {
		t.Fatalf("the same reference under unit B is not limited by unit A's requests: %v", got)
	}

	for i := range readsPerReference {
		if got := r.as(p, unitA.MSN, http.MethodGet, "/epayment/v1/payments/"+ref, ""); got.status != http.StatusOK {
			t.Fatalf("read %d: %v", i, got)
		}
	}
	wantProblem(t, r.as(p, unitA.MSN, http.MethodGet, "/epayment/v1/payments/"+ref, ""), http.StatusTooManyRequests, 0)
	wantProblem(t, r.as(p, "333333", http.MethodGet, "/epayment/v1/payments/"+ref, ""), http.StatusNotFound, codeReferenceNotFound)
}

func TestStartRefusesSalesUnitsAndPartnersThatCannotWork(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"two sales units with one MSN are refused", Options{SalesUnits: []Credentials{unitA, {ClientID: "x", MSN: unitA.MSN}}}, "two sales units"},
		{"two sales units with one client_id are refused", Options{SalesUnits: []Credentials{unitA, {MSN: "222222"}}}, "client_id"},
		{"a sales unit with a malformed MSN is refused", Options{SalesUnits: []Credentials{{MSN: "12"}}}, "4 to 7 digits"},
		{"a partner with a sales unit's client_id is refused", Options{Partners: []PartnerCredentials{{ClientID: DefaultCredentials.ClientID, ClientSecret: "s", SubscriptionKey: "k", MSNs: []string{"1234"}}}}, "client_id"},
		{"a partner without keys is refused", Options{Partners: []PartnerCredentials{{ClientID: "p", MSNs: []string{"1234"}}}}, "needs"},
		{"a partner without MSNs is refused", Options{Partners: []PartnerCredentials{{ClientID: "p", ClientSecret: "s", SubscriptionKey: "k"}}}, "no MSN"},
		{"a partner with a malformed MSN is refused", Options{Partners: []PartnerCredentials{{ClientID: "p", ClientSecret: "s", SubscriptionKey: "k", MSNs: []string{"12345678"}}}}, "4 to 7 digits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := Start(tc.opts)
			if err == nil {
				srv.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestSalesUnitsDefaultToTheCredentialsAndTheCredentialsToTheFirstUnit(t *testing.T) {
	o, err := Options{}.withDefaults()
	if err != nil || len(o.SalesUnits) != 1 || o.SalesUnits[0] != DefaultCredentials || o.Partners != nil {
		t.Fatalf("zero options: %+v %v", o.SalesUnits, err)
	}
	o, err = Options{SalesUnits: []Credentials{unitB, {ClientID: "c-id", MSN: "4444"}}}.withDefaults()
	if err != nil || o.Credentials != unitB {
		t.Fatalf("credentials %+v %v, want the first sales unit", o.Credentials, err)
	}
	if c := o.SalesUnits[1]; c.ClientSecret != DefaultCredentials.ClientSecret || c.SubscriptionKey != DefaultCredentials.SubscriptionKey {
		t.Fatalf("a unit's empty fields are not completed from the defaults: %+v", c)
	}
	// The snapshot names the MSN.
	r := instantRig(t)
	r.create("snapshot-msn-1", 1000, "4791234567")
	got := r.do(http.MethodGet, "/sim/payments/snapshot-msn-1?msn="+DefaultCredentials.MSN, "")
	var snap PaymentSnapshot
	if err := wirejson.UnmarshalStrict(got.body, &snap); err != nil || snap.MSN != DefaultCredentials.MSN {
		t.Fatalf("snapshot %s: %v", got.body, err)
	}
}

// Partner keys authenticate to Login with their access token and the sales unit's MSN (Vipps'
// Login partner-key guide), never with the partner's client secret.
func TestPartnerKeysSignInToLoginWithTheirTokenAndTheUnitsMSN(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	p, a := r.loginPartner(partner), r.loginUnit(unitA)
	form := url.Values{"login_hint": {"urn:msisdn:" + MSISDNConsents}}.Encode()
	post := func(headers ...string) answer {
		return r.do(http.MethodPost, userExistsPath, form, append(headers, "Content-Type", "application/x-www-form-urlencoded")...)
	}
	secret := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(partner.ClientID)+":"+url.QueryEscape(partner.ClientSecret)))
	cases := []struct {
		name    string
		headers []string
		status  int
	}{
		{"the partner's token and a unit's MSN", []string{"Authorization", "Bearer " + p.token, "Merchant-Serial-Number", unitA.MSN}, http.StatusOK},
		{"the partner's client secret (what vmp sent before)", []string{"Authorization", secret, "Merchant-Serial-Number", unitA.MSN}, http.StatusUnauthorized},
		{"the partner's token without an MSN", []string{"Authorization", "Bearer " + p.token}, http.StatusForbidden},
		{"the partner's token and an MSN it does not act for", []string{"Authorization", "Bearer " + p.token, "Merchant-Serial-Number", unitB.MSN}, http.StatusForbidden},
		{"a sales unit's token", []string{"Authorization", "Bearer " + a.token, "Merchant-Serial-Number", unitA.MSN}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		if got := post(tc.headers...); got.status != tc.status {
			t.Errorf("%s: %v, want %d", tc.name, got, tc.status)
		}
	}
}
