package main

// The webhook exports: vmp_webhook_verify, vmp_webhook_handle, vmp_webhook_receiver and the
// registration calls. Like the others they only translate: verification, the receiver and
// reconcile live in core and core/vipps.

/*
#include "vmp.h"
*/
import "C"

import (
	"context"
	"time"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/vipps"
)

const (
	maxWebhookAgeS   = 30 * 24 * 60 * 60 // vmp_webhook_verify's max_age_s
	maxDeliveryBytes = 16 << 20          // a body beyond this is garbage, not a delivery
)

// delivery copies a caller's vmp_webhook_delivery (everything borrowed for the call).
func delivery(d *C.vmp_webhook_delivery) (vipps.WebhookDelivery, error) {
	if d == nil {
		return vipps.WebhookDelivery{}, argError(core.CodeInvalidArgument, "delivery is NULL")
	}
	if err := checkStructSize("delivery", uint32(d.struct_size), uint32(C.sizeof_vmp_webhook_delivery)); err != nil {
		return vipps.WebhookDelivery{}, err
	}
	n := uint64(d.body_len)
	switch {
	case d.body == nil && n > 0:
		return vipps.WebhookDelivery{}, argError(core.CodeInvalidArgument, "delivery->body is NULL but body_len is %d", n)
	case n > maxDeliveryBytes:
		return vipps.WebhookDelivery{}, argError(core.CodeInvalidArgument, "delivery->body_len is %d; a delivery is at most %d bytes", n, maxDeliveryBytes)
	}
	out := vipps.WebhookDelivery{
		Method:        optionalData(d.method),
		PathAndQuery:  optionalData(d.path_and_query),
		Host:          optionalData(d.host),
		Date:          optionalData(d.x_ms_date),
		ContentSHA256: optionalData(d.x_ms_content_sha256),
		Authorization: optionalData(d.authorization),
		Body:          []byte{},
	}
	if n > 0 {
		out.Body = C.GoBytes(unsafe.Pointer(d.body), C.int(n))
	}
	return out, nil
}

//export vmpgo_webhook_verify
func vmpgo_webhook_verify(secret *C.char, d *C.vmp_webhook_delivery, maxAgeS C.int32_t) (st C.vmp_status) {
	defer guard("vmp_webhook_verify", &st)
	return statusOf(verifyWebhook(secret, d, int32(maxAgeS)))
}

func verifyWebhook(secret *C.char, d *C.vmp_webhook_delivery, maxAgeS int32) error {
	s, err := goString(secret, "secret")
	if err != nil {
		return err
	}
	if s == "" {
		return argError(core.CodeInvalidArgument, "secret is empty")
	}
	if maxAgeS < 0 || maxAgeS > maxWebhookAgeS {
		return argError(core.CodeInvalidArgument, "max_age_s is %d; it must be 0 (no check) .. %d", maxAgeS, maxWebhookAgeS)
	}
	del, err := delivery(d)
	if err != nil {
		return err
	}
	return core.VerifyWebhook(s, del, time.Duration(maxAgeS)*time.Second)
}

//export vmpgo_webhook_handle
func vmpgo_webhook_handle(h C.uintptr_t, d *C.vmp_webhook_delivery) (st C.vmp_status) {
	defer guard("vmp_webhook_handle", &st)
	return statusOf(handleWebhook(h, d))
}

func handleWebhook(h C.uintptr_t, d *C.vmp_webhook_delivery) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	del, err := delivery(d)
	if err != nil {
		return err
	}
	return t.client.Webhooks().Handle(t.ctx, del)
}

//export vmpgo_webhook_receiver
func vmpgo_webhook_receiver(h C.uintptr_t, out **C.char) (st C.vmp_status) {
	defer guard("vmp_webhook_receiver", &st)
	return statusOf(webhookJSON(h, out, true, func(t target) (any, error) { return t.client.Webhooks().Receiver(), nil }))
}

//export vmpgo_webhook_list
func vmpgo_webhook_list(h C.uintptr_t, out **C.char) (st C.vmp_status) {
	defer guard("vmp_webhook_list", &st)
	return statusOf(webhookJSON(h, out, true, func(t target) (any, error) {
		return t.unit.ListWebhooks(t.ctx)
	}))
}

//export vmpgo_webhook_register
func vmpgo_webhook_register(h C.uintptr_t, webhook *C.char, out **C.char) (st C.vmp_status) {
	defer guard("vmp_webhook_register", &st)
	return statusOf(webhookJSON(h, out, false, func(t target) (any, error) {
		text, err := goJSON(webhook, "webhook_json")
		if err != nil {
			return nil, err
		}
		req, err := core.ParseWebhookRequest([]byte(text))
		if err != nil {
			return nil, err
		}
		return t.unit.RegisterWebhook(t.ctx, req)
	}))
}

//export vmpgo_webhook_reconcile
func vmpgo_webhook_reconcile(h C.uintptr_t, wanted *C.char, out **C.char) (st C.vmp_status) {
	defer guard("vmp_webhook_reconcile", &st)
	return statusOf(webhookJSON(h, out, false, func(t target) (any, error) {
		text, err := optionalJSON(wanted, "wanted_json")
		if err != nil {
			return nil, err
		}
		req, err := core.ParseReconcileRequest([]byte(text))
		if err != nil {
			return nil, err
		}
		return t.unit.ReconcileWebhooks(t.ctx, req)
	}))
}

//export vmpgo_webhook_delete
func vmpgo_webhook_delete(h C.uintptr_t, id *C.char) (st C.vmp_status) {
	defer guard("vmp_webhook_delete", &st)
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return statusOf(err)
	}
	defer t.leave()
	webhookID, err := goString(id, "id")
	if err != nil {
		return statusOf(err)
	}
	return statusOf(t.unit.DeleteWebhook(t.ctx, webhookID))
}

// webhookJSON is the shared shape of the calls that answer JSON: clear *out, resolve the
// handle, check out (when required), run, hand over the answer.
func webhookJSON(h C.uintptr_t, out **C.char, outRequired bool, run func(target) (any, error)) error {
	if out != nil {
		*out = nil
	}
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	if out == nil && outRequired {
		return argError(core.CodeInvalidArgument, "out_json is NULL")
	}
	v, err := run(t)
	if err != nil {
		return err
	}
	return giveJSON(out, v)
}
