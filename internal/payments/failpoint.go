//go:build !vmpfailpoints || !unix

package payments

// failpoint marks a point where the crash tests kill the process (build tag vmpfailpoints);
// in normal builds it does nothing and is inlined away.
func failpoint(string, string) {}
