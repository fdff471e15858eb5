package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotPrivate means the journal (or the library's own folder for it) is not private to the
// user the till runs as and could not be made so: it belongs to another user, or its mode
// could not be tightened. The journal holds the till's requests (phone numbers among them)
// and the webhook secrets; it is never used as is.
var ErrNotPrivate = errors.New("journal is not private to this user")

// makeJournalPrivate makes the journal file, and with ownFolder its folder, private (below),
// before anything reads or writes the file.
func makeJournalPrivate(path string, ownFolder bool) ([]string, error) {
	var tightened []string
	tighten := func(p string, mode os.FileMode) error {
		note, err := makePrivate(p, mode)
		if note != "" {
			tightened = append(tightened, note)
		}
		return err
	}
	if ownFolder {
		if err := tighten(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
	}
	if err := tighten(path, 0o600); err != nil {
		return nil, err
	}
	return tightened, nil
}

// makePrivate tightens path, when it exists, to want (0600 for the file, 0700 for a folder):
// a file restored from a backup or copied by hand often comes back 0644. It refuses a path
// another user owns - tightening it would not make it ours - and one that cannot be tightened.
// It returns what it changed, for the log; "" when nothing.
func makePrivate(path string, want os.FileMode) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrNotPrivate, path, err)
	}
	if owner, me, ok := ownerOf(st); ok && owner != me {
		return "", fmt.Errorf("%w: %s belongs to user id %d, and this process runs as user id %d", ErrNotPrivate, path, owner, me)
	}
	if !permissionsApply || st.Mode().Perm()&0o077 == 0 {
		return "", nil
	}
	was := st.Mode().Perm()
	if err := os.Chmod(path, want); err != nil {
		return "", fmt.Errorf("%w: %s has mode %04o and could not be made %04o: %v", ErrNotPrivate, path, was, want, err)
	}
	return fmt.Sprintf("%s was %04o, now %04o", path, was, want), nil
}
