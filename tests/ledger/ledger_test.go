// Package ledger_test runs tills - as processes of their own where the test needs them killed -
// against one real PostgreSQL server (internal/ledger/pgtest) and one Vipps simulator, and
// checks what the chain ledger holds: every payment and change exactly once, whatever
// PostgreSQL and the tills went through.
package ledger_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/ledger/pgtest"
	"github.com/vmp-dev/vmp/tests/cbuild"
)

var (
	storeA = sim.Credentials{ClientID: "store-a-id", ClientSecret: "store-a-secret", SubscriptionKey: "store-a-key", MSN: "111111"}
	storeB = sim.Credentials{ClientID: "store-b-id", ClientSecret: "store-b-secret", SubscriptionKey: "store-b-key", MSN: "222222"}
)

func keysJSON(c sim.Credentials) string {
	return fmt.Sprintf(`"client_id":%q,"client_secret":%q,"subscription_key":%q,"msn":%q`, c.ClientID, c.ClientSecret, c.SubscriptionKey, c.MSN)
}

// tillConfig is the config of a till of store (its keys) publishing to connString.
func tillConfig(simURL, journalPath, connString string, store sim.Credentials, pos, extra string) string {
	return fmt.Sprintf(`{"environment":"simulator","base_url":%q,"journal_path":%q,%s,"store_id":%q,"pos_id":%q,`+
		`"ledger":{"postgres":%q,"chain":"test-chain"},"timeouts":{"request_ms":2000}%s}`,
		simURL, journalPath, keysJSON(store), "s"+store.MSN, pos, connString, extra)
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv("VMP_LEDGER_TILL"); cfg != "" {
		os.Exit(runTill(cfg))
	}
	os.Exit(m.Run())
}

// runTill is a till process: VMP_LEDGER_SALES sales (checkout, capture in full, refund 100),
// each printed "sale <reference> <amount>"; then with VMP_LEDGER_MODE=finish it waits for the
// ledger to catch up and exits, with "hang" it prints "done" and waits to be killed.
func runTill(cfg string) int {
	c, err := core.New(mustConfig(cfg))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	_ = c.Acknowledge("new-journal")
	n, _ := strconv.Atoi(os.Getenv("VMP_LEDGER_SALES"))
	ctx := context.Background()
	u := c.OwnUnit()
	for i := 0; i < n; i++ {
		req, _ := core.ParseCheckout([]byte(fmt.Sprintf(`{"amount":%d,"phone_number":"4712345678"}`, 1000+i)))
		ref, err := u.StartCheckout(ctx, req)
		if err == nil {
			_, err = u.PollStatus(ctx, ref, 10*time.Second)
		}
		if err == nil {
			_, err = u.Capture(ctx, ref, int64(1000+i), "")
		}
		if err == nil {
			_, err = u.Refund(ctx, ref, 100, "")
		}
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("sale", ref, 1000+i)
	}
	if os.Getenv("VMP_LEDGER_MODE") == "hang" {
		fmt.Println("done")
		time.Sleep(time.Hour)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		p, err := c.Pending()
		if err == nil && p.Ledger != nil && p.Ledger.Backlog == 0 {
			break
		}
		if time.Now().After(deadline) {
			fmt.Printf("error the ledger did not catch up: %+v\n", p.Ledger)
			return 1
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Close()
	fmt.Println("done")
	return 0
}

func mustConfig(text string) core.Config {
	cfg, err := core.ParseConfig([]byte(text))
	if err != nil {
		panic(err)
	}
	return cfg
}

// till is a till process and what it printed.
type till struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	sales map[string]int64
	lines []string
	done  chan struct{}
	seen  chan struct{} // a sale or "done" was printed
}

func startTill(t *testing.T, cfg string, sales int, mode string) *till {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VMP_LEDGER_TILL="+cfg, "VMP_LEDGER_SALES="+strconv.Itoa(sales), "VMP_LEDGER_MODE="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tl := &till{cmd: cmd, sales: map[string]int64{}, done: make(chan struct{}), seen: make(chan struct{}, 1000)}
	go func() {
		defer close(tl.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			tl.mu.Lock()
			tl.lines = append(tl.lines, sc.Text())
			if len(f) == 3 && f[0] == "sale" {
				n, _ := strconv.ParseInt(f[2], 10, 64)
				tl.sales[f[1]] = n
			}
			tl.mu.Unlock()
			tl.seen <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-tl.done
		_ = cmd.Wait()
	})
	return tl
}

func (tl *till) waitLines(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-tl.seen:
		case <-time.After(60 * time.Second):
			t.Fatalf("the till printed %d lines, not %d: %v", i, n, tl.lines)
		}
	}
}

