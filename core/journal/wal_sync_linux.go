package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// syncData makes f's written data durable (fdatasync, as bbolt syncs the journal on Linux).
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// syncFolder makes the entries of the folder holding path durable: a file just created is
// found after a crash.
func syncFolder(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("opening the journal's folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing the journal's folder: %w", err)
	}
	return nil
}
