package journal

import (
	"bytes"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// checkLogAtClose: with VMP_JOURNAL_CHECK_LOG=1 (make test sets it) every Close first checks
// that the log's changes make exactly the file the writes made: the journal's transaction is
// set aside, the groups since the last checkpoint are made again from their logged changes
// alone (as Open does after a crash), and the two are compared bucket by bucket. A write that
// changed the file around its wtx (redo.go) fails it - at every Close of every test.
func checkLogAtClose() bool { return os.Getenv("VMP_JOURNAL_CHECK_LOG") == "1" }

// checkLog panics when the groups' logged changes do not make the transaction's content
// (under writeMu, before the last checkpoint).
func (j *Journal) checkLog() {
	if j.wal.long == nil {
		return
	}
	want := dumpFile(j.wal.long)
	j.remakeLong()
	if j.wal.long == nil {
		panic(fmt.Sprintf("journal %s: the log's changes could not be made again: %v", j.path, j.diskFailed))
	}
	if got := dumpFile(j.wal.long); !bytes.Equal(got, want) {
		panic(fmt.Sprintf("journal %s: the log's changes do not make the file its writes made: %s", j.path, firstDifference(want, got)))
	}
}

// dumpFile is every bucket of tx with its sequence, keys and values, in order.
func dumpFile(tx *bolt.Tx) []byte {
	var out bytes.Buffer
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		fmt.Fprintf(&out, "bucket %q sequence %d\n", name, b.Sequence())
		return b.ForEach(func(k, v []byte) error {
			fmt.Fprintf(&out, "  %q = %q\n", k, v)
			return nil
		})
	})
	return out.Bytes()
}

// firstDifference is the first line where two dumps differ, with the bucket it is in.
func firstDifference(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	bucket := ""
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b []byte
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if bytes.HasPrefix(a, []byte("bucket ")) {
			bucket = string(a)
		}
		if !bytes.Equal(a, b) {
			return fmt.Sprintf("in %s: written %.200q, made again %.200q", bucket, a, b)
		}
	}
	return "none"
}
