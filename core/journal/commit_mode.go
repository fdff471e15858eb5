//go:build !vmpsinglecommit

package journal

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// groupCommit lets concurrent writes share a commit (group_commit.go). The build tag
// vmpsinglecommit turns it off, for the benchmark's side-by-side figures only
// (commit_mode_single.go).
const groupCommit = true

// writeAheadLog makes each group durable by one append to the journal's log (wal.go); the
// vmpsinglecommit build keeps vmp 0.2.0's one bbolt commit a write.
const writeAheadLog = true

// boltOptions are the journal's bbolt settings. Durability is bbolt's default: every commit
// fdatasyncs its pages, then its meta page, and the freelist is written with each commit (so
// Open need not rebuild it, and older vmp versions read the file as it is).
func boltOptions(lockTimeout time.Duration) *bolt.Options {
	return &bolt.Options{Timeout: lockTimeout}
}
