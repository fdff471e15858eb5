package sim

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// createWithReceipt makes a push payment to msisdn whose description and receipt line are
// what a till chose to send.
func (r *rig) createWithReceipt(reference, msisdn, description, lineName string) {
	r.t.Helper()
	body := fmt.Sprintf(`{"amount":{"currency":"NOK","value":49900},"paymentMethod":{"type":"WALLET"},`+
		`"customer":{"phoneNumber":%q},"customerInteraction":"CUSTOMER_PRESENT","reference":%q,"userFlow":"PUSH_MESSAGE",`+
		`"paymentDescription":%q,"receipt":{"orderLines":[{"name":%q,"id":"1","totalAmount":49900,`+
		`"totalAmountExcludingTax":39920,"totalTaxAmount":9980,"taxRate":2500,"unitInfo":{"unitPrice":49900,"quantity":"1"}}],`+
		`"bottomLine":{"currency":"NOK"}}}`, msisdn, reference, description, lineName)
	if a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "create-"+reference); a.status != http.StatusCreated {
		r.t.Fatalf("create %s: %v", reference, a)
	}
}

func TestThePhoneShowsThePushRequestAndEscapesWhatTheTillSent(t *testing.T) {
	r := newRig(t, Options{MerchantNames: map[string]string{DefaultCredentials.MSN: "Acme <Store>"}})
	r.createWithReceipt("ui-escape-1", MSISDNWaitsForControl, `<script>alert("till")</script>`, `<b>Coffee</b>`)
	a := r.do(http.MethodGet, "/sim/ui/phone/"+MSISDNWaitsForControl, "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Fatalf("phone page: %v", a)
	}
	page := string(a.body)
	for _, want := range []string{
		`data-reference="ui-escape-1"`, "499.00 NOK", "Acme &lt;Store&gt;", "You are at the till",
		`&lt;script&gt;alert(&#34;till&#34;)&lt;/script&gt;`, `&lt;b&gt;Coffee&lt;/b&gt;`,
		`data-post="/sim/payments/ui-escape-1/approve?msn=123456"`, `data-post="/sim/payments/ui-escape-1/reject?msn=123456"`,
		"Time left", `src="/sim/ui/phone/4790000004/qr.png"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the phone page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>Coffee") {
		t.Error("the till's markup reached the page unescaped")
	}
	store := string(r.do(http.MethodGet, "/sim/ui/", "").body)
	if !strings.Contains(store, `&lt;script&gt;`) || strings.Contains(store, "<script>alert") {
		t.Error("the dashboard does not escape the description")
	}
}

func TestAnUnknownPhoneIsEmptyAndReady(t *testing.T) {
	r := newRig(t, Options{})
	a := r.do(http.MethodGet, "/sim/ui/phone/4798765432", "")
	if a.status != http.StatusOK || !strings.Contains(string(a.body), "Waiting for a till") {
		t.Fatalf("an unseen number: %v", a)
	}
	if a := r.do(http.MethodGet, "/sim/ui/phone/not-a-number", ""); a.status != http.StatusNotFound {
		t.Errorf("a malformed number: %d", a.status)
	}
	if a := r.do(http.MethodPost, "/sim/ui/", ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("POST to a page: %d, want 405 (the buttons call the control API)", a.status)
	}
}

func TestThePersonalQRImageIsScannable(t *testing.T) {
	r := newRig(t, Options{})
	a := r.do(http.MethodGet, "/sim/ui/phone/4791234567/qr.png", "")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR image: %d %s", a.status, a.header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the personal QR does not decode: %v", err)
	}
	if got := res.GetText(); got != PersonalQR("4791234567") {
		t.Errorf("the QR carries %q, want %q", got, PersonalQR("4791234567"))
	}
}

func TestTheDashboardShowsEveryFaultKindAndTheFakeClock(t *testing.T) {
	r := newRig(t, Options{})
	page := string(r.do(http.MethodGet, "/sim/ui/", "").body)
	for _, k := range faultKinds {
		if !strings.Contains(page, "<option>"+string(k)+"</option>") {
			t.Errorf("the fault form lacks kind %s", k)
		}
	}
	for _, want := range []string{`data-post="/sim/faults"`, `data-post="/sim/clock/advance"`, "2026-03-02 09:30:00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
}

// stream is an open /sim/ui/live/... connection read event by event.
type stream struct {
	resp   *http.Response
	cancel context.CancelFunc
	lines  *bufio.Reader
}

func (r *rig) openStream(path string) *stream {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.srv.URL()+path, nil)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		cancel()
		r.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		r.t.Fatalf("stream %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &stream{resp: resp, cancel: cancel, lines: bufio.NewReader(resp.Body)}
}

func (st *stream) close() {
	st.cancel()
	_ = st.resp.Body.Close()
}

// next reads the next "view" event's data, failing after 5 s.
func (st *stream) next(t *testing.T) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		var data []string
		for {
			line, err := st.lines.ReadString('\n')
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			case line == "" && data != nil:
				got <- strings.Join(data, "\n")
				return
			}
		}
	}()
	select {
	case v := <-got:
		return v
	case <-time.After(5 * time.Second):
		st.close()
		t.Fatal("no view within 5 s")
		return ""
	}
}

func TestThePhoneStreamFollowsTheControlAPI(t *testing.T) {
	r := newRig(t, Options{})
	st := r.openStream("/sim/ui/live/phone/" + MSISDNWaitsForControl)
	defer st.close()
	if v := st.next(t); !strings.Contains(v, "Waiting for a till") {
		t.Fatalf("first view: %s", v)
	}
	r.create("ui-live-1", 1000, MSISDNWaitsForControl)
	if v := st.next(t); !strings.Contains(v, `class="card request" data-reference="ui-live-1"`) {
		t.Fatalf("after the create: %s", v)
	}
	if a := r.do(http.MethodPost, "/sim/payments/ui-live-1/approve?msn="+DefaultCredentials.MSN, ""); a.status != http.StatusNoContent {
		t.Fatalf("approve: %v", a)
	}
	if v := st.next(t); !strings.Contains(v, `data-reference="ui-live-1" data-state="AUTHORIZED"`) || strings.Contains(v, "card request") {
		t.Fatalf("after the approval: %s", v)
	}
	// A change made from Go, not over HTTP, reaches the page too (the payment event).
	r.create("ui-live-2", 1000, MSISDNWaitsForControl)
	st.next(t)
	if err := r.srv.Reject("ui-live-2"); err != nil {
		t.Fatal(err)
	}
	if v := st.next(t); !strings.Contains(v, `data-reference="ui-live-2" data-state="ABORTED"`) {
		t.Fatalf("after a rejection from Go: %s", v)
	}
}

func TestTheStreamsEndWhenTheSimulatorCloses(t *testing.T) {
	r := newRig(t, Options{})
	st := r.openStream("/sim/ui/live/store")
	defer st.close()
	st.next(t)
	start := time.Now()
	if err := r.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= shutdownGrace {
		t.Errorf("Close waited %v for an open page (the grace period is %v)", d, shutdownGrace)
	}
	if n := r.srv.UIStreams(); n != 0 {
		t.Errorf("%d streams still open after Close", n)
	}
}

// The bound: no stream keeps a queue. After thousands of changes, with pages that read and one
// that never reads, and hundreds of reconnects, the open streams are exactly the connected
// pages, the goroutines are back where they were, and the heap has not grown with the
// number of changes.
func TestThePagesMemoryDoesNotGrowWithTimeOrReconnects(t *testing.T) {
	r := newRig(t, Options{})
	r.create("ui-mem-1", 1000, MSISDNWaitsForControl)
	baseGoroutines := runtime.NumGoroutine()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}

	const readers = 8
	var open []*stream
	for i := 0; i < readers; i++ {
		open = append(open, r.openStream("/sim/ui/live/store"))
		open[i].next(t)
	}
	stalled := r.openStream("/sim/ui/live/store") // never read: its writes block, nothing piles up
	advance := func(n int) {
		for i := 0; i < n; i++ {
			if a := r.do(http.MethodPost, "/sim/clock/advance", `{"ms":1000}`); a.status != http.StatusOK {
				t.Fatalf("advance: %v", a)
			}
		}
	}
	advance(200) // warm up: buffers and connections reach their steady size
	before := heap()
	advance(2000) // 2000 changes, each a new view (the clock moves)
	for i := 0; i < readers; i++ {
		if v := open[i].next(t); !strings.Contains(v, "Payments") {
			t.Fatalf("reader %d: %s", i, v)
		}
	}
	for i := 0; i < 200; i++ { // reconnects, as EventSource does after a network blip
		st := r.openStream("/sim/ui/live/phone/" + MSISDNWaitsForControl)
		st.next(t)
		st.close()
	}
	waitFor(t, "the reconnected streams to end", func() bool { return r.srv.UIStreams() == readers+1 })
	after := heap()
	if growth := int64(after) - int64(before); growth > 2<<20 {
		t.Errorf("the heap grew by %d bytes over 2000 changes and 200 reconnects", growth)
	}
	for _, st := range append(open, stalled) {
		st.close()
	}
	waitFor(t, "every stream to end", func() bool { return r.srv.UIStreams() == 0 })
	waitFor(t, "the goroutines to return", func() bool { return runtime.NumGoroutine() <= baseGoroutines+2 })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func decodePNGQR(t *testing.T, data []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR does not decode: %v", err)
	}
	return res.GetText()
}

// The dashboard's QR flow: the customer-facing QR drawn from the payment's target URL, and a
// "Scan it" button that is the control API's scan.
func TestTheDashboardShowsTheQRFlowAndItsScanButton(t *testing.T) {
	r := newRig(t, Options{})
	redirect := r.createQR("ui-qr-0001", `{"format":"TEXT/TARGETURL"}`)
	token := qrToken(redirect)
	page := string(r.do(http.MethodGet, "/sim/ui/", "").body)
	for _, want := range []string{`src="/sim/ui/qr/` + token + `.png"`, `data-post="/sim/qr/` + token + `/scan"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the dashboard lacks %s", want)
		}
	}
	img := r.do(http.MethodGet, "/sim/ui/qr/"+token+".png", "")
	if got := decodePNGQR(t, img.body); got != redirect {
		t.Errorf("the QR carries %q, want the target URL %q", got, redirect)
	}
	if a := r.do(http.MethodGet, "/sim/ui/qr/unknown.png", ""); a.status != http.StatusNotFound {
		t.Errorf("an unknown QR: %d", a.status)
	}
	// What the button posts is the control API's scan.
	if a := r.do(http.MethodPost, "/sim/qr/"+token+"/scan", ""); a.status != http.StatusNoContent {
		t.Fatalf("scan: %v", a)
	}
	page = string(r.do(http.MethodGet, "/sim/ui/", "").body)
	if !strings.Contains(page, `data-reference="ui-qr-0001" data-state="AUTHORIZED"`) || strings.Contains(page, "/scan\"") {
		t.Error("after the scan the dashboard still offers it, or does not show AUTHORIZED")
	}
}

