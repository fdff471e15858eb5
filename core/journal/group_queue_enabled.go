//go:build vmpfailpoints

package journal

// WritesWaiting is how many writes wait for the next group commit: the failpoint build's tests
// order a write behind another by it.
func (j *Journal) WritesWaiting() int {
	g := &j.group
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}
