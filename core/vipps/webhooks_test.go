package vipps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/sim"
)

func TestWebhooksAreRegisteredListedAndDeletedOnTheWire(t *testing.T) {
	_, _, c := newClubSim(t, sim.Options{})
	ctx := context.Background()
	got, err := c.RegisterWebhook(ctx, RegisterWebhookRequest{URL: "http://127.0.0.1:9/hooks", Events: EPaymentWebhookEvents})
	if err != nil || got.ID == "" || got.Secret == "" {
		t.Fatalf("register: %+v, %v", got, err)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v %s", got, got, got, got), got.Secret) {
		t.Fatal("formatting the answer shows the secret")
	}
	list, err := c.ListWebhooks(ctx)
	if err != nil || len(list) != 1 || list[0].ID != got.ID || list[0].URL != "http://127.0.0.1:9/hooks" || len(list[0].Events) != 8 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := c.DeleteWebhook(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	var p *Problem
	if err := c.DeleteWebhook(ctx, got.ID); !errors.As(err, &p) || p.HTTPStatus != http.StatusNotFound {
		t.Fatalf("a second delete: %v", err)
	}
	if list, err := c.ListWebhooks(ctx); err != nil || len(list) != 0 {
		t.Fatalf("after delete: %+v, %v", list, err)
	}
	if _, err := c.RegisterWebhook(ctx, RegisterWebhookRequest{URL: "http://127.0.0.1:9/h", Events: []string{"epayment.payment.created.v1"}}); !errors.As(err, &p) || p.HTTPStatus != 400 {
		t.Fatalf("the singular prefix: %v", err)
	}
}

func TestARegistrationAnswerWithoutASecretIsMalformed(t *testing.T) {
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		fmt.Fprint(w, `{"id":"4f0e0d6c-0000-4000-8000-000000000000"}`)
	})
	c := newTestClient(t, f.url, nil)
	var bad *MalformedAnswerError
	if _, err := c.RegisterWebhook(context.Background(), RegisterWebhookRequest{URL: "https://x/y", Events: []string{"a.v1"}}); !errors.As(err, &bad) {
		t.Fatalf("got %v; want a MalformedAnswerError", err)
	}
}

func TestAWebhookEventIsDecodedOnlyWithEveryRequiredMember(t *testing.T) {
	full := `{"msn":"123456","reference":"ref-1","pspReference":"77","name":"AUTHORIZED","amount":{"currency":"NOK","value":35000},` +
		`"timestamp":"2023-08-14T12:48:46.260Z","idempotencyKey":"k","success":true,"userDetails":{"x":1}}`
	ev, err := DecodeWebhookEvent([]byte(full))
	if err != nil || ev.Name != "AUTHORIZED" || ev.Amount.Value != 35000 || ev.IdempotencyKey != "k" || !ev.Success || ev.MSN != "123456" {
		t.Fatalf("full event: %+v, %v", ev, err)
	}
	noKey := strings.Replace(full, `"idempotencyKey":"k"`, `"idempotencyKey":null`, 1)
	if ev, err := DecodeWebhookEvent([]byte(noKey)); err != nil || ev.IdempotencyKey != "" {
		t.Fatalf("a null idempotencyKey: %+v, %v", ev, err)
	}
	for _, member := range []string{`"msn":"123456",`, `"reference":"ref-1",`, `"pspReference":"77",`, `"name":"AUTHORIZED",`,
		`"timestamp":"2023-08-14T12:48:46.260Z",`, `,"success":true`} {
		body := strings.Replace(full, member, "", 1)
		if _, err := DecodeWebhookEvent([]byte(body)); err == nil {
			t.Errorf("an event without %s was accepted", member)
		}
	}
	for _, body := range []string{``, `null`, `[]`, `{"amount":"1"}`, `{"success":"yes"}`, strings.Replace(full, `"value":35000`, `"value":1.5`, 1)} {
		if _, err := DecodeWebhookEvent([]byte(body)); err == nil {
			t.Errorf("%q was accepted", body)
		}
	}
	if _, err := DecodeWebhookEvent([]byte(`{"msn":"4791234567 secret"`)); err == nil || strings.Contains(err.Error(), "4791234567") {
		t.Fatalf("the error quotes the body: %v", err)
	}
}

// FuzzDecodeWebhookEvent: the decoder of delivery bodies never panics, and what it accepts
// has every required member.
func FuzzDecodeWebhookEvent(f *testing.F) {
	f.Add([]byte(`{"msn":"123456","reference":"ref-1","pspReference":"77","name":"AUTHORIZED","amount":{"currency":"NOK","value":35000},"timestamp":"2023-08-14T12:48:46.260Z","success":true}`))
	f.Add([]byte(`{"amount":{}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := DecodeWebhookEvent(body)
		if err == nil && (ev.Reference == "" || ev.Name == "" || ev.Amount.Currency == "" && !strings.Contains(string(body), `"currency"`)) {
			t.Fatalf("accepted an incomplete event %+v from %q", ev, body)
		}
	})
}
