//go:build vmpsinglecommit

package journal

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Built with the tag vmpsinglecommit, the journal commits every write on its own, as vmp 0.2.0
// did: `make bench` builds a library this way to show both side by side. Never shipped.
const groupCommit = false

const writeAheadLog = false

func boltOptions(lockTimeout time.Duration) *bolt.Options {
	return &bolt.Options{Timeout: lockTimeout}
}
