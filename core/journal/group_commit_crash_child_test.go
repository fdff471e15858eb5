//go:build vmpfailpoints && unix

package journal

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() { crashChild = runCrashChild }

// runCrashChild is the process group_commit_crash_test.go kills. mode is
//
//	group:before / group:after  - one write holds a commit while 64 others queue behind it;
//	                              killed just before, or just after, the commit of those 64
//	stream:K:before / :after    - 64 writers write entries of random sizes without pause;
//	                              killed at the Kth commit from now
//	open                        - writes one entry after Open; VMP_KILL_AT_SYNC kills it
//	checkpoint                  - as stream, killed by VMP_KILL_AT_CHECKPOINT instead
//	mixed:K:before / :after     - writers put, acknowledge and re-put a few ids each while
//	                              prunes run; killed at the Kth commit from now
//
// It prints "sent <id>" once Put(id) returned: what the engine would then send to Vipps.
func runCrashChild(mode, path string) {
	opts := Options{}
	if strings.HasPrefix(mode, "mixed:") {
		opts.Retention = time.Nanosecond // every finished, acknowledged entry is pruned at once
	}
	j, err := Open(path, opts)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var out sync.Mutex
	sent := func(id string) {
		out.Lock()
		os.Stdout.WriteString("sent " + id + "\n")
		out.Unlock()
	}
	put := func(id string) {
		if err := j.Put(crashEntry(id)); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		sent(id)
	}
	f := strings.Split(mode, ":")
	switch {
	case len(f) == 2 && f[0] == "group":
		entered, gate := make(chan struct{}), make(chan struct{})
		go func() {
			_ = j.update(func(tx *wtx) error { close(entered); <-gate; return nil })
			sent("held")
		}()
		<-entered
		for i := range crashWriters {
			go put(fmt.Sprintf("group-%02d", i))
		}
		for start := time.Now(); ; {
			if time.Since(start) > 10*time.Second {
				fmt.Println("error: the writes never queued for a group commit")
				os.Exit(1)
			}
			j.group.mu.Lock()
			n := len(j.group.queue)
			j.group.mu.Unlock()
			if n == crashWriters {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
		// The 64's commit is the one after the held one. With the log the crash hook counts a
		// commit as it begins (before its group is applied: long_tx.go), so the held one is
		// counted already; without it, as bbolt's transaction ends.
		next := int64(1)
		if !writeAheadLog {
			next = 2
		}
		KillAtSync(next, f[1] == "before")
		close(gate)
	case mode == "open": // VMP_KILL_AT_SYNC kills it: 1, in Open's own commit (the move of an old layout)
		put("after-open")
	case len(f) == 3 && f[0] == "mixed":
		k, _ := strconv.ParseInt(f[1], 10, 64)
		runMixedCrashChild(j, k, f[2] == "before", sent)
	case len(f) == 3 && f[0] == "stream", mode == "checkpoint": // checkpoint: VMP_KILL_AT_CHECKPOINT kills it
		if f[0] == "stream" {
			k, _ := strconv.ParseInt(f[1], 10, 64)
			KillAtSync(k, f[2] == "before")
		}
		for w := range crashWriters {
			go func() {
				for i := 0; ; i++ {
					put(fmt.Sprintf("stream-%02d-%04d", w, i))
				}
			}()
		}
	default:
		fmt.Println("error: unknown mode", mode)
		os.Exit(1)
	}
	time.Sleep(time.Minute)
	fmt.Println("error: not killed")
	os.Exit(1)
}

// runMixedCrashChild: crashWriters/4 writers each write their own ids - "kept-W-I" never
// acknowledged (open, then done), "old-W-I" done and acknowledged (by itself or by the next
// write) and so pruned at once, then written again - while a pruner prunes. sent reports
// "<id> <kept|old>" once a write returned.
func runMixedCrashChild(j *Journal, k int64, before bool, sent func(string)) {
	KillAtSync(k, before)
	go func() {
		for {
			if _, err := j.Prune(); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	for w := range crashWriters / 4 {
		go func() {
			for i := 0; ; i++ {
				var e *Entry
				var acks []string
				switch i % 4 {
				case 0, 1:
					e = crashEntry(fmt.Sprintf("kept-%02d-%d", w, i/4%3))
					if i%4 == 1 {
						e.State = StateDone
					}
				case 2:
					e = crashEntry(fmt.Sprintf("old-%02d-%d", w, i/4%3))
					e.State = StateDone
				case 3:
					e = crashEntry(fmt.Sprintf("old-%02d-%d", w, (i/4+1)%3))
					e.State, e.Acknowledged = StateDone, true
					acks = []string{fmt.Sprintf("old-%02d-%d", w, i/4%3)}
				}
				if err := j.Put(e, acks...); err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				sent(e.ID)
			}
		}()
	}
}
