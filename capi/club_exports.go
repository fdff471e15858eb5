package main

// The customer-club exports: vmp_identify_customer, vmp_loyalty_check_in and the enrollment
// trio vmp_start_enrollment / vmp_poll_enrollment / vmp_cancel_enrollment. Like the others they
// only translate: phone normalisation, the QR exchange, check-in and the login polling live in
// internal/club (identify.go, checkin.go, enrollment.go), reached through core.Client.Club.

/*
#include "vmp.h"
*/
import "C"

import (
	"context"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/internal/abi"
)

// Values of include/vmp.h the checks below depend on (internal/abi, made from the header).
const (
	msisdnSize       = abi.MSISDNSize       // VMP_MSISDN_SIZE: 15 digits and a NUL
	enrollmentIDSize = abi.EnrollmentIDSize // VMP_ENROLLMENT_ID_SIZE
)

// checkOutBuffer checks a caller's output buffer before anything is sent: a too-small buffer
// must never lose a result that Vipps has already produced.
func checkOutBuffer(name string, present bool, size uint64, need uint64, macro string) error {
	if !present {
		return argError(core.CodeInvalidArgument, "%s is NULL", name)
	}
	if size < need {
		return argError(core.CodeBufferTooSmall, "%s_size is %d; the %s buffer must hold at least %d bytes (%s)", name, size, name, need, macro)
	}
	return nil
}

//export vmpgo_identify_customer
func vmpgo_identify_customer(h C.uintptr_t, input, msisdn *C.char, size C.size_t) (st C.vmp_status) {
	defer guard("vmp_identify_customer", &st)
	return statusOf(identifyCustomer(h, input, msisdn, size))
}

func identifyCustomer(h C.uintptr_t, input, msisdn *C.char, size C.size_t) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	text, err := goString(input, "input")
	if err != nil {
		return err
	}
	if err := checkOutBuffer("msisdn", msisdn != nil, uint64(size), msisdnSize, "VMP_MSISDN_SIZE"); err != nil {
		return err
	}
	customer, err := t.client.Club().IdentifyCustomer(t.ctx, text)
	if err != nil {
		return err
	}
	putCString(msisdn, size, customer.MSISDN)
	return nil
}

//export vmpgo_loyalty_check_in
func vmpgo_loyalty_check_in(h C.uintptr_t, phone *C.char, isMember C.int32_t) (st C.vmp_status) {
	defer guard("vmp_loyalty_check_in", &st)
	return statusOf(loyaltyCheckIn(h, phone, int32(isMember)))
}

func loyaltyCheckIn(h C.uintptr_t, phone *C.char, isMember int32) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	number, err := goString(phone, "phone_number")
	if err != nil {
		return err
	}
	if isMember != 0 && isMember != 1 {
		return argError(core.CodeInvalidArgument, "is_member is %d; it must be 1 (a member) or 0 (not a member)", isMember)
	}
	_, err = t.client.Club().LoyaltyCheckIn(t.ctx, number, isMember == 1)
	return err
}

//export vmpgo_start_enrollment
func vmpgo_start_enrollment(h C.uintptr_t, request, id *C.char, size C.size_t) (st C.vmp_status) {
	defer guard("vmp_start_enrollment", &st)
	return statusOf(startEnrollment(h, request, id, size))
}

func startEnrollment(h C.uintptr_t, request, id *C.char, size C.size_t) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	text, err := goJSON(request, "enrollment_json")
	if err != nil {
		return err
	}
	if err := checkOutBuffer("enrollment_id", id != nil, uint64(size), enrollmentIDSize, "VMP_ENROLLMENT_ID_SIZE"); err != nil {
		return err
	}
	req, err := core.ParseEnrollment([]byte(text))
	if err != nil {
		return err
	}
	enrollment, err := t.client.Club().StartEnrollment(t.ctx, req)
	if err != nil {
		return err
	}
	putCString(id, size, enrollment)
	return nil
}

//export vmpgo_poll_enrollment
func vmpgo_poll_enrollment(h C.uintptr_t, id *C.char, waitMs C.int32_t, state *C.vmp_enrollment_state, profile **C.char) (st C.vmp_status) {
	defer guard("vmp_poll_enrollment", &st)
	return statusOf(pollEnrollment(h, id, waitMs, state, profile))
}

// pollEnrollment writes *state whenever the enrollment was found - also FAILED, together with
// the failure's status - and *profile only on success (NULL unless CONSENTED).
func pollEnrollment(h C.uintptr_t, id *C.char, waitMs C.int32_t, state *C.vmp_enrollment_state, profile **C.char) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	enrollmentID, err := goString(id, "enrollment_id")
	if err != nil {
		return err
	}
	if state == nil {
		return argError(core.CodeInvalidArgument, "state is NULL")
	}
	wait, err := waitDuration(int32(waitMs))
	if err != nil {
		return err
	}
	e, err := t.client.Club().PollEnrollment(t.ctx, enrollmentID, wait)
	if e.State != core.EnrollmentUnknown {
		*state = C.vmp_enrollment_state(e.State)
	}
	if err != nil {
		return err
	}
	if profile != nil {
		*profile = nil
		if e.State == core.EnrollmentConsented {
			*profile = C.CString(string(e.Profile))
		}
	}
	return nil
}

//export vmpgo_cancel_enrollment
func vmpgo_cancel_enrollment(h C.uintptr_t, id *C.char) (st C.vmp_status) {
	defer guard("vmp_cancel_enrollment", &st)
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return statusOf(err)
	}
	defer t.leave()
	enrollmentID, err := goString(id, "enrollment_id")
	if err != nil {
		return statusOf(err)
	}
	return statusOf(t.client.Club().CancelEnrollment(enrollmentID))
}
