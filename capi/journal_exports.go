package main

/*
#include "vmp.h"
*/
import "C"

import (
	"context"

	"github.com/vmp-dev/vmp/core"
)

//export vmpgo_pending
func vmpgo_pending(h C.uintptr_t, out **C.char) (st C.vmp_status) {
	defer guard("vmp_pending", &st)
	return statusOf(pending(h, out))
}

func pending(h C.uintptr_t, out **C.char) error {
	if out != nil {
		*out = nil
	}
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	if out == nil {
		return argError(core.CodeInvalidArgument, "out_json is NULL")
	}
	report, err := t.client.Pending()
	if err != nil {
		return err
	}
	return giveJSON(out, report)
}

//export vmpgo_recover
func vmpgo_recover(h C.uintptr_t, waitMs C.int32_t, out **C.char) (st C.vmp_status) {
	defer guard("vmp_recover", &st)
	return statusOf(recoverOpen(h, waitMs, out))
}

func recoverOpen(h C.uintptr_t, waitMs C.int32_t, out **C.char) error {
	if out != nil {
		*out = nil
	}
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	wait, err := waitDuration(int32(waitMs))
	if err != nil {
		return err
	}
	report, err := t.client.Recover(t.ctx, wait)
	if err != nil {
		return err
	}
	return giveJSON(out, report)
}

//export vmpgo_acknowledge
func vmpgo_acknowledge(h C.uintptr_t, id *C.char) (st C.vmp_status) {
	defer guard("vmp_acknowledge", &st)
	t, entryID, err := targetAndString(h, id, "operation")
	if err == nil {
		err = t.client.Acknowledge(entryID)
		t.leave()
	}
	return statusOf(err)
}
