//go:build vmpfailpoints && unix

package core

import (
	"os"
	"strconv"
	"time"
)

// A test till restarted with VMP_CLOCK_OFFSET_S (seconds, may be negative) sees its clock
// jumped. Only the failpoint build reads it.
func init() {
	s, _ := strconv.ParseInt(os.Getenv("VMP_CLOCK_OFFSET_S"), 10, 64)
	clockOffset.Store(int64(time.Duration(s) * time.Second))
}
