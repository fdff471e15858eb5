package payments

import (
	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/retry"
)

// APIOf is the rate-limited API a journaled operation is sent to: each operation has its own
// per-reference window at Vipps (internal/retry, API).
func APIOf(operation string) retry.API {
	switch operation {
	case journal.OpCreate:
		return retry.APICreate
	case journal.OpCapture:
		return retry.APICapture
	case journal.OpRefund:
		return retry.APIRefund
	}
	return retry.APICancel
}
