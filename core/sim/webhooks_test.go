package sim

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/core/wirejson"
)

// allPaymentEvents are the ePayment event types a receiver registers for.
var allPaymentEvents = []string{
	"epayments.payment.created.v1", "epayments.payment.aborted.v1", "epayments.payment.expired.v1",
	"epayments.payment.cancelled.v1", "epayments.payment.captured.v1", "epayments.payment.refunded.v1",
	"epayments.payment.authorized.v1", "epayments.payment.terminated.v1",
}

// received is one delivery a test receiver got.
type received struct {
	host, target string
	header       http.Header
	body         []byte
	event        webhookEventWire
}

// receiver is a webhook endpoint on 127.0.0.1 that records every delivery and answers what
// its answer function says (200 when nil).
type receiver struct {
	t      *testing.T
	url    string
	mu     sync.Mutex
	got    []received
	answer func(n int, d received) int // n: 1-based number of this delivery
}

func startReceiver(t *testing.T, path string) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, url: "http://" + ln.Addr().String() + path}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d := received{host: r.Host, target: r.RequestURI, header: r.Header.Clone(), body: body}
		_ = wirejson.Unmarshal(body, &d.event)
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		n, answer := len(rc.got), rc.answer
		rc.mu.Unlock()
		status := http.StatusOK
		if answer != nil {
			status = answer(n, d)
		}
		w.WriteHeader(status)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return rc
}

func (rc *receiver) deliveries() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// names lists the event names received, "name:reference" when withRef.
func (rc *receiver) names() []string {
	var out []string
	for _, d := range rc.deliveries() {
		out = append(out, d.event.Name)
	}
	return out
}

func (rc *receiver) waitFor(n int) []received {
	rc.t.Helper()
	eventually(rc.t, fmt.Sprintf("%d deliveries", n), func() bool { return len(rc.deliveries()) >= n })
	return rc.deliveries()
}

// verifies checks a delivery with the client library's verifier (an independent
// implementation of the same rule).
func verifies(d received, secret string) error {
	return vipps.VerifyWebhook(secret, vipps.WebhookDelivery{
		Method: "POST", PathAndQuery: d.target, Host: d.host,
		Date: d.header.Get("x-ms-date"), ContentSHA256: d.header.Get("x-ms-content-sha256"),
		Authorization: d.header.Get("Authorization"), Body: d.body,
	}, vipps.VerifyOptions{})
}

func TestTheSimulatorSignsTheOfficialTestVector(t *testing.T) {
	const body = `{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}`
	hash := webhookContentHash([]byte(body))
	if hash != "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=" {
		t.Fatalf("content hash %s", hash)
	}
	got := webhookAuthorization("A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==",
		"/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63", "Thu, 30 Mar 2023 08:38:32 GMT", "webhook.site", hash)
	if want := "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="; got != want {
		t.Fatalf("authorization %q; want %q", got, want)
	}
}

func (r *rig) registerWebhook(url string, events ...string) (id, secret string) {
	r.t.Helper()
	body := fmt.Sprintf(`{"url":%q,"events":[%s]}`, url, quoteAll(events))
	a := r.do(http.MethodPost, "/webhooks/v1/webhooks", body, r.authHeaders()...)
	if a.status != http.StatusCreated {
		r.t.Fatalf("register %s: %v", url, a)
	}
	var got webhookRegisteredWire
	mustDecode(r.t, a.body, &got)
	return got.ID, got.Secret
}

func quoteAll(ss []string) string {
	var q []string
	for _, s := range ss {
		q = append(q, fmt.Sprintf("%q", s))
	}
	return strings.Join(q, ",")
}

