package payments

import "sync"

// OriginCalls are the entries whose first call is still in progress: an alike call that starts
// meanwhile is a second sale that looks the same, not a repeat (a repeat comes after the call
// it repeats has returned, or after its process died). Guarded by its own lock.
type OriginCalls struct {
	mu  sync.Mutex
	ids map[string]bool
}

// Begin records that the first call of entry id is in progress.
func (o *OriginCalls) Begin(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ids == nil {
		o.ids = make(map[string]bool)
	}
	o.ids[id] = true
}

// End records that it returned.
func (o *OriginCalls) End(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.ids, id)
}

// Running reports whether the first call of entry id is still in progress.
func (o *OriginCalls) Running(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ids[id]
}
