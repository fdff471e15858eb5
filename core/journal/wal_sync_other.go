//go:build !linux

package journal

import "os"

// syncData makes f's written data durable (FlushFileBuffers on Windows, fsync elsewhere).
func syncData(f *os.File) error { return f.Sync() }

// syncFolder: Windows cannot sync a folder (a file's creation is made durable by the file
// system's own journal); elsewhere the folder's entry is flushed with the file's next sync.
func syncFolder(string) error { return nil }
