package vipps

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The official test vector of the Webhooks API (contract §8.4, from Vipps'
// request-authentication guide): the secret is used as its UTF-8 text, not base64-decoded.
const (
	vectorSecret       = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
	vectorPath         = "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63"
	vectorHost         = "webhook.site"
	vectorBody         = `{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}`
	vectorDate         = "Thu, 30 Mar 2023 08:38:32 GMT"
	vectorContentHash  = "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4="
	vectorSignature    = "agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="
	vectorStringToSign = "POST\n/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63\nThu, 30 Mar 2023 08:38:32 GMT;webhook.site;lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4="
)

func vectorDelivery() WebhookDelivery {
	return WebhookDelivery{
		Method:        "POST",
		PathAndQuery:  vectorPath,
		Host:          vectorHost,
		Date:          vectorDate,
		ContentSHA256: vectorContentHash,
		Authorization: "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + vectorSignature,
		Body:          []byte(vectorBody),
	}
}

var vectorTime = time.Date(2023, 3, 30, 8, 38, 32, 0, time.UTC)

func TestTheOfficialTestVectorVerifies(t *testing.T) {
	if got := WebhookContentHash([]byte(vectorBody)); got != vectorContentHash {
		t.Fatalf("content hash %s; want %s", got, vectorContentHash)
	}
	if got := WebhookStringToSign("POST", vectorPath, vectorDate, vectorHost, vectorContentHash); got != vectorStringToSign {
		t.Fatalf("string to sign %q; want %q", got, vectorStringToSign)
	}
	if got := WebhookAuthorization(vectorSecret, vectorStringToSign); got != vectorDelivery().Authorization {
		t.Fatalf("authorization %q; want %q", got, vectorDelivery().Authorization)
	}
	if err := VerifyWebhook(vectorSecret, vectorDelivery(), VerifyOptions{}); err != nil {
		t.Fatalf("the official vector does not verify: %v", err)
	}
	d := vectorDelivery()
	d.Method = "" // the method defaults to POST
	if err := VerifyWebhook(vectorSecret, d, VerifyOptions{MaxAge: time.Minute, Now: vectorTime.Add(59 * time.Second)}); err != nil {
		t.Fatalf("a fresh delivery within max age: %v", err)
	}
}

func TestADeliveryThatIsNotExactlyWhatVippsSignedIsRefused(t *testing.T) {
	cases := []struct {
		name   string
		secret string
		change func(*WebhookDelivery)
		opts   VerifyOptions
		reason string
	}{
		{"a missing x-ms-date", vectorSecret, func(d *WebhookDelivery) { d.Date = "" }, VerifyOptions{}, VerifyMissingHeader},
		{"a missing x-ms-content-sha256", vectorSecret, func(d *WebhookDelivery) { d.ContentSHA256 = "" }, VerifyOptions{}, VerifyMissingHeader},
		{"a missing Authorization", vectorSecret, func(d *WebhookDelivery) { d.Authorization = "" }, VerifyOptions{}, VerifyMissingHeader},
		{"a missing host", vectorSecret, func(d *WebhookDelivery) { d.Host = " " }, VerifyOptions{}, VerifyMissingHeader},
		{"a missing path", vectorSecret, func(d *WebhookDelivery) { d.PathAndQuery = "" }, VerifyOptions{}, VerifyMissingHeader},
		{"an altered x-ms-date", vectorSecret, func(d *WebhookDelivery) { d.Date = "Thu, 30 Mar 2023 08:38:33 GMT" }, VerifyOptions{}, VerifySignature},
		{"an altered x-ms-content-sha256 (of another body)", vectorSecret, func(d *WebhookDelivery) {
			d.ContentSHA256 = WebhookContentHash([]byte("{}"))
		}, VerifyOptions{}, VerifyContentHash},
		{"an altered signature", vectorSecret, func(d *WebhookDelivery) {
			d.Authorization = strings.Replace(d.Authorization, "agAi", "agAj", 1)
		}, VerifyOptions{}, VerifySignature},
		{"other signed headers named", vectorSecret, func(d *WebhookDelivery) {
			d.Authorization = strings.Replace(d.Authorization, "x-ms-date;host", "host;x-ms-date", 1)
		}, VerifyOptions{}, VerifySignature},
		{"another scheme word", vectorSecret, func(d *WebhookDelivery) {
			d.Authorization = strings.Replace(d.Authorization, "HMAC-SHA256", "HMAC-SHA512", 1)
		}, VerifyOptions{}, VerifySignature},
		{"an altered host", vectorSecret, func(d *WebhookDelivery) { d.Host = "webhook.site:8443" }, VerifyOptions{}, VerifySignature},
		{"an altered path", vectorSecret, func(d *WebhookDelivery) { d.PathAndQuery += "x" }, VerifyOptions{}, VerifySignature},
		{"a query that was not signed", vectorSecret, func(d *WebhookDelivery) { d.PathAndQuery += "?a=1" }, VerifyOptions{}, VerifySignature},
		{"a GET instead of a POST", vectorSecret, func(d *WebhookDelivery) { d.Method = "GET" }, VerifyOptions{}, VerifyMethod},
		{"a wrong secret", "090a478d-37ff-4e77-970e-d457aeb26a3a", func(*WebhookDelivery) {}, VerifyOptions{}, VerifySignature},
		{"the secret base64-decoded first", "T3+NXHMm", func(*WebhookDelivery) {}, VerifyOptions{}, VerifySignature},
		{"an empty secret", "", func(*WebhookDelivery) {}, VerifyOptions{}, VerifySignature},
		{"the body changed by one byte", vectorSecret, func(d *WebhookDelivery) {
			d.Body = []byte(strings.Replace(vectorBody, "hello", "hellp", 1))
		}, VerifyOptions{}, VerifyContentHash},
		{"the body cut by one byte", vectorSecret, func(d *WebhookDelivery) { d.Body = d.Body[:len(d.Body)-1] }, VerifyOptions{}, VerifyContentHash},
		{"a stale date", vectorSecret, func(*WebhookDelivery) {}, VerifyOptions{MaxAge: 5 * time.Minute, Now: vectorTime.Add(5*time.Minute + time.Second)}, VerifyStale},
		{"a date far in the future", vectorSecret, func(*WebhookDelivery) {}, VerifyOptions{MaxAge: 5 * time.Minute, Now: vectorTime.Add(-6 * time.Minute)}, VerifyStale},
		{"a date that is no date, with a max age", vectorSecret, func(d *WebhookDelivery) {
			d.Date = "yesterday"
			d.Authorization = WebhookAuthorization(vectorSecret, WebhookStringToSign("POST", vectorPath, d.Date, vectorHost, vectorContentHash))
		}, VerifyOptions{MaxAge: time.Hour}, VerifyDate},
		{"the official vector today, with a max age of a day", vectorSecret, func(*WebhookDelivery) {}, VerifyOptions{MaxAge: 24 * time.Hour}, VerifyStale},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := vectorDelivery()
			c.change(&d)
			err := VerifyWebhook(c.secret, d, c.opts)
			var ve *WebhookVerifyError
			if !errors.As(err, &ve) || ve.Reason != c.reason {
				t.Fatalf("got %v; want a %s refusal", err, c.reason)
			}
			for _, leak := range []string{vectorSecret, vectorSignature, c.secret} {
				if leak != "" && strings.Contains(err.Error(), leak) {
					t.Fatalf("the error %q shows a secret or the signature", err)
				}
			}
		})
	}
}

