//go:build !vmpfailpoints

package journal

import "errors"

// armCommitFailures makes the failed-commit tests' choices reach a journal's commits
// (commit_fail_enabled.go); in normal builds it does nothing and is inlined away.
func armCommitFailures(*Journal) error { return nil }

// nextFailure is how the next group written to the log fails: in normal builds, never.
func (j *Journal) nextFailure() injectedFailure { return injectNone }

var errInjected = errors.New("journal: no failure is injected in this build")
