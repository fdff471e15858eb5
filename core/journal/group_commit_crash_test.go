package journal

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashChild is set in a build with the crash tests' kill at a journal commit (build tag
// vmpfailpoints, group_commit_crash_child_test.go); TestMain runs it in the child process.
var crashChild func(mode, path string)

const crashWriters = 64

// crashChildBinary builds this package's tests with -tags vmpfailpoints, once per test
// process (removed when it ends, TestMain), for the tests that kill it at a journal commit.
func crashChildBinary(t *testing.T) string {
	t.Helper()
	crashBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "vmp-journal-crash-")
		if err != nil {
			crashBuild.err = err
			return
		}
		crashBuild.dir = dir
		bin := filepath.Join(dir, "journal.test")
		if out, err := exec.Command("go", "test", "-c", "-tags", "vmpfailpoints", "-o", bin, ".").CombinedOutput(); err != nil {
			crashBuild.err = fmt.Errorf("building the crash child: %v\n%s", err, out)
			return
		}
		crashBuild.bin = bin
	})
	if crashBuild.err != nil {
		t.Fatal(crashBuild.err)
	}
	return crashBuild.bin
}

var crashBuild struct {
	once     sync.Once
	dir, bin string
	err      error
}

// removeCrashChild removes what crashChildBinary built.
func removeCrashChild() {
	if crashBuild.dir != "" {
		os.RemoveAll(crashBuild.dir)
	}
}

// crashEntry is the entry the crash child writes under id: its body's size (up to 64 KiB) and
// bytes follow from the id, so the parent knows what must be on disk.
func crashEntry(id string) *Entry {
	h := fnv.New32a()
	h.Write([]byte(id))
	sum := h.Sum32()
	e := newEntry(id, "intent-"+id)
	e.Body = bytes.Repeat([]byte{'a' + byte(sum%26)}, int(sum%(64<<10)))
	return e
}

// Kill the process at a commit that holds many writes, before it and after it: every write
// whose Put returned ("sent", as the engine would then send its request) is in the journal the
// next process opens, byte for byte, and a group is on disk whole or not at all.
func TestKillingTheProcessDuringAGroupCommitLosesNoWriteThatReturned(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("builds this package's tests with -tags vmpfailpoints and kills them with SIGKILL (Linux, not -short)")
	}
	bin := crashChildBinary(t)
	modes := []string{"group:before", "group:after"}
	for _, k := range []int{1, 2, 5, 13, 40} {
		modes = append(modes, fmt.Sprintf("stream:%d:before", k), fmt.Sprintf("stream:%d:after", k))
	}
	// Checkpoints every 50 writes: kills at commits meet checkpoints and logs begun again.
	for _, k := range []string{"1:before", "1:meta", "1:after", "3:before", "3:meta", "3:after"} {
		modes = append(modes, "checkpoint:"+k)
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			cmd := exec.Command(bin, "-test.run=^$")
			cmd.Env = append(os.Environ(), "VMP_JOURNAL_CRASH_CHILD="+mode, "VMP_JOURNAL_PATH="+path, "VMP_JOURNAL_CHECKPOINT_WRITES=50")
			if at, ok := strings.CutPrefix(mode, "checkpoint:"); ok {
				cmd.Env = append(cmd.Env, "VMP_JOURNAL_CRASH_CHILD=checkpoint", "VMP_KILL_AT_CHECKPOINT="+at)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var sent []string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "sent "); ok {
					sent = append(sent, id)
				} else {
					t.Errorf("child: %s", sc.Text())
				}
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at the commit: %v\n%s", err, stderr.String())
			}
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("reopening after the kill: %v", err)
			}
			defer j.Close()
			for _, id := range sent {
				if id == "held" {
					continue
				}
				e, err := j.Get(id)
				if err != nil || e == nil || !bytes.Equal(e.Body, crashEntry(id).Body) {
					t.Fatalf("%s returned before the kill but is not in the journal as written (%v, %v)", id, e != nil, err)
				}
			}
			// The payment record holds every entry the file has, with its index keys.
			if err := recordsHoldTheirEntries(j); err != nil {
				t.Fatalf("killed %s: %v", mode, err)
			}
			if err := recordIndexesHold(j, time.Time{}); err != nil {
				t.Fatalf("killed %s: %v", mode, err)
			}
			if strings.HasPrefix(mode, "group:") {
				onDisk := 0
				for i := range crashWriters {
					if e, _ := j.Get(fmt.Sprintf("group-%02d", i)); e != nil {
						onDisk++
					}
				}
				want := map[string]int{"group:before": 0, "group:after": crashWriters}[mode]
				if onDisk != want {
					t.Fatalf("killed %s: %d of the group's %d writes on disk, want %d", mode, onDisk, crashWriters, want)
				}
				if len(sent) > 1 {
					t.Fatalf("killed %s: %d of the group's writes returned before their commit was done", mode, len(sent)-1)
				}
			}
			t.Logf("%d writes returned before the kill", len(sent))
		})
	}
}

// Kill the process amid writes, acknowledgements riding on them, prunes and writes of pruned
// ids again: the reopened file holds every id once, under its key, in both indexes
// (checkLayout), and every id never acknowledged whose write returned.
func TestKillingTheProcessAmidWritesAndPrunesKeepsTheIndexesWhole(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("builds this package's tests with -tags vmpfailpoints and kills them with SIGKILL (Linux, not -short)")
	}
	bin := crashChildBinary(t)
	for _, mode := range []string{"mixed:3:before", "mixed:3:after", "mixed:9:before", "mixed:9:after", "mixed:25:before", "mixed:25:after"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			cmd := exec.Command(bin, "-test.run=^$")
			cmd.Env = append(os.Environ(), "VMP_JOURNAL_CRASH_CHILD="+mode, "VMP_JOURNAL_PATH="+path, "VMP_JOURNAL_CHECKPOINT_WRITES=50")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			kept := map[string]bool{}
			sent := 0
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				id, ok := strings.CutPrefix(sc.Text(), "sent ")
				if !ok {
					t.Errorf("child: %s", sc.Text())
					continue
				}
				sent++
				if strings.HasPrefix(id, "kept-") {
					kept[id] = true
				}
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at the commit: %v\n%s", err, stderr.String())
			}
			j, err := Open(path, Options{Retention: time.Nanosecond})
			if err != nil {
				t.Fatalf("reopening after the kill: %v", err)
			}
			defer j.Close()
			checkLayout(t, j)
			for id := range kept {
				if e, err := j.Get(id); err != nil || e == nil {
					t.Fatalf("%s returned before the kill but is not in the journal (%v)", id, err)
				}
			}
			// Written on after the kill: repeats find their entries, pruned ids get new ones.
			for id := range kept {
				if err := j.Put(crashEntry(id)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := j.Prune(); err != nil {
				t.Fatal(err)
			}
			checkLayout(t, j)
			t.Logf("%d writes returned before the kill; %s", sent, strings.TrimSpace(stderr.String()))
		})
	}
}
