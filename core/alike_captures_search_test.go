package core

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// The search of alike captures made at the same moment: two to five captures of one authorized
// payment, all of one amount (partial, or the whole rest), started together - without an
// operation id, with one id, or some with and some without; now and then half of them from
// another till of the store - with Vipps slow to answer, answering 429, dropping an answer
// after carrying the capture out or answering malformed JSON, reads held, refused or failing,
// and the journal refusing writes now and then; every call that did not end definite is made
// again. The simulator never skews its figures here, so no call may end
// VMP_ERR_CAPTURE_MISMATCH (it found captures landing while a capture was checked:
// TestACaptureLandingDuringTheCaptureCheckIsNoMismatch), and Vipps' record must fit what the
// tills were told: a capture once any call was told done, never more captures than calls (those
// with the id counting once).
//
// go test -race -run TestAlikeCapturesAtOnceAreNeverAMismatch ./core
// -alike-capture-seed=N replays one round (its seed is logged), -alike-capture-rounds=N runs more.

var (
	alikeCaptureSeed   = flag.Uint64("alike-capture-seed", 0, "replay one round of the alike-capture search with this seed")
	alikeCaptureRounds = flag.Int("alike-capture-rounds", 12, "rounds of the alike-capture search")
)

func TestAlikeCapturesAtOnceAreNeverAMismatch(t *testing.T) {
	rounds, base := *alikeCaptureRounds, *alikeCaptureSeed
	if base == 0 {
		base = uint64(time.Now().UnixNano())
	} else {
		rounds = 1
	}
	s, clock := externalSim(t)
	refs := authorizedPaymentsFor(t, s, fmt.Sprintf("alike%d", base%1e6), rounds)
	clock.Advance(61 * time.Second)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "till.db"))
	defer c.Close()
	other := clientOn(t, s, filepath.Join(t.TempDir(), "other-till.db")) // another lane of the store
	defer other.Close()
	var failWrites atomic.Int64 // per mille of journal writes that fail
	var writeRng sync.Mutex
	wrng := rand.New(rand.NewPCG(base, 3))
	journalWriteFault = func(*journal.Entry) error {
		writeRng.Lock()
		defer writeRng.Unlock()
		if wrng.Int64N(1000) < failWrites.Load() {
			return errors.New("no space left on device")
		}
		return nil
	}
	t.Cleanup(func() { journalWriteFault = func(*journal.Entry) error { return nil } })
	for i := range rounds {
		seed := base + uint64(i)
		if !t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (replay: -alike-capture-seed=%d)", seed, seed)
			alikeCaptureRound(t, s, [2]*Client{c, other}, refs[i], seed, &failWrites)
		}) {
			return
		}
	}
}

// authorizedPaymentsFor makes n payments of 10 000, authorized, through a client of their own.
func authorizedPaymentsFor(t *testing.T, s *sim.Server, prefix string, n int) []string {
	t.Helper()
	setup := clientOn(t, s, filepath.Join(t.TempDir(), "setup.db"))
	defer setup.Close()
	ctx := context.Background()
	refs := make([]string, n)
	for i := range refs {
		refs[i] = fmt.Sprintf("%s-%d", prefix, i)
		req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + refs[i] + `"}`))
		if _, err := setup.OwnUnit().StartCheckout(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range refs {
		if p, err := setup.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != StateAuthorized {
			t.Fatalf("setup poll of %s: %+v %v", ref, p, err)
		}
	}
	return refs
}

// alikeCall is one capture call of a round and what the till was told, in order.
type alikeCall struct {
	till *Client
	id   string
	told []string
	errs []string
}

