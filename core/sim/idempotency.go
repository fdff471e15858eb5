package sim

import (
	"crypto/sha256"
	"time"
)

// idempotencyWindow is how long the simulator remembers an Idempotency-Key. Vipps does not
// document its window; a day of simulated time is far longer than any retry.
const idempotencyWindow = 24 * time.Hour

// idempotencyKey scopes a key the way contract §1.4 does: per MSN and per endpoint.
type idempotencyKey struct {
	msn    string
	method string
	path   string
	key    string
}

// idempotencyRecord is the answer first given for a key, with a hash of the body that caused it.
type idempotencyRecord struct {
	bodyHash [sha256.Size]byte
	answer   reply
	at       time.Time
}

// idempotencyStore remembers answers by key. Same key and same body bytes: the original answer
// is replayed byte for byte, a 4xx included (a 4xx is sticky for its key). Same key and another
// body: the caller answers 409. Not safe for concurrent use; the server's lock guards it.
type idempotencyStore struct {
	records map[idempotencyKey]*idempotencyRecord
}

func newIdempotencyStore() *idempotencyStore {
	return &idempotencyStore{records: map[idempotencyKey]*idempotencyRecord{}}
}

// idempotencyOutcome is what lookup found.
type idempotencyOutcome int

const (
	idempotencyNew      idempotencyOutcome = iota // first use of the key
	idempotencyReplay                             // same key, same body
	idempotencyConflict                           // same key, another body
)

// lookup reports whether (k, body) has been seen; on a replay it returns the original answer.
func (s *idempotencyStore) lookup(k idempotencyKey, body []byte, now time.Time) (idempotencyOutcome, reply) {
	rec, ok := s.records[k]
	if !ok || now.Sub(rec.at) > idempotencyWindow {
		return idempotencyNew, reply{}
	}
	if rec.bodyHash != sha256.Sum256(body) {
		return idempotencyConflict, reply{}
	}
	return idempotencyReplay, rec.answer.clone()
}

// remember stores the answer given to (k, body) and forgets keys older than the window.
func (s *idempotencyStore) remember(k idempotencyKey, body []byte, answer reply, now time.Time) {
	s.records[k] = &idempotencyRecord{bodyHash: sha256.Sum256(body), answer: answer.clone(), at: now}
	if len(s.records)%256 == 0 {
		for key, rec := range s.records {
			if now.Sub(rec.at) > idempotencyWindow {
				delete(s.records, key)
			}
		}
	}
}
