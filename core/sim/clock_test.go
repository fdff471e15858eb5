package sim

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestFakeClockMovesOnlyForwardAndOnlyWhenTold(t *testing.T) {
	c := NewFakeClock(simStart)
	if !c.Now().Equal(simStart) {
		t.Fatal("a new fake clock does not read its start")
	}
	c.Advance(90 * time.Second)
	c.Advance(-time.Hour)
	c.Advance(0)
	if got := c.Now(); !got.Equal(simStart.Add(90 * time.Second)) {
		t.Fatalf("Now = %v", got)
	}
}

func TestFakeClockIsSafeForConcurrentUse(t *testing.T) {
	c := NewFakeClock(simStart)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if got := c.Now().Sub(simStart); got != 800*time.Millisecond {
		t.Fatalf("advanced %v, want 800ms", got)
	}
}

func TestOptionsDefaults(t *testing.T) {
	cases := []struct {
		name string
		in   Options
		want Options
	}{
		{"the zero value takes every default", Options{},
			Options{Addr: defaultAddr, Credentials: DefaultCredentials, ApproveDelay: time.Second, PaymentExpiry: 10 * time.Minute, TokenLifetime: time.Hour, LoginInterval: time.Second, LoginExpiry: 10 * time.Minute, WebhookRetryDelay: 2 * time.Second, WebhookTimeout: 10 * time.Second}},
		{"a negative approve delay means at once", Options{ApproveDelay: -1},
			Options{Addr: defaultAddr, Credentials: DefaultCredentials, ApproveDelay: 0, PaymentExpiry: 10 * time.Minute, TokenLifetime: time.Hour, LoginInterval: time.Second, LoginExpiry: 10 * time.Minute, WebhookRetryDelay: 2 * time.Second, WebhookTimeout: 10 * time.Second}},
		{"partial credentials are completed from the defaults", Options{Credentials: Credentials{MSN: "7654321"}, PaymentExpiry: time.Minute, TokenLifetime: time.Minute},
			Options{Addr: defaultAddr, Credentials: Credentials{ClientID: "sim-client-id", ClientSecret: "sim-client-secret", SubscriptionKey: "sim-subscription-key", MSN: "7654321"}, ApproveDelay: time.Second, PaymentExpiry: time.Minute, TokenLifetime: time.Minute, LoginInterval: time.Second, LoginExpiry: 10 * time.Minute, WebhookRetryDelay: 2 * time.Second, WebhookTimeout: 10 * time.Second}},
		{"login times are rounded up to whole seconds", Options{LoginInterval: 1500 * time.Millisecond, LoginExpiry: 90*time.Second + time.Nanosecond},
			Options{Addr: defaultAddr, Credentials: DefaultCredentials, ApproveDelay: time.Second, PaymentExpiry: 10 * time.Minute, TokenLifetime: time.Hour, LoginInterval: 2 * time.Second, LoginExpiry: 91 * time.Second, WebhookRetryDelay: 2 * time.Second, WebhookTimeout: 10 * time.Second}},
		{"webhook timings and latency are kept when set", Options{Latency: 20 * time.Millisecond, WebhookRetryDelay: time.Millisecond, WebhookTimeout: time.Second},
			Options{Addr: defaultAddr, Credentials: DefaultCredentials, ApproveDelay: time.Second, PaymentExpiry: 10 * time.Minute, TokenLifetime: time.Hour, LoginInterval: time.Second, LoginExpiry: 10 * time.Minute, Latency: 20 * time.Millisecond, WebhookRetryDelay: time.Millisecond, WebhookTimeout: time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := got.Clock.(realClock); !ok {
				t.Fatalf("clock %T, want the real clock", got.Clock)
			}
			got.Clock = nil
			if want := []Credentials{tc.want.Credentials}; !reflect.DeepEqual(got.SalesUnits, want) {
				t.Fatalf("sales units %+v, want %+v", got.SalesUnits, want)
			}
			got.SalesUnits = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
