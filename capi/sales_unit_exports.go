package main

/*
#include "vmp.h"
*/
import "C"

import (
	"github.com/vmp-dev/vmp/core"
)

//export vmpgo_sales_unit
func vmpgo_sales_unit(h C.uintptr_t, name *C.char, hasOut C.int, id *C.uintptr_t) (st C.vmp_status) {
	defer guard("vmp_sales_unit", &st)
	newID, err := openSalesUnit(h, name, hasOut != 0)
	*id = C.uintptr_t(newID)
	return statusOf(err)
}

// openSalesUnit registers a unit handle (unit_handle.go) under the client, so that closing
// the client closes it too.
func openSalesUnit(h C.uintptr_t, name *C.char, hasOut bool) (uintptr, error) {
	parent, err := handles.clientOf(uintptr(h))
	if err != nil {
		return 0, err
	}
	unitName, err := goString(name, "name")
	if err != nil {
		return 0, err
	}
	if !hasOut {
		return 0, argError(core.CodeInvalidArgument, "out is NULL")
	}
	unit, err := parent.Unit(unitName)
	if err != nil {
		return 0, err
	}
	id, parentID, err := handles.addUnit(uintptr(h), newUnitHandle(unit))
	if err == nil {
		snapshotUnitHandle(id, parentID, unitName) // vmp_poll_status from memory answers for it in C
	}
	return id, err
}
