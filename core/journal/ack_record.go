package journal

import (
	"bytes"
	"time"
)

// Acknowledging an entry changes two fields of its record: "acked" becomes true and
// "updated_at" the time of the acknowledgement. Every outcome is acknowledged once, inside a
// commit, and decoding and re-encoding the whole record there was most of a group commit's
// work (the request body is base64, the outcome and payment nested). So the record's bytes
// are changed in place when they have the shape encode writes: the encoder escapes every '"'
// inside a string, so `"acked":false` and `"updated_at":"` can only be the entry's own keys
// (Outcome and Payment have no such keys). A record of another shape takes the slow path.

var (
	ackedFalse   = []byte(`,"acked":false,`)
	ackedTrue    = []byte(`,"acked":true,`)
	stateOpen    = []byte(`,"state":"open",`)
	updatedAtKey = []byte(`,"updated_at":"`)
)

// ackedRecord is record acknowledged at now, and whether it must be written: not when the
// entry is open or already acknowledged. ok false: the record has not the expected shape;
// decode it instead.
func ackedRecord(record []byte, now time.Time) (acked []byte, write, ok bool) {
	if bytes.Count(record, ackedFalse)+bytes.Count(record, ackedTrue) != 1 || bytes.Count(record, updatedAtKey) != 1 {
		return nil, false, false
	}
	if bytes.Contains(record, ackedTrue) || bytes.Contains(record, stateOpen) {
		return nil, false, true
	}
	at := bytes.Index(record, updatedAtKey) + len(updatedAtKey)
	end := bytes.IndexByte(record[at:], '"')
	if end < 0 {
		return nil, false, false
	}
	stamp := now.UTC().AppendFormat(nil, time.RFC3339Nano)
	out := make([]byte, 0, len(record)+len(stamp))
	out = append(out, record[:at]...)
	out = append(out, stamp...)
	out = append(out, record[at+end:]...)
	i := bytes.Index(out, ackedFalse)
	out = append(out[:i], append(append([]byte(nil), ackedTrue...), out[i+len(ackedFalse):]...)...)
	return out, true, true
}
