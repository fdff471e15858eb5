//go:build !vmpfailpoints

package journal

// armCommitFailures makes the failed-commit tests' choices reach a journal's commits
// (commit_fail_enabled.go); in normal builds it does nothing and is inlined away.
func armCommitFailures(*Journal) error { return nil }
