package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// measureBaselineLifecycles runs the lifecycle workload of lifecycles.go - checkout, read until
// AUTHORIZED, full capture, against a simulator in this process whose customer approves at once
// - through a plain net/http client that keeps no journal and never retries: what the same
// requests cost without vmp, next to the figures with it.
func measureBaselineLifecycles(scale int) ([]row, error) {
	b, stop, err := startBaseline()
	if err != nil {
		return nil, err
	}
	defer stop()
	var rows []row
	for _, conc := range lifecycleConcurrency {
		total := lifecycleCount(conc, scale) // as many as with vmp (lifecycles.go)
		perSec, p50, p99, err := runConcurrently(conc, total, b.lifecycle)
		if err != nil {
			return nil, fmt.Errorf("baseline at %d concurrent: %w", conc, err)
		}
		rows = append(rows, lifecycleRows("lifecycles (plain net/http)", conc, perSec, p50, p99,
			fmt.Sprintf("%d lifecycles, the same requests through net/http: no journal, no retries", total))...)
	}
	return rows, nil
}

// startBaseline starts a simulator in this process whose customer approves at once and a
// plain client of it; stop closes both.
func startBaseline() (b *baselineClient, stop func(), err error) {
	s, err := sim.Start(sim.Options{ApproveDelay: -1})
	if err != nil {
		return nil, nil, err
	}
	if b, err = newBaselineClient(s.URL()); err != nil {
		s.Close()
		return nil, nil, err
	}
	return b, func() { b.http.CloseIdleConnections(); s.Close() }, nil
}

// baselineClient speaks the ePayment API as a hand-written integration would: one access token,
// then create, get and capture with the required headers.
type baselineClient struct {
	base  string
	http  *http.Client
	token string
	seq   atomic.Int64
	run   int64
}

func newBaselineClient(base string) (*baselineClient, error) {
	b := &baselineClient{base: base, run: time.Now().UnixNano() % 1e9,
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}}
	req, _ := http.NewRequest("POST", base+"/accesstoken/get", nil)
	creds := sim.DefaultCredentials
	req.Header.Set("client_id", creds.ClientID)
	req.Header.Set("client_secret", creds.ClientSecret)
	req.Header.Set("Ocp-Apim-Subscription-Key", creds.SubscriptionKey)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := b.do(req, http.StatusOK, &tok); err != nil {
		return nil, fmt.Errorf("access token: %w", err)
	}
	b.token = tok.AccessToken
	return b, nil
}

func (b *baselineClient) request(method, path, key string, body []byte) *http.Request {
	req, _ := http.NewRequest(method, b.base+path, bytes.NewReader(body))
	h := req.Header
	h.Set("Authorization", "Bearer "+b.token)
	h.Set("Ocp-Apim-Subscription-Key", sim.DefaultCredentials.SubscriptionKey)
	h.Set("Merchant-Serial-Number", sim.DefaultCredentials.MSN)
	h.Set("Content-Type", "application/json")
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	return req
}

func (b *baselineClient) do(req *http.Request, want int, out any) error {
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func (b *baselineClient) lifecycle() error {
	ref := fmt.Sprintf("base-%d-%06d", b.run, b.seq.Add(1))
	create := fmt.Sprintf(`{"amount":{"currency":"NOK","value":49900},"paymentMethod":{"type":"WALLET"},`+
		`"customer":{"phoneNumber":"4791234567"},"reference":%q,"userFlow":"PUSH_MESSAGE",`+
		`"customerInteraction":"CUSTOMER_PRESENT","paymentDescription":"Purchase"}`, ref)
	if err := b.do(b.request("POST", "/epayment/v1/payments", ref+"-create", []byte(create)), http.StatusCreated, nil); err != nil {
		return err
	}
	var p struct {
		State string `json:"state"`
	}
	for i := 0; ; i++ {
		if err := b.do(b.request("GET", "/epayment/v1/payments/"+ref, "", nil), http.StatusOK, &p); err != nil {
			return err
		}
		if p.State == "AUTHORIZED" {
			break
		}
		if i == 100 {
			return fmt.Errorf("payment %s is still %s", ref, p.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
	capture := []byte(`{"modificationAmount":{"currency":"NOK","value":49900}}`)
	return b.do(b.request("POST", "/epayment/v1/payments/"+ref+"/capture", ref+"-capture", capture), http.StatusOK, nil)
}
