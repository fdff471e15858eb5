//go:build vmpfailpoints && unix

package core

import (
	"os"
	"strconv"
	"time"
)

// clockOffset is VMP_CLOCK_OFFSET_S (seconds, may be negative), read once: a test till
// restarted with it sees its clock jumped.
var clockOffset = func() time.Duration {
	s, _ := strconv.ParseInt(os.Getenv("VMP_CLOCK_OFFSET_S"), 10, 64)
	return time.Duration(s) * time.Second
}()

func now() time.Time { return time.Now().Add(clockOffset) }
