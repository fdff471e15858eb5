package core

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// pullLogs takes every record queued now.
func pullLogs(t *testing.T, c *Client) []LogRecord {
	t.Helper()
	var out []LogRecord
	for i := 0; i < 10000; i++ {
		r, err := c.Logs().NextLog(context.Background(), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Level == LogNone {
			return out
		}
		out = append(out, r)
	}
	t.Fatal("the log queue never ran dry")
	return nil
}

// recordText is everything a host sees of a record.
func recordText(r LogRecord) string {
	return r.Component + " " + r.Message + " " + r.FieldsJSON()
}

func findRecord(records []LogRecord, component, contains string) (LogRecord, bool) {
	for _, r := range records {
		if r.Component == component && strings.Contains(r.Message, contains) {
			return r, true
		}
	}
	return LogRecord{}, false
}

func TestTheLogLevelComesFromTheConfig(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  LogLevel
	}{{"", LogInfo}, {"debug", LogDebug}, {"info", LogInfo}, {"warn", LogWarn}, {"error", LogError}, {"off", LogNone}} {
		cfg, err := ParseConfig([]byte(`{"log_level":"` + tc.value + `"}`))
		if err != nil || cfg.logLevel() != tc.want {
			t.Errorf("log_level %q gave %v, %v; want %v", tc.value, cfg.logLevel(), err, tc.want)
		}
	}
	if _, err := ParseConfig([]byte(`{"log_level":"verbose"}`)); CodeOf(err) != CodeInvalidConfig {
		t.Fatalf("an unknown log_level gave %v, want VMP_ERR_INVALID_CONFIG", err)
	}
}

func TestAPaymentLifecycleIsLoggedOneRecordPerEvent(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":49900,"phone_number":"4791234567"}`)
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 49900, "receipt-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 49900, "receipt-1"); err != nil { // the same operation again
		t.Fatal(err)
	}
	records := pullLogs(t, c)
	started, ok := findRecord(records, "client", "started")
	if !ok {
		t.Fatalf("no start record in %v", records)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(started.FieldsJSON()), &fields); err != nil {
		t.Fatalf("fields %s are not a JSON object: %v", started.FieldsJSON(), err)
	}
	if fields["simulator_url"] != c.SimulatorURL() || fields["environment"] != "simulator" {
		t.Fatalf("start fields = %v", fields)
	}
	if _, ok := findRecord(records, "journal", "journal opened"); !ok {
		t.Fatalf("no journal record in %v", records)
	}
	for _, want := range []string{"checkout " + ref + " sent", "capture of " + ref + " done", "repeated call"} {
		r, ok := findRecord(records, "payment", want)
		if !ok {
			t.Fatalf("no payment record %q in %v", want, records)
		}
		if r.Level != LogInfo || r.Time.IsZero() || !strings.Contains(r.FieldsJSON(), `"reference":"`+ref+`"`) {
			t.Fatalf("record %+v lacks its level, time or reference", r)
		}
	}
	for i, r := range records {
		if r.Seq != records[0].Seq+uint64(i) {
			t.Fatalf("records are not numbered in order: %v", records)
		}
	}
}

func TestLogsNeverHoldAPhoneNumberAPersonalQROrASecret(t *testing.T) {
	const secret = "s3cret-value-XYZ"
	c := newSimClient(t, `,"log_level":"debug","simulator":{"approve_delay_ms":0},"client_id":"id-1","client_secret":"`+
		secret+`","subscription_key":"key-`+secret+`","msn":"123456"`)
	ctx := context.Background()
	if err := c.Scans().SubmitScan("https://qr.vipps.no/28/2/01/031/4791234567?v=1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Scans().SubmitScan("https://qr.vipps.no/p/sim-4798765432"); err != nil {
		t.Fatal(err)
	}
	checkout(t, c, `{"amount":100,"personal_qr":"https://qr.vipps.no/28/2/01/031/4791234567?v=1"}`)
	checkout(t, c, `{"amount":100,"phone_number":"4798765432"}`)
	if _, err := c.OwnUnit().StartCheckout(ctx, CheckoutRequest{Amount: 100, PhoneNumber: "4790000003"}); CodeOf(err) != CodeCustomerNotFound {
		t.Fatalf("a customer who is not a Vipps user gave %v", err)
	}
	records := pullLogs(t, c)
	if _, ok := findRecord(records, "scanner", "47******67"); !ok {
		t.Fatalf("the scanned QR is not logged masked: %v", records)
	}
	for _, r := range records {
		text := recordText(r)
		for _, leak := range []string{"4791234567", "91234567", "4798765432", "98765432", "4790000003", "sim-47", secret} {
			if strings.Contains(text, leak) {
				t.Fatalf("record %q holds %q", text, leak)
			}
		}
	}
}

func TestRetriesAreLoggedAsWarnings(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ref := checkout(t, c, `{"amount":100,"phone_number":"4791234567"}`)
	if _, err := c.OwnUnit().PollStatus(context.Background(), ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Simulator().InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: "capture", Reference: ref}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 100, ""); err != nil {
		t.Fatal(err)
	}
	r, ok := findRecord(pullLogs(t, c), "retry", "trying again")
	if !ok || r.Level != LogWarn || !strings.Contains(r.FieldsJSON(), `"attempt":1`) {
		t.Fatalf("no retry warning: %+v", r)
	}
}

func TestTheLevelFiltersRecordsAndOffLogsNothing(t *testing.T) {
	warn := newSimClient(t, `,"log_level":"warn"`)
	checkout(t, warn, `{"amount":100,"phone_number":"4791234567"}`)
	for _, r := range pullLogs(t, warn) {
		if r.Level < LogWarn {
			t.Fatalf("log_level warn let through %+v", r)
		}
	}
	off := newSimClient(t, `,"log_level":"off"`)
	checkout(t, off, `{"amount":100,"phone_number":"4791234567"}`)
	if got := pullLogs(t, off); len(got) != 0 {
		t.Fatalf("log_level off gave %v", got)
	}
}

func TestACallbackGetsEveryRecordUpToCloseAndNoneAfter(t *testing.T) {
	cfg, _ := ParseConfig([]byte(`{"simulator":{"approve_delay_ms":0}}`))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []LogRecord
	closed := false
	if err := c.Logs().OnLog(func(r LogRecord) {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			t.Errorf("record %+v after Close returned", r)
		}
		got = append(got, r)
	}, false); err != nil {
		t.Fatal(err)
	}
	checkout(t, c, `{"amount":100,"phone_number":"4791234567"}`)
	c.Close()
	mu.Lock()
	closed = true
	defer mu.Unlock()
	if _, ok := findRecord(got, "client", "started"); !ok {
		t.Fatalf("the callback missed the start record: %v", got)
	}
	if last := got[len(got)-1]; last.Message != "client closed" {
		t.Fatalf("the last record is %+v, want client closed", last)
	}
	if _, err := c.Logs().NextLog(context.Background(), 0, nil); CodeOf(err) != CodeInvalidHandle {
		t.Fatalf("NextLog after Close gave %v", err)
	}
}

func TestAWaitingPullerIsReleasedByClose(t *testing.T) {
	cfg, _ := ParseConfig([]byte(`{"log_level":"error"}`))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Logs().NextLog(context.Background(), 30*time.Second, nil)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if CodeOf(err) != CodeInvalidHandle && err != nil {
			t.Fatalf("the waiting NextLog gave %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the wait")
	}
}
