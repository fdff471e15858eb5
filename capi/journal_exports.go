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
	client, err := handles.get(uintptr(h))
	if err != nil {
		return err
	}
	if out == nil {
		return argError(core.CodeInvalidArgument, "out_json is NULL")
	}
	report, err := client.Pending()
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
	client, err := handles.get(uintptr(h))
	if err != nil {
		return err
	}
	wait, err := waitDuration(int32(waitMs))
	if err != nil {
		return err
	}
	report, err := client.Recover(context.Background(), wait)
	if err != nil {
		return err
	}
	return giveJSON(out, report)
}

//export vmpgo_acknowledge
func vmpgo_acknowledge(h C.uintptr_t, id *C.char) (st C.vmp_status) {
	defer guard("vmp_acknowledge", &st)
	client, entryID, err := clientAndString(h, id, "operation")
	if err == nil {
		err = client.Acknowledge(entryID)
	}
	return statusOf(err)
}
