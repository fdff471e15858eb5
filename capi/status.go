package main

// #include "vmp.h"
import "C"

// statusOf is where every export's error becomes its vmp_status, and its text the calling
// thread's vmp_last_error. The Code values of core are the vmp_status values (internal/abi, made from VMP_STATUS_LIST).
func statusOf(err error) C.vmp_status {
	if err == nil {
		return C.VMP_OK
	}
	setLastError(describe(err))
	return C.vmp_status(codeOf(err))
}
