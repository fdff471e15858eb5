package main

// The customer-club exports: vmp_identify_customer, vmp_loyalty_check_in and the enrollment
// trio vmp_start_enrollment / vmp_poll_enrollment / vmp_cancel_enrollment. Like the others they
// only translate: phone normalisation, the QR exchange, check-in and the login polling live in
// core (identify.go, checkin.go, enrollment.go).

/*
#include "vmp.h"
*/
import "C"

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/internal/abi"
)

// Values of include/vmp.h the checks below depend on (internal/abi, made from the header).
const (
	msisdnSize       = abi.MSISDNSize       // VMP_MSISDN_SIZE: 15 digits and a NUL
	enrollmentIDSize = abi.EnrollmentIDSize // VMP_ENROLLMENT_ID_SIZE
)

// clubEngine is what the customer-club exports need of a client. It is not part of engine so
// that test fakes need not grow; a client without it answers VMP_ERR_INTERNAL.
type clubEngine interface {
	ParseCheckout(data []byte) (core.CheckoutRequest, error)
	IdentifyCustomer(ctx context.Context, input string) (core.Customer, error)
	LoyaltyCheckIn(ctx context.Context, phone string, isMember bool) (string, error)
	StartEnrollment(ctx context.Context, req core.EnrollmentRequest) (string, error)
	PollEnrollment(ctx context.Context, id string, wait time.Duration) (core.Enrollment, error)
	CancelEnrollment(id string) error
}

var _ clubEngine = (*core.Client)(nil)

func clubClient(h C.uintptr_t) (clubEngine, error) {
	e, err := handles.get(uintptr(h))
	if err != nil {
		return nil, err
	}
	c, ok := e.(clubEngine)
	if !ok {
		return nil, argError(core.CodeInternal, "this client has no customer-club support")
	}
	return c, nil
}

// parseCheckout parses vmp_start_checkout's JSON with the client's default_country_code when
// the client has one (a national phone number then works as in vmp_identify_customer).
func parseCheckout(client engine, data []byte) (core.CheckoutRequest, error) {
	if c, ok := client.(clubEngine); ok {
		return c.ParseCheckout(data)
	}
	return core.ParseCheckout(data)
}

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
	client, err := clubClient(h)
	if err != nil {
		return err
	}
	text, err := goString(input, "input")
	if err != nil {
		return err
	}
	if err := checkOutBuffer("msisdn", msisdn != nil, uint64(size), msisdnSize, "VMP_MSISDN_SIZE"); err != nil {
		return err
	}
	customer, err := client.IdentifyCustomer(context.Background(), text)
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
	client, err := clubClient(h)
	if err != nil {
		return err
	}
	number, err := goString(phone, "phone_number")
	if err != nil {
		return err
	}
	if isMember != 0 && isMember != 1 {
		return argError(core.CodeInvalidArgument, "is_member is %d; it must be 1 (a member) or 0 (not a member)", isMember)
	}
	_, err = client.LoyaltyCheckIn(context.Background(), number, isMember == 1)
	return err
}

//export vmpgo_start_enrollment
func vmpgo_start_enrollment(h C.uintptr_t, request, id *C.char, size C.size_t) (st C.vmp_status) {
	defer guard("vmp_start_enrollment", &st)
	return statusOf(startEnrollment(h, request, id, size))
}

func startEnrollment(h C.uintptr_t, request, id *C.char, size C.size_t) error {
	client, err := clubClient(h)
	if err != nil {
		return err
	}
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
	enrollment, err := client.StartEnrollment(context.Background(), req)
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
	client, err := clubClient(h)
	if err != nil {
		return err
	}
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
	e, err := client.PollEnrollment(context.Background(), enrollmentID, wait)
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
	client, err := clubClient(h)
	if err != nil {
		return statusOf(err)
	}
	enrollmentID, err := goString(id, "enrollment_id")
	if err != nil {
		return statusOf(err)
	}
	return statusOf(client.CancelEnrollment(enrollmentID))
}
