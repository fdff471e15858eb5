package main

import (
	"testing"

	"github.com/vmp-dev/vmp/core"
)

// tests/c/webhook_test.c covers the webhook exports through the built library; these are the
// cases a Go test can reach without cgo.

func TestWebhookExportsRefuseNullAndForgedHandles(t *testing.T) {
	calls := map[string]func() int32{
		"handle NULL":      func() int32 { return int32(vmpgo_webhook_handle(0, nil)) },
		"handle forged":    func() int32 { return int32(vmpgo_webhook_handle(0xdeadbeef, nil)) },
		"receiver NULL":    func() int32 { return int32(vmpgo_webhook_receiver(0, nil)) },
		"receiver forged":  func() int32 { return int32(vmpgo_webhook_receiver(0xdeadbeef, nil)) },
		"register NULL":    func() int32 { return int32(vmpgo_webhook_register(0, nil, nil)) },
		"register forged":  func() int32 { return int32(vmpgo_webhook_register(0xdeadbeef, nil, nil)) },
		"list NULL":        func() int32 { return int32(vmpgo_webhook_list(0, nil)) },
		"list forged":      func() int32 { return int32(vmpgo_webhook_list(0xdeadbeef, nil)) },
		"delete NULL":      func() int32 { return int32(vmpgo_webhook_delete(0, nil)) },
		"delete forged":    func() int32 { return int32(vmpgo_webhook_delete(0xdeadbeef, nil)) },
		"reconcile NULL":   func() int32 { return int32(vmpgo_webhook_reconcile(0, nil, nil)) },
		"reconcile forged": func() int32 { return int32(vmpgo_webhook_reconcile(0xdeadbeef, nil, nil)) },
	}
	for name, call := range calls {
		if got := call(); got != int32(core.CodeInvalidHandle) {
			t.Errorf("%s = %d; want VMP_ERR_INVALID_HANDLE (%d)", name, got, core.CodeInvalidHandle)
		}
	}
}

func TestVerifyingWithoutSecretOrDeliveryIsAnArgumentError(t *testing.T) {
	if got := vmpgo_webhook_verify(nil, nil, 0); int32(got) != int32(core.CodeInvalidArgument) {
		t.Fatalf("NULL secret: %d", got)
	}
}
