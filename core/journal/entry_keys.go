package journal

import (
	"encoding/binary"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Where an entry is kept. In the file an entry is keyed by the order it was first written (an
// 8-byte big-endian number from the entries bucket's sequence), not by its id: an id is an
// Idempotency-Key, a hash, so entries keyed by it landed on random pages, and every write
// rewrote a page of the entries tree and the branch pages above it - at 64 lifecycles at once
// half of the pages a commit wrote and synced (fdatasync time grows with the pages written).
// Keyed by order, the writes of one commit share the last few pages; the unacknowledged
// index and the reference index use the same key. The id -> key map lives in memory: Open
// builds it from the entries (it reads and checks every one of them anyway), and a write
// transaction changes it only once that transaction is on disk.

// entryKeys maps entry ids to their keys in the file.
type entryKeys struct {
	mu        sync.RWMutex
	committed map[string]uint64 // as the file has it
	// What the write transaction in flight added and removed (Journal.writeMu makes it one).
	added   map[string]uint64
	removed map[string]bool
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq) }

// load records the key of an entry read from the file at Open. An id found under two keys
// means the file is not one vmp wrote.
func (k *entryKeys) load(key []byte, id string) error {
	if len(key) != 8 {
		return fmt.Errorf("entry key %x is not a sequence number", key)
	}
	if k.committed == nil {
		k.committed = map[string]uint64{}
	}
	if _, dup := k.committed[id]; dup {
		return fmt.Errorf("entry %q is stored twice", id)
	}
	k.committed[id] = binary.BigEndian.Uint64(key)
	return nil
}

// read is the key of id for a read-only transaction: what the file has committed.
func (k *entryKeys) read(id string) ([]byte, bool) {
	k.mu.RLock()
	seq, ok := k.committed[id]
	k.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return seqKey(seq), true
}

// inWrite is the key of id inside the write transaction in flight, with its own changes.
func (k *entryKeys) inWrite(id string) ([]byte, bool) {
	if seq, ok := k.added[id]; ok {
		return seqKey(seq), true
	}
	if k.removed[id] {
		return nil, false
	}
	return k.read(id)
}

// create is the key of id inside the write transaction, a new one (the next in the entries
// bucket's sequence) when id has none; isNew says which.
func (k *entryKeys) create(tx *wtx, id string) (key []byte, isNew bool, err error) {
	if id == "" {
		return nil, false, bolt.ErrKeyRequired // an entry is found by its id: it must have one
	}
	if key, ok := k.inWrite(id); ok {
		return key, false, nil
	}
	seq, err := tx.nextSequence(bucketEntries)
	if err != nil {
		return nil, false, err
	}
	if k.added == nil {
		k.added = map[string]uint64{}
	}
	k.added[id] = seq
	delete(k.removed, id)
	return seqKey(seq), true, nil
}

// remove forgets id once the write transaction in flight is on disk.
func (k *entryKeys) remove(id string) {
	delete(k.added, id)
	if k.removed == nil {
		k.removed = map[string]bool{}
	}
	k.removed[id] = true
}

// beginWrite starts a write transaction's changes afresh (a transaction that was rolled back
// and is run again makes them again).
func (k *entryKeys) beginWrite() {
	clear(k.added)
	clear(k.removed)
}

// applyWrite makes the changes of the write transaction that just reached the disk those of
// the file.
func (k *entryKeys) applyWrite() {
	if len(k.added) == 0 && len(k.removed) == 0 {
		return
	}
	k.mu.Lock()
	if k.committed == nil {
		k.committed = map[string]uint64{}
	}
	for id := range k.removed {
		delete(k.committed, id)
	}
	for id, seq := range k.added {
		k.committed[id] = seq
	}
	k.mu.Unlock()
	k.beginWrite()
}