func (tl *till) exit(t *testing.T) {
	t.Helper()
	select {
	case <-tl.done:
	case <-time.After(120 * time.Second):
		t.Fatal("the till did not finish")
	}
	if err := tl.cmd.Wait(); err != nil {
		t.Fatalf("till: %v: %v", err, tl.lines)
	}
}

// stored reads the ledger: each payment's amounts and how many rows it and its operations have.
type storedPayment struct {
	rows, operations, done int
	amount, captured       int64
	refunded               int64
}

func stored(t *testing.T, connString string) map[string]storedPayment {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	m := map[string]storedPayment{}
	rows, err := conn.Query(ctx, `SELECT p.reference, p.amount, p.captured, p.refunded,
		(SELECT count(*) FROM vmp_payment_operations o WHERE o.chain = p.chain AND o.msn = p.msn AND o.reference = p.reference),
		(SELECT count(*) FROM vmp_payment_operations o WHERE o.chain = p.chain AND o.msn = p.msn AND o.reference = p.reference AND o.state = 'done')
		FROM vmp_payments p WHERE p.chain = 'test-chain'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var s storedPayment
		if err := rows.Scan(&ref, &s.amount, &s.captured, &s.refunded, &s.operations, &s.done); err != nil {
			t.Fatal(err)
		}
		old := m[ref]
		s.rows = old.rows + 1
		m[ref] = s
	}
	return m
}

func checkStored(t *testing.T, connString string, sales map[string]int64) {
	t.Helper()
	got := stored(t, connString)
	if len(got) != len(sales) {
		t.Errorf("the ledger holds %d payments, the tills made %d", len(got), len(sales))
	}
	for ref, amount := range sales {
		s, ok := got[ref]
		switch {
		case !ok:
			t.Errorf("payment %s is missing from the ledger", ref)
		case s.rows != 1 || s.amount != amount || s.captured != amount || s.refunded != 100 || s.operations != 3 || s.done != 3:
			t.Errorf("payment %s in the ledger: %+v, want amount %d captured in full, 100 refunded, 3 operations done, once", ref, s, amount)
		}
	}
}

func startSim(t *testing.T) *sim.Server {
	t.Helper()
	s, err := sim.Start(sim.Options{SalesUnits: []sim.Credentials{storeA, storeB}, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTwoTillProcessesPublishWhilePostgresRestarts(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	s := startSim(t)
	dir := t.TempDir()
	const each = 25
	a := startTill(t, tillConfig(s.URL(), filepath.Join(dir, "a.db"), pg.ConnString("postgres"), storeA, "till-1", ""), each, "finish")
	b := startTill(t, tillConfig(s.URL(), filepath.Join(dir, "b.db"), pg.ConnString("postgres"), storeB, "till-2", ""), each, "finish")
	a.waitLines(t, 5)
	b.waitLines(t, 5)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	a.waitLines(t, 5) // the tills sell on while PostgreSQL is down
	b.waitLines(t, 5)
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	a.exit(t)
	b.exit(t)
	all := map[string]int64{}
	for _, tl := range []*till{a, b} {
		for ref, n := range tl.sales {
			all[ref] = n
		}
	}
	if len(all) != 2*each {
		t.Fatalf("the tills made %d sales, not %d", len(all), 2*each)
	}
	checkStored(t, pg.ConnString("postgres"), all)
}

func TestATillKilledBetweenJournalWriteAndPublishLosesNothing(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	s := startSim(t)
	if err := pg.Stop(); err != nil { // nothing the till writes can be published
		t.Fatal(err)
	}
	cfg := tillConfig(s.URL(), filepath.Join(t.TempDir(), "a.db"), pg.ConnString("postgres"), storeA, "till-1", "")
	first := startTill(t, cfg, 5, "hang")
	first.waitLines(t, 6) // five sales and "done"
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	_ = first.cmd.Wait()
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	again := startTill(t, cfg, 0, "finish") // the same journal, the next morning
	again.exit(t)
	checkStored(t, pg.ConnString("postgres"), first.sales)
}

// The refund-in-another-store flow: store B's till finds store A's sale in the chain ledger by
// its receipt number, takes the sales unit the record names, refunds part of it, and the
// ledger shows the refund under store A's payment.
func TestStoreBFindsStoreAsSaleInTheLedgerAndRefundsIt(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	s := startSim(t)
	dir := t.TempDir()
	ctx := context.Background()
	a, err := core.New(mustConfig(tillConfig(s.URL(), filepath.Join(dir, "a.db"), pg.ConnString("postgres"), storeA, "till-a", "")))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := core.New(mustConfig(tillConfig(s.URL(), filepath.Join(dir, "b.db"), pg.ConnString("postgres"), storeB, "till-b",
		`,"sales_units":[{"name":"store-a",`+keysJSON(storeA)+`}]`)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	req, _ := core.ParseCheckout([]byte(`{"amount":5000,"phone_number":"4712345678","receipt":{"orderLines":[{"name":"Shoes","id":"9","totalAmount":5000,` +
		`"totalAmountExcludingTax":4000,"totalTaxAmount":1000,"taxPercentage":25}],"bottomLine":{"currency":"NOK","receiptNumber":"A-0042"}}}`))
	ref, err := a.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := a.OwnUnit().Capture(ctx, ref, 5000, ""); err != nil {
		t.Fatal(err)
	}
	var found []core.PaymentRecord
	var units map[string]string
	deadline := time.Now().Add(30 * time.Second)
	for len(found) == 0 && time.Now().Before(deadline) {
		r, err := b.FindPayments(ctx, []byte(`{"source":"chain","receipt_number":"A-0042"}`))
		if err != nil {
			t.Fatal(err)
		}
		found, units = r.Payments, r.Units
		time.Sleep(50 * time.Millisecond)
	}
	if len(found) != 1 || found[0].Reference != ref || found[0].MSN != storeA.MSN || units[storeA.MSN] != "store-a" {
		t.Fatalf("store B finds store A's sale by its receipt number: %+v %v", found, units)
	}
	unit, err := b.Unit(units[found[0].MSN])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unit.Refund(ctx, found[0].Reference, 1500, "return-1"); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		r, err := a.FindPayments(ctx, []byte(`{"source":"chain","reference":"`+ref+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Payments) == 1 && r.Payments[0].Refunded == 1500 && len(r.Payments[0].Operations) == 3 {
			data, _ := json.Marshal(r.Payments[0])
			if !strings.Contains(string(data), `"operation_id":"return-1"`) || r.Payments[0].Captured != 5000 || !r.Payments[0].Own {
				t.Fatalf("the refund shows under store A's payment: %s", data)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ledger does not show the refund under store A's payment: %+v", r.Payments)
		}
		time.Sleep(50 * time.Millisecond)
	}
	totals, err := b.PaymentTotals(ctx, []byte(`{"source":"chain","msn":"`+storeA.MSN+`"}`))
	if err != nil || len(totals.Totals) != 1 || totals.Totals[0].Captured != 5000 || totals.Totals[0].Refunded != 1500 {
		t.Fatalf("the chain's totals for store A: %+v %v", totals, err)
	}
}

// The examples of the flow (examples/c/chain_refund.c, examples/python/chain_refund.py) run
// against the real library and PostgreSQL.
func TestTheChainRefundExamplesRun(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	dir := t.TempDir()
	cbuild.Library(t, dir, "")
	program := cbuild.ProgramAt(t, dir, "examples/c/chain_refund.c", "-pedantic")
	python := exec.Command("python3", filepath.Join(cbuild.Root(), "examples/python/chain_refund.py"))
	python.Env = append(os.Environ(), "VMP_LIBRARY="+filepath.Join(dir, "libvmp.so"))
	for _, cmd := range []*exec.Cmd{exec.Command(program), python} {
		cmd.Env = append(cmd.Environ(), "VMP_LEDGER="+pg.ConnString("postgres"))
		out, err := cmd.CombinedOutput()
		text := string(out)
		if err != nil || !strings.Contains(text, "the ledger shows under store A's payment: captured 5000, refunded 1500") {
			t.Errorf("%s: %v\n%s", cmd.Path, err, text)
		}
	}
}
