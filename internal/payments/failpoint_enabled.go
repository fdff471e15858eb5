//go:build vmpfailpoints && unix

package payments

import (
	"os"
	"syscall"
)

// failpoint kills the process with SIGKILL when VMP_FAILPOINT names this point and operation
// ("after_journal_write:capture"). Only the crash tests build with the vmpfailpoints tag.
func failpoint(point, operation string) {
	if h := FailpointHook; h != nil {
		h(point, operation)
	}
	if os.Getenv("VMP_FAILPOINT") == point+":"+operation {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL cannot be caught; never go on
	}
}

// FailpointHook, when set, is called at every failpoint first: a test of this build holds a
// call there to open an instant between two steps.
var FailpointHook func(point, operation string)
