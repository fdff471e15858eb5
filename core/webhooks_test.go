package core

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/webhooks"
)

const (
	getEndpoint  = "GET /epayment/v1/payments/{reference}"
	waitCustomer = "4790000004" // the simulator waits for its control API
)

// startHookSim starts a standalone simulator whose failed webhook deliveries are retried
// after a millisecond.
func startHookSim(t *testing.T, opts sim.Options) *sim.Server {
	t.Helper()
	if opts.WebhookRetryDelay == 0 {
		opts.WebhookRetryDelay = time.Millisecond
	}
	srv, err := sim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// newHookClient starts a client on srv with a "webhooks" block and, unless extra names one, a
// journal of its own.
func newHookClient(t *testing.T, srv *sim.Server, webhooks string, extra ...string) *Client {
	t.Helper()
	more := strings.Join(extra, "")
	if !strings.Contains(more, "journal_path") {
		more += `,"journal_path":"` + filepath.Join(t.TempDir(), "journal.db") + `"`
	}
	cfg, err := ParseConfig([]byte(`{"environment":"simulator","base_url":"` + srv.URL() + `","store_id":"hook",` +
		`"webhooks":` + webhooks + more + `}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// storedSecrets are the webhook secrets c holds: the journal's, which the webhooks' own copy
// must match in number.
func storedSecrets(t *testing.T, c *Client) []journal.WebhookSecret {
	t.Helper()
	secrets, err := c.journal.WebhookSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if held := c.Webhooks().Receiver().Secrets; held != len(secrets) {
		t.Fatalf("the webhooks hold %d secrets, the journal %d", held, len(secrets))
	}
	return secrets
}

// eventually waits (bounded) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after 10s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (c *Client) counters() WebhookCounters { return c.Webhooks().Receiver().Counters }

// failEveryRead makes every status read of the simulator fail, so only a webhook can tell the
// client anything new.
func failEveryRead(t *testing.T, srv *sim.Server) {
	t.Helper()
	if _, err := srv.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationGet, Times: -1}); err != nil {
		t.Fatal(err)
	}
}

func TestWhileEveryStatusReadFailsTheApprovalArrivesByWebhook(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	if info := c.Webhooks().Receiver(); !info.Listening || info.Registration != "ok" || info.Secrets != 1 {
		t.Fatalf("receiver %+v", info)
	}
	failEveryRead(t, srv)
	ref := checkout(t, c, `{"amount":49900,"phone_number":"`+waitCustomer+`"}`)
	eventually(t, "the CREATED event", func() bool { return c.counters().Accepted >= 1 })
	done := make(chan Payment, 1)
	go func() {
		p, _ := c.OwnUnit().PollStatus(context.Background(), ref, 30*time.Second)
		done <- p
	}()
	// The customer approves once the poll has met a failing read: approved sooner, the
	// webhook could end the poll before it read at all, and the test would prove nothing.
	eventually(t, "a failing status read", func() bool { return srv.Stats().FaultsInjected[sim.FaultStatus] > 0 })
	if err := srv.Approve(ref); err != nil {
		t.Fatal(err)
	}
	p := <-done
	if p.State != StateAuthorized || p.Authorized != 49900 {
		t.Fatalf("poll returned %+v; want AUTHORIZED with 49900 authorized", p)
	}
}

func TestADuplicatedEventIsDroppedAndCountsOnce(t *testing.T) {
	srv := startHookSim(t, sim.Options{ApproveDelay: -1})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	if _, err := srv.InjectFault(sim.Fault{Kind: sim.FaultWebhookDuplicate, Times: -1}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":30000,"phone_number":"4791234567"}`)
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	failEveryRead(t, srv)
	if _, err := c.OwnUnit().Capture(ctx, ref, 10000, "cap-1"); err != nil {
		t.Fatal(err)
	}
	// CREATED, AUTHORIZED and CAPTURED, each delivered twice.
	eventually(t, "six deliveries", func() bool { return c.counters().Accepted+c.counters().Duplicates >= 6 })
	n := c.counters()
	if n.Accepted != 3 || n.Duplicates != 3 || n.Rejected != 0 {
		t.Fatalf("counters %+v; want 3 accepted, 3 duplicates", n)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil || p.Captured != 10000 || p.Authorized != 30000 {
		t.Fatalf("after duplicates: %+v, %v; want 10000 captured once", p, err)
	}
}

func TestAReorderedCreatedAfterAuthorizedChangesNothing(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	failEveryRead(t, srv)
	ref := "hook-reorder-0001"
	if _, err := srv.InjectFault(sim.Fault{Kind: sim.FaultWebhookReorder, Reference: ref}); err != nil {
		t.Fatal(err)
	}
	checkout(t, c, `{"amount":1000,"phone_number":"`+waitCustomer+`","reference":"`+ref+`"}`)
	if err := srv.Approve(ref); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both events", func() bool { return c.counters().Accepted >= 2 })
	if p, err := c.OwnUnit().PollStatus(context.Background(), ref, 0); err != nil || p.State != StateAuthorized || p.Authorized != 1000 {
		t.Fatalf("after AUTHORIZED then CREATED: %+v, %v", p, err)
	}
	if srv.Stats().FaultsInjected[sim.FaultWebhookReorder] != 1 {
		t.Fatal("the reorder fault never hit: the test proves nothing")
	}
}

func TestABadlySignedDeliveryIsRejectedCountedAndTheRetryIsTaken(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	failEveryRead(t, srv)
	ref := "hook-badsig-0001"
	checkout(t, c, `{"amount":1000,"phone_number":"`+waitCustomer+`","reference":"`+ref+`"}`)
	eventually(t, "the CREATED event", func() bool { return c.counters().Accepted == 1 })
	if _, err := srv.InjectFault(sim.Fault{Kind: sim.FaultWebhookBadSignature, Reference: ref}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Approve(ref); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the retry", func() bool { return c.counters().Accepted == 2 })
	n := c.counters()
	if n.Rejected != 1 || n.RejectedBy["signature"] != 1 {
		t.Fatalf("counters %+v; want one rejection for the signature", n)
	}
	if p, _ := c.OwnUnit().PollStatus(context.Background(), ref, 0); p.State != StateAuthorized {
		t.Fatalf("after the retry: %+v", p)
	}
}

// signedDelivery is a delivery of body signed with secret for the receiver's URL.
func signedDelivery(secret, rawURL string, body []byte) vipps.WebhookDelivery {
	host, path, _ := strings.Cut(strings.TrimPrefix(rawURL, "http://"), "/")
	date := time.Now().UTC().Format(http.TimeFormat)
	hash := vipps.WebhookContentHash(body)
	return vipps.WebhookDelivery{Method: "POST", PathAndQuery: "/" + path, Host: host, Date: date, ContentSHA256: hash, Body: body,
		Authorization: vipps.WebhookAuthorization(secret, vipps.WebhookStringToSign("POST", "/"+path, date, host, hash))}
}

func eventBody(msn, ref, name string, value int64, psp string) []byte {
	return []byte(fmt.Sprintf(`{"msn":%q,"reference":%q,"pspReference":%q,"name":%q,"amount":{"currency":"NOK","value":%d},`+
		`"timestamp":"2026-03-02T09:30:00Z","idempotencyKey":null,"success":true}`, msn, ref, psp, name, value))
}

func TestADeliveryThatFailsVerificationNeverChangesState(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0","max_age_s":300}`)
	failEveryRead(t, srv)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+waitCustomer+`"}`)
	info := c.Webhooks().Receiver()
	secret := storedSecrets(t, c)[0].Secret
	authorized := eventBody("123456", ref, "AUTHORIZED", 1000, "9999")
	cases := []struct {
		name   string
		d      vipps.WebhookDelivery
		reason string
	}{
		{"signed with another secret", signedDelivery("not-the-secret", info.URL, authorized), "signature"},
		{"another body under a valid signature", func() vipps.WebhookDelivery {
			d := signedDelivery(secret, info.URL, eventBody("123456", ref, "CREATED", 1000, "9999"))
			d.Body = authorized
			return d
		}(), "content_hash"},
		{"without x-ms-date", func() vipps.WebhookDelivery {
			d := signedDelivery(secret, info.URL, authorized)
			d.Date = ""
			return d
		}(), "missing_header"},
		{"signed an hour ago", func() vipps.WebhookDelivery {
			d := signedDelivery(secret, info.URL, authorized)
			d.Date = time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
			hash := vipps.WebhookContentHash(authorized)
			host, path, _ := strings.Cut(strings.TrimPrefix(info.URL, "http://"), "/")
			d.Authorization = vipps.WebhookAuthorization(secret, vipps.WebhookStringToSign("POST", "/"+path, d.Date, host, hash))
			return d
		}(), "stale"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Webhooks().Handle(context.Background(), tc.d)
			wantCode(t, err, CodeUnverified, "")
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the secret: %v", err)
			}
			if p, _ := c.OwnUnit().PollStatus(context.Background(), ref, 0); p.State != StateCreated {
				t.Fatalf("state %v after a rejected delivery", p.State)
			}
			if n := c.counters(); n.Rejected != int64(i+1) || n.RejectedBy[tc.reason] != 1 {
				t.Fatalf("counters %+v", n)
			}
		})
	}
	// The same event, properly signed, is taken.
	if err := c.Webhooks().Handle(context.Background(), signedDelivery(secret, info.URL, authorized)); err != nil {
		t.Fatal(err)
	}
	if p, _ := c.OwnUnit().PollStatus(context.Background(), ref, 0); p.State != StateAuthorized {
		t.Fatalf("a verified AUTHORIZED left %v", p.State)
	}
}

func TestVerifiedDeliveriesThatAreNoEventOrNotOursChangeNothing(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	failEveryRead(t, srv)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+waitCustomer+`"}`)
	url, secret := c.Webhooks().Receiver().URL, storedSecrets(t, c)[0].Secret
	ctx := context.Background()
	wantCode(t, c.Webhooks().Handle(ctx, signedDelivery(secret, url, []byte(`{"name":"AUTHORIZED"}`))), CodeInvalidJSON, "")
	wantCode(t, c.Webhooks().Handle(ctx, signedDelivery(secret, url, []byte(`not json`))), CodeInvalidJSON, "")
	for _, body := range [][]byte{
		eventBody("654321", ref, "AUTHORIZED", 1000, "1"),                                                    // another sales unit
		bytes.Replace(eventBody("123456", ref, "AUTHORIZED", 1000, "2"), []byte(`true`), []byte(`false`), 1), // a failure
		eventBody("123456", ref, "SETTLED", 1000, "3"),                                                       // a name vmp does not know
	} {
		if err := c.Webhooks().Handle(ctx, signedDelivery(secret, url, body)); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	if n := c.counters(); n.Malformed != 2 || n.Ignored != 3 {
		t.Fatalf("counters %+v", n)
	}
	if p, _ := c.OwnUnit().PollStatus(ctx, ref, 0); p.State != StateCreated {
		t.Fatalf("state %v", p.State)
	}
}

func TestTheReceiverAnswersOverHTTP(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0","path":"/hooks/vipps"}`)
	info := c.Webhooks().Receiver()
	base := "http://" + info.Address
	secret := storedSecrets(t, c)[0].Secret
	post := func(path string, d vipps.WebhookDelivery) int { return postDelivery(t, base+path, d) }
	good := eventBody("123456", "hook-http-00001", "CREATED", 1000, "77")
	if got := post("/hooks/vipps", signedDelivery(secret, info.URL, good)); got != 200 {
		t.Fatalf("a verified delivery: %d", got)
	}
	if got := post("/hooks/vipps", signedDelivery(secret, info.URL, good)); got != 200 {
		t.Fatalf("its duplicate: %d; want 200 so that Vipps stops", got)
	}
	if got := post("/hooks/vipps", signedDelivery("wrong", info.URL, good)); got != 401 {
		t.Fatalf("a wrong signature: %d", got)
	}
	if got := post("/other", signedDelivery(secret, info.URL, good)); got != 404 {
		t.Fatalf("another path: %d", got)
	}
	if got := post("/hooks/vipps", signedDelivery(secret, info.URL, []byte("[]"))); got != 400 {
		t.Fatalf("no event: %d", got)
	}
	if got := post("/hooks/vipps", signedDelivery(secret, info.URL, bytes.Repeat([]byte("x"), webhooks.MaxBody+1))); got != 413 {
		t.Fatalf("too large: %d", got)
	}
	resp, err := http.Get(base + "/hooks/vipps")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Fatalf("a GET: %d", resp.StatusCode)
	}
	if n := c.counters(); n.Accepted != 1 || n.Duplicates != 1 || n.Rejected != 1 || n.Malformed != 1 {
		t.Fatalf("counters %+v", n)
	}
}

