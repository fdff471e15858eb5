package journal

import bolt "go.etcd.io/bbolt"

// rawUpdate changes j's file directly, as damage or another program would, around the
// journal's own writes: every write answered so far is committed first (a checkpoint), and
// the next write's transaction starts from the changed file.
func (j *Journal) rawUpdate(fn func(*bolt.Tx) error) error {
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if j.wal.file != nil {
		if err := j.checkpoint(nil); err != nil {
			return err
		}
	}
	return j.db.Update(fn)
}