func TestSigningAndVerifyingAgreeForAnyURLShape(t *testing.T) {
	for _, target := range []struct{ host, path string }{
		{"127.0.0.1:41234", "/vmp/webhooks"},
		{"pos.example.com", "/vipps/hooks?store=12&till=3"},
		{"[::1]:8080", "/"},
	} {
		body := []byte(`{"name":"AUTHORIZED"}`)
		hash := WebhookContentHash(body)
		auth := WebhookAuthorization("secret", WebhookStringToSign("POST", target.path, vectorDate, target.host, hash))
		d := WebhookDelivery{PathAndQuery: target.path, Host: target.host, Date: vectorDate, ContentSHA256: hash, Authorization: auth, Body: body}
		if err := VerifyWebhook("secret", d, VerifyOptions{}); err != nil {
			t.Errorf("%s%s: %v", target.host, target.path, err)
		}
	}
}

// FuzzVerifyWebhook feeds arbitrary header values and bodies to the verifier: it must never
// panic, must accept only what was signed with the secret, and its errors must never contain
// the secret.
func FuzzVerifyWebhook(f *testing.F) {
	d := vectorDelivery()
	f.Add(d.PathAndQuery, d.Host, d.Date, d.ContentSHA256, d.Authorization, d.Body)
	f.Add("", "", "", "", "", []byte{})
	f.Add("/p?q=1", "h:1", "Mon, 02 Jan 2006 15:04:05 GMT", "x", "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", []byte{0xff, 0})
	f.Fuzz(func(t *testing.T, path, host, date, hash, auth string, body []byte) {
		d := WebhookDelivery{PathAndQuery: path, Host: host, Date: date, ContentSHA256: hash, Authorization: auth, Body: body}
		err := VerifyWebhook(vectorSecret, d, VerifyOptions{MaxAge: time.Hour, Now: vectorTime})
		if err != nil {
			if strings.Contains(err.Error(), vectorSecret) {
				t.Fatalf("the error shows the secret: %v", err)
			}
			return
		}
		wantHash := WebhookContentHash(body)
		if strings.TrimSpace(hash) != wantHash ||
			strings.TrimSpace(auth) != WebhookAuthorization(vectorSecret, WebhookStringToSign("POST", path, date, host, wantHash)) {
			t.Fatalf("accepted a delivery that was not signed with the secret: %+v", d)
		}
	})
}
