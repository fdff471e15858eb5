package main

/*
#include <stdlib.h>
#include <string.h>
#include "vmp.h"
*/
import "C"

import (
	"unsafe"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/internal/abi"
)

// QR formats of vmp_checkout_qr (VMP_QR_FORMAT_LIST in vmp.h).
const (
	qrURL    = int32(abi.QRURL)
	qrSVG    = int32(abi.QRSVG)
	qrPNG    = int32(abi.QRPNG)
	qrMatrix = int32(abi.QRMatrix)
)

//export vmpgo_checkout_qr
func vmpgo_checkout_qr(h C.uintptr_t, ref *C.char, format, sizePx C.int32_t, out **C.uint8_t, outLen *C.size_t) (st C.vmp_status) {
	defer guard("vmp_checkout_qr", &st)
	return statusOf(checkoutQR(h, ref, int32(format), int32(sizePx), out, outLen))
}

func checkoutQR(h C.uintptr_t, ref *C.char, format, sizePx int32, out **C.uint8_t, outLen *C.size_t) error {
	if out != nil {
		*out = nil
	}
	if outLen != nil {
		*outLen = 0
	}
	t, reference, err := targetAndString(h, ref, "reference")
	if err != nil {
		return err
	}
	defer t.leave()
	switch {
	case out == nil || outLen == nil:
		return argError(core.CodeInvalidArgument, "out and out_len must not be NULL")
	case format < qrURL || format > qrMatrix:
		return argError(core.CodeInvalidArgument, "format is %d; it must be VMP_QR_URL, VMP_QR_SVG, VMP_QR_PNG or VMP_QR_MATRIX", format)
	case format == qrPNG && (sizePx < 64 || sizePx > 4096):
		return argError(core.CodeInvalidArgument, "size_px is %d; a PNG must be 64 .. 4096 pixels", sizePx)
	}
	q, err := t.unit.CheckoutQR(t.ctx, reference)
	if err != nil {
		return err
	}
	var data []byte
	switch format {
	case qrURL:
		data = []byte(q.TargetURL)
	case qrSVG:
		data = []byte(q.SVG())
	case qrPNG:
		if data, err = q.PNG(int(sizePx)); err != nil {
			return argError(core.CodeInternal, "%v", err)
		}
	case qrMatrix:
		var m struct {
			Size      int      `json:"size"`
			QuietZone int      `json:"quiet_zone"`
			Rows      []string `json:"rows"`
		}
		m.Size, m.QuietZone, m.Rows = q.Size, 4, q.Rows()
		var p *C.char
		if err := giveJSON(&p, m); err != nil {
			return err
		}
		*out, *outLen = (*C.uint8_t)(unsafe.Pointer(p)), C.size_t(C.strlen(p))
		return nil
	}
	*out, *outLen = giveBytes(data), C.size_t(len(data))
	return nil
}

// giveBytes copies data into C memory the caller frees with vmp_free, NUL-terminated so text
// formats can be used as C strings (the NUL is not counted in the length).
func giveBytes(data []byte) *C.uint8_t {
	p := (*C.uint8_t)(C.malloc(C.size_t(len(data) + 1)))
	buf := unsafe.Slice((*byte)(unsafe.Pointer(p)), len(data)+1)
	copy(buf, data)
	buf[len(data)] = 0
	return p
}
