//go:build unix

package journal

import (
	"os"
	"syscall"
)

// permissionsApply: on Unix the mode bits are what keeps other users out.
const permissionsApply = true

// ownerOf gives the user id that owns st and the one this process runs as.
func ownerOf(st os.FileInfo) (owner, me int, ok bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(sys.Uid), os.Geteuid(), true
}
