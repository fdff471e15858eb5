package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestAReceiptIsPostedOnceAndReadBack(t *testing.T) {
	r := instantRig(t)
	body := encode(t, validReceipt())
	a := r.postReceipt("ecom", "order-1.a_b", body)
	if a.status != http.StatusCreated || a.header.Get("Content-Type") != contentJSON {
		t.Fatalf("POST: %v", a)
	}
	var id string
	mustDecode(t, a.body, &id)
	if !uuidPattern.MatchString(id) {
		t.Fatalf("the answer %s is not a JSON string holding an id", a.body)
	}

	e := wantOrderError(t, r.postReceipt("ecom", "order-1.a_b", body), http.StatusConflict, "orderId")
	if e.Title != "Conflict" {
		t.Fatalf("409 %+v", e)
	}
	wantOrderError(t, r.postReceipt("ECOM", "order-1.a_b", encode(t, buildReceipt(bottomSet("posId", "other")))), http.StatusConflict, "orderId")

	got := r.epay(http.MethodGet, "/order-management/v2/Ecom/order-1.a_b", "")
	if got.status != http.StatusOK {
		t.Fatalf("GET: %v", got)
	}
	var order struct {
		Category *json.RawMessage `json:"category"`
		Receipt  json.RawMessage  `json:"receipt"`
	}
	if err := wirejson.UnmarshalStrict(got.body, &order); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got.body, []byte(`"category":null`)) || string(order.Receipt) != compactJSON(t, body) {
		t.Fatalf("GET answered %s", got.body)
	}
	if rc, ok := r.srv.Receipt(DefaultCredentials.MSN, "order-1.a_b"); !ok || string(rc) != compactJSON(t, body) {
		t.Fatalf("Server.Receipt: %s %v", rc, ok)
	}

	// Another payment type is another order.
	if a := r.postReceipt("recurring", "order-1.a_b", body); a.status != http.StatusCreated {
		t.Fatalf("the RECURRING order: %v", a)
	}
	wantOrderError(t, r.epay(http.MethodGet, "/order-management/v2/ecom/no-such-order", ""), http.StatusNotFound, "orderId")
	if _, ok := r.srv.Receipt(DefaultCredentials.MSN, "no-such-order"); ok {
		t.Fatal("Server.Receipt found an order without a receipt")
	}
}

func TestOrderManagementDoesNotCheckThatTheOrderExists(t *testing.T) {
	r := instantRig(t)
	if _, ok := r.srv.Payment("never-created-1"); ok {
		t.Fatal("setup")
	}
	if a := r.postReceipt("ecom", "never-created-1", encode(t, validReceipt())); a.status != http.StatusCreated {
		t.Fatalf("a receipt for an order that does not exist: %v", a)
	}
	// The payment may come later; its snapshot then shows the order's receipt.
	r.create("never-created-1", 1500, "4791234567")
	if snap, _ := r.srv.Payment("never-created-1"); string(snap.Receipt) != compactJSON(t, encode(t, validReceipt())) {
		t.Fatalf("snapshot receipt %s", snap.Receipt)
	}
}

