package journal

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func createEntry(ref, msn string, amount int64) *Entry {
	body := `{"amount":{"currency":"NOK","value":` + itoa(amount) + `},"customer":{"phoneNumber":"4791234567"},` +
		`"receipt":{"orderLines":[],"bottomLine":{"currency":"NOK","receiptNumber":"R-` + ref + `"}},"reference":"` + ref + `"}`
	return &Entry{ID: "k-create-" + ref, IdempotencyKey: "k-create-" + ref, Operation: OpCreate, Reference: ref, MSN: msn,
		Method: "POST", Path: "/epayment/v1/payments", Body: []byte(body), Intent: "create|" + ref, Amount: amount, Currency: "NOK", State: StateOpen}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAPaymentsRecordFollowsItsOperationsWithoutItsPhoneNumber(t *testing.T) {
	j, _ := openTemp(t, Options{})
	c := createEntry("ref-1", "123456", 1000)
	if err := j.Put(c); err != nil {
		t.Fatal(err)
	}
	c.State, c.Payment = StateDone, &Payment{State: "CREATED", Currency: "NOK", Amount: 1000}
	if err := j.Put(c); err != nil {
		t.Fatal(err)
	}
	j.NotePayment("123456", "ref-1", ObservedPayment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000, PSPReference: "psp-9"})
	unc, _ := j.UncapturedPayments()
	if len(unc) != 1 {
		t.Fatalf("a created payment is listed as uncaptured: %d", len(unc))
	}
	capture := &Entry{ID: "k-cap", IdempotencyKey: "k-cap", Operation: OpCapture, Reference: "ref-1", MSN: "123456", Method: "POST",
		Path: "/x", Intent: "capture", OperationID: "op-7", Amount: 600, Currency: "NOK", State: StateOpen}
	if err := j.Put(capture); err != nil { // carries the note
		t.Fatal(err)
	}
	r, _ := j.PaymentRecord("ref-1", "123456")
	if r.State != "AUTHORIZED" || r.PSPReference != "psp-9" || r.Authorized != 1000 {
		t.Fatalf("the note did not ride on the next commit: %+v", r)
	}
	capture.State, capture.Payment = StateDone, &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000, Captured: 600}
	if err := j.Put(capture); err != nil {
		t.Fatal(err)
	}
	// A late answer with older figures never moves the record back.
	j.NotePayment("123456", "ref-1", ObservedPayment{State: "CREATED", Amount: 1000})
	if err := j.SetMeta("x", "y"); err != nil {
		t.Fatal(err)
	}
	r, _ = j.PaymentRecord("ref-1", "123456")
	if r.Captured != 600 || r.State != "AUTHORIZED" || r.ReceiptNumber != "R-ref-1" || r.Phone == "" || strings.Contains(r.Phone, "91234") {
		t.Fatalf("record: %+v", r)
	}
	for name, find := range map[string]func() ([]*PaymentRecord, error){
		"reference":    func() ([]*PaymentRecord, error) { return j.PaymentsByReference("ref-1") },
		"receipt":      func() ([]*PaymentRecord, error) { return j.PaymentsByReceipt("R-ref-1") },
		"operation id": func() ([]*PaymentRecord, error) { return j.PaymentsByOperationID("op-7") },
	} {
		if got, err := find(); err != nil || len(got) != 1 || got[0].Reference != "ref-1" {
			t.Errorf("by %s: %v %v", name, got, err)
		}
	}
	if unc, _ := j.UncapturedPayments(); len(unc) != 1 {
		t.Fatalf("400 of 1000 still reserved: listed, got %d", len(unc))
	}
	if n, err := j.AcknowledgePayment("ref-1"); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	if unc, _ := j.UncapturedPayments(); len(unc) != 0 {
		t.Fatalf("acknowledged: no longer listed, got %d", len(unc))
	}
	var created int
	_ = j.PaymentsCreated(time.Now().Add(-time.Hour), time.Now().Add(time.Hour), func(*PaymentRecord) bool { created++; return true })
	if created != 1 {
		t.Fatalf("created in the last hour: %d", created)
	}
}

func TestAnUncapturedPaymentStaysListedAcrossARestart(t *testing.T) {
	j, path := openTemp(t, Options{})
	c := createEntry("ref-2", "123456", 500)
	c.State, c.Payment = StateDone, &Payment{State: "CREATED", Currency: "NOK", Amount: 500}
	if err := j.Put(c); err != nil {
		t.Fatal(err)
	}
	j.NotePayment("123456", "ref-2", ObservedPayment{State: "AUTHORIZED", Amount: 500, Authorized: 500})
	j.Close() // writes the note
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	unc, _ := j2.UncapturedPayments()
	if len(unc) != 1 || unc[0].State != "AUTHORIZED" || unc[0].Authorized != 500 {
		t.Fatalf("after a restart: %+v", unc)
	}
}

