package journal

import (
	"fmt"
	"slices"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
	bolt "go.etcd.io/bbolt"
)

// bucketWebhookSecrets holds the secret of every webhook this journal's till registered, by
// webhook id. It is created by the first secret stored; older files simply have none.
var bucketWebhookSecrets = []byte("webhook-secrets")

// WebhookSecret is the secret Vipps handed out when a webhook was registered: it is the only
// way to verify the webhook's deliveries, and Vipps never shows it again. It lives in the
// journal because the journal is the till's private, fsynced file (0600): a secret that
// survives a restart still verifies the deliveries Vipps retries after it.
type WebhookSecret struct {
	ID string `json:"id"`
	// MSN is the sales unit the webhook was registered for.
	MSN       string    `json:"msn"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
}

// String keeps the secret out of logs and error texts.
func (s WebhookSecret) String() string {
	return "webhook " + s.ID + " for " + s.URL + " (secret withheld)"
}

// GoString keeps the secret out of %#v.
func (s WebhookSecret) GoString() string { return s.String() }

// PutWebhookSecret stores (or replaces) the secret of webhook s.ID and fsyncs before it
// returns.
func (j *Journal) PutWebhookSecret(s WebhookSecret) error {
	if s.ID == "" || s.Secret == "" {
		return fmt.Errorf("a webhook secret needs the webhook's id and the secret")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = j.opts.Now().UTC()
	}
	data, err := wirejson.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding the webhook secret of %s: %w", s.ID, err)
	}
	return j.update(func(tx *wtx) error {
		if _, err := tx.createBucketIfNotExists(bucketWebhookSecrets); err != nil {
			return err
		}
		return tx.put(bucketWebhookSecrets, []byte(s.ID), data)
	})
}

// DeleteWebhookSecret forgets the secret of webhook id; forgetting an unknown one is no error.
func (j *Journal) DeleteWebhookSecret(id string) error {
	return j.update(func(tx *wtx) error {
		if tx.Bucket(bucketWebhookSecrets) == nil {
			return nil
		}
		return tx.del(bucketWebhookSecrets, []byte(id))
	})
}

// WebhookSecrets lists the stored secrets, oldest first. A record that cannot be decoded is
// an error (the file is damaged), never skipped silently.
func (j *Journal) WebhookSecrets() ([]WebhookSecret, error) {
	var out []WebhookSecret
	err := j.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWebhookSecrets)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var s WebhookSecret
			if err := wirejson.Unmarshal(v, &s); err != nil || s.ID != string(k) || s.Secret == "" {
				return fmt.Errorf("%w: %s: webhook secret %q cannot be read", ErrCorrupt, j.path, k)
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b WebhookSecret) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
