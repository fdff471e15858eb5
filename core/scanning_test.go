package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/scanner"
)

func TestTheScannerBlockIsCheckedWithTheConfig(t *testing.T) {
	good := []string{
		`{}`,
		`{"scanner":{}}`,
		`{"scanner":{"terminators":"\t","prefix":"\u0002","aim":"off","max_frame_length":256,"inter_byte_timeout_ms":300,"partial_frames":"flush"}}`,
		`{"scanner":{"port":"COM17","baud":115200,"reconnect_max_ms":5000}}`,
	}
	for _, text := range good {
		if _, err := ParseConfig([]byte(text)); err != nil {
			t.Errorf("%s: %v", text, err)
		}
	}
	bad := map[string]Code{
		`{"scanner":{"prot":"COM3"}}`:                       CodeInvalidJSON,
		`{"scanner":{"port":3}}`:                            CodeInvalidJSON,
		`{"scanner":{"partial_frames":"keep"}}`:             CodeInvalidConfig,
		`{"scanner":{"port":"COM3","baud":1234}}`:           CodeInvalidConfig,
		`{"scanner":{"baud":9600}}`:                         CodeInvalidConfig,
		`{"scanner":{"max_frame_length":8}}`:                CodeInvalidConfig,
		`{"scanner":{"inter_byte_timeout_ms":-1}}`:          CodeInvalidConfig,
		`{"scanner":{"aim":"maybe"}}`:                       CodeInvalidConfig,
		`{"scanner":{"port":"COM3","reconnect_max_ms":10}}`: CodeInvalidConfig,
		`{"scanner":{"prefix":"\r"}}`:                       CodeInvalidConfig,
	}
	for text, want := range bad {
		if _, err := ParseConfig([]byte(text)); CodeOf(err) != want {
			t.Errorf("%s: got %v (%v), want %v", text, CodeOf(err), err, want)
		}
	}
}

func TestASubmittedCodeIsClassifiedAndQueuedLikeAScan(t *testing.T) {
	c := newSimClient(t, "")
	if err := c.Scans().SubmitScan("]Q1" + tokenQR("4791234567") + "\r\n"); err != nil {
		t.Fatal(err)
	}
	ev, err := c.Scans().NextScan(context.Background(), 0, nil)
	if err != nil || ev.Kind != scanner.EventScan || ev.Source != scanner.SourceSubmitted ||
		ev.Scan.Kind != scanner.KindVippsTokenQR || ev.Scan.AIM != "]Q1" || ev.Scan.Text != tokenQR("4791234567") {
		t.Fatalf("got %+v, %v", ev, err)
	}
	for _, text := range []string{"", "\r\n", "a\r\nb", strings.Repeat("9", 2000)} {
		err := c.Scans().SubmitScan(text)
		if CodeOf(err) != CodeInvalidArgument || strings.Contains(err.Error(), "999999") {
			t.Errorf("%.20q: got %v", text, err)
		}
	}
	if ev, err := c.Scans().NextScan(context.Background(), time.Millisecond, nil); err != nil || ev.Kind != scanner.EventNone {
		t.Fatalf("refused submissions queued %+v, %v", ev, err)
	}
}

func TestScansGoToTheHandlerWhileOneIsSet(t *testing.T) {
	c := newSimClient(t, "")
	got := make(chan scanner.Event, 4)
	if err := c.Scans().OnScan(func(ev scanner.Event) { got <- ev }, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Scans().SubmitScan("7038010055720"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.Scan.Kind != scanner.KindEAN13 {
			t.Fatalf("got %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was not called")
	}
	if err := c.Scans().OnScan(nil, false); err != nil {
		t.Fatal(err)
	}
	_ = c.Scans().SubmitScan("96385074")
	if ev, _ := c.Scans().NextScan(context.Background(), 0, nil); ev.Scan.Kind != scanner.KindEAN8 || len(got) != 0 {
		t.Fatalf("got %+v after the handler was removed", ev)
	}
}

func TestAClosedClientRefusesScanCallsAndEndsAWaitingPuller(t *testing.T) {
	cfg, _ := ParseConfig([]byte(`{}`))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan error, 1)
	go func() {
		_, err := c.Scans().NextScan(context.Background(), time.Minute, nil)
		result <- err
	}()
	time.Sleep(20 * time.Millisecond) // most likely inside by now; either way it must end
	c.Close()
	if err := <-result; CodeOf(err) != CodeInvalidHandle {
		t.Fatalf("the waiting puller got %v", err)
	}
	for _, err := range []error{c.Scans().SubmitScan("x"), c.Scans().OnScan(nil, false), func() error { _, err := c.Scans().NextScan(context.Background(), 0, nil); return err }()} {
		if CodeOf(err) != CodeInvalidHandle {
			t.Errorf("got %v", err)
		}
	}
}

func TestScanTakeRefusalKeepsTheEvent(t *testing.T) {
	c := newSimClient(t, "")
	_ = c.Scans().SubmitScan("hello")
	small := errors.New("small")
	if _, err := c.Scans().NextScan(context.Background(), 0, func(scanner.Event) error { return small }); !errors.Is(err, small) {
		t.Fatalf("got %v", err)
	}
	if ev, _ := c.Scans().NextScan(context.Background(), 0, nil); ev.Scan.Text != "hello" {
		t.Fatalf("got %+v", ev)
	}
}

func tokenQR(msisdn string) string { return "https://qr.vipps.no/p/sim-" + msisdn }
