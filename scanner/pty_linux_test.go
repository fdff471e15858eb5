//go:build linux

package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// testPTY is a pseudo-terminal made by a test: the test writes into master what a scanner
// would send, and the driver opens the terminal side through tarm/serial like a real device.
type testPTY struct {
	master *os.File
	path   string // the terminal side, /dev/pts/N
}

// openPTY creates a pseudo-terminal; it is closed when the test ends (closing it twice is
// harmless).
func openPTY(tb testing.TB) *testPTY {
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
	p := &testPTY{master: os.NewFile(uintptr(fd), "ptmx"), path: fmt.Sprintf("/dev/pts/%d", n)}
	tb.Cleanup(p.unplug)
	return p
}

// send writes b into the terminal as one write.
func (p *testPTY) send(tb testing.TB, b string) {
	tb.Helper()
	if _, err := p.master.Write([]byte(b)); err != nil {
		tb.Fatalf("writing to the pty: %v", err)
	}
}

// unplug closes the master side: the terminal side hangs up, as a USB scanner's tty does when
// it is pulled out.
func (p *testPTY) unplug() { _ = p.master.Close() }

// link points the symlink at path to p's terminal, atomically (a by-id path that follows the
// device when it comes back).
func (p *testPTY) link(tb testing.TB, path string) {
	tb.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".link.tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(p.path, tmp); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}
