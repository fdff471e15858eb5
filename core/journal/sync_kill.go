//go:build !vmpfailpoints || !unix

package journal

// beforeCommit and afterSync are the crash tests' hooks around each journal commit
// (sync_kill_enabled.go); in normal builds they do nothing and are inlined away.
func beforeCommit(*Journal, int) int64 { return 0 }

func afterSync(int64) {}

// atCheckpoint is the crash tests' hook in a checkpoint (long_tx.go).
func atCheckpoint(checkpointPoint) {}
