package core

import (
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/internal/logs"
)

// The records a till operator needs, one function each, so that the engine logs with one line
// where things happen. What they may contain: references, operation and journal ids, amounts,
// states, statuses and masked text; never a phone number in full, a personal QR, a request body
// or a credential.

// logStarted reports a client ready for use.
func (c *Client) logStarted() {
	fields := []LogField{logs.ID("environment", c.cfg.Environment), logs.ID("store_id", c.cfg.StoreID),
		logs.ID("pos_id", c.cfg.PosID), logs.ID("log_level", c.cfg.logLevel().String())}
	if c.sim != nil {
		fields = append(fields, logs.ID("simulator_url", c.sim.URL()))
	}
	c.log(LogInfo, "client", "vmp "+Version+" started", fields...)
}

// logClosed is the last record of a client; it reaches a callback (Close drains the queue),
// not a puller, whose handle is gone by then.
func (c *Client) logClosed() { c.log(LogInfo, "client", "client closed") }

// logJournalOpened reports the journal file in use, and permissions Open had to tighten.
func (c *Client) logJournalOpened() {
	c.log(LogInfo, "journal", "journal opened", logs.ID("path", c.journal.Path()))
	for _, note := range c.journal.Tightened() {
		c.log(LogWarn, "journal", "the journal was open to other users and was made private: "+note, logs.ID("path", c.journal.Path()))
	}
}

// logRetry reports that a request to Vipps is about to be tried again.
func (c *Client) logRetry(what string, attempt int, wait time.Duration, err error) {
	c.log(LogWarn, "retry", fmt.Sprintf("%s: attempt %d failed, trying again in %d ms", what, attempt, wait.Milliseconds()),
		logs.Int("attempt", int64(attempt)), logs.Int("wait_ms", wait.Milliseconds()), logs.Text("error", err.Error()))
}
