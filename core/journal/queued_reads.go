package journal

// CommitQueued returns once every write PutSoon queued before the call is on disk (or failed),
// so that a read after it sees them: an operation's outcome returned to the till is then also
// what vmp_find_payments and vmp_payment_totals find. It costs nothing when none is queued;
// otherwise it joins the group commit the queued writes wait for (writes are committed in the
// order they were queued, so an empty write after them returns after them).
func (j *Journal) CommitQueued() error { return j.commitQueued(false) }

// commitQueued is CommitQueued that, with notes, also writes the status reads' news no commit
// has carried yet (payment_notes.go) - in the same commit: every commit writes them.
func (j *Journal) commitQueued(notes bool) error {
	if j.soon.queued.Load() == 0 && (!notes || !j.notesPending()) {
		return nil
	}
	return j.update(func(*wtx) error { return nil })
}
