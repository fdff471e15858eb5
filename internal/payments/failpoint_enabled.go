//go:build vmpfailpoints && unix

package payments

import (
	"os"
	"syscall"
)

// failpoint kills the process with SIGKILL when VMP_FAILPOINT names this point and operation
// ("after_journal_write:capture"). Only the crash tests build with the vmpfailpoints tag.
func failpoint(point, operation string) {
	if os.Getenv("VMP_FAILPOINT") == point+":"+operation {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL cannot be caught; never go on
	}
}
