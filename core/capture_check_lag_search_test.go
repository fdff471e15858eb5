package core

// The capture check's tolerance for a lagging event log, searched: other tills capture parts of
// a payment moments before this till does, the event log leaves out any of those captures and
// this one - catching up after a while, or not within the call - and Vipps' figures are right
// or off either way. The tolerance may only ever keep a capture Vipps answered as done from
// being a mismatch while the log may be behind (within InFlightLimit: a second here); with the
// call's budget well beyond that, figures that differ from what Vipps carried out, or a log that
// never lists a capture, are VMP_ERR_CAPTURE_MISMATCH, and a log that catches up in time is
// VMP_OK.

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

var (
	captureLagSeed   = flag.Uint64("capture-lag-seed", 0, "replay one world of the capture-check lag search with this seed")
	captureLagWorlds = flag.Int("capture-lag-worlds", 12, "worlds of the capture-check lag search")
)

type captureLagWorld struct {
	others  int           // other tills' captures of 1000 before this till's
	hidden  uint          // bit i: the log leaves out the i-th capture (this till's is the last)
	catchUp time.Duration // when, after this till's capture starts, the log lists them (0: not within the call)
	skew    int64         // Vipps' captured figure off by this much
}

func (w captureLagWorld) String() string {
	return fmt.Sprintf("%d other captures, hidden %0*b, catch-up %v, figures off by %d", w.others, w.others+1, w.hidden, w.catchUp, w.skew)
}

// want is what the till must be told in w: a mismatch when Vipps' figures are off, or when the
// log never lists another till's capture the figures show. This capture not listed, with figures
// that have room for it, is "not listed yet" (vmp.h): VMP_OK.
func (w captureLagWorld) want() Code {
	othersHidden := w.hidden&(1<<w.others-1) != 0
	if w.skew != 0 || (othersHidden && w.catchUp == 0) {
		return CodeCaptureMismatch
	}
	return CodeOK
}

func randomCaptureLagWorld(rng *rand.Rand) captureLagWorld {
	w := captureLagWorld{others: rng.IntN(3)}
	w.hidden = uint(rng.IntN(1 << (w.others + 1)))
	w.catchUp = []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 600 * time.Millisecond}[rng.IntN(4)]
	w.skew = []int64{0, 0, -500, 500}[rng.IntN(4)]
	return w
}

func TestTheCaptureChecksToleranceForALaggingLogHidesNoDifference(t *testing.T) {
	for _, seed := range searchSeeds(*captureLagSeed, *captureLagWorlds) {
		w := randomCaptureLagWorld(rand.New(rand.NewPCG(seed, seed^0xca97)))
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (-capture-lag-seed=%d): %s", seed, seed, w)
			playCaptureLagWorld(t, w)
		})
	}
}

func playCaptureLagWorld(t *testing.T, w captureLagWorld) {
	s, clock := externalSim(t)
	ref := uniqueRef("lagsearch")
	prepare(t, s, clock, journal.OpCapture, ref)
	var hiding atomic.Bool
	vipps := eventLogProxy(t, s, func(events []map[string]any) []map[string]any {
		if !hiding.Load() {
			return events
		}
		kept, n := events[:0:0], 0
		for _, ev := range events {
			if ev["name"] == "CAPTURED" {
				n++
				if w.hidden&(1<<(n-1)) != 0 {
					continue
				}
			}
			kept = append(kept, ev)
		}
		return kept
	})
	// InFlightLimit is a second (request_ms 500); the call's budget is well beyond it.
	c := clientAt(t, vipps, filepath.Join(t.TempDir(), "j.db"), 500, 4000)
	defer c.Close()
	other := clientOn(t, s, filepath.Join(t.TempDir(), "other.db"))
	defer other.Close()
	ctx := context.Background()
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil { // the till knows the payment: nothing captured
		t.Fatal(err)
	}
	for i := range w.others {
		if _, err := other.OwnUnit().Capture(ctx, ref, 1000, fmt.Sprint("other-", i)); err != nil {
			t.Fatal(err)
		}
	}
	if w.skew != 0 {
		if err := s.SkewCaptured(ref, w.skew); err != nil {
			t.Fatal(err)
		}
	}
	hiding.Store(w.hidden != 0)
	if w.catchUp > 0 {
		stop := time.AfterFunc(w.catchUp, func() { hiding.Store(false) })
		defer stop.Stop()
	}
	p, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
	if captured, _, _ := aggregate(t, s, ref); captured != int64(1000*(w.others+1)) {
		t.Fatalf("Vipps carried out captures of %d, want %d", captured, 1000*(w.others+1))
	}
	if CodeOf(err) != w.want() {
		t.Fatalf("the capture ended %v, want %v: %v (payment %+v)", CodeOf(err), w.want(), err, p)
	}
}
