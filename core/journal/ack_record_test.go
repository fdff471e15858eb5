package journal

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// The in-place acknowledgement writes exactly the bytes decoding, changing and re-encoding the
// record writes, for records whose strings hold anything a message from Vipps could: quotes,
// the keys themselves, escapes, non-ASCII.
func TestAnAcknowledgedRecordIsTheRecordEncodedAgain(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	nasty := []string{"", `"acked":false,`, `,"acked":false,`, `","updated_at":"x`, `\"acked\":true`, "æøå \u2028 \x01", `{"state":"open"}`, `,"state":"open",`}
	pick := func() string { return nasty[r.IntN(len(nasty))] + nasty[r.IntN(len(nasty))] }
	now := time.Date(2026, 12, 5, 1, 2, 3, 456789000, time.UTC)
	for i := range 2000 {
		e := randomEntry(r, "key-"+pick())
		e.ID, e.IdempotencyKey = "key-x", "key-x"
		e.Intent, e.Unit, e.OperationID = pick(), pick(), pick()
		e.State = []State{StateOpen, StateDone, StateRejected, StateFailed, StateNotCreated}[r.IntN(5)]
		e.Acknowledged = r.IntN(3) == 0
		e.CreatedAt = now.Add(-time.Duration(r.IntN(1e9)) * time.Millisecond)
		e.UpdatedAt = e.CreatedAt.Add(time.Duration(r.IntN(1e6)) * time.Microsecond)
		if r.IntN(2) == 0 {
			e.Outcome = &Outcome{Code: int32(r.IntN(30)), HTTPStatus: 400, VippsErrorCode: pick(), Message: pick()}
		}
		if r.IntN(2) == 0 {
			e.Payment = &Payment{State: pick(), Currency: "NOK", Amount: 100, RedirectURL: pick()}
		}
		record, err := e.encode()
		if err != nil {
			t.Fatal(err)
		}
		acked, write, ok := ackedRecord(record, now)
		if !ok {
			t.Fatalf("record %d took the slow path: %s", i, record)
		}
		wantWrite := e.State != StateOpen && !e.Acknowledged
		if write != wantWrite {
			t.Fatalf("record %d (state %s, acked %v): write %v", i, e.State, e.Acknowledged, write)
		}
		if !write {
			continue
		}
		e.Acknowledged, e.UpdatedAt = true, now
		want, _ := e.encode()
		if !bytes.Equal(acked, want) {
			t.Fatalf("record %d acknowledged in place:\n%s\nre-encoded:\n%s", i, acked, want)
		}
		if _, err := DecodeEntry(acked); err != nil {
			t.Fatalf("record %d acknowledged in place does not decode: %v", i, err)
		}
	}
}

// A record not written by this encoder is left to the decoding path.
func TestARecordOfAnotherShapeIsNotChangedInPlace(t *testing.T) {
	for _, record := range []string{`{"v":1,"acked":false}`, `{"v":1,"state":"done", "acked": false,"updated_at":"x"}`, `garbage`} {
		if _, _, ok := ackedRecord([]byte(record), time.Now()); ok {
			t.Fatalf("%s was taken as a record of the encoder's shape", record)
		}
	}
}