func alikeCaptureRound(t *testing.T, s *sim.Server, tills [2]*Client, ref string, seed uint64, failWrites *atomic.Int64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := tills[0]
	ctx := context.Background()
	var earlier int64
	if rng.IntN(3) == 0 { // the payment was partly captured before
		earlier = 1000
		if _, err := c.OwnUnit().Capture(ctx, ref, earlier, fmt.Sprintf("earlier-%d", seed)); err != nil {
			t.Fatalf("earlier capture: %v", err)
		}
	}
	amount := []int64{1000, 1000, 2000, 10000 - earlier}[rng.IntN(4)]
	n := 2 + rng.IntN(4)
	calls := make([]*alikeCall, n)
	ids := []string{"", "sale-1"}[rng.IntN(2)]
	mixed := rng.IntN(3) == 0
	twoTills := rng.IntN(3) == 0
	for i := range calls {
		calls[i] = &alikeCall{till: c, id: ids}
		switch {
		case twoTills && i%2 == 1: // the other lane's till, without an id (an id is each till's own)
			calls[i] = &alikeCall{till: tills[1]}
		case mixed:
			calls[i].id = []string{"", "sale-1"}[rng.IntN(2)]
		}
	}
	var faults []string
	inject := func(f sim.Fault) {
		f.Reference = ref
		id, err := s.InjectFault(f)
		if err != nil {
			t.Fatal(err)
		}
		faults = append(faults, id)
	}
	var what []string
	if rng.IntN(2) == 0 { // the captures are in flight at once
		inject(sim.Fault{Kind: sim.FaultDelay, Operation: sim.OperationCapture, Delay: time.Duration(20+rng.IntN(200)) * time.Millisecond, Times: -1, Probability: 0.7})
		what = append(what, "slow captures")
	}
	switch rng.IntN(5) {
	case 0:
		inject(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationCapture, Times: 1 + rng.IntN(2)})
		what = append(what, "answers dropped")
	case 1:
		inject(sim.Fault{Kind: sim.FaultStatus, Status: 429, Operation: sim.OperationCapture, Times: 1 + rng.IntN(3), RetryAfter: time.Second})
		what = append(what, "429")
	case 2:
		inject(sim.Fault{Kind: sim.FaultMalformedJSON, Operation: sim.OperationCapture, Times: 1})
		what = append(what, "malformed answer")
	}
	switch rng.IntN(4) {
	case 0: // captures land while a capture's check reads
		for _, op := range []string{sim.OperationGet, sim.OperationEvents} {
			inject(sim.Fault{Kind: sim.FaultDelay, Operation: op, Delay: time.Duration(20+rng.IntN(300)) * time.Millisecond, Times: -1, Probability: 0.5})
		}
		what = append(what, "slow reads")
	case 1:
		inject(sim.Fault{Kind: sim.FaultStatus, Status: []int{429, 503}[rng.IntN(2)], Operation: []string{sim.OperationGet, sim.OperationEvents}[rng.IntN(2)], Times: 1 + rng.IntN(4)})
		what = append(what, "reads refused")
	case 2: // some reads fail for good (every attempt refused)
		inject(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: []string{sim.OperationGet, sim.OperationEvents}[rng.IntN(2)], Times: -1, Probability: 0.6})
		what = append(what, "reads failing")
	}
	failWrites.Store([]int64{0, 0, 100, 300}[rng.IntN(4)])
	if len(what) == 0 {
		what = append(what, "no faults")
	}
	t.Logf("%d captures of %d (earlier %d), ids %v, two tills %v, %s, journal writes failing %d/1000", n, amount, earlier, idsOf(calls), twoTills, strings.Join(what, ", "), failWrites.Load())

	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for try := 0; try < 8; try++ {
				_, err := call.till.OwnUnit().Capture(ctx, ref, amount, call.id)
				code := CodeOf(err)
				call.told = append(call.told, code.String())
				if err != nil {
					call.errs = append(call.errs, err.Error())
				}
				switch code {
				case CodeUnknownOutcome, CodeJournal, CodeNetwork, CodeUnavailable, CodeInternal:
					time.Sleep(20 * time.Millisecond)
					continue // the till repeats it
				}
				return
			}
		}()
	}
	close(start)
	wg.Wait()
	failWrites.Store(0)
	for _, id := range faults {
		s.RemoveFault(id)
	}

	captured, _, _ := aggregate(t, s, ref)
	captured -= earlier
	var problems []string
	withIDDone, withoutIDDone, withoutID := false, 0, 0
	for _, call := range calls {
		last := call.told[len(call.told)-1]
		if strings.Contains(strings.Join(call.told, " "), CodeCaptureMismatch.String()) {
			problems = append(problems, fmt.Sprintf("a call (id %q) was told %v although Vipps' figures are right: %s", call.id, call.told, strings.Join(call.errs, " | ")))
		}
		if call.id == "" {
			withoutID++
		}
		if last == CodeOK.String() {
			if call.id == "" {
				withoutIDDone++
			} else {
				withIDDone = true
			}
		}
	}
	// Vipps' record: the id's capture once; each call without an id is its own capture or a
	// repeat of an alike one (of the id's too), never more; one told done happened.
	switch {
	case captured%amount != 0:
		problems = append(problems, fmt.Sprintf("Vipps captured %d, not a multiple of %d", captured, amount))
	case withIDDone && captured < amount:
		problems = append(problems, fmt.Sprintf("the capture with an id was told done, Vipps captured %d", captured))
	case withoutIDDone > 0 && captured < amount:
		problems = append(problems, fmt.Sprintf("%d captures without an id were told done, Vipps captured %d", withoutIDDone, captured))
	case captured > amount*int64(withoutID+min(1, n-withoutID)):
		problems = append(problems, fmt.Sprintf("Vipps captured %d: more than %d calls' worth", captured, withoutID+min(1, n-withoutID)))
	}
	if len(problems) > 0 {
		var told []string
		for _, call := range calls {
			told = append(told, fmt.Sprintf("  id %q: %v", call.id, call.told))
		}
		t.Fatalf("%s\nthe calls:\n%s", strings.Join(problems, "\n"), strings.Join(told, "\n"))
	}
}

func idsOf(calls []*alikeCall) []string {
	var ids []string
	for _, c := range calls {
		id := c.id
		if id == "" {
			id = "-"
		}
		ids = append(ids, id)
	}
	return ids
}
