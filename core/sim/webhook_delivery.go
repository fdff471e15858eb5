package sim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// Delivery of ePayment events to the webhook registrations (contract §8.5): every event a
// payment records goes, as a signed POST, to each registration that names its type. Each
// registration has its own queue and goroutine: deliveries to it are made one at a time, in
// the order the events happened, and a delivery the receiver does not accept (no 2xx within
// WebhookTimeout) is retried with backoff and blocks the ones behind it, as on Vipps.
//
// Delivery faults (FaultWebhookDuplicate, FaultWebhookReorder, FaultWebhookBadSignature) are
// drawn once per event and registration, when the event is queued.

// webhookReorderHold is how long a delivery held back by FaultWebhookReorder waits for a later
// one to overtake it before it goes out anyway.
const webhookReorderHold = 500 * time.Millisecond

// maxWebhookAnswer bounds how much of a receiver's answer is read.
const maxWebhookAnswer = 64 << 10

// webhookEventWire is the body of a delivery (contract §8.3): the event as the event log has
// it, and the sales unit's MSN.
type webhookEventWire struct {
	MSN string `json:"msn"`
	PaymentEvent
}

// webhookDelivery is one event on its way to one registration.
type webhookDelivery struct {
	body      []byte
	reference string
	// copies is 2 when FaultWebhookDuplicate hit it: it is delivered twice.
	copies int
	// badFirst: FaultWebhookBadSignature hit it: the first attempt is signed with a wrong secret.
	badFirst bool
}

// webhookReg is one registration and its delivery queue. Fields after mu's comment are
// guarded by the hub's mu.
type webhookReg struct {
	msn             string // the sales unit whose events it receives
	id, url, secret string
	events          []string
	host            string // what deliveries are signed with: the URL's authority...
	pathAndQuery    string // ...and its path and query
	stop            chan struct{}
	ctx             context.Context // ends when stop closes
	cancel          context.CancelFunc
	wake            chan struct{} // capacity 1

	queue          []webhookDelivery
	held           *webhookDelivery // held back by a reorder fault
	heldSince      time.Time
	delivered      int
	failedAttempts int
}

// webhookHub holds the registrations and their delivery goroutines.
type webhookHub struct {
	s      *Server
	client *http.Client

	mu     sync.Mutex
	regs   []*webhookReg
	closed bool
	wg     sync.WaitGroup
}

func newWebhookHub(s *Server) *webhookHub {
	transport := &http.Transport{
		Proxy:               nil, // deliveries go straight to the loopback receiver
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	return &webhookHub{s: s, client: &http.Client{
		Transport: transport,
		// Vipps does not follow redirects: a 3xx is a failed delivery.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// register adds a registration and starts its delivery goroutine. It refuses a 26th
// registration of one event type.
func (h *webhookHub) register(msn string, target *url.URL, events []string) (*webhookReg, *problem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, newProblem(http.StatusServiceUnavailable, "Service Unavailable", "The simulator is closing.")
	}
	for _, e := range events {
		n := 0
		for _, r := range h.regs {
			if r.msn == msn && slices.Contains(r.events, e) {
				n++
			}
		}
		if n >= maxWebhooksPerEvent {
			return nil, newProblem(http.StatusBadRequest, "Bad Request",
				"At most 25 webhooks can be registered per event; "+e+" has 25.")
		}
	}
	reg := &webhookReg{
		msn:          msn,
		id:           newUUID(),
		url:          target.String(),
		secret:       newOpaqueToken(48),
		events:       events,
		host:         target.Host,
		pathAndQuery: target.RequestURI(),
		stop:         make(chan struct{}),
		wake:         make(chan struct{}, 1),
	}
	reg.ctx, reg.cancel = context.WithCancel(context.Background())
	h.regs = append(h.regs, reg)
	h.wg.Add(1)
	go h.run(reg)
	return reg, nil
}

// remove deletes a registration of msn ("": of any) and stops its goroutine.
func (h *webhookHub) remove(msn, id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, r := range h.regs {
		if r.id == id && (msn == "" || r.msn == msn) {
			h.regs = slices.Delete(h.regs, i, i+1)
			close(r.stop)
			r.cancel()
			return true
		}
	}
	return false
}

// list reports the registrations of msn ("": of every sales unit).
func (h *webhookHub) list(msn string) []Webhook {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Webhook, 0, len(h.regs))
	for _, r := range h.regs {
		if msn != "" && r.msn != msn {
			continue
		}
		pending := len(r.queue)
		if r.held != nil {
			pending++
		}
		out = append(out, Webhook{MSN: r.msn, ID: r.id, URL: r.url, Events: slices.Clone(r.events), Pending: pending,
			Delivered: r.delivered, FailedAttempts: r.failedAttempts})
	}
	return out
}

// close stops every delivery goroutine and waits for them. Events recorded afterwards are
// not delivered.
func (h *webhookHub) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		for _, r := range h.regs {
			close(r.stop)
			r.cancel()
		}
	}
	h.mu.Unlock()
	h.wg.Wait()
	h.client.CloseIdleConnections()
}

// publish queues ev, an event of a payment of sales unit msn, for every registration of that
// unit and the event's type. It is called with the server's lock held, so events of one
// payment are queued in the order they happened; it never blocks.
func (h *webhookHub) publish(msn string, ev PaymentEvent) {
	eventType := "epayments.payment." + strings.ToLower(ev.Name) + ".v1"
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	var body []byte
	for _, r := range h.regs {
		if r.msn != msn || !slices.Contains(r.events, eventType) {
			continue
		}
		if body == nil {
			var err error
			body, err = wirejson.Marshal(webhookEventWire{MSN: msn, PaymentEvent: ev})
			if err != nil {
				return // a plain struct always encodes
			}
		}
		d := webhookDelivery{body: body, reference: ev.Reference, copies: 1}
		reorder := false
		if f, ok := h.s.faults.take(OperationWebhook, ev.Reference, false); ok {
			h.s.stats.add(func(st *Stats) { st.FaultsInjected[f.Kind]++ })
			switch f.Kind {
			case FaultWebhookDuplicate:
				d.copies = 2
			case FaultWebhookBadSignature:
				d.badFirst = true
			case FaultWebhookReorder:
				reorder = true
			}
		}
		r.enqueue(d, reorder, time.Now())
	}
}

