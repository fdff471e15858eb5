package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	bolt "go.etcd.io/bbolt"
)

// writeOlderJournal writes entries as a journal of vmp 0.2 (format vmp-journal-1) held them:
// keyed by id, with the unacknowledged and reference indexes keyed by id too.
func writeOlderJournal(t *testing.T, path string, entries []*journal.Entry) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("vmp-journal"))
		meta.Put([]byte("format"), []byte("vmp-journal-1"))
		eb, _ := tx.CreateBucket([]byte("entries"))
		ub, _ := tx.CreateBucket([]byte("unacked"))
		rb, _ := tx.CreateBucket([]byte("byref"))
		for _, e := range entries {
			data, err := json.Marshal(e)
			if err != nil {
				return err
			}
			eb.Put([]byte(e.ID), data)
			if !e.Acknowledged {
				ub.Put([]byte(e.ID), []byte(e.Intent))
			}
			rb.Put([]byte(e.Reference+"\x00"+e.ID), nil)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A capture an older vmp recorded under the Idempotency-Key it derived then is found by its
// operation id after the journal is moved to the new layout: repeated a day later, when Vipps
// no longer knows the key, it is answered from the journal and not sent again under today's
// key (a second capture).
// A journal this vmp created skips that search (Journal.MayHoldOlderKeys).
func TestACaptureAnOlderVmpRecordedUnderItsOwnKeyIsFoundByItsOperationID(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("older")
	prepare(t, s, clock, journal.OpCapture, ref)
	ctx := context.Background()
	first := filepath.Join(t.TempDir(), "first.db")
	c := clientOn(t, s, first)
	if _, err := c.OwnUnit().Capture(ctx, ref, 3000, "cap-1"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	j, err := journal.Open(first, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if j.MayHoldOlderKeys() {
		t.Fatal("a journal this vmp created says it may hold older keys")
	}
	entries, err := j.ForReference(ref)
	j.Close()
	if err != nil || len(entries) != 1 || entries[0].Operation != journal.OpCapture {
		t.Fatalf("the first till's journal holds %v, %v", entries, err)
	}
	// The same capture as an older vmp would have recorded it: under a key derived otherwise.
	older := entries[0]
	older.ID, older.IdempotencyKey = "vmp-0123456789abcdef0123456789abcdef01234567", "vmp-0123456789abcdef0123456789abcdef01234567"
	path := filepath.Join(t.TempDir(), "older.db")
	writeOlderJournal(t, path, []*journal.Entry{older})

	clock.Advance(25 * time.Hour) // Vipps has forgotten the key the older vmp sent
	till := clientOn(t, s, path)
	defer till.Close()
	if _, err := till.OwnUnit().Capture(ctx, ref, 3000, "cap-1"); err != nil {
		t.Fatal(err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("a capture of 3000 an older vmp recorded, repeated with its operation id, came to %d", captured)
	}
	if n := effects(s, ref)["CAPTURED"]; n != 1 {
		t.Fatalf("%d captures reached Vipps, want 1", n)
	}
}

// A till killed inside a capture left its entry open in a journal of the old layout (the
// capture reached Vipps; the outcome never reached the file). The next vmp_init moves the
// journal and recovers the entry from Vipps; the till then repeats the call, with its
// operation id (twice) and without (once): each is answered from the moved entry - one capture
// at Vipps, one entry for the operation, never a second key.
func TestAnOpenEntryOfAnOlderJournalIsRecoveredAfterTheMoveAndItsRepeatsFindIt(t *testing.T) {
	for _, opID := range []string{"cap-1", ""} {
		t.Run(fmt.Sprintf("operation id %q", opID), func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("older-open")
			prepare(t, s, clock, journal.OpCapture, ref)
			ctx := context.Background()
			first := filepath.Join(t.TempDir(), "first.db")
			c := clientOn(t, s, first)
			if _, err := c.OwnUnit().Capture(ctx, ref, 3000, opID); err != nil {
				t.Fatal(err)
			}
			c.Close()
			j, err := journal.Open(first, journal.Options{})
			if err != nil {
				t.Fatal(err)
			}
			entries, err := j.ForReference(ref)
			j.Close()
			if err != nil || len(entries) != 1 {
				t.Fatalf("the first till's journal holds %v, %v", entries, err)
			}
			open := entries[0] // as a till killed after sending left it
			open.State, open.Outcome, open.Payment, open.Acknowledged = journal.StateOpen, nil, nil, false
			path := filepath.Join(t.TempDir(), "older.db")
			writeOlderJournal(t, path, []*journal.Entry{open})

			till := clientOn(t, s, path)
			defer till.Close()
			repeats := 2 // with an operation id every call with it is the one operation
			if opID == "" {
				repeats = 1 // without, an alike call made after the repeat returned is a second capture
			}
			for range repeats {
				if _, err := till.OwnUnit().Capture(ctx, ref, 3000, opID); err != nil {
					t.Fatal(err)
				}
			}
			if n := effects(s, ref)["CAPTURED"]; n != 1 {
				t.Fatalf("%d captures reached Vipps, want 1", n)
			}
			till.Close()
			j, err = journal.Open(path, journal.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			list, err := j.ForReference(ref)
			if err != nil || len(list) != 1 || list[0].ID != open.ID || list[0].State != journal.StateDone {
				t.Fatalf("after the repeats the journal holds %d entries of %s (%v); want the moved one, done", len(list), ref, err)
			}
		})
	}
}

// A capture vmp 0.1 made without an operation id, whose outcome never reached the till (killed
// inside the call), is repeated by the till after the upgrade as vmp.h tells it: the same
// call, without an id. vmp 0.1 recorded its intent without the MSN ("capture|<reference>|<amount>",
// the unit by config name): the repeat rule looked only for this vmp's intent, found nothing, and
// made a second capture. Open at the repeat, or resolved by vmp_init's recovery, it is the one
// capture.
func TestARepeatWithoutAnIdFindsTheCaptureVmp01LeftUnseen(t *testing.T) {
	for _, recovered := range []bool{true, false} {
		t.Run(fmt.Sprintf("recovered at vmp_init %t", recovered), func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("v01")
			prepare(t, s, clock, journal.OpCapture, ref)
			path := v01JournalWithAnUnseenCapture(t, s, ref, 3000)
			ctx := context.Background()
			var err error
			var refused string
			if !recovered { // vmp_init's recovery cannot reach Vipps: the repeat finds it open
				if refused, err = s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 401, Operation: sim.OperationToken, Times: -1}); err != nil {
					t.Fatal(err)
				}
			}
			till := clientOn(t, s, path)
			defer till.Close()
			s.RemoveFault(refused)
			if _, err := till.OwnUnit().Capture(ctx, ref, 3000, ""); err != nil {
				t.Fatal(err)
			}
			if n := effects(s, ref)["CAPTURED"]; n != 1 {
				t.Errorf("%d captures reached Vipps, want 1", n)
			}
			if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
				t.Errorf("a capture of 3000 vmp 0.1 left unseen, repeated without an id, came to %d", captured)
			}
		})
	}
}