func TestWebhookRegistrationRegistersListsAndDeletes(t *testing.T) {
	r := newRig(t, Options{})
	id, secret := r.registerWebhook("http://127.0.0.1:9/vmp/webhooks?till=3", "epayments.payment.authorized.v1", "epayments.payment.authorized.v1")
	if !webhookIDPattern.MatchString(id) || len(secret) < 32 {
		t.Fatalf("id %q, secret of %d characters", id, len(secret))
	}
	a := r.do(http.MethodGet, "/webhooks/v1/webhooks", "", r.authHeaders()...)
	if a.status != http.StatusOK || strings.Contains(string(a.body), secret) {
		t.Fatalf("list: %v", a)
	}
	var list webhookListWire
	mustDecode(t, a.body, &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].ID != id || list.Webhooks[0].URL != "http://127.0.0.1:9/vmp/webhooks?till=3" ||
		!slices.Equal(list.Webhooks[0].Events, []string{"epayments.payment.authorized.v1"}) {
		t.Fatalf("list: %s", a.body)
	}
	if a := r.do(http.MethodDelete, "/webhooks/v1/webhooks/"+id, "", r.authHeaders()...); a.status != http.StatusNoContent {
		t.Fatalf("delete: %v", a)
	}
	if a := r.do(http.MethodGet, "/webhooks/v1/webhooks", "", r.authHeaders()...); string(a.body) != `{"webhooks":[]}` {
		t.Fatalf("after delete: %v", a)
	}
}

func TestWebhookRegistrationRefusesWhatVippsRefuses(t *testing.T) {
	r := newRig(t, Options{})
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
	}{
		{"a body that is not JSON", "POST", "/webhooks/v1/webhooks", `{"url":`, nil, 400},
		{"an unknown member", "POST", "/webhooks/v1/webhooks", `{"url":"http://127.0.0.1:1/x","events":["epayments.payment.created.v1"],"secret":"x"}`, nil, 400},
		{"no url", "POST", "/webhooks/v1/webhooks", `{"events":["epayments.payment.created.v1"]}`, nil, 400},
		{"a relative url", "POST", "/webhooks/v1/webhooks", `{"url":"/x","events":["epayments.payment.created.v1"]}`, nil, 400},
		{"an ftp url", "POST", "/webhooks/v1/webhooks", `{"url":"ftp://127.0.0.1/x","events":["epayments.payment.created.v1"]}`, nil, 400},
		{"a url off this machine", "POST", "/webhooks/v1/webhooks", `{"url":"https://example.com/x","events":["epayments.payment.created.v1"]}`, nil, 400},
		{"no events", "POST", "/webhooks/v1/webhooks", `{"url":"http://127.0.0.1:1/x","events":[]}`, nil, 400},
		{"the singular epayment prefix", "POST", "/webhooks/v1/webhooks", `{"url":"http://127.0.0.1:1/x","events":["epayment.payment.created.v1"]}`, nil, 400},
		{"no access token", "POST", "/webhooks/v1/webhooks", `{"url":"http://127.0.0.1:1/x","events":["epayments.payment.created.v1"]}`,
			[]string{"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey}, 401},
		{"another sales unit's MSN", "GET", "/webhooks/v1/webhooks", "", r.authHeaders("Merchant-Serial-Number", "999999"), 403},
		{"deleting an id that is no UUID", "DELETE", "/webhooks/v1/webhooks/not-a-uuid", "", nil, 400},
		{"deleting an unknown id", "DELETE", "/webhooks/v1/webhooks/" + newUUID(), "", nil, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.headers
			if h == nil {
				h = r.authHeaders()
			}
			a := r.with(t).do(c.method, c.path, c.body, h...)
			if a.status != c.status {
				t.Fatalf("got %v; want %d", a, c.status)
			}
		})
	}
	if got := r.srv.Webhooks(); len(got) != 0 {
		t.Fatalf("refused registrations were kept: %+v", got)
	}
}

