// Package qrcode draws QR codes locally (SVG and PNG, with their quiet zone): the customer
// display's checkout QR in core and the simulated phone's personal QR in core/sim.
package qrcode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// Code is a QR code drawn locally from a target URL, so a customer display needs no image
// from the internet. Modules are the dark/light squares, without the quiet zone.
type Code struct {
	TargetURL string
	Size      int // modules per side
	dark      []bool
}

// quietZone is the light border, in modules, a QR code needs around it to scan (ISO 18004).
const quietZone = 4

// Encode draws a QR code for text with error correction level M (15 % may be damaged).
func Encode(text string) (*Code, error) {
	bc, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encoding the QR code: %w", err)
	}
	b := bc.Bounds()
	q := &Code{TargetURL: text, Size: b.Dx(), dark: make([]bool, b.Dx()*b.Dy())}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, _, _, _ := bc.At(b.Min.X+x, b.Min.Y+y).RGBA()
			q.dark[y*q.Size+x] = r < 0x8000
		}
	}
	return q, nil
}

// Dark reports whether the module at column x, row y is dark.
func (q *Code) Dark(x, y int) bool { return q.dark[y*q.Size+x] }

// Rows gives the module matrix as strings of '1' (dark) and '0' (light), top row first.
func (q *Code) Rows() []string {
	rows := make([]string, q.Size)
	for y := range rows {
		var sb strings.Builder
		for x := 0; x < q.Size; x++ {
			if q.Dark(x, y) {
				sb.WriteByte('1')
			} else {
				sb.WriteByte('0')
			}
		}
		rows[y] = sb.String()
	}
	return rows
}

// SVG draws the code with its quiet zone as a scalable SVG: one path of unit squares.
func (q *Code) SVG() string {
	n := q.Size + 2*quietZone
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < q.Size; y++ {
		for x := 0; x < q.Size; x++ {
			if q.Dark(x, y) {
				fmt.Fprintf(&sb, "M%d %dh1v1h-1z", x+quietZone, y+quietZone)
			}
		}
	}
	sb.WriteString(`"/></svg>`)
	return sb.String()
}

// PNG draws the code with its quiet zone as a grey-scale PNG of about sizePx pixels per side:
// every module is the same whole number of pixels, so the size is rounded down to a multiple of
// the module count (and never below one pixel per module).
func (q *Code) PNG(sizePx int) ([]byte, error) {
	n := q.Size + 2*quietZone
	scale := max(sizePx/n, 1)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < q.Size; y++ {
		for x := 0; x < q.Size; x++ {
			if !q.Dark(x, y) {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray((x+quietZone)*scale+dx, (y+quietZone)*scale+dy, color.Gray{Y: 0})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding the PNG: %w", err)
	}
	return buf.Bytes(), nil
}
