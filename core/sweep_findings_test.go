package core

import (
	"context"
	"testing"
)

// Regression tests for what the hardening sweep (tests/c/sweep_test.c) found at the C ABI.

func TestABareNullIsNoConfigurationOrCheckout(t *testing.T) {
	if _, err := ParseConfig([]byte(" null ")); CodeOf(err) != CodeInvalidJSON {
		t.Fatalf("ParseConfig(null) = %v; want CodeInvalidJSON (it started a client with defaults)", err)
	}
	if _, err := ParseCheckout([]byte("null")); CodeOf(err) != CodeInvalidJSON {
		t.Fatalf("ParseCheckout(null) = %v; want CodeInvalidJSON", err)
	}
}

func TestAWebhookIDThatIsNotAUUIDIsRefusedBeforeSending(t *testing.T) {
	c := newSimClient(t, "")
	for _, id := range []string{"no-such-webhook", "../../accesstoken/get", "0123456789abcdef0123456789abcdef0123", ""} {
		wantCode(t, c.OwnUnit().DeleteWebhook(context.Background(), id), CodeInvalidArgument, "")
	}
	wantCode(t, c.OwnUnit().DeleteWebhook(context.Background(), "3fa85f64-5717-4562-b3fc-2c963f66afa6"), CodeNotFound, "")
}
