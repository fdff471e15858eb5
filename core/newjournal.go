package core

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/internal/logs"
)

// A till whose journal vanished (a disk replaced, a folder cleaned, a restore without it) must
// not start as if nothing had happened: an operation left unknown in the lost journal would be
// forgotten, and the documented repeat without an operation id would move the money again.
// The library cannot tell a lost journal from a new till's first start, so a journal it creates
// starts "new": calls without an operation id on payments it knows nothing of are refused
// (repeat_rule.go newJournalRefusal) until the host acknowledges newJournalAck. Checkouts and
// calls with an operation id are never refused: their keys do not depend on the journal.

// newJournalAck is the id vmp_acknowledge takes to end the new-journal state.
const newJournalAck = "new-journal"

// metaNewSince is the journal's own record of the state: when it began, "" once acknowledged.
const metaNewSince = "new_since"

type journalState struct {
	mu       sync.Mutex
	newSince string
}

// startNewJournalState begins the state for a journal created just now (not with the embedded
// simulator, whose payments die with it, so no journal of it can be lost with payments in it)
// and loads it for an existing one.
func (c *Client) startNewJournalState(embeddedSim bool) error {
	if c.journal.Created() && !embeddedSim {
		if err := c.journal.SetMeta(metaNewSince, now().UTC().Format(time.RFC3339)); err != nil {
			return &Error{Code: CodeJournal, Message: "journal: writing: " + err.Error(), Err: err}
		}
	}
	since, err := c.journal.Meta(metaNewSince)
	if err != nil {
		return &Error{Code: CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	c.journalState.mu.Lock()
	c.journalState.newSince = since
	c.journalState.mu.Unlock()
	if since != "" {
		c.log(LogWarn, "journal", "the journal "+c.journal.Path()+" is new (since "+since+"): captures, refunds and cancels without an "+
			"operation_id on payments it does not know are refused until the host acknowledges \""+newJournalAck+"\"; if this till "+
			"had a journal before, it was lost - check its open operations in the Vipps portal first", logs.ID("since", since))
	}
	return nil
}

func (c *Client) journalIsNew() bool {
	c.journalState.mu.Lock()
	defer c.journalState.mu.Unlock()
	return c.journalState.newSince != ""
}

func (c *Client) journalNewSince() string {
	c.journalState.mu.Lock()
	defer c.journalState.mu.Unlock()
	return c.journalState.newSince
}

// acceptNewJournal ends the new-journal state for good.
func (c *Client) acceptNewJournal() error {
	if err := c.journal.SetMeta(metaNewSince, ""); err != nil {
		return &Error{Code: CodeJournal, Message: "journal: writing: " + err.Error(), Err: err}
	}
	c.journalState.mu.Lock()
	c.journalState.newSince = ""
	c.journalState.mu.Unlock()
	c.log(LogInfo, "journal", "the host acknowledged the new journal: calls without an operation_id are no longer refused")
	return nil
}
