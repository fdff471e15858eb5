package scanner

import "testing"

func TestCodesAreClassified(t *testing.T) {
	cases := []struct {
		name, text, aim string
		want            Kind
	}{
		{"a legacy Vipps personal QR", "https://qr.vipps.no/28/2/01/031/4791234567?v=1", "]Q1", KindVippsLegacyQR},
		{"a legacy personal QR without AIM id", "https://qr.vipps.no/28/2/01/031/4712345678?v=1", "", KindVippsLegacyQR},
		{"a legacy personal QR with an upper-case scheme and host", "HTTPS://QR.VIPPS.NO/28/2/01/031/4791234567?v=1", "", KindVippsLegacyQR},
		{"a tokenised Vipps personal QR", "https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", "]Q1", KindVippsTokenQR},
		{"a tokenised personal QR holding digits", "https://qr.vipps.no/p/4796844569", "", KindVippsTokenQR},
		{"a legacy form with a too-short number is another personal QR", "https://qr.vipps.no/28/2/01/031/479123?v=1", "", KindPersonalQR},
		{"another path on qr.vipps.no is an opaque personal QR", "https://qr.vipps.no/q/abc", "", KindPersonalQR},
		{"a token with odd characters is an opaque personal QR", "https://qr.vipps.no/p/a%2Fb", "", KindPersonalQR},
		{"a MobilePay QR is an opaque personal QR", "https://qr.mobilepay.dk/xyz", "]Q1", KindPersonalQR},
		{"http is not a personal QR", "http://qr.vipps.no/p/abc", "", KindOther},
		{"another host is not a personal QR", "https://qr.vipps.no.example.com/p/abc", "", KindOther},
		{"user info cannot smuggle a host", "https://qr.vipps.no@evil.example/p/abc", "", KindOther},
		{"a port makes it another host", "https://qr.vipps.no:444/p/abc", "", KindOther},
		{"the bare host is not a personal QR", "https://qr.vipps.no/", "", KindOther},
		{"an EAN-13 with a valid check digit", "7038010055720", "", KindEAN13},
		{"an EAN-13 with AIM id", "5901234123457", "]E0", KindEAN13},
		{"an EAN-13 with a 2-digit add-on", "590123412345712", "]E3", KindEAN13},
		{"an EAN-8", "96385074", "]E4", KindEAN8},
		{"an EAN-8 without AIM id", "73513537", "", KindEAN8},
		{"a UPC-A", "036000291452", "", KindUPCA},
		{"a UPC-A sent as 13 digits is an EAN-13", "0036000291452", "]E0", KindEAN13},
		{"a wrong check digit without AIM id is other", "7038010055721", "", KindOther},
		{"a wrong check digit with an EAN AIM id is another barcode", "7038010055721", "]E0", KindBarcode},
		{"a UPC-E with an EAN AIM id is another barcode", "01234565", "]E0", KindBarcode},
		{"a UPC-E that is no EAN-8 either", "04252614", "]E0", KindBarcode},
		{"Code 128 by its AIM id", "ABC-123", "]C0", KindCode128},
		{"GS1-128 by its AIM id", "0107038010055720", "]C1", KindCode128},
		{"Code 128 holding a valid EAN stays Code 128", "7038010055720", "]C0", KindCode128},
		{"Code 39 is another barcode", "CODE39", "]A0", KindBarcode},
		{"GS1 DataBar is another barcode", "0107038010055720", "]e0", KindBarcode},
		{"a QR with a shop URL is other", "https://example.com/offer", "]Q1", KindOther},
		{"a Data Matrix is other", "0107038010055720", "]d2", KindOther},
		{"text without AIM id is other", "hello", "", KindOther},
		{"an empty text is other", "", "", KindOther},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Classify(c.text, c.aim); got != c.want {
				t.Fatalf("Classify(%q, %q) = %s, want %s", c.text, c.aim, got, c.want)
			}
		})
	}
}

func TestCheckDigitsFollowGS1(t *testing.T) {
	valid := []string{"7038010055720", "5901234123457", "96385074", "036000291452", "00012345600012", "4006381333931"}
	for _, s := range valid {
		if !ValidCheckDigit(s) {
			t.Errorf("%s: valid check digit refused", s)
		}
		wrong := s[:len(s)-1] + string('0'+(s[len(s)-1]-'0'+1)%10)
		if ValidCheckDigit(wrong) {
			t.Errorf("%s: wrong check digit accepted", wrong)
		}
	}
	if ValidCheckDigit("7") || ValidCheckDigit("") {
		t.Error("a lone digit has no check digit")
	}
}

func TestTheLegacyQRGivesItsPhoneNumberAndNothingElseDoes(t *testing.T) {
	if m, ok := LegacyMSISDN("https://qr.vipps.no/28/2/01/031/4791234567?v=1"); !ok || m != "4791234567" {
		t.Fatalf("got %q %v", m, ok)
	}
	for _, s := range []string{"https://qr.vipps.no/p/4791234567", "4791234567", "https://qr.vipps.no/28/2/01/031/47912?v=1"} {
		if m, ok := LegacyMSISDN(s); ok {
			t.Errorf("%q gave %q", s, m)
		}
	}
}

func TestKindsHaveNamesAndGroups(t *testing.T) {
	for k := KindOther; k <= KindBarcode; k++ {
		if k.String() == "unknown" || k.String() == "" {
			t.Errorf("kind %d has no name", k)
		}
		if k.IsPersonalQR() && k.IsProduct() {
			t.Errorf("%s is both personal QR and product", k)
		}
	}
	if Kind(99).String() != "unknown" || !KindVippsTokenQR.IsPersonalQR() || !KindCode128.IsProduct() || KindOther.IsProduct() {
		t.Error("kind groups are wrong")
	}
}
