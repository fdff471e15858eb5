package journal

import (
	"bytes"
	"testing"
)

// The log keeps its record buffer between groups, but not one a big group made (it would
// hold that memory for the life of the process): a record over 1 MiB is not kept.
func TestTheLogDoesNotKeepABigGroupsBuffer(t *testing.T) {
	j, _ := openTemp(t, Options{})
	e := newEntry("big", "x")
	e.Body = bytes.Repeat([]byte{'b'}, 2<<20)
	if err := j.Put(e); err != nil {
		t.Fatal(err)
	}
	j.writeMu.Lock()
	kept := cap(j.wal.file.buf)
	j.writeMu.Unlock()
	if kept > 1<<20 {
		t.Fatalf("the log keeps a %d-byte buffer after a big group", kept)
	}
}