// v01JournalWithAnUnseenCapture makes a capture of amount on ref without an operation id,
// carried out at Vipps, and writes a journal holding it as vmp 0.1 recorded it (no MSN, 0.1's
// intent) and as a till killed after sending it left it: open.
func v01JournalWithAnUnseenCapture(t *testing.T, s *sim.Server, ref string, amount int64) string {
	t.Helper()
	first := filepath.Join(t.TempDir(), "first.db")
	c := clientOn(t, s, first)
	_, err := c.OwnUnit().Capture(context.Background(), ref, amount, "")
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(first, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := j.ForReference(ref)
	j.Close()
	if err != nil || len(entries) != 1 {
		t.Fatalf("the first till's journal holds %v, %v", entries, err)
	}
	open := entries[0]
	open.MSN, open.Intent = "", fmt.Sprintf("capture|%s|%d", ref, amount)
	open.State, open.Outcome, open.Payment, open.Acknowledged = journal.StateOpen, nil, nil, false
	path := filepath.Join(t.TempDir(), "v01.db")
	writeOlderJournal(t, path, []*journal.Entry{open})
	return path
}

// A checkout vmp 0.1 made whose outcome never reached the till (killed inside the call) is
// repeated by the till after the upgrade: with its reference, the same payment, not
// VMP_ERR_CONFLICT ("reference already used"), which tells the till to make the sale again under
// a new reference - a second payment request for a sale the customer may have approved; without
// one, the same payment, not a second. vmp 0.1 recorded what a checkout asked for without the
// MSN and with the receipt ("create|<reference or auto>|<hash>"): neither was found.
func TestARepeatedCheckoutFindsTheCheckoutVmp01LeftUnseen(t *testing.T) {
	for _, explicit := range []bool{true, false} {
		t.Run(fmt.Sprintf("with its reference %t", explicit), func(t *testing.T) {
			s, _ := externalSim(t)
			ctx := context.Background()
			first := filepath.Join(t.TempDir(), "first.db")
			c := clientOn(t, s, first)
			req := `{"amount":10000,"phone_number":"4712345678"}`
			if explicit {
				req = `{"amount":10000,"phone_number":"4712345678","reference":"` + uniqueRef("v01checkout") + `"}`
			}
			checkout, err := ParseCheckout([]byte(req))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := c.OwnUnit().StartCheckout(ctx, checkout)
			c.Close()
			if err != nil {
				t.Fatal(err)
			}
			j, err := journal.Open(first, journal.Options{})
			if err != nil {
				t.Fatal(err)
			}
			entries, err := j.ForReference(ref)
			j.Close()
			if err != nil || len(entries) != 1 {
				t.Fatalf("the first till's journal holds %v, %v", entries, err)
			}
			open := entries[0] // as vmp 0.1 recorded it, and a till killed after sending left it
			asked := sha256.Sum256([]byte(strings.Join([]string{"10000", "NOK", "4712345678", "", "Purchase", "push", "null"}, "\x00")))
			named := "auto"
			if explicit {
				named = ref
			}
			open.MSN, open.Intent = "", "create|"+named+"|"+hex.EncodeToString(asked[:16])
			open.State, open.Outcome, open.Payment, open.Acknowledged = journal.StateOpen, nil, nil, false
			path := filepath.Join(t.TempDir(), "v01.db")
			writeOlderJournal(t, path, []*journal.Entry{open})

			till := clientOn(t, s, path) // vmp_init's recovery finds the payment: created, unseen
			defer till.Close()
			again, err := till.OwnUnit().StartCheckout(ctx, checkout)
			if err != nil {
				t.Fatalf("the checkout repeated: %v", err)
			}
			if again != ref {
				t.Errorf("the checkout repeated made payment %s; want %s, the one vmp 0.1 made", again, ref)
			}
			if explicit { // another checkout under its reference is still refused
				other, _ := ParseCheckout([]byte(`{"amount":20000,"phone_number":"4712345678","reference":"` + ref + `"}`))
				_, err := till.OwnUnit().StartCheckout(ctx, other)
				wantCode(t, err, CodeConflict, "")
			}
		})
	}
}
