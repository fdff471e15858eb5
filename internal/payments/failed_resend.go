package payments

import (
	"strconv"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// "Failed" (journal.StateFailed) says an operation was certainly not carried out, and a repeat
// sends it again with its own key and body. For an entry an earlier call left open, "not
// carried out" is the event log's word: it did not list the operation once the in-flight
// window (InFlightLimit) had passed. That rests on Vipps listing a carried-out operation within
// the window, which Vipps does not document. Sent again under its key while Vipps still
// remembers the key, an operation that did happen is answered as before, not made again; once
// Vipps has forgotten it, it would be a second capture, refund or cancel. So only a failed
// entry young enough for its key to be remembered is sent again unread.

// FailedResendUnreadWindow: a failed operation this process first wrote to the journal less than
// this long ago, by both its wall and its monotonic clock, is sent again at once, without
// reading the event log (a till repeating a call refused a moment ago). An older one, or one an
// earlier process wrote, is looked up first, like an open one.
//
// Vipps keeps an Idempotency-Key for a time it does not document (the simulator: a day). It
// tells integrators to send a request that got no answer again under the same key "without
// causing a duplicate" (contract §1.4), so it keeps a key for a retry's time at least; a
// payment request lives 10 minutes (§9), and a window half of that assumes only minutes of key
// memory, not a day. The age is counted from the entry's CreatedAt, written before its first
// attempt: the attempt that may have been carried out can be the first, and a string of later
// refusals (each recorded failed anew) does not renew Vipps' memory of that one's key.
const FailedResendUnreadWindow = 5 * time.Minute

// failedButMayHaveHappened reports whether e is recorded as failed yet may have been carried
// out, and why, in words that follow "the <operation> of <reference>". Such an entry is looked
// up in Vipps' event log before it is sent again (a capture, refund or cancel), and a failure of
// its resend is settled there (settle.go) - one read of the event log when it is repeated:
//   - in a journal a vmp before journal format 2 wrote (Journal.MayHoldOlderKeys): vmp 0.1
//     failed an operation whose attempt got no answer or a 5xx when its retry was refused with
//     401 or 403, without reading the event log; vmp 0.2 one whose event log did not list it
//     yet. Which vmp wrote an entry's state is not recorded, so every failed one there.
//   - first written FailedResendUnreadWindow or longer ago, by the wall clock or by this
//     process's monotonic clock (births.go): Vipps may have forgotten its key, and its event log
//     may have listed the operation later than the in-flight window; or written more than a
//     minute "in the future" (the wall clock stepped back since), whose age cannot be told.
//   - not first written by this process (or too long ago for it to remember): the wall clock
//     alone cannot tell its age. One a day ahead when the entry was written and set right
//     before the repeat a day later shows it minutes old, and sent again unread after Vipps
//     forgot its key it was a second capture; the monotonic clock, which a stepped wall clock
//     does not move, is only this process's.
func (eng *Engine) failedButMayHaveHappened(e *journal.Entry) (bool, string) {
	if e.State != journal.StateFailed {
		return false, ""
	}
	if eng.journal.MayHoldOlderKeys() {
		return true, " was recorded as failed by an older vmp after an attempt that may have been carried out"
	}
	wall := eng.now().Sub(e.CreatedAt)
	mono, known := eng.births.age(e.ID, eng.monotonic())
	switch {
	case wall >= FailedResendUnreadWindow || (known && mono >= FailedResendUnreadWindow):
		return true, " was recorded as failed, but was first sent " + strconv.Itoa(int(FailedResendUnreadWindow/time.Minute)) +
			" minutes or more ago: Vipps may have forgotten its key, and its event log may have listed it late"
	case wall < -time.Minute:
		// Written "in the future": the clock has stepped back since, and the entry's age
		// cannot be told from it. Looked up, as an old one is.
		return true, " was recorded as failed at a time ahead of this computer's clock (the clock was set back since), " +
			"so its age is not known: Vipps may have forgotten its key, and its event log may have listed it late"
	case !known:
		return true, " was recorded as failed before vmp was last started, and its age cannot be told from this computer's " +
			"clock alone (it may have been set since): Vipps may have forgotten its key, and its event log may have listed it late"
	}
	return false, ""
}
