package payments

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// newTestEngine is an engine on a journal of its own for the till's own unit, started as a
// client starts it. It sends nothing: its unit has no wire client.
func newTestEngine(t *testing.T, log model.Logger) *Engine {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closing, cancel := context.WithCancelCause(context.Background())
	var calls sync.WaitGroup
	enter := func(ctx context.Context) (context.Context, func(), error) {
		if closing.Err() != nil {
			return nil, nil, model.ErrClosed
		}
		calls.Add(1)
		return ctx, calls.Done, nil
	}
	t.Cleanup(func() { cancel(model.ErrClosed); calls.Wait(); _ = j.Close() })
	eng := New(Deps{Journal: j, Retry: retry.Policy{Budget: time.Second, Closing: closing}, Log: log,
		Till: TillIdentity{StoreID: "s1", PosID: "p1"}, Enter: enter, Closing: closing, Now: time.Now,
		RequestTimeout: time.Second, RetentionDays: 30}, []UnitConfig{{MSN: "123456"}})
	if _, err := eng.Start(true, time.Second); err != nil {
		t.Fatal(err)
	}
	return eng
}

// tracker is the tracker of a payment of the till's own unit.
func (eng *Engine) tracker(reference string) *Tracker { return eng.trackerFor(eng.units[0], reference) }

// recordedLog keeps the messages logged, by component.
type recordedLog struct {
	mu      sync.Mutex
	records []string
}

func (l *recordedLog) Log(level abi.LogLevel, component, message string, fields ...model.LogField) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, component+": "+message)
}

func (l *recordedLog) has(component, text string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		if strings.HasPrefix(r, component+": ") && strings.Contains(r, text) {
			return true
		}
	}
	return false
}

// forgottenListener keeps the payments a Listener was told are forgotten.
type forgottenListener struct {
	mu        sync.Mutex
	forgotten []string
}

func (l *forgottenListener) PaymentKnown(string, string, Payment) {}

func (l *forgottenListener) PaymentForgotten(unit, reference string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgotten = append(l.forgotten, unit+"/"+reference)
}

// trackersWithAges gives eng n trackers, the first idle ones last used idle ago, the rest just now.
func trackersWithAges(eng *Engine, n, idle int, ago time.Duration) {
	now := time.Now()
	trackers := make([]*Tracker, n)
	for i := range trackers {
		trackers[i] = eng.tracker(fmt.Sprintf("upkeep-%06d", i))
	}
	for _, t := range trackers[:idle] {
		t.Touch(now.Add(-ago))
	}
	eng.mu.Lock()
	eng.pruned = now.Add(-2 * time.Minute)
	eng.mu.Unlock()
}

func trackerCount(eng *Engine) int {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	return len(eng.trackers)
}

func TestTrackersOfPaymentsNobodyUsesAreDroppedSoMemoryStaysBounded(t *testing.T) {
	tests := []struct {
		name      string
		n, idle   int
		ago       time.Duration
		wantAfter int
	}{
		{"a few trackers are all kept", 100, 100, time.Hour, 101},
		{"many trackers idle for more than 30 minutes go", 2000, 1500, 31 * time.Minute, 501},
		{"many trackers idle for two minutes stay as a cache", 2000, 1500, 2 * time.Minute, 2001},
		{"too many trackers: those whose rate windows are empty go", trackersMax + 500, trackersMax, 2 * time.Minute, 501},
		{"too many trackers, all in their rate window: none goes", trackersMax + 500, trackersMax, 30 * time.Second, trackersMax + 501},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := newTestEngine(t, &recordedLog{})
			trackersWithAges(eng, tt.n, tt.idle, tt.ago)
			eng.tracker("upkeep-the-new-one")
			if got := trackerCount(eng); got != tt.wantAfter {
				t.Fatalf("%d trackers after adding one; want %d", got, tt.wantAfter)
			}
		})
	}
}

func TestThePaymentListenerIsToldWhenAnIdleTrackerIsPruned(t *testing.T) {
	eng := newTestEngine(t, &recordedLog{})
	l := &forgottenListener{}
	eng.SetListener(l)
	trackersWithAges(eng, 2000, 1500, 31*time.Minute)
	eng.tracker("upkeep-the-new-one")
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.forgotten) != 1500 || l.forgotten[0][:8] != "/upkeep-" {
		t.Fatalf("%d trackers forgotten, want 1500 (%v)", len(l.forgotten), l.forgotten[:min(3, len(l.forgotten))])
	}
}

func TestAClientThatStaysOpenPrunesItsJournalEveryHour(t *testing.T) {
	log := &recordedLog{}
	eng := newTestEngine(t, log)
	eng.tracker("upkeep-first-0001")
	if log.has("journal", "pruned") {
		t.Fatal("pruned again right after start-up")
	}
	eng.mu.Lock()
	eng.journalPruned = time.Now().Add(-journalPruneEvery - time.Minute)
	eng.mu.Unlock()
	eng.tracker("upkeep-second-001")
	for i := 0; i < 500; i++ { // the prune runs on a library goroutine
		if log.has("journal", "pruned 0 finished operation(s) older than 30 days") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no journal prune an hour after the last one")
}