// enqueue adds d to the queue; a reordered d is held back until the next delivery has been
// queued ahead of it. Caller holds the hub's mu.
func (r *webhookReg) enqueue(d webhookDelivery, reorder bool, now time.Time) {
	held := r.held
	r.held = nil
	if reorder {
		if held != nil {
			r.queue = append(r.queue, *held)
		}
		r.held, r.heldSince = &d, now
	} else {
		r.queue = append(r.queue, d)
		if held != nil {
			r.queue = append(r.queue, *held)
		}
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run delivers the registration's queue in order until the registration is deleted or the
// simulator closes.
func (h *webhookHub) run(r *webhookReg) {
	defer h.wg.Done()
	defer func() { _ = recover() }() // the host process must survive a simulator bug
	for {
		d, ok := h.next(r)
		if !ok {
			return
		}
		for n := 0; n < d.copies; n++ {
			if !h.deliver(r, d, d.badFirst && n == 0) {
				return
			}
		}
		h.mu.Lock()
		if len(r.queue) > 0 {
			r.queue = r.queue[1:]
		}
		h.mu.Unlock()
	}
}

// next waits for the head of the queue (a held-back delivery goes out after
// webhookReorderHold if nothing overtook it). It returns false once the registration stops.
func (h *webhookHub) next(r *webhookReg) (webhookDelivery, bool) {
	for {
		h.mu.Lock()
		if len(r.queue) == 0 && r.held != nil && time.Since(r.heldSince) >= webhookReorderHold {
			r.queue = append(r.queue, *r.held)
			r.held = nil
		}
		if len(r.queue) > 0 {
			d := r.queue[0]
			h.mu.Unlock()
			select {
			case <-r.stop:
				return webhookDelivery{}, false
			default:
				return d, true
			}
		}
		var timer *time.Timer
		var timeout <-chan time.Time
		if r.held != nil {
			timer = time.NewTimer(webhookReorderHold - time.Since(r.heldSince))
			timeout = timer.C
		}
		h.mu.Unlock()
		stopped := false
		select {
		case <-r.stop:
			stopped = true
		case <-r.wake:
		case <-timeout:
		}
		if timer != nil {
			timer.Stop()
		}
		if stopped {
			return webhookDelivery{}, false
		}
	}
}

// deliver makes attempts until the receiver accepts d; false when the registration stopped.
func (h *webhookHub) deliver(r *webhookReg, d webhookDelivery, badFirst bool) bool {
	for attempt := 1; ; attempt++ {
		ok := h.attempt(r, d, badFirst && attempt == 1)
		h.mu.Lock()
		if ok {
			r.delivered++
		} else {
			r.failedAttempts++
		}
		h.mu.Unlock()
		h.s.stats.add(func(st *Stats) {
			if ok {
				st.WebhooksDelivered++
			} else {
				st.WebhookAttemptsFailed++
			}
		})
		if ok {
			return true
		}
		if !h.s.pause(r.stop, webhookRetryDelay(h.s.opts.WebhookRetryDelay, attempt)) {
			return false
		}
	}
}

// webhookRetryDelay is the wait after failed attempt n, in Vipps' pattern (contract §8.5): four
// quick retries, then 30 and 60 times as long, then 1800 times (with the default 2 s: 2 s ×4,
// 60 s, 120 s, hourly).
func webhookRetryDelay(base time.Duration, n int) time.Duration {
	switch {
	case n <= 4:
		return base
	case n == 5:
		return 30 * base
	case n == 6:
		return 60 * base
	}
	return 1800 * base
}

// attempt sends one signed POST and reports whether the receiver answered 2xx in time. It
// travels half the simulated round trip each way (Options.Latency).
func (h *webhookHub) attempt(r *webhookReg, d webhookDelivery, wrongSecret bool) bool {
	half := h.s.opts.Latency / 2
	if !h.s.pause(r.stop, half) {
		return false
	}
	ctx, cancel := context.WithTimeout(r.ctx, h.s.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(d.body))
	if err != nil {
		return false
	}
	secret := r.secret
	if wrongSecret {
		secret = "not-" + secret
	}
	date := h.s.now().UTC().Format(http.TimeFormat)
	hash := webhookContentHash(d.body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-ms-date", date)
	req.Header.Set("x-ms-content-sha256", hash)
	req.Header.Set("Authorization", webhookAuthorization(secret, r.pathAndQuery, date, r.host, hash))
	resp, err := h.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxWebhookAnswer))
	_ = resp.Body.Close()
	if !h.s.pause(r.stop, h.s.opts.Latency-half) {
		return false
	}
	return resp.StatusCode >= 200 && resp.StatusCode <= 299
}

// pause waits d of wall-clock time; false when stop closed first.
func (s *Server) pause(stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-stop:
		return false
	}
}

// watch connects a new payment to webhook delivery - its CREATED event now, every later event
// as it is recorded - and to the timers of its scheduled transitions. Called with the
// server's lock held.
func (s *Server) watch(p *payment) {
	p.publish = func(ev PaymentEvent) {
		s.hooks.publish(p.msn, ev)
		s.ui.changed()
	}
	for _, ev := range p.events {
		p.publish(ev)
	}
	s.schedule(p)
}
