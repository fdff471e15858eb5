package sim

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The pages follow the simulator's state by Server-Sent Events. Nothing is queued per page:
// a change closes one shared channel, every open stream wakes, renders the state as it is
// now and sends it only when it differs from what that stream sent last. A stream therefore
// holds one rendered view, whatever happened in between, so a page open for a day costs what
// one open for a minute does; a page that does not read blocks its own write, nothing more.

const (
	// uiRecheck is how often an idle stream renders again anyway, for changes that do not
	// pass ServeHTTP or a payment event (a FakeClock moved from Go, webhook delivery counts).
	uiRecheck = time.Second
	// uiCoalesce is the least time between two renders of one stream: a burst of requests
	// (a till polling) costs a stream at most ten renders a second.
	uiCoalesce = 100 * time.Millisecond
	// uiKeepAlive is how long a stream stays silent before it sends a comment, so proxies and
	// the browser see the connection alive.
	uiKeepAlive = 15 * time.Second
)

// changeFeed tells the open streams that the state may have changed.
type changeFeed struct {
	mu      sync.Mutex
	next    chan struct{} // closed at the next change, then replaced
	closing chan struct{} // closed when the simulator closes: every stream ends
	once    sync.Once
	streams atomic.Int64 // open streams, for tests and Stats-like checks
}

func newChangeFeed() *changeFeed {
	return &changeFeed{next: make(chan struct{}), closing: make(chan struct{})}
}

// changed wakes every stream waiting now. Cheap: no stream is visited, and with no page open
// (a till's tests, a benchmark) it costs one atomic load - a stream that opens later renders
// the state as it is then anyway.
func (f *changeFeed) changed() {
	if f.streams.Load() == 0 {
		return
	}
	f.mu.Lock()
	close(f.next)
	f.next = make(chan struct{})
	f.mu.Unlock()
}

// wait returns the channel the next change closes.
func (f *changeFeed) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next
}

// close ends every stream (Server.Close calls it before shutting the HTTP server down, which
// would otherwise wait for the streams to go idle).
func (f *changeFeed) close() {
	f.once.Do(func() { close(f.closing) })
}

// UIStreams is how many live page streams are open: the bound of the pages' memory is one
// rendered view per stream.
func (s *Server) UIStreams() int {
	return int(s.ui.streams.Load())
}

// serveStream sends render's result as an SSE "view" event whenever it changes, until the
// client goes away or the simulator closes.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, render func() ([]byte, error)) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	f := s.ui
	f.streams.Add(1)
	defer f.streams.Add(-1)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	var last []byte
	lastWrite := time.Now()
	recheck := time.NewTicker(uiRecheck)
	defer recheck.Stop()
	for {
		woken := f.wait() // taken before rendering, so a change during the render is not missed
		view, err := render()
		if err != nil {
			return
		}
		switch {
		case !bytes.Equal(view, last):
			if writeEvent(w, "view", view) != nil {
				return
			}
			last, lastWrite = view, time.Now()
			flusher.Flush()
		case time.Since(lastWrite) > uiKeepAlive:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
			lastWrite = time.Now()
			flusher.Flush()
		}
		select {
		case <-woken:
		case <-recheck.C:
		case <-r.Context().Done():
			return
		case <-f.closing:
			return
		}
		select {
		case <-time.After(uiCoalesce):
		case <-r.Context().Done():
			return
		case <-f.closing:
			return
		}
	}
}

// writeEvent writes one SSE event; every line of data gets its own "data:" field.
func writeEvent(w http.ResponseWriter, name string, data []byte) error {
	var b bytes.Buffer
	b.Grow(len(data) + 64)
	b.WriteString("event: " + name + "\n")
	for _, line := range strings.Split(string(data), "\n") {
		b.WriteString("data: ")
		b.WriteString(strings.TrimSuffix(line, "\r"))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
