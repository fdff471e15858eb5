package core

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/internal/payments"
)

// trackersWithAges gives c n trackers, the first idle ones last used idle ago, the rest just now.
func trackersWithAges(c *Client, n, idle int, ago time.Duration) {
	now := time.Now()
	trackers := make([]*payments.Tracker, n)
	for i := range trackers {
		trackers[i] = c.tracker(fmt.Sprintf("upkeep-%06d", i))
	}
	for _, t := range trackers[:idle] {
		t.Touch(now.Add(-ago))
	}
	c.mu.Lock()
	c.pruned = now.Add(-2 * time.Minute)
	c.mu.Unlock()
}

func trackerCount(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.trackers)
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
			c := newSimClient(t, "")
			trackersWithAges(c, tt.n, tt.idle, tt.ago)
			c.tracker("upkeep-the-new-one")
			if got := trackerCount(c); got != tt.wantAfter {
				t.Fatalf("%d trackers after adding one; want %d", got, tt.wantAfter)
			}
		})
	}
}

func TestAClientThatStaysOpenPrunesItsJournalEveryHour(t *testing.T) {
	c := newSimClient(t, `,"log_level":"debug"`)
	pullLogs(t, c)
	c.tracker("upkeep-first-0001")
	if _, ok := findRecord(pullLogs(t, c), "journal", "pruned"); ok {
		t.Fatal("pruned again right after start-up")
	}
	c.mu.Lock()
	c.journalPruned = time.Now().Add(-journalPruneEvery - time.Minute)
	c.mu.Unlock()
	c.tracker("upkeep-second-001")
	for i := 0; i < 500; i++ { // the prune runs on a library goroutine
		r, err := c.Logs().NextLog(context.Background(), 10*time.Millisecond, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Component == "journal" && strings.Contains(r.Message, "pruned 0 finished operation(s) older than 30 days") {
			return
		}
	}
	t.Fatal("no journal prune an hour after the last one")
}
