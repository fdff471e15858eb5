package core

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/sim"
)

func TestACustomerIsIdentifiedByPersonalQROrTypedNumber(t *testing.T) {
	c := newSimClient(t, `,"default_country_code":"47"`)
	cases := []struct {
		name   string
		input  string
		want   string
		fromQR bool
	}{
		{"a tokenised personal QR is exchanged", sim.PersonalQR("4791234567"), "4791234567", true},
		{"a legacy personal QR is exchanged, not parsed", sim.LegacyPersonalQR("4712345678"), "4712345678", true},
		{"a scanned code with blanks around is exchanged", "  " + sim.PersonalQR(sim.MSISDNClubMember) + "\r\n", sim.MSISDNClubMember, true},
		{"a typed international number is normalised", "+47 912 34 567", "4791234567", false},
		{"a typed national number takes the default country", "912 34 567", "4791234567", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Club().IdentifyCustomer(context.Background(), tc.input)
			if err != nil || got.MSISDN != tc.want || got.FromPersonalQR != tc.fromQR {
				t.Fatalf("IdentifyCustomer = %+v, %v", got, err)
			}
		})
	}
	if n := c.Simulator().Stats().Requests["POST /qr/v1/exchange"]; n != 3 {
		t.Fatalf("%d exchanges, want 3 (typed numbers need none)", n)
	}
}

func TestWhatIsNeitherANumberNorAPersonalQRIsAnInvalidCustomer(t *testing.T) {
	c := newSimClient(t, "")
	cases := []struct {
		name    string
		input   string
		errText string
	}{
		{"an empty input", "  ", "empty"},
		{"a national number without a default country", "912 34 567", "default_country_code"},
		{"a number with letters in it is a code, and not a personal QR", "47912345ab", "personal QR"},
		{"a code Vipps never issued", "https://qr.vipps.no/p/secret-token-xyz", "personal QR"},
		{"a product barcode URL", "https://example.com/product/1234", "personal QR"},
		{"a code too long to be a personal QR", "https://qr.vipps.no/p/" + strings.Repeat("x", 1100), "5 to 1024"},
		{"a code too short to be a personal QR", "abc", "5 to 1024"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Club().IdentifyCustomer(context.Background(), tc.input)
			wantCode(t, err, CodeInvalidCustomer, "")
			if !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("error %q does not mention %q", err, tc.errText)
			}
			if strings.Contains(err.Error(), "secret-token") || strings.Contains(err.Error(), "xxxxxxxxxx") || strings.Contains(err.Error(), "4791234") || strings.Contains(err.Error(), "91234") {
				t.Fatalf("error %q shows the scanned code or number", err)
			}
		})
	}
}

func TestIdentifyReportsAnUnreachableVippsAndAClosedClient(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := newClientFor(t, "http://"+addr, `,"timeouts":{"connect_ms":200,"request_ms":500,"operation_ms":1500}`)
	_, err := c.Club().IdentifyCustomer(context.Background(), sim.PersonalQR("4791234567"))
	wantCode(t, err, CodeNetwork, "")
	c.Close()
	_, err = c.Club().IdentifyCustomer(context.Background(), sim.PersonalQR("4791234567"))
	wantCode(t, err, CodeInvalidHandle, "")
}
