package journal

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAWebhookSecretSurvivesReopeningAndCanBeForgotten(t *testing.T) {
	j, path := openTemp(t, Options{})
	if got, err := j.WebhookSecrets(); err != nil || len(got) != 0 {
		t.Fatalf("a new journal lists %v, %v; want nothing", got, err)
	}
	first := WebhookSecret{ID: "id-1", URL: "https://pos.example/hooks", Events: []string{"epayments.payment.authorized.v1"},
		Secret: "s3cr3t-one", CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	second := WebhookSecret{ID: "id-0", URL: "https://pos.example/hooks", Secret: "s3cr3t-two", CreatedAt: first.CreatedAt.Add(time.Hour)}
	for _, s := range []WebhookSecret{second, first} {
		if err := j.PutWebhookSecret(s); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	got, err := j.WebhookSecrets()
	if err != nil || len(got) != 2 || got[0].ID != "id-1" || got[0].Secret != "s3cr3t-one" || got[1].ID != "id-0" ||
		len(got[0].Events) != 1 {
		t.Fatalf("after reopening: %+v, %v; want both secrets, oldest first", got, err)
	}
	if err := j.DeleteWebhookSecret("id-1"); err != nil {
		t.Fatal(err)
	}
	if err := j.DeleteWebhookSecret("never-stored"); err != nil {
		t.Fatalf("forgetting an unknown secret: %v", err)
	}
	if got, _ := j.WebhookSecrets(); len(got) != 1 || got[0].ID != "id-0" {
		t.Fatalf("after forgetting id-1: %v", got)
	}
}

func TestAWebhookSecretNeverShowsInFormattedText(t *testing.T) {
	s := WebhookSecret{ID: "id-1", URL: "https://pos.example/hooks", Secret: "do-not-print-me"}
	for _, text := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		if strings.Contains(text, "do-not-print-me") {
			t.Fatalf("the secret shows in %q", text)
		}
	}
}

func TestAWebhookSecretWithoutIDOrSecretIsRefused(t *testing.T) {
	j, _ := openTemp(t, Options{})
	for _, s := range []WebhookSecret{{ID: "", Secret: "x"}, {ID: "id", Secret: ""}} {
		if err := j.PutWebhookSecret(s); err == nil {
			t.Fatalf("%v was stored", s)
		}
	}
}

func TestADamagedWebhookSecretRecordIsAnErrorNotSkipped(t *testing.T) {
	j, _ := openTemp(t, Options{})
	if err := j.PutWebhookSecret(WebhookSecret{ID: "id-1", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := j.rawUpdate(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWebhookSecrets).Put([]byte("id-2"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	_, err := j.WebhookSecrets()
	if !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "{not json") {
		t.Fatalf("got %v; want ErrCorrupt without the record's text", err)
	}
}
