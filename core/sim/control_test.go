package sim

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

func TestTheControlAPIDecidesPendingPayments(t *testing.T) {
	cases := []struct {
		name   string
		action string
		want   State
	}{
		{"approve makes a waiting payment AUTHORIZED", "approve", StateAuthorized},
		{"reject makes a waiting payment ABORTED", "reject", StateAborted},
		{"expire makes a waiting payment EXPIRED", "expire", StateExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{})
			r.create("control-http-1", 1000, MSISDNWaitsForControl)
			a := r.do(http.MethodPost, "/sim/payments/control-http-1/"+tc.action, "")
			if a.status != http.StatusNoContent || len(a.body) != 0 {
				t.Fatalf("first %s: %v", tc.action, a)
			}
			if s := r.state("control-http-1"); s != tc.want {
				t.Fatalf("state %s, want %s", s, tc.want)
			}
			wantProblem(t, r.do(http.MethodPost, "/sim/payments/control-http-1/"+tc.action, ""), http.StatusConflict, 0)
			wantProblem(t, r.do(http.MethodPost, "/sim/payments/no-such-payment/"+tc.action, ""), http.StatusNotFound, 0)
		})
	}
}

func TestTheControlMethodsReportWhyTheyCannotAct(t *testing.T) {
	r := instantRig(t)
	r.create("control-go-01", 1000, "4791234567")
	if err := r.srv.Approve("nope-nope-nope"); !errors.Is(err, ErrUnknownPayment) {
		t.Fatalf("Approve of an unknown payment: %v", err)
	}
	if err := r.srv.Reject("control-go-01"); !errors.Is(err, ErrNotPending) {
		t.Fatalf("Reject of an authorized payment: %v", err)
	}
	if err := r.srv.Expire("control-go-01"); !errors.Is(err, ErrNotPending) {
		t.Fatalf("Expire of an authorized payment: %v", err)
	}
}

func TestTheControlSnapshotShowsThePayment(t *testing.T) {
	r := instantRig(t)
	r.create("control-snap-1", 2500, "4712345678")
	r.capture("control-snap-1", 2500, "cap")
	a := r.do(http.MethodGet, "/sim/payments/control-snap-1", "")
	if a.status != http.StatusOK {
		t.Fatalf("snapshot: %v", a)
	}
	var snap PaymentSnapshot
	if err := wirejson.UnmarshalStrict(a.body, &snap); err != nil {
		t.Fatal(err)
	}
	direct, ok := r.srv.Payment("control-snap-1")
	if !ok {
		t.Fatal("Payment: not found")
	}
	if snap.State != StateAuthorized || snap.Aggregate.CapturedAmount.Value != 2500 || len(snap.Events) != 3 ||
		snap.CustomerMSISDN != "4712345678" || snap.IdempotencyKey != "create-control-snap-1" ||
		snap.PSPReference != direct.PSPReference || !snap.CreatedAt.Equal(simStart) || !snap.ExpiresAt.Equal(simStart.Add(10*time.Minute)) {
		t.Fatalf("snapshot %+v", snap)
	}
	direct.Events[0].Name = "MUTATED"
	if again, _ := r.srv.Payment("control-snap-1"); again.Events[0].Name != EventCreated {
		t.Fatal("a snapshot shares its event log with the simulator")
	}
	wantProblem(t, r.do(http.MethodGet, "/sim/payments/no-such-payment", ""), http.StatusNotFound, 0)
	if _, ok := r.srv.Payment("no-such-payment"); ok {
		t.Fatal("Payment found an unknown reference")
	}
}

func TestTheClockEndpointsMoveAFakeClock(t *testing.T) {
	r := newRig(t, Options{})
	r.create("clock-advance-1", 1000, MSISDNNeverAnswers)
	a := r.do(http.MethodPost, "/sim/clock/advance", `{"ms":600000}`)
	if a.status != http.StatusOK {
		t.Fatalf("advance: %v", a)
	}
	var now clockAnswer
	mustDecode(t, a.body, &now)
	if !now.Now.Equal(simStart.Add(10*time.Minute)) || !r.clock.Now().Equal(now.Now) {
		t.Fatalf("clock at %v", now.Now)
	}
	if s := r.state("clock-advance-1"); s != StateExpired {
		t.Fatalf("state %s", s)
	}
	got := r.do(http.MethodGet, "/sim/clock", "")
	mustDecode(t, got.body, &now)
	if !now.Now.Equal(simStart.Add(10 * time.Minute)) {
		t.Fatalf("GET /sim/clock: %s", got.body)
	}
	for _, body := range []string{``, `{}`, `{"ms":-1}`, `{"ms":1.5}`, `{"ms":"10"}`, `[`} {
		wantProblem(t, r.do(http.MethodPost, "/sim/clock/advance", body), http.StatusBadRequest, 0)
	}
}

func TestTheRealClockCannotBeAdvanced(t *testing.T) {
	r := newRig(t, Options{Clock: realClock{}})
	wantProblem(t, r.do(http.MethodPost, "/sim/clock/advance", `{"ms":1000}`), http.StatusConflict, 0)
}
