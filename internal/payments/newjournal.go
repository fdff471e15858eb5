package payments

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// A till whose journal vanished (a disk replaced, a folder cleaned, a restore without it) must
// not start as if nothing had happened: an operation left unknown in the lost journal would be
// forgotten, and the documented repeat without an operation id would move the money again.
// The library cannot tell a lost journal from a new till's first start, so a journal it creates
// starts "new": calls without an operation id on payments it knows nothing of are refused
// (repeat_rule.go newJournalRefusal) until the host acknowledges NewJournalAck. Checkouts and
// calls with an operation id are never refused: their keys do not depend on the journal.

// NewJournalAck is the id vmp_acknowledge takes to end the new-journal state.
const NewJournalAck = "new-journal"

// metaNewSince is the journal's own record of the state: when it began, "" once acknowledged.
const metaNewSince = "new_since"

type journalState struct {
	mu       sync.Mutex
	newSince string
}

// startNewJournalState begins the state for a journal created just now (not with the embedded
// simulator, whose payments die with it, so no journal of it can be lost with payments in it)
// and loads it for an existing one.
func (eng *Engine) startNewJournalState(embeddedSim bool) error {
	if eng.journal.Created() && !embeddedSim {
		if err := eng.journal.SetMeta(metaNewSince, eng.now().UTC().Format(time.RFC3339)); err != nil {
			return &model.Error{Code: abi.CodeJournal, Message: "journal: writing: " + err.Error(), Err: err}
		}
	}
	since, err := eng.journal.Meta(metaNewSince)
	if err != nil {
		return &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	eng.journalState.mu.Lock()
	eng.journalState.newSince = since
	eng.journalState.mu.Unlock()
	if since != "" {
		eng.log.Log(abi.LogWarn, "journal", "the journal "+eng.journal.Path()+" is new (since "+since+"): captures, refunds and cancels without an "+
			"operation_id on payments it does not know are refused until the host acknowledges \""+NewJournalAck+"\"; if this till "+
			"had a journal before, it was lost - check its open operations in the Vipps portal first", model.LogID("since", since))
	}
	return nil
}

func (eng *Engine) journalIsNew() bool {
	eng.journalState.mu.Lock()
	defer eng.journalState.mu.Unlock()
	return eng.journalState.newSince != ""
}

func (eng *Engine) journalNewSince() string {
	eng.journalState.mu.Lock()
	defer eng.journalState.mu.Unlock()
	return eng.journalState.newSince
}

// acceptNewJournal ends the new-journal state for good.
func (eng *Engine) acceptNewJournal() error {
	if err := eng.journal.SetMeta(metaNewSince, ""); err != nil {
		return &model.Error{Code: abi.CodeJournal, Message: "journal: writing: " + err.Error(), Err: err}
	}
	eng.journalState.mu.Lock()
	eng.journalState.newSince = ""
	eng.journalState.mu.Unlock()
	eng.log.Log(abi.LogInfo, "journal", "the host acknowledged the new journal: calls without an operation_id are no longer refused")
	return nil
}