func TestBehindAProxyTheReceiverVerifiesAgainstThePublicURL(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0","public_url":"https://pos.example.com/vipps/hooks?store=12","register":false}`)
	if _, err := unitOf(t, c, "").RegisterWebhook(context.Background(), WebhookRequest{URL: "http://127.0.0.1:9/x"}); err != nil {
		t.Fatal(err)
	}
	secret := storedSecrets(t, c)[0].Secret
	body := eventBody("123456", "hook-proxy-0001", "CREATED", 1000, "1")
	d := signedDelivery(secret, "http://pos.example.com/vipps/hooks?store=12", body)
	if got := postDelivery(t, "http://"+c.Webhooks().Receiver().Address+"/vmp/webhooks", d); got != 200 {
		t.Fatalf("a delivery forwarded by a proxy: %d", got)
	}
}

// postDelivery sends d's body and signed headers to url over HTTP and returns the status.
func postDelivery(t *testing.T, url string, d vipps.WebhookDelivery) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.Body))
	req.Header.Set("x-ms-date", d.Date)
	req.Header.Set("x-ms-content-sha256", d.ContentSHA256)
	req.Header.Set("Authorization", d.Authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestOnceEventsArriveByWebhookPollingIsOnlyTheSafetyNet(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0","poll_interval_ms":600000}`)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+waitCustomer+`"}`)
	eventually(t, "the CREATED event", func() bool { return c.counters().Accepted >= 1 })
	if p, err := c.OwnUnit().PollStatus(context.Background(), ref, 1200*time.Millisecond); err != nil || p.State != StateCreated {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	// Without webhooks the schedule reads every 500 ms: three reads in 1.2 s.
	if reads := srv.Stats().Requests[getEndpoint]; reads != 1 {
		t.Fatalf("%d status reads in 1.2 s; want only the first", reads)
	}
}

func TestWithoutAWebhooksBlockNothingListensAndDeliveriesAreUnverified(t *testing.T) {
	c := newSimClient(t, "")
	if info := c.Webhooks().Receiver(); info.Listening || info.URL != "" || info.Registration != "" {
		t.Fatalf("receiver %+v", info)
	}
	err := c.Webhooks().Handle(context.Background(), signedDelivery("x", "http://127.0.0.1:1/x", eventBody("123456", "abcdefgh", "CREATED", 1, "1")))
	wantCode(t, err, CodeUnverified, "")
	if _, err := c.OwnUnit().ReconcileWebhooks(context.Background(), ReconcileRequest{}); CodeOf(err) != CodeInvalidArgument {
		t.Fatalf("reconcile without wanted webhooks: %v", err)
	}
}

func TestWebhookConfigIsChecked(t *testing.T) {
	cases := []struct{ name, env, block string }{
		{"a listen address that is no host:port", "simulator", `{"listen":"localhost"}`},
		{"a path without listen", "simulator", `{"path":"/x","register":false}`},
		{"a path without a leading slash", "simulator", `{"listen":"127.0.0.1:0","path":"x"}`},
		{"a public url that is not absolute", "simulator", `{"public_url":"/x"}`},
		{"a negative max age", "simulator", `{"listen":"127.0.0.1:0","max_age_s":-1}`},
		{"a poll interval below 500 ms", "simulator", `{"listen":"127.0.0.1:0","poll_interval_ms":100}`},
		{"registering without any URL", "simulator", `{}`},
		{"registering at Vipps without a public url", "test", `{"listen":"127.0.0.1:0"}`},
		{"registering at Vipps over plain http", "test", `{"public_url":"http://pos.example.com/hooks"}`},
		{"a managed prefix that is no URL", "simulator", `{"listen":"127.0.0.1:0","managed_prefix":"pos"}`},
		{"an unknown member", "simulator", `{"listen":"127.0.0.1:0","secret":"x"}`},
	}
	creds := `"client_id":"a","client_secret":"b","subscription_key":"c","msn":"123456",`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			extra := ""
			if tc.env != "simulator" {
				extra = creds
			}
			_, err := ParseConfig([]byte(`{"environment":"` + tc.env + `",` + extra + `"webhooks":` + tc.block + `}`))
			if code := CodeOf(err); code != CodeInvalidConfig && code != CodeInvalidJSON {
				t.Fatalf("accepted: %v", err)
			}
		})
	}
	cfg, err := ParseConfig([]byte(`{"environment":"test",` + creds + `"webhooks":{"public_url":"https://pos.example.com/hooks"}}`))
	if err != nil || cfg.Webhooks.PollIntervalMS != 5000 || !cfg.Webhooks.Registers() {
		t.Fatalf("a valid block: %+v, %v", cfg.Webhooks, err)
	}
	// A standalone simulator (base_url) reaches the receiver on loopback.
	if _, err := ParseConfig([]byte(`{"environment":"simulator","base_url":"http://127.0.0.1:8080",` + creds + `"webhooks":{"listen":"127.0.0.1:0"}}`)); err != nil {
		t.Fatalf("a receiver for a standalone simulator: %v", err)
	}
}

// registrationsOf lists the simulator's registrations as "url events-count".
func ids(ws []Webhook) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

func TestReconcileStartingFromDuplicatesAndOrphansLeavesExactlyOneVerifiableRegistration(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	const ours = "http://127.0.0.1:9/vmp/webhooks"
	c := newHookClient(t, srv, `{"public_url":"`+ours+`","register":false,"managed_prefix":"http://127.0.0.1:9/"}`)
	ctx := context.Background()
	all := vipps.EPaymentWebhookEvents
	// Orphans: registrations of our URL made by someone who kept the secrets (a lost journal).
	for range 2 {
		if _, _, err := srv.RegisterWebhook(ours, all); err != nil {
			t.Fatal(err)
		}
	}
	// Registrations with stored secrets: two duplicates, and one for the wrong events.
	dup1, err := c.OwnUnit().RegisterWebhook(ctx, WebhookRequest{URL: ours})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().RegisterWebhook(ctx, WebhookRequest{URL: ours}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().RegisterWebhook(ctx, WebhookRequest{URL: ours, Events: []string{"epayments.payment.authorized.v1"}}); err != nil {
		t.Fatal(err)
	}
	// An old address of this receiver (managed), and someone else's webhook (foreign).
	if _, _, err := srv.RegisterWebhook("http://127.0.0.1:9/old-port", all); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.RegisterWebhook("http://localhost:7/webshop", all); err != nil {
		t.Fatal(err)
	}

	report, err := c.OwnUnit().ReconcileWebhooks(ctx, ReconcileRequest{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, d := range report.Deleted {
		reasons[d.Reason]++
	}
	if len(report.Kept) != 1 || report.Kept[0].ID != dup1.ID || len(report.Registered) != 0 || len(report.Foreign) != 1 ||
		reasons["no_secret"] != 2 || reasons["duplicate"] != 1 || reasons["events_differ"] != 1 || reasons["not_wanted"] != 1 {
		t.Fatalf("report %+v (deleted by reason %v)", report, reasons)
	}
	left := srv.Webhooks()
	if len(left) != 2 || left[0].ID != dup1.ID || left[1].URL != "http://localhost:7/webshop" {
		t.Fatalf("the simulator has %+v", left)
	}
	if s := storedSecrets(t, c); len(s) != 1 || s[0].ID != dup1.ID {
		t.Fatalf("stored secrets %v; want only the kept one's", s)
	}
	again, err := c.OwnUnit().ReconcileWebhooks(ctx, ReconcileRequest{})
	if err != nil || len(again.Kept) != 1 || len(again.Deleted) != 0 || len(again.Registered) != 0 {
		t.Fatalf("a second reconcile: %+v, %v; want nothing to do", again, err)
	}
}

func TestReconcileRegistersWhatIsMissingAndForgetsSecretsVippsNoLongerHas(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"public_url":"http://127.0.0.1:9/a","register":false}`)
	ctx := context.Background()
	first, err := c.OwnUnit().ReconcileWebhooks(ctx, ReconcileRequest{})
	if err != nil || len(first.Registered) != 1 || !first.Registered[0].SecretStored {
		t.Fatalf("first reconcile %+v, %v", first, err)
	}
	// Deleted at Vipps behind the library's back (or removed after weeks of failures).
	if err := srv.DeleteWebhook(first.Registered[0].ID); err != nil {
		t.Fatal(err)
	}
	second, err := c.OwnUnit().ReconcileWebhooks(ctx, ReconcileRequest{Webhooks: []WebhookRequest{
		{URL: "http://127.0.0.1:9/a"}, {URL: "http://127.0.0.1:9/b", Events: []string{"epayments.payment.authorized.v1"}},
	}})
	if err != nil || len(second.Registered) != 2 {
		t.Fatalf("second reconcile %+v, %v", second, err)
	}
	got := ids(c.mustList(t))
	var stored []string
	for _, s := range storedSecrets(t, c) {
		stored = append(stored, s.ID)
	}
	slices.Sort(got)
	slices.Sort(stored)
	if !slices.Equal(got, stored) {
		t.Fatalf("registrations %v, stored secrets %v; want the same", got, stored)
	}
}

