//go:build linux

package scannertest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal made by a test.
type PTY struct {
	// Master is the side the test writes into (the scanner's end of the cable).
	Master *os.File
	// Path is the terminal side, /dev/pts/N: the port name to give the driver.
	Path string
}

// OpenPTY creates a pseudo-terminal, closed when the test ends. It skips the test when the
// system has no pseudo-terminals.
func OpenPTY(tb testing.TB) *PTY {
	tb.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		tb.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		unix.Close(fd)
		tb.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN) // ptsname
	if err != nil {
		unix.Close(fd)
		tb.Fatalf("ptsname: %v", err)
	}
	p := &PTY{Master: os.NewFile(uintptr(fd), "ptmx"), Path: fmt.Sprintf("/dev/pts/%d", n)}
	tb.Cleanup(p.Unplug)
	return p
}

// Send writes s into the terminal as one write.
func (p *PTY) Send(tb testing.TB, s string) {
	tb.Helper()
	if _, err := p.Master.Write([]byte(s)); err != nil {
		tb.Fatalf("writing to the pty: %v", err)
	}
}

// Unplug closes the master side: the terminal side hangs up, as a USB scanner's tty does when
// it is pulled out. Closing twice is harmless.
func (p *PTY) Unplug() { _ = p.Master.Close() }

// Link points the symlink at path to p's terminal, atomically - like a /dev/serial/by-id/
// name that follows the device when it comes back.
func (p *PTY) Link(tb testing.TB, path string) {
	tb.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".link.tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(p.Path, tmp); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}
