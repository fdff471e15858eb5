//go:build !vmpfailpoints || !unix

package core

import "time"

// now is the engine's clock for what the journal records and for the ages the repeat rule
// compares. The crash and property tests build with vmpfailpoints, where it can be set ahead
// (clock_enabled.go) to play a till whose clock jumped.
func now() time.Time { return time.Now() }
