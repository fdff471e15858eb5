package qrcode

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decodeQR reads a QR image back with an independent decoder (ZXing's Go port).
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

func TestTheQRImagesHoldTheTargetURL(t *testing.T) {
	for _, url := range []string{
		"http://127.0.0.1:41234/sim/qr/3f9c2a77e1b04d6a",
		"https://qr.vipps.no/p/" + strings.Repeat("Ab9", 30),
	} {
		q, err := Encode(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("the PNG decodes back", func(t *testing.T) {
			data, err := q.PNG(400)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w > 400 || w < 400-(q.Size+2*quietZone) {
				t.Fatalf("asked 400 px, got %d", w)
			}
			if got := decodeQR(t, img); got != url {
				t.Fatalf("decoded %q, want %q", got, url)
			}
		})
		t.Run("the module matrix decodes back", func(t *testing.T) {
			rows := q.Rows()
			if len(rows) != q.Size || len(rows[0]) != q.Size {
				t.Fatalf("matrix %dx%d, size %d", len(rows), len(rows[0]), q.Size)
			}
			// Draw the matrix as a display would, 4 px a module with the quiet zone.
			n := q.Size + 2*quietZone
			img := image.NewGray(image.Rect(0, 0, n*4, n*4))
			for i := range img.Pix {
				img.Pix[i] = 0xff
			}
			for y, row := range rows {
				for x, c := range row {
					if c == '1' {
						for d := 0; d < 16; d++ {
							img.Pix[((y+quietZone)*4+d/4)*img.Stride+(x+quietZone)*4+d%4] = 0
						}
					}
				}
			}
			if got := decodeQR(t, img); got != url {
				t.Fatalf("decoded %q, want %q", got, url)
			}
		})
		t.Run("the SVG draws every dark module once", func(t *testing.T) {
			svg := q.SVG()
			dark := 0
			for _, r := range q.Rows() {
				dark += strings.Count(r, "1")
			}
			if got := strings.Count(svg, "h1v1h-1z"); got != dark || !strings.HasPrefix(svg, "<svg") {
				t.Fatalf("%d squares for %d dark modules", got, dark)
			}
		})
	}
}

func TestATinyPNGStillHasOnePixelPerModule(t *testing.T) {
	q, _ := Encode("https://example.test/x")
	data, err := q.PNG(1)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := png.Decode(bytes.NewReader(data))
	if img.Bounds().Dx() != q.Size+2*quietZone {
		t.Fatalf("width %d", img.Bounds().Dx())
	}
}