func TestAReceiptGivenInCreatePaymentIsTheOrdersReceipt(t *testing.T) {
	r := instantRig(t)
	body := createWithReceipt(t, "with-receipt-1", 1500, validReceipt())
	if a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "wr1"); a.status != http.StatusCreated {
		t.Fatalf("create: %v", a)
	}
	want := compactJSON(t, encode(t, validReceipt()))
	snap, _ := r.srv.Payment("with-receipt-1")
	if string(snap.Receipt) != want {
		t.Fatalf("snapshot receipt %s", snap.Receipt)
	}
	if rc, ok := r.srv.Receipt(DefaultCredentials.MSN, "with-receipt-1"); !ok || string(rc) != want {
		t.Fatalf("Server.Receipt %s %v", rc, ok)
	}
	wantOrderError(t, r.postReceipt("ecom", "with-receipt-1", encode(t, validReceipt())), http.StatusConflict, "orderId")
	if a := r.epay(http.MethodGet, "/order-management/v2/ecom/with-receipt-1", ""); a.status != http.StatusOK || !bytes.Contains(a.body, []byte(want)) {
		t.Fatalf("GET: %v", a)
	}
	// An idempotent replay of the create stores nothing twice and a failed create nothing.
	if a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "wr1"); a.status != http.StatusCreated {
		t.Fatalf("replay: %v", a)
	}
	bad := createWithReceipt(t, "with-receipt-2", 1500, buildReceipt(rcDel("bottomLine")))
	wantProblem(t, r.epay(http.MethodPost, "/epayment/v1/payments", bad, "Idempotency-Key", "wr2"), http.StatusBadRequest, codeMissingParameter)
	if a := r.postReceipt("ecom", "with-receipt-2", encode(t, validReceipt())); a.status != http.StatusCreated {
		t.Fatalf("after a refused create the order has no receipt yet: %v", a)
	}
}

func TestOrderManagementChecksHeadersAndPath(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	b, p := r.loginUnit(unitB), r.loginPartner(partner)
	body := encode(t, validReceipt())
	cases := []struct {
		name   string
		path   string
		send   func(path string) answer
		status int
		field  string // an ErrorResponse naming it; "" a gateway problem+json
	}{
		{"a request without a token is 401", "/order-management/v2/ecom/receipts/hdr-1",
			func(path string) answer {
				return r.do(http.MethodPost, path, body, "Ocp-Apim-Subscription-Key", unitA.SubscriptionKey, "Merchant-Serial-Number", unitA.MSN)
			}, http.StatusUnauthorized, ""},
		{"a request without a subscription key is 401", "/order-management/v2/ecom/receipts/hdr-2",
			func(path string) answer {
				return r.do(http.MethodPost, path, body, "Authorization", "Bearer "+r.token, "Merchant-Serial-Number", unitA.MSN)
			}, http.StatusUnauthorized, ""},
		{"a request without Merchant-Serial-Number is 400", "/order-management/v2/ecom/receipts/hdr-3",
			func(path string) answer { return r.as(r.loginUnit(unitA), "", http.MethodPost, path, body) }, http.StatusBadRequest, "Merchant-Serial-Number"},
		{"another sales unit's MSN is 403", "/order-management/v2/ecom/receipts/hdr-4",
			func(path string) answer { return r.as(b, unitA.MSN, http.MethodPost, path, body) }, http.StatusForbidden, ""},
		{"partner keys without Merchant-Serial-Number are 403", "/order-management/v2/ecom/receipts/hdr-5",
			func(path string) answer { return r.as(p, "", http.MethodPost, path, body) }, http.StatusForbidden, ""},
		{"partner keys with a listed MSN are accepted", "/order-management/v2/ecom/receipts/hdr-6",
			func(path string) answer { return r.as(p, "333333", http.MethodPost, path, body) }, http.StatusCreated, ""},
		{"an unknown payment type is 400", "/order-management/v2/shop/receipts/hdr-7",
			func(path string) answer { return r.epay(http.MethodPost, path, body) }, http.StatusBadRequest, "paymentType"},
		{"an order id with a space is 400", "/order-management/v2/ecom/receipts/hdr%208",
			func(path string) answer { return r.epay(http.MethodPost, path, body) }, http.StatusBadRequest, "orderId"},
		{"an order id with an escaped slash is 400", "/order-management/v2/ecom/receipts/hdr%2F9",
			func(path string) answer { return r.epay(http.MethodPost, path, body) }, http.StatusBadRequest, "orderId"},
		{"reading with another sales unit's MSN is 403", "/order-management/v2/ecom/hdr-6",
			func(path string) answer { return r.as(b, "333333", http.MethodGet, path, "") }, http.StatusForbidden, ""},
		{"reading an unknown payment type is 400", "/order-management/v2/shop/hdr-6",
			func(path string) answer { return r.as(p, "333333", http.MethodGet, path, "") }, http.StatusBadRequest, "paymentType"},
		{"the partner reads what it posted", "/order-management/v2/ECOM/hdr-6",
			func(path string) answer { return r.as(p, "333333", http.MethodGet, path, "") }, http.StatusOK, ""},
		{"the same order under another MSN is another order", "/order-management/v2/ecom/hdr-6",
			func(path string) answer { return r.epay(http.MethodGet, path, "") }, http.StatusNotFound, "orderId"},
		{"a wrong method is 405", "/order-management/v2/ecom/receipts/hdr-10",
			func(path string) answer { return r.epay(http.MethodPut, path, body) }, http.StatusMethodNotAllowed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.send(tc.path)
			switch {
			case tc.field != "":
				wantOrderError(t, a, tc.status, tc.field)
			case tc.status >= 400:
				wantProblem(t, a, tc.status, 0)
			case a.status != tc.status:
				t.Fatalf("got %v, want %d", a, tc.status)
			}
		})
	}
	if _, ok := r.srv.Receipt("333333", "hdr-6"); !ok {
		t.Fatal("the partner's receipt is not stored under its MSN")
	}
	if _, ok := r.srv.Receipt(unitA.MSN, "hdr-6"); ok {
		t.Fatal("the partner's receipt leaked to another MSN")
	}
}

