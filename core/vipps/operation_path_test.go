package vipps

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestTheRecordedPathIsThePathSent: what a caller records of a money operation (the journal's
// entry takes OperationPath) is the path the request arrives at, also for references that
// need escaping.
func TestTheRecordedPathIsThePathSent(t *testing.T) {
	var mu sync.Mutex
	var got string
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.URL.EscapedPath()
		mu.Unlock()
		fmt.Fprint(w, `{"reference":"r","amount":{"currency":"NOK","value":1},"state":"AUTHORIZED","aggregate":{},"pspReference":"p"}`)
	})
	c := newTestClient(t, f.url, nil)
	ctx := context.Background()
	send := map[string]func(ref string) error{
		"create":  func(string) error { _, err := c.CreatePayment(ctx, "k", []byte(`{}`)); return err },
		"capture": func(ref string) error { _, err := c.CapturePayment(ctx, ref, "k", []byte(`{}`)); return err },
		"refund":  func(ref string) error { _, err := c.RefundPayment(ctx, ref, "k", []byte(`{}`)); return err },
		"cancel":  func(ref string) error { _, err := c.CancelPayment(ctx, ref, "k", nil); return err },
	}
	for _, ref := range []string{"ref-12345678", "ref 1/2?x=%", "æøå#frag", "a+b;c"} {
		for op, do := range send {
			if err := do(ref); err != nil {
				t.Fatalf("%s %q: %v", op, ref, err)
			}
			mu.Lock()
			sent := got
			mu.Unlock()
			if recorded := OperationPath(op, ref); recorded != sent {
				t.Errorf("%s %q: recorded %q, sent %q", op, ref, recorded, sent)
			}
		}
	}
}
