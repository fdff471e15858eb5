package core

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

func TestSalesUnitConfigIsChecked(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"a unit without a name", `{"sales_units":[{"msn":"234567"}]}`, "name"},
		{"a unit listed twice", `{"sales_units":[{"name":"b","msn":"234567"},{"name":"b","msn":"345678"}]}`, "twice"},
		{"a unit without an MSN", `{"sales_units":[{"name":"b"}]}`, "msn"},
		{"a unit with half its keys", `{"environment":"simulator","sales_units":[{"name":"b","msn":"234567","client_id":"x"}]}`, "all of"},
		{"a keyless unit outside the simulator without partner keys", `{"environment":"test","client_id":"a","client_secret":"b","subscription_key":"c","msn":"123456","sales_units":[{"name":"b","msn":"234567"}]}`, "no partner keys"},
		{"incomplete partner keys", `{"environment":"simulator","partner":{"client_id":"p"}}`, "partner needs"},
		{"a malformed reference prefix", `{"sales_units":[{"name":"b","msn":"234567","reference_prefix":"a b"}]}`, "reference_prefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.json))
			if CodeOf(err) != CodeInvalidConfig || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one about %q", err, tc.want)
			}
		})
	}
	for _, ok := range []string{
		`{"environment":"test","msn":"123456","partner":{"client_id":"p","client_secret":"s","subscription_key":"k"},"sales_units":[{"name":"b","msn":"234567"}]}`,
		`{"environment":"production","client_id":"a","client_secret":"b","subscription_key":"c","msn":"123456","sales_units":[{"name":"b","msn":"234567","client_id":"x","client_secret":"y","subscription_key":"z"}]}`,
	} {
		if _, err := ParseConfig([]byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

var (
	storeA = sim.Credentials{ClientID: "store-a-id", ClientSecret: "store-a-secret", SubscriptionKey: "store-a-key", MSN: "111111"}
	storeB = sim.Credentials{ClientID: "store-b-id", ClientSecret: "store-b-secret", SubscriptionKey: "store-b-key", MSN: "222222"}
)

func chainClient(t *testing.T, s *sim.Server, extra string) *Client {
	t.Helper()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"environment":"simulator","base_url":%q,"journal_path":%q%s}`, s.URL(), filepath.Join(t.TempDir(), "j.db"), extra)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func keysJSON(c sim.Credentials) string {
	return fmt.Sprintf(`"client_id":%q,"client_secret":%q,"subscription_key":%q,"msn":%q`, c.ClientID, c.ClientSecret, c.SubscriptionKey, c.MSN)
}

func TestATillRefundsAPaymentMadeInAnotherStore(t *testing.T) {
	s, err := sim.Start(sim.Options{SalesUnits: []sim.Credentials{storeA, storeB}, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	// The sale happens in store A.
	tillA := chainClient(t, s, ","+keysJSON(storeA))
	req, _ := ParseCheckout([]byte(`{"amount":20000,"phone_number":"4712345678","reference":"chain-sale-000001"}`))
	ref, err := tillA.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tillA.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := tillA.OwnUnit().Capture(ctx, ref, 20000, "sale-1"); err != nil {
		t.Fatal(err)
	}

	// The customer returns the goods in store B, whose till knows store A by name.
	tillB := chainClient(t, s, ","+keysJSON(storeB)+`,"sales_units":[{"name":"store-a",`+keysJSON(storeA)+`}]`)
	_, err = tillB.OwnUnit().Refund(ctx, ref, 5000, "return-1")
	wantCode(t, err, CodeNotFound, "5090") // as store B, the payment does not exist
	p, err := unitOf(t, tillB, "store-a").Refund(ctx, ref, 5000, "return-1")
	if err != nil || p.Refunded != 5000 {
		t.Fatalf("refund for store A: %+v, %v", p, err)
	}
	snap, ok := s.PaymentOf(storeA.MSN, ref)
	if !ok || snap.Aggregate.RefundedAmount.Value != 5000 {
		t.Fatalf("the simulator's payment under store A: %+v", snap)
	}
	pending, _ := tillB.Pending()
	if len(pending.Open)+len(pending.Unacknowledged) != 0 {
		t.Fatalf("pending %+v", pending)
	}
	_, err = tillB.Unit("store-c")
	wantCode(t, err, CodeInvalidArgument, "")
}

func TestPartnerKeysSendTheChosenUnitsMSN(t *testing.T) {
	partner := sim.PartnerCredentials{ClientID: "partner-id", ClientSecret: "partner-secret", SubscriptionKey: "partner-key", MSNs: []string{"111111", "222222"}}
	s, err := sim.Start(sim.Options{SalesUnits: []sim.Credentials{storeA, storeB, {ClientID: "c", ClientSecret: "c", SubscriptionKey: "c", MSN: "333333"}},
		Partners: []sim.PartnerCredentials{partner}, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	partnerJSON := `"partner":{"client_id":"partner-id","client_secret":"partner-secret","subscription_key":"partner-key"}`
	c := chainClient(t, s, `,"msn":"111111",`+partnerJSON+`,"sales_units":[{"name":"b","msn":"222222"},{"name":"c","msn":"333333"}]`)
	ctx := context.Background()
	for unit, msn := range map[string]string{"": "111111", "b": "222222"} {
		req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"4712345678","reference":"partner-ref-0001"}`))
		if _, err := unitOf(t, c, unit).StartCheckout(ctx, req); err != nil {
			t.Fatalf("unit %q: %v", unit, err)
		}
		if _, ok := s.PaymentOf(msn, "partner-ref-0001"); !ok {
			t.Fatalf("unit %q: the payment is not under MSN %s", unit, msn)
		}
	}
	// The same reference lives once per MSN, and the journal keeps them apart.
	if pending, _ := c.Pending(); len(pending.Open) != 0 {
		t.Fatalf("pending %+v", pending)
	}
	// The partner may not act for MSN 333333.
	req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"4712345678"}`))
	_, err = unitOf(t, c, "c").StartCheckout(ctx, req)
	wantCode(t, err, CodeAuth, "")
}

func TestAnEmbeddedSimulatorKnowsTheConfiguredUnits(t *testing.T) {
	c := newSimClient(t, `,"sales_units":[{"name":"bergen","msn":"234567","reference_prefix":"bgo"}]`)
	req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"4712345678"}`))
	ref, err := unitOf(t, c, "bergen").StartCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref, "bgo-") {
		t.Fatalf("reference %q does not carry the unit's prefix", ref)
	}
	if _, ok := c.Simulator().PaymentOf("234567", ref); !ok {
		t.Fatal("the payment is not under the unit's MSN")
	}
	// The customer's phone page calls the unit by its configured name, not "Sales unit <MSN>".
	resp, err := http.Get(c.SimulatorURL() + "/sim/ui/phone/4712345678")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "bergen") || strings.Contains(string(page), "Sales unit 234567") {
		t.Fatalf("the phone page does not call the unit by its name:\n%s", page)
	}
}

// unitOf is c's sales unit of that name; the test fails if the configuration has none.
func unitOf(t testing.TB, c *Client, name string) *Unit {
	t.Helper()
	u, err := c.Unit(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
