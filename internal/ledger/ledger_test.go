package ledger

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/find"
	"github.com/vmp-dev/vmp/internal/ledger/pgtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func openJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{Outbox: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// sale writes the journal entries of a payment of amount, captured in full.
func sale(t *testing.T, j *journal.Journal, msn, ref, receipt string, amount int64) {
	t.Helper()
	body := `{"customer":{"phoneNumber":"4791234567"},"receipt":{"bottomLine":{"receiptNumber":"` + receipt + `"}}}`
	c := &journal.Entry{ID: "create-" + msn + ref, IdempotencyKey: "create-" + msn + ref, Operation: journal.OpCreate, Reference: ref, MSN: msn,
		Method: "POST", Path: "/p", Body: []byte(body), Intent: "i", Amount: amount, Currency: "NOK", State: journal.StateDone,
		Payment: &journal.Payment{State: "AUTHORIZED", Currency: "NOK", Amount: amount, Authorized: amount}}
	k := &journal.Entry{ID: "capture-" + msn + ref, IdempotencyKey: "capture-" + msn + ref, Operation: journal.OpCapture, Reference: ref, MSN: msn,
		Method: "POST", Path: "/p", Intent: "c", OperationID: "op-" + ref, Amount: amount, Currency: "NOK", State: journal.StateDone,
		Payment: &journal.Payment{State: "AUTHORIZED", Currency: "NOK", Amount: amount, Authorized: amount, Captured: amount}}
	for _, e := range []*journal.Entry{c, k} {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
}

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(_ bool, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, msg)
	l.mu.Unlock()
}

func (l *logLines) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func openLedger(t *testing.T, connString, chain string, j *journal.Journal, logs *logLines) *Ledger {
	t.Helper()
	cfg := Config{ConnString: connString, Chain: chain, StoreID: "store-" + chain, PosID: "pos-1", Timeout: 5 * time.Second}
	if logs != nil {
		cfg.Log = logs.log
	}
	l, err := Open(cfg, j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func caughtUp(t *testing.T, l *Ledger) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := l.Status()
		if st.Backlog == 0 && st.Published > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ledger did not catch up: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func findAll(t *testing.T, l *Ledger, query string) find.Result {
	t.Helper()
	q, err := find.ParseQuery([]byte(query), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Find(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAnOlderSchemaIsMigratedKeepingItsRows(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	if err := pg.CreateDatabase("old"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := MigrateTo(ctx, pg.ConnString("old"), 1); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, pg.ConnString("old"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO vmp_payments (chain, msn, reference, state, currency, amount, authorized, captured, own, created_at, updated_at)
		VALUES ('c', '111', 'old-sale', 'AUTHORIZED', 'NOK', 500, 500, 500, true, now(), now())`); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t)
	sale(t, j, "111", "new-sale", "R-9", 700)
	l := openLedger(t, pg.ConnString("old"), "c", j, nil)
	caughtUp(t, l)
	var v int
	if err := conn.QueryRow(ctx, `SELECT version FROM vmp_ledger_schema`).Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion)
	}
	r := findAll(t, l, `{}`)
	if len(r.Payments) != 2 {
		t.Fatalf("the old row and the new: %+v", r.Payments)
	}
	if got := findAll(t, l, `{"receipt_number":"R-9"}`).Payments; len(got) != 1 || len(got[0].Operations) != 2 || got[0].Captured != 700 {
		t.Fatalf("by receipt number after the migration: %+v", got)
	}
}

func TestNoQueryReturnsAnotherChainsData(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	a, b := openJournal(t), openJournal(t)
	// The same MSN and reference in two chains sharing one database: still two payments.
	sale(t, a, "222", "ref-1", "R-1", 100)
	sale(t, b, "222", "ref-1", "R-1", 900)
	sale(t, b, "333", "ref-2", "R-2", 50)
	la := openLedger(t, pg.ConnString("postgres"), "chain-a", a, nil)
	lb := openLedger(t, pg.ConnString("postgres"), "chain-b", b, nil)
	caughtUp(t, la)
	caughtUp(t, lb)
	for _, q := range []string{`{}`, `{"receipt_number":"R-1"}`, `{"reference":"ref-1"}`, `{"receipt_number":"R-2"}`, `{"operation_id":"op-ref-2"}`, `{"msn":"333"}`} {
		for _, p := range findAll(t, la, q).Payments {
			if p.Amount != 100 {
				t.Errorf("chain a's query %s returned chain b's payment %+v", q, p)
			}
		}
	}
	q, _ := find.ParseTotalsQuery([]byte(`{}`), time.Now())
	totals, err := la.Totals(context.Background(), q)
	if err != nil || len(totals.Totals) != 1 || totals.Totals[0].Captured != 100 {
		t.Fatalf("chain a's totals: %+v %v", totals, err)
	}
}

func TestCredentialsNeverReachLogsOrErrors(t *testing.T) {
	const password = "pw-Sup3r-s3cret"
	logs := &logLines{}
	j := openJournal(t)
	sale(t, j, "444", "ref-c", "R-c", 100)
	// Nothing listens on port 9: every attempt fails and is reported.
	l := openLedger(t, "postgres://vmp:"+password+"@127.0.0.1:9/db?sslmode=disable&connect_timeout=1", "c", j, logs)
	deadline := time.Now().Add(10 * time.Second)
	for l.Status().LastError == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	st := l.Status()
	q, _ := find.ParseQuery([]byte(`{}`), time.Now())
	_, ferr := l.Find(context.Background(), q)
	data, _ := json.Marshal(st)
	for what, text := range map[string]string{"status": string(data), "log": logs.all(), "find error": ferr.Error()} {
		if text == "" || strings.Contains(text, password) || strings.Contains(text, "vmp:pw") {
			t.Errorf("%s shows the credentials or nothing: %q", what, text)
		}
	}
	if st.Backlog == 0 || st.LagMS < 0 {
		t.Errorf("the backlog waits in the journal: %+v", st)
	}
	_, err := Open(Config{ConnString: "postgres://vmp:" + password + "@127.0.0.1:notaport/db"}, j)
	if err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("a bad connection string: %v", err)
	}
}

func TestARecordPublishedAgainIsStoredOnceAndNeverMovesBack(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	j := openJournal(t)
	sale(t, j, "555", "ref-m", "R-m", 1000)
	l := openLedger(t, pg.ConnString("postgres"), "c", j, nil)
	caughtUp(t, l)
	r := findAll(t, l, `{"reference":"ref-m"}`).Payments[0]
	older := r
	older.Captured, older.State, older.Operations = 0, "CREATED", []journal.RecordOperation{{Key: r.Operations[1].Key, Operation: "capture",
		Amount: 1000, State: journal.StateOpen, At: time.Now()}}
	ctx := context.Background()
	conn, err := l.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for i := 0; i < 3; i++ {
		if err := l.publishBatch(ctx, conn, []*journal.PaymentRecord{&r, &older}); err != nil {
			t.Fatal(err)
		}
	}
	got := findAll(t, l, `{"reference":"ref-m"}`).Payments
	if len(got) != 1 || got[0].Captured != 1000 || got[0].State != "AUTHORIZED" || len(got[0].Operations) != 2 || got[0].Operations[1].State != journal.StateDone {
		t.Fatalf("published again and older: %+v", got)
	}
}
