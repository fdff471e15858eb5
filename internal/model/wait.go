package model

import "time"

// MaxWait is the longest wait a polling call (a payment's status, an enrollment) accepts.
const MaxWait = 10 * time.Minute