func (c *Client) mustList(t *testing.T) []Webhook {
	t.Helper()
	list, err := c.OwnUnit().ListWebhooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestDeletingAWebhookForgetsItsSecret(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"register":false}`)
	ctx := context.Background()
	w, err := c.OwnUnit().RegisterWebhook(ctx, WebhookRequest{URL: "http://127.0.0.1:9/x"})
	if err != nil || !w.SecretStored || len(w.Events) != len(vipps.EPaymentWebhookEvents) {
		t.Fatalf("register %+v, %v", w, err)
	}
	if list := c.mustList(t); len(list) != 1 || !list[0].SecretStored {
		t.Fatalf("list %+v", list)
	}
	if err := c.OwnUnit().DeleteWebhook(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.OwnUnit().DeleteWebhook(ctx, w.ID), CodeNotFound, "")
	if n := len(storedSecrets(t, c)); n != 0 || len(c.mustList(t)) != 0 {
		t.Fatalf("%d secrets left", n)
	}
	for _, bad := range []WebhookRequest{{URL: "ftp://x/y"}, {URL: "http://127.0.0.1:9/x", Events: []string{"Not An Event"}}} {
		wantCode(t, func() error { _, err := c.OwnUnit().RegisterWebhook(ctx, bad); return err }(), CodeInvalidArgument, "")
	}
	_, err = c.OwnUnit().RegisterWebhook(ctx, WebhookRequest{URL: "https://example.com/x"}) // the simulator refuses
	wantCode(t, err, CodeRejected, "")
}

func TestSecretsSurviveARestartSoTheRegistrationIsKept(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	journal := filepath.Join(t.TempDir(), "journal.db")
	block := `{"public_url":"http://127.0.0.1:9/hooks"}`
	c1 := newHookClient(t, srv, block, `,"journal_path":"`+journal+`"`)
	if info := c1.Webhooks().Receiver(); info.Registration != "ok" || info.Secrets != 1 {
		t.Fatalf("first start %+v", info)
	}
	id := srv.Webhooks()[0].ID
	c1.Close()
	c2 := newHookClient(t, srv, block, `,"journal_path":"`+journal+`"`)
	if info := c2.Webhooks().Receiver(); info.Registration != "ok" || info.Secrets != 1 {
		t.Fatalf("second start %+v", info)
	}
	if w := srv.Webhooks(); len(w) != 1 || w[0].ID != id {
		t.Fatalf("after the restart the simulator has %+v; want the same single registration", w)
	}
}