func TestAnEventTypeTakesAtMost25Registrations(t *testing.T) {
	srv, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for i := range maxWebhooksPerEvent {
		if _, _, err := srv.RegisterWebhook(fmt.Sprintf("http://127.0.0.1:9/hook-%d", i), []string{"epayments.payment.created.v1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := srv.RegisterWebhook("http://127.0.0.1:9/one-too-many", []string{"epayments.payment.created.v1"}); !errors.Is(err, ErrInvalidWebhook) {
		t.Fatalf("the 26th registration: %v", err)
	}
	if _, _, err := srv.RegisterWebhook("http://127.0.0.1:9/other-event", []string{"epayments.payment.aborted.v1"}); err != nil {
		t.Fatalf("another event type is not limited by the first: %v", err)
	}
}

// webhookRig is a simulator with a receiver registered for every ePayment event.
func webhookRig(t *testing.T, opts Options) (*rig, *receiver, string) {
	t.Helper()
	if opts.WebhookRetryDelay == 0 {
		opts.WebhookRetryDelay = time.Millisecond
	}
	r := newRig(t, opts)
	rc := startReceiver(t, "/vmp/webhooks?till=3")
	_, secret := r.registerWebhook(rc.url, allPaymentEvents...)
	return r, rc, secret
}

func TestEveryEventIsDeliveredSignedInOrderWithTheEventBody(t *testing.T) {
	r, rc, secret := webhookRig(t, Options{ApproveDelay: -1})
	r.create("hook-order-001", 49900, "4791234567")
	r.get("hook-order-001") // the customer's answer is settled when the payment is read
	if a := r.capture("hook-order-001", 49900, "cap-1"); a.status != http.StatusOK {
		t.Fatal(a)
	}
	if a := r.refund("hook-order-001", 100, "ref-1"); a.status != http.StatusOK {
		t.Fatal(a)
	}
	got := rc.waitFor(4)
	if names := rc.names(); !slices.Equal(names, []string{"CREATED", "AUTHORIZED", "CAPTURED", "REFUNDED"}) {
		t.Fatalf("events in order %v", names)
	}
	log := r.events("hook-order-001")
	for i, d := range got {
		if err := verifies(d, secret); err != nil {
			t.Fatalf("delivery %d does not verify: %v", i, err)
		}
		if d.target != "/vmp/webhooks?till=3" || d.header.Get("Content-Type") != "application/json" {
			t.Fatalf("delivery %d went to %s as %s", i, d.target, d.header.Get("Content-Type"))
		}
		ev, want := d.event, log[i]
		if ev.MSN != DefaultCredentials.MSN || ev.Reference != want.Reference || ev.PSPReference != want.PSPReference ||
			ev.Name != want.Name || ev.Amount != want.Amount || !ev.Timestamp.Equal(want.Timestamp) || !ev.Success {
			t.Fatalf("delivery %d is %+v; the event log says %+v", i, ev, want)
		}
	}
	// The receiver has the fourth delivery a moment before the simulator counts it.
	st := r.srv.Stats()
	for deadline := time.Now().Add(2 * time.Second); st.WebhooksDelivered < 4 && time.Now().Before(deadline); st = r.srv.Stats() {
		time.Sleep(5 * time.Millisecond)
	}
	if st.WebhooksDelivered != 4 || st.WebhookAttemptsFailed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOnlyTheRegisteredEventTypesAreDelivered(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1})
	rc := startReceiver(t, "/authorized-only")
	r.registerWebhook(rc.url, "epayments.payment.authorized.v1")
	r.create("hook-only-0001", 1000, "4791234567")
	r.get("hook-only-0001")
	rc.waitFor(1)
	r.cancel("hook-only-0001", "")
	if a := r.capture("hook-only-0001", 1, "c"); a.status == http.StatusOK {
		t.Fatal("captured after cancel")
	}
	// The cancel's event is not wanted: give it the time a delivery takes, then look.
	time.Sleep(50 * time.Millisecond)
	if names := rc.names(); !slices.Equal(names, []string{"AUTHORIZED"}) {
		t.Fatalf("received %v", names)
	}
}

func TestAFailingReceiverIsRetriedAndHoldsBackLaterEvents(t *testing.T) {
	r, rc, _ := webhookRig(t, Options{ApproveDelay: -1, WebhookRetryDelay: 5 * time.Millisecond})
	rc.answer = func(n int, d received) int {
		if n <= 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	r.create("hook-retry-001", 1000, "4791234567")
	r.get("hook-retry-001")
	got := rc.waitFor(5)
	names := rc.names()
	if !slices.Equal(names, []string{"CREATED", "CREATED", "CREATED", "CREATED", "AUTHORIZED"}) {
		t.Fatalf("received %v; want CREATED three times refused, then accepted, then AUTHORIZED", names)
	}
	if string(got[0].body) != string(got[3].body) {
		t.Fatal("a retry did not send the same body")
	}
	eventually(t, "the counters", func() bool {
		w := r.srv.Webhooks()
		return len(w) == 1 && w[0].Delivered == 2 && w[0].FailedAttempts == 3 && w[0].Pending == 0
	})
}

func TestTheRetryScheduleFollowsVipps(t *testing.T) {
	want := []time.Duration{2, 2, 2, 2, 60, 120, 3600, 3600}
	for i, w := range want {
		if got := webhookRetryDelay(2*time.Second, i+1); got != w*time.Second {
			t.Errorf("after attempt %d: %v; want %v", i+1, got, w*time.Second)
		}
	}
}

func TestDeliveryFaultsDuplicateReorderAndMissignDeliveries(t *testing.T) {
	cases := []struct {
		name  string
		kind  FaultKind
		names []string
		check func(t *testing.T, got []received, secret string)
	}{
		{"a duplicated CREATED arrives twice, byte for byte", FaultWebhookDuplicate, []string{"CREATED", "CREATED", "AUTHORIZED"},
			func(t *testing.T, got []received, secret string) {
				if string(got[0].body) != string(got[1].body) {
					t.Fatal("the duplicate differs")
				}
			}},
		{"a reordered CREATED arrives after AUTHORIZED", FaultWebhookReorder, []string{"AUTHORIZED", "CREATED"}, nil},
		{"a missigned CREATED is refused by the receiver and retried signed correctly", FaultWebhookBadSignature,
			[]string{"CREATED", "CREATED", "AUTHORIZED"},
			func(t *testing.T, got []received, secret string) {
				if err := verifies(got[0], secret); err == nil {
					t.Fatal("the faulted attempt verifies")
				}
				if err := verifies(got[1], secret); err != nil {
					t.Fatalf("the retry does not verify: %v", err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, rc, secret := webhookRig(t, Options{ApproveDelay: -1})
			rc.answer = func(_ int, d received) int {
				if verifies(d, secret) != nil {
					return http.StatusUnauthorized
				}
				return http.StatusOK
			}
			if _, err := r.srv.InjectFault(Fault{Kind: c.kind, Reference: "hook-fault-001"}); err != nil {
				t.Fatal(err)
			}
			r.create("hook-fault-001", 1000, "4790000004")
			if err := r.srv.Approve("hook-fault-001"); err != nil {
				t.Fatal(err)
			}
			got := rc.waitFor(len(c.names))
			if names := rc.names(); !slices.Equal(names, c.names) {
				t.Fatalf("received %v; want %v", names, c.names)
			}
			if c.check != nil {
				c.check(t, got, secret)
			}
			if st := r.srv.Stats(); st.FaultsInjected[c.kind] != 1 {
				t.Fatalf("FaultsInjected %v", st.FaultsInjected)
			}
		})
	}
}

func TestDeliveryFaultsNeverHitRequestsAndRequestFaultsNeverHitDeliveries(t *testing.T) {
	r, rc, _ := webhookRig(t, Options{ApproveDelay: -1})
	if _, err := r.srv.InjectFault(Fault{Kind: FaultWebhookBadSignature, Times: -1}); err != nil {
		t.Fatal(err)
	}
	if fs := r.srv.Faults(); fs[0].Fault.Operation != OperationWebhook {
		t.Fatalf("a delivery fault without operation is listed as %q", fs[0].Fault.Operation)
	}
	// A status fault for any request: it must not touch the deliveries.
	if _, err := r.srv.InjectFault(Fault{Kind: FaultStatus, Status: 503, Operation: OperationGet, Times: -1}); err != nil {
		t.Fatal(err)
	}
	r.create("hook-apart-001", 1000, "4791234567") // the bad-signature fault must not hit the create
	rc.waitFor(1)
	if st := r.srv.Stats(); st.FaultsInjected[FaultStatus] != 0 || st.FaultsInjected[FaultWebhookBadSignature] != 1 {
		t.Fatalf("FaultsInjected %v", st.FaultsInjected)
	}
	for _, bad := range []Fault{
		{Kind: FaultWebhookDuplicate, Operation: OperationCreate},
		{Kind: FaultCloseBefore, Operation: OperationWebhook},
	} {
		if _, err := r.srv.InjectFault(bad); !errors.Is(err, ErrInvalidFault) {
			t.Fatalf("InjectFault(%+v) = %v; want ErrInvalidFault", bad, err)
		}
	}
}

func TestDeletingARegistrationStopsItsDeliveries(t *testing.T) {
	r, rc, _ := webhookRig(t, Options{ApproveDelay: -1, WebhookRetryDelay: time.Millisecond})
	rc.answer = func(int, received) int { return http.StatusServiceUnavailable }
	r.create("hook-delete-01", 1000, "4791234567")
	rc.waitFor(3) // being retried
	id := r.srv.Webhooks()[0].ID
	if err := r.srv.DeleteWebhook(id); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.DeleteWebhook(id); !errors.Is(err, ErrUnknownWebhook) {
		t.Fatalf("second delete: %v", err)
	}
	n := len(rc.deliveries())
	time.Sleep(20 * time.Millisecond)               // many retry delays
	if after := len(rc.deliveries()); after > n+1 { // one attempt may have been in flight
		t.Fatalf("%d more deliveries after the registration was deleted", after-n)
	}
}

func TestOnTheRealClockTheCustomersAnswerIsDeliveredWithoutAnyoneReading(t *testing.T) {
	srv, err := Start(Options{ApproveDelay: 20 * time.Millisecond, WebhookRetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, srv: srv, client: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(func() { srv.Close() })
	r.token = r.fetchToken()
	rc := startReceiver(t, "/hooks")
	r.registerWebhook(rc.url, allPaymentEvents...)
	r.create("hook-clock-001", 1000, "4791234567")
	r.create("hook-clock-002", 1000, "4790000001")
	eventually(t, "both answers", func() bool { return len(rc.deliveries()) >= 4 })
	var answers []string
	for _, d := range rc.deliveries() {
		if d.event.Name != "CREATED" {
			answers = append(answers, d.event.Reference+":"+d.event.Name)
		}
	}
	slices.Sort(answers)
	if !slices.Equal(answers, []string{"hook-clock-001:AUTHORIZED", "hook-clock-002:ABORTED"}) {
		t.Fatalf("answers %v", answers)
	}
}

func TestWithLatencyAnAnswerTakesAtLeastTheRoundTrip(t *testing.T) {
	r := newRig(t, Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	a := r.epay(http.MethodGet, "/epayment/v1/payments/no-such-payment", "")
	if took := time.Since(start); took < 30*time.Millisecond || a.status != http.StatusNotFound {
		t.Fatalf("answer %d after %v; want 404 after at least 30ms", a.status, took)
	}
}

func TestTheControlAPIListsRegistrationsWithoutSecrets(t *testing.T) {
	r, rc, secret := webhookRig(t, Options{ApproveDelay: -1})
	r.create("hook-ctl-0001", 1000, "4791234567")
	rc.waitFor(1)
	a := r.do(http.MethodGet, "/sim/webhooks", "")
	if a.status != http.StatusOK || strings.Contains(string(a.body), secret) {
		t.Fatalf("GET /sim/webhooks: %v", a)
	}
	var list []Webhook
	mustDecode(t, a.body, &list)
	if len(list) != 1 || list[0].URL != rc.url || len(list[0].Events) != len(allPaymentEvents) {
		t.Fatalf("list %+v", list)
	}
	eventually(t, "the delivery counter", func() bool { return r.srv.Webhooks()[0].Delivered >= 1 })
}

func TestRegistrationsBelongToOneSalesUnit(t *testing.T) {
	other := Credentials{ClientID: "other-id", ClientSecret: "other-secret", SubscriptionKey: "other-key", MSN: "654321"}
	r := newRig(t, Options{ApproveDelay: -1, WebhookRetryDelay: time.Millisecond, SalesUnits: []Credentials{DefaultCredentials, other}})
	ours, theirs := startReceiver(t, "/ours"), startReceiver(t, "/theirs")
	r.registerWebhook(ours.url, allPaymentEvents...) // the token's own unit: the default MSN
	if _, _, err := r.srv.RegisterWebhookOf(other.MSN, theirs.url, allPaymentEvents); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.srv.RegisterWebhookOf("999999", theirs.url, allPaymentEvents); !errors.Is(err, ErrInvalidWebhook) {
		t.Fatalf("a webhook for an unknown MSN: %v", err)
	}
	r.create("hook-unit-0001", 1000, "4791234567")
	got := ours.waitFor(1)
	if got[0].event.MSN != DefaultCredentials.MSN {
		t.Fatalf("the event carries MSN %q", got[0].event.MSN)
	}
	a := r.do(http.MethodGet, "/webhooks/v1/webhooks", "", r.authHeaders()...)
	var list webhookListWire
	mustDecode(t, a.body, &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].URL != ours.url {
		t.Fatalf("the unit lists %s; want only its own registration", a.body)
	}
	time.Sleep(20 * time.Millisecond) // a delivery takes a millisecond or two
	if n := len(theirs.deliveries()); n != 0 {
		t.Fatalf("the other unit's receiver got %d deliveries of our payment", n)
	}
}
