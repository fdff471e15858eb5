package sim

import (
	"net/http"
	"testing"
)

func TestEPaymentCallsNeedTheGatewayHeaders(t *testing.T) {
	r := instantRig(t)
	r.create("auth-check-1", 1000, "4791234567")
	cases := []struct {
		name    string
		headers []string
		status  int
		code    int
	}{
		{"a missing subscription key is 401", []string{"Authorization", "Bearer " + r.token, "Merchant-Serial-Number", "123456"}, http.StatusUnauthorized, 0},
		{"a wrong subscription key is 401", []string{"Authorization", "Bearer " + r.token, "Ocp-Apim-Subscription-Key", "nope", "Merchant-Serial-Number", "123456"}, http.StatusUnauthorized, 0},
		{"a missing Authorization header is 401", []string{"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "123456"}, http.StatusUnauthorized, 0},
		{"a lower-case bearer is 401", []string{"Authorization", "bearer " + r.token, "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "123456"}, http.StatusUnauthorized, 0},
		{"a Basic authorization is 401", []string{"Authorization", "Basic c2ltOnNpbQ==", "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "123456"}, http.StatusUnauthorized, 0},
		{"a token the simulator never issued is 401", []string{"Authorization", "Bearer eyJ.forged.token", "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "123456"}, http.StatusUnauthorized, 0},
		{"a missing MSN is 400 with 4140", []string{"Authorization", "Bearer " + r.token, "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey}, http.StatusBadRequest, codeMissingParameter},
		{"a malformed MSN is 400", []string{"Authorization", "Bearer " + r.token, "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "12ab"}, http.StatusBadRequest, 0},
		{"another merchant's MSN is 403", []string{"Authorization", "Bearer " + r.token, "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "654321"}, http.StatusForbidden, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			a := r.do(http.MethodGet, "/epayment/v1/payments/auth-check-1", "", tc.headers...)
			wantProblem(t, a, tc.status, tc.code)
		})
	}
}

func TestHeadersAnOperationDoesNotUseAreIgnored(t *testing.T) {
	r := instantRig(t)
	r.create("ignored-headers", 1000, "4791234567")
	a := r.epay(http.MethodGet, "/epayment/v1/payments/ignored-headers", "",
		"Idempotency-Key", "a-key-on-a-get",
		"Vipps-System-Plugin-Name", "",
		"X-Unknown", "whatever")
	if a.status != http.StatusOK {
		t.Fatalf("GET with extra headers: %v", a)
	}
}

func TestEveryEPaymentEndpointChecksTheToken(t *testing.T) {
	r := instantRig(t)
	for _, rt := range newRouteTable() {
		if rt.guard != guardEPayment {
			continue
		}
		t.Run(rt.endpoint()+" without a token is 401", func(t *testing.T) {
			r := r.with(t)
			path := replaceReference(rt.pattern, "any-ref-123")
			a := r.do(rt.method, path, "{}", "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Merchant-Serial-Number", "123456")
			wantProblem(t, a, http.StatusUnauthorized, 0)
		})
	}
}

func replaceReference(pattern, ref string) string {
	out := []byte{}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '{' {
			out = append(out, ref...)
			for pattern[i] != '}' {
				i++
			}
			continue
		}
		out = append(out, pattern[i])
	}
	return string(out)
}