func TestFaultsHitTheReceiptOperations(t *testing.T) {
	r := newFaultRig(t, Options{})
	body := encode(t, validReceipt())
	post := func(orderID string) attempt {
		return r.try(time.Second, http.MethodPost, "/order-management/v2/ecom/receipts/"+orderID, body, r.authHeaders()...)
	}
	// A dropped answer after commit: the receipt is stored, so the retry is 409.
	r.inject(Fault{Kind: FaultDropAfterCommit, Operation: OperationReceipt, Reference: "fault-order-1"})
	if at := post("fault-order-2"); at.err != nil || at.status != http.StatusCreated {
		t.Fatalf("another order is not hit: %+v", at)
	}
	if at := post("fault-order-1"); at.err == nil {
		t.Fatalf("the dropped request got an answer: %v", at.answer)
	}
	if _, ok := r.srv.Receipt(DefaultCredentials.MSN, "fault-order-1"); !ok {
		t.Fatal("drop_after_commit did not commit the receipt")
	}
	if at := post("fault-order-1"); at.err != nil || at.status != http.StatusConflict {
		t.Fatalf("retry: %+v", at)
	}
	// A status fault on the read changes nothing and answers the status.
	r.inject(Fault{Kind: FaultStatus, Operation: OperationGetReceipt, Status: http.StatusServiceUnavailable, RetryAfter: time.Second})
	at := r.try(time.Second, http.MethodGet, "/order-management/v2/ecom/fault-order-1", "", r.authHeaders()...)
	if at.err != nil || at.status != http.StatusServiceUnavailable || at.header.Get("Retry-After") != "1" {
		t.Fatalf("get_receipt fault: %+v", at)
	}
	if at := r.try(time.Second, http.MethodGet, "/order-management/v2/ecom/fault-order-1", "", r.authHeaders()...); at.err != nil || at.status != http.StatusOK {
		t.Fatalf("after the fault: %+v", at)
	}
	st := r.srv.Stats()
	if st.FaultsInjected[FaultDropAfterCommit] != 1 || st.FaultsInjected[FaultStatus] != 1 {
		t.Fatalf("faults injected %v", st.FaultsInjected)
	}
	if _, err := r.srv.InjectFault(Fault{Kind: FaultCloseBefore, Operation: "receipts"}); !errors.Is(err, ErrInvalidFault) {
		t.Fatalf("an unknown operation: %v", err)
	}
}
