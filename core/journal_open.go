package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// openJournal opens the configured journal, or the default one. With the embedded simulator
// and no configured path it uses a temporary file, removed by the returned cleanup, since the
// payments it records die with that simulator.
func openJournal(cfg Config, embeddedSim bool) (*journal.Journal, func(), error) {
	path := cfg.JournalPath
	cleanup := func() {}
	ownFolder := false // the default folder is the library's own: an existing one is made private too
	switch {
	case path != "":
	case embeddedSim:
		dir, err := os.MkdirTemp("", "vmp-journal-")
		if err != nil {
			return nil, nil, &Error{Code: CodeJournal, Message: "journal: creating a temporary folder: " + err.Error(), Err: err}
		}
		path = filepath.Join(dir, "journal.db")
		cleanup = func() { os.RemoveAll(dir) }
	default:
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil, nil, &Error{Code: CodeInvalidConfig, Message: "config: no per-user folder for the journal (" + err.Error() + "); set journal_path", Err: err}
		}
		msn := cfg.MSN
		if msn == "" {
			msn = "default"
		}
		path, ownFolder = filepath.Join(dir, "vmp", fmt.Sprintf("journal-%s-%s.db", cfg.Environment, msn)), true
	}
	j, err := journal.Open(path, journal.Options{Retention: time.Duration(cfg.JournalRetentionDays) * 24 * time.Hour, Now: func() time.Time { return now() }, OwnFolder: ownFolder, Outbox: cfg.Ledger != nil})
	if err != nil {
		cleanup()
		msg := "journal: " + err.Error()
		switch {
		case errors.Is(err, journal.ErrLocked):
			msg += " (each till needs its own journal_path; is another till or a second vmp_init using it?)"
		case errors.Is(err, journal.ErrNotPrivate):
			msg += " (it holds the till's requests and webhook secrets: it must belong to the user the till runs as, mode 0600)"
		case errors.Is(err, journal.ErrCorrupt):
			msg += " (it was left untouched: move it aside for inspection; open operations in it may need to be checked in the Vipps portal)"
		}
		return nil, nil, &Error{Code: CodeJournal, Message: msg, Err: err}
	}
	return j, cleanup, nil
}

// journalWriteFault lets a test make one journal write of the payments fail (a full disk,
// say); nil error in normal use.
var journalWriteFault = func(*journal.Entry) error { return nil }
