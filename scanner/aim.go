package scanner

// An AIM symbology identifier (ISO/IEC 15424) is three characters the scanner sends before
// the data when told to: "]", a letter naming the symbology and a modifier character, e.g.
// "]Q1" QR Code, "]E0" EAN-13 or UPC-A, "]E4" EAN-8, "]C0" Code 128, "]C1" GS1-128.

// symbologies maps the AIM symbology letter to its name.
var symbologies = map[byte]string{
	'A': "Code 39", 'B': "Telepen", 'C': "Code 128", 'D': "Code One", 'E': "EAN/UPC",
	'F': "Codabar", 'G': "Code 93", 'H': "Code 11", 'I': "Interleaved 2 of 5", 'K': "Code 16K",
	'L': "PDF417", 'M': "MSI", 'N': "Anker", 'O': "Codablock", 'P': "Plessey", 'Q': "QR Code",
	'R': "Straight 2 of 5 (2 bars)", 'S': "Straight 2 of 5 (3 bars)", 'T': "Code 49",
	'U': "MaxiCode", 'X': "other barcode", 'Z': "non-barcode", 'c': "Channel Code",
	'd': "Data Matrix", 'e': "GS1 DataBar", 'h': "Han Xin", 'o': "OCR", 'z': "Aztec",
}

// SplitAIM splits a leading AIM symbology identifier off frame. It returns "" and frame
// unchanged when frame does not start with one: "]" followed by a known symbology letter and
// a modifier in 0-9, A-Z or a-z.
func SplitAIM(frame string) (aim, rest string) {
	if len(frame) < 3 || frame[0] != ']' {
		return "", frame
	}
	if _, ok := symbologies[frame[1]]; !ok || !isAlnum(frame[2]) {
		return "", frame
	}
	return frame[:3], frame[3:]
}

// Symbology names the symbology of an AIM identifier ("QR Code", "EAN/UPC"); "" for none.
func Symbology(aim string) string {
	if len(aim) != 3 {
		return ""
	}
	return symbologies[aim[1]]
}

// twoDimensional reports whether the AIM letter names a matrix or stacked symbology, which
// carries text rather than a product number.
func twoDimensional(letter byte) bool {
	switch letter {
	case 'Q', 'd', 'z', 'L', 'U', 'h', 'D', 'K', 'O', 'T':
		return true
	}
	return false
}

func isAlnum(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
