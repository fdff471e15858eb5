package main

// #include "vmp.h"
import "C"

// statusOf is where every export's error becomes its vmp_status, its text the calling
// thread's vmp_last_error, and Vipps' answer in it the thread's vmp_last_vipps_error. The Code values of core are the vmp_status values (internal/abi, made from VMP_STATUS_LIST).
func statusOf(err error) C.vmp_status {
	if err == nil {
		return C.VMP_OK
	}
	setLastError(describe(err))
	setVippsError(err)
	return C.vmp_status(codeOf(err))
}
