package main

import (
	"time"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/internal/abi"
)

// Values of include/vmp.h that the checks below depend on (internal/abi, made from the header).
const (
	referenceSize         = abi.ReferenceSize         // VMP_REFERENCE_SIZE: 64 characters and a NUL
	cancelTransactionOnly = abi.CancelTransactionOnly // VMP_CANCEL_TRANSACTION_ONLY
	maxWaitMs             = 600000
)

// waitDuration checks vmp_poll_status's wait_ms (0 .. 10 minutes): a till must not be able to
// block a thread for longer by passing a garbage value.
func waitDuration(ms int32) (time.Duration, error) {
	if ms < 0 || ms > maxWaitMs {
		return 0, argError(core.CodeInvalidArgument, "wait_ms is %d; it must be 0 .. %d", ms, maxWaitMs)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// checkReferenceBuffer checks vmp_start_checkout's reference buffer before anything is sent.
func checkReferenceBuffer(present bool, size uint64) error {
	if !present {
		return argError(core.CodeInvalidArgument, "reference is NULL")
	}
	if size < referenceSize {
		return argError(core.CodeBufferTooSmall,
			"reference_size is %d; the reference buffer must hold at least %d bytes (VMP_REFERENCE_SIZE)",
			size, referenceSize)
	}
	return nil
}

// maxOperationIDBytes bounds vmp_capture's, vmp_refund's and vmp_cancel's operation_id: it is
// journaled with the operation and shown in log records (a receipt number or a UUID is far
// shorter).
const maxOperationIDBytes = 128

// checkOperationID checks an operation_id before anything is journaled or sent.
func checkOperationID(id string) error {
	if len(id) > maxOperationIDBytes {
		return argError(core.CodeInvalidArgument, "operation_id is %d bytes; it is at most %d", len(id), maxOperationIDBytes)
	}
	return nil
}

// cancelOptions translates vmp_cancel's flags. Unknown bits are refused rather than ignored:
// a flag from a newer header must not silently cancel more than the till asked for.
func cancelOptions(flags uint32) (core.CancelOptions, error) {
	if flags&^cancelTransactionOnly != 0 {
		return core.CancelOptions{}, argError(core.CodeInvalidArgument,
			"flags is 0x%x; only VMP_CANCEL_TRANSACTION_ONLY (0x%x) is known", flags, cancelTransactionOnly)
	}
	return core.CancelOptions{TransactionOnly: flags&cancelTransactionOnly != 0}, nil
}

// checkStructSize checks a caller's struct_size against the smallest version of the struct this
// library accepts (its first published size): the library would otherwise write past the
// caller's struct.
func checkStructSize(name string, size, minimum uint32) error {
	if size < minimum {
		return argError(core.CodeInvalidArgument,
			"%s->struct_size is %d; it must be at least %d (set it to sizeof the struct)", name, size, minimum)
	}
	return nil
}
