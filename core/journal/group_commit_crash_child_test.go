//go:build vmpfailpoints && unix

package journal

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

func init() { crashChild = runCrashChild }

// runCrashChild is the process group_commit_crash_test.go kills. mode is
//
//	group:before / group:after  - one write holds a commit while 64 others queue behind it;
//	                              killed just before, or just after, the commit of those 64
//	stream:K:before / :after    - 64 writers write entries of random sizes without pause;
//	                              killed at the Kth commit from now
//	open                        - writes one entry after Open; VMP_KILL_AT_SYNC kills it
//
// It prints "sent <id>" once Put(id) returned: what the engine would then send to Vipps.
func runCrashChild(mode, path string) {
	j, err := Open(path, Options{})
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
			_ = j.update(func(tx *bolt.Tx) error { close(entered); <-gate; return nil })
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
		KillAtSync(2, f[1] == "before") // the held commit is the first, the 64's the second
		close(gate)
	case mode == "open": // VMP_KILL_AT_SYNC kills it: 1, in Open's own commit (the move of an old layout)
		put("after-open")
	case len(f) == 3 && f[0] == "stream":
		k, _ := strconv.ParseInt(f[1], 10, 64)
		KillAtSync(k, f[2] == "before")
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
