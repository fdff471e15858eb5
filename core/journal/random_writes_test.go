package journal

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomWrite makes one of the journal's writes, chosen by rng, on the ids written so far; a
// queued write (PutSoon) is not waited for, and its failure fails the test.
func randomWrite(t *testing.T, rng *rand.Rand, j *Journal, ids *[]string) {
	t.Helper()
	err := writeRandomly(rng, j, ids, func(err error) {
		if err != nil {
			t.Errorf("a queued write failed: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tryWrite is randomWrite that returns the write's error instead of failing the test (a
// queued write is waited for: its result is the write's).
func tryWrite(rng *rand.Rand, j *Journal, ids *[]string) error {
	return writeRandomly(rng, j, ids, nil)
}

// writeRandomly makes the write; queued, when not nil, gets a queued write's result later
// (nil: it is waited for and returned).
func writeRandomly(rng *rand.Rand, j *Journal, ids *[]string, queued func(error)) error {
	pick := func() string {
		if len(*ids) == 0 || rng.IntN(3) == 0 {
			id := fmt.Sprintf("id-%d", len(*ids))
			*ids = append(*ids, id)
			return id
		}
		return (*ids)[rng.IntN(len(*ids))]
	}
	entry := func(id string) *Entry {
		e, _ := j.Get(id)
		if e == nil {
			e = newEntry(id, []string{"checkout", "capture", "refund"}[rng.IntN(3)])
			e.Reference = fmt.Sprintf("ref-%d", rng.IntN(8))
		}
		switch rng.IntN(3) {
		case 0:
			e.State = StateOpen
		case 1:
			e.State, e.Outcome = StateDone, &Outcome{Code: 0}
		}
		e.Body = bytes.Repeat([]byte{'x'}, rng.IntN(3000))
		return e
	}
	switch rng.IntN(9) {
	case 0, 1:
		return j.Put(entry(pick()), pick())
	case 2:
		if queued != nil {
			return j.PutSoon(entry(pick()), func(*Entry) {}, func(_ *Entry, err error) { queued(err) })
		}
		var qerr error
		if err := j.PutSoon(entry(pick()), func(*Entry) {}, func(_ *Entry, err error) { qerr = err }); err != nil {
			return err
		}
		j.WaitQueued()
		return qerr
	case 3:
		return j.AcknowledgeAll([]string{pick(), pick()})
	case 4:
		_, err := j.Prune()
		return err
	case 5:
		return j.SetMeta(fmt.Sprintf("k%d", rng.IntN(3)), []string{"", "v1", "v2"}[rng.IntN(3)])
	case 6:
		if rng.IntN(2) == 0 {
			return j.PutWebhookSecret(WebhookSecret{ID: fmt.Sprintf("w%d", rng.IntN(3)), Secret: "s"})
		}
		return j.DeleteWebhookSecret(fmt.Sprintf("w%d", rng.IntN(3)))
	case 7:
		_, err := j.AcknowledgePayment(fmt.Sprintf("ref-%d", rng.IntN(8)))
		return err
	default:
		if items, oerr := j.Outbox(5); oerr == nil && len(items) > 0 {
			j.OutboxPublished(items[len(items)-1].Seq)
		}
		return j.CommitQueued()
	}
}
