package logs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/scanner"
)

// newTestSink is a sink at debug level outside any client: calls always enter.
func newTestSink() *Sink {
	enter := func(ctx context.Context) (context.Context, func(), error) { return ctx, func() {}, nil }
	return NewSink(Debug, enter, context.Background())
}

// recordText is everything a host sees of a record.
func recordText(r Record) string {
	return r.Component + " " + r.Message + " " + r.FieldsJSON()
}

func TestARecordAlwaysFitsTheTextSizeOfTheHeader(t *testing.T) {
	long := strings.Repeat("\x01", 4*maxLogValue)
	var fields []Field
	for i := 0; i < maxLogFields+4; i++ {
		fields = append(fields, Text(strings.Repeat("k", 30), long))
	}
	s := newTestSink()
	defer s.Close()
	s.Log(Error, strings.Repeat("c", 100), strings.Repeat("m", 10*maxLogMessage), fields...)
	r, _ := s.queue.Next(context.Background(), 0, nil)
	fj := r.FieldsJSON()
	if n := len(r.Component) + len(r.Message) + len(fj) + 3; n > MaxTextSize {
		t.Fatalf("the record needs %d bytes, more than %d", n, MaxTextSize)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(fj), &m); err != nil || m["truncated"] != true {
		t.Fatalf("a cut fields JSON %q is not valid JSON saying so: %v", fj, err)
	}
}

// TestEveryLogPathMasksPhoneNumbersAndPersonalQRs feeds phone numbers in the ways they are
// written and personal QRs through each way text reaches a record: the message, a free-text
// field, a Vipps error quoting them, a scan.
func TestEveryLogPathMasksPhoneNumbersAndPersonalQRs(t *testing.T) {
	personal := map[string]string{ // what is fed -> what must never show
		"+4791234567": "91234", "0047 912 34 567": "91234", "+47 91 23 45 67": "91234",
		"912-34-567": "91234", "+358 40 123 4567": "01234", "phone4791234567": "91234",
		"https://qr.vipps.no/28/2/01/031/4791234567?v=1": "91234",
		"https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe":    "qwjhewq",
		"https://qr.mobilepay.dk/abcdefsecret":           "abcdefsecret",
	}
	s := newTestSink()
	defer s.Close()
	for text, secret := range personal {
		problem := &vipps.Problem{HTTPStatus: 400, Title: "Bad Request", Detail: "invalid customer " + text}
		scan := scanner.Event{Kind: scanner.EventScan, Seq: 1, Scan: scanner.Scan{Text: text, Kind: scanner.Classify(text, "")}}
		s.Log(Warn, "payment", "customer "+text+" refused", Text("error", problem.Error()), Text("input", text))
		s.Log(Debug, "scanner", "scan: "+scan.Scan.String())
		for i := 0; i < 2; i++ {
			r, _ := s.queue.Next(context.Background(), 0, nil)
			shown := strings.NewReplacer(" ", "", "-", "").Replace(recordText(r))
			if strings.Contains(shown, secret) {
				t.Errorf("fed %q, the record shows it: %s", text, recordText(r))
			}
		}
	}
}
