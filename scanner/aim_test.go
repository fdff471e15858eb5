package scanner

import "testing"

func TestAIMIdentifiersAreSplitOffOnlyWhenWellFormed(t *testing.T) {
	cases := []struct{ in, aim, rest string }{
		{"]Q1https://x", "]Q1", "https://x"},
		{"]E07038010055720", "]E0", "7038010055720"},
		{"]C1ABC", "]C1", "ABC"},
		{"]d2data", "]d2", "data"},
		{"]E0", "]E0", ""},
		{"]Y1data", "", "]Y1data"}, // Y is no symbology
		{"]Q-data", "", "]Q-data"}, // the modifier must be alphanumeric
		{"]Q", "", "]Q"},           // too short
		{"Q1]data", "", "Q1]data"}, // not at the front
		{"", "", ""},
	}
	for _, c := range cases {
		aim, rest := SplitAIM(c.in)
		if aim != c.aim || rest != c.rest {
			t.Errorf("SplitAIM(%q) = %q, %q; want %q, %q", c.in, aim, rest, c.aim, c.rest)
		}
	}
	if Symbology("]Q1") != "QR Code" || Symbology("]E0") != "EAN/UPC" || Symbology("") != "" {
		t.Error("symbology names are wrong")
	}
}
