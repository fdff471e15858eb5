package journal

import bolt "go.etcd.io/bbolt"

// update runs fn in one read-write transaction, which bbolt commits with an fdatasync of the
// file. Every write of the journal goes through here, so the crash and property tests
// (build tag vmpfailpoints, sync_kill_enabled.go) can count the syncs of a process and kill it
// just before or just after any one of them.
func (j *Journal) update(fn func(*bolt.Tx) error) error {
	var n int64
	err := j.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		n = beforeCommit()
		return nil
	})
	if err == nil {
		afterSync(n)
	}
	return err
}
