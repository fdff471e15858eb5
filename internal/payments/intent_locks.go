package payments

import "sync"

// IntentLocks serialises work on one operation, named by operationLock (its id's, or its
// intent's), so a repeated call and recovery never work on one entry at once. Entries are
// dropped when unused, so the map does not grow.
type IntentLocks struct {
	mu    sync.Mutex
	locks map[string]*intentLock
}

type intentLock struct {
	mu   sync.Mutex
	refs int
}

// Lock takes the lock named intent; unlock gives it back.
func (l *IntentLocks) Lock(intent string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*intentLock)
	}
	il := l.locks[intent]
	if il == nil {
		il = &intentLock{}
		l.locks[intent] = il
	}
	il.refs++
	l.mu.Unlock()
	if !il.mu.TryLock() {
		failpoint("lock_waits", "") // a test holding the lock's holder learns that this call waits for it
		il.mu.Lock()
	}
	return func() {
		il.mu.Unlock()
		l.mu.Lock()
		if il.refs--; il.refs == 0 {
			delete(l.locks, intent)
		}
		l.mu.Unlock()
	}
}