func TestPaymentRecordsArePrunedAfterTheRetentionUnlessStillUncaptured(t *testing.T) {
	now := time.Now()
	j, _ := openTemp(t, Options{Now: func() time.Time { return now }, Retention: 24 * time.Hour})
	for _, ref := range []string{"ref-a", "ref-b"} {
		c := createEntry(ref, "1", 100)
		c.State, c.Payment, c.Acknowledged = StateDone, &Payment{State: "AUTHORIZED", Amount: 100, Authorized: 100}, true
		if err := j.Put(c); err != nil {
			t.Fatal(err)
		}
	}
	cancel := &Entry{ID: "k-cancel", IdempotencyKey: "k-cancel", Operation: OpCancel, Reference: "ref-b", MSN: "1", Method: "POST", Path: "/x",
		Intent: "c", State: StateDone, Acknowledged: true, Payment: &Payment{State: "AUTHORIZED", Amount: 100, Authorized: 100, Cancelled: 100}}
	if err := j.Put(cancel); err != nil {
		t.Fatal(err)
	}
	if r, _ := j.PaymentRecord("ref-b", "1"); r.Operations[1].Amount != 100 {
		t.Fatalf("a cancel records what it cancelled: %+v", r.Operations)
	}
	now = now.Add(48 * time.Hour)
	if _, err := j.Prune(); err != nil {
		t.Fatal(err)
	}
	a, _ := j.PaymentRecord("ref-a", "1")
	b, _ := j.PaymentRecord("ref-b", "1")
	if a == nil || b != nil {
		t.Fatalf("uncaptured kept, finished pruned: %v %v", a, b)
	}
	if got, _ := j.PaymentsByReceipt("R-ref-b"); len(got) != 0 {
		t.Fatalf("index of a pruned record: %v", got)
	}
}

// The outcome of an operation returned to the till may still be queued for the disk; the
// outbox backlog counts its change all the same (a till waits for a backlog of 0 before it
// closes, and must find everything it was told published). Held commit: the outcome stays
// queued until the backlog is asked for.
func TestTheOutboxBacklogCountsAnOutcomeStillQueuedForTheDisk(t *testing.T) {
	j, _ := openTemp(t, Options{Outbox: true})
	c := createEntry("ref-q", "123456", 1000)
	if err := j.Put(c); err != nil {
		t.Fatal(err)
	}
	n0, _, err := j.OutboxBacklog()
	if err != nil || n0 == 0 {
		t.Fatalf("backlog after the entry: %d, %v", n0, err)
	}
	release := holdCommit(t, j)
	c.State, c.Payment = StateDone, &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000}
	committed := make(chan error, 1)
	if err := j.PutSoon(c, func(*Entry) {}, func(_ *Entry, err error) { committed <- err }); err != nil {
		t.Fatal(err)
	}
	type backlog struct {
		n   uint64
		err error
	}
	got := make(chan backlog, 1)
	go func() { n, _, err := j.OutboxBacklog(); got <- backlog{n, err} }()
	time.Sleep(20 * time.Millisecond) // let it read, if it reads without waiting for the queue
	release()
	b := <-got
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	if b.err != nil || b.n != n0+1 {
		t.Fatalf("backlog with the outcome queued: %d, %v; want %d (the outcome's change counted)", b.n, b.err, n0+1)
	}
}

// A cancel and a refund of one payment at once: Vipps carries out the cancel first, but the
// refund's answer (which tells the cancelled amount) is written first. The cancel's outcome
// must still count what it cancelled, in its record and in the day's totals.
func TestACancelWhoseAmountAnotherAnswerToldFirstCountsWhatItCancelled(t *testing.T) {
	now := time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC)
	j, _ := openTemp(t, Options{Now: func() time.Time { return now }})
	c := createEntry("ref-1", "1", 1000)
	c.State, c.Payment = StateDone, &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000, Captured: 300}
	op := func(id, operation string, amount, cancelled int64) *Entry {
		return &Entry{ID: id, IdempotencyKey: id, Operation: operation, Reference: "ref-1", MSN: "1", Method: "POST", Path: "/x",
			Intent: operation + "|ref-1", Amount: amount, Currency: "NOK", State: StateDone,
			Payment: &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000, Captured: 300, Refunded: 100, Cancelled: cancelled}}
	}
	for _, e := range []*Entry{c, op("k-refund", OpRefund, 100, 700), op("k-cancel", OpCancel, 0, 700)} {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	r, err := j.PaymentRecord("ref-1", "1")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Operations {
		if o.Key == "k-cancel" && o.Amount != 700 {
			t.Errorf("the cancel's amount is %d, want the 700 it cancelled", o.Amount)
		}
	}
	var cancelled int64
	if _, err := j.HourTotals(now.Truncate(time.Hour), now.Truncate(time.Hour).Add(time.Hour), func(_, _ string, h HourTotal) { cancelled += h.Cancelled }); err != nil {
		t.Fatal(err)
	}
	if cancelled != 700 {
		t.Errorf("the hour's totals have %d cancelled, want 700", cancelled)
	}
}

// What a status read told of a payment rides on the next commit (payment_notes.go); a till that
// waits for an outbox backlog of 0 before it closes must find that news published too.
func TestTheOutboxBacklogCountsAStatusReadNotWrittenYet(t *testing.T) {
	j, _ := openTemp(t, Options{Outbox: true})
	c := createEntry("ref-n", "123456", 1000)
	c.State, c.Payment = StateDone, &Payment{State: "CREATED", Currency: "NOK", Amount: 1000}
	if err := j.Put(c); err != nil {
		t.Fatal(err)
	}
	n0, _, err := j.OutboxBacklog()
	if err != nil || n0 == 0 {
		t.Fatalf("backlog after the entry: %d, %v", n0, err)
	}
	j.NotePayment("123456", "ref-n", ObservedPayment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000})
	n, _, err := j.OutboxBacklog()
	if err != nil || n != n0+1 {
		t.Fatalf("backlog with the status read's news not written: %d, %v; want %d (the news counted)", n, err, n0+1)
	}
	if r, _ := j.PaymentRecord("ref-n", "123456"); r == nil || r.State != "AUTHORIZED" {
		t.Fatalf("the record the backlog counts: %+v", r)
	}
}