func TestTheDashboardShowsWebhooksCheckInsAndPhones(t *testing.T) {
	r := newRig(t, Options{})
	rc := startReceiver(t, "/hook")
	r.registerWebhook(rc.url, "epayments.payment.created.v1")
	r.create("ui-hook-1", 1000, "4798765432")
	rc.waitFor(1)
	if a := r.epay(http.MethodPost, "/point-of-sale/v1/loyalty-check-in", `{"phoneNumber":"4712345678","isMember":true}`); a.status != http.StatusOK {
		t.Fatalf("check-in: %v", a)
	}
	waitFor(t, "the delivery to be counted", func() bool {
		hooks := r.srv.Webhooks()
		return len(hooks) == 1 && hooks[0].Delivered == 1
	})
	page := string(r.do(http.MethodGet, "/sim/ui/", "").body)
	for _, want := range []string{
		rc.url, "epayments.payment.created.v1", "<td>1</td>", // delivered
		`href="/sim/ui/phone/4798765432"`, `href="/sim/ui/phone/4712345678"`, "member (screen: member)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	phone := string(r.do(http.MethodGet, "/sim/ui/phone/4712345678", "").body)
	if !strings.Contains(phone, `class="card checkin" data-screen="member"`) {
		t.Error("the phone does not show the member check-in screen")
	}
}
