package main

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
)

// FuzzExportArguments hands the Go halves of the exports what a till could pass: any bytes as
// strings and JSON (cut at the first NUL, as C would), any buffer size, wait, amount and flags,
// a live, forged or NULL handle. Whatever comes in, an export must answer with a status vmp.h
// defines - never VMP_ERR_INTERNAL, which means a panic the guard caught - and must not write
// past the buffer size it was given, nor into the buffer at all when it fails. The handle is a
// client on its embedded simulator, or a unit handle of it; tests/c/sweep_test.c does the same
// through the real library under AddressSanitizer.
func FuzzExportArguments(f *testing.F) {
	f.Add(uint8(0), []byte(`{"amount":100,"phone_number":"4791234567"}`), []byte("op-1"), uint16(65), int32(0), int64(100), uint32(0))
	f.Add(uint8(1), []byte("abcdefgh-1234"), []byte(""), uint16(64), int32(600001), int64(-1), uint32(1))
	f.Add(uint8(2), []byte("store-1-ref"), []byte("receipt\xff"), uint16(0), int32(-1), int64(65000000), uint32(2))
	f.Add(uint8(5), []byte("POST"), []byte(`{"msn":"123456"}`), uint16(3), int32(2592001), int64(1), uint32(0))
	f.Add(uint8(0x13), []byte("{\"amount\":1e99}"), []byte("x"), uint16(1000), int32(1), int64(0), uint32(0xffffffff))
	client, unit := openClientAndUnit(f)
	const guard = 32
	f.Fuzz(func(t *testing.T, pick uint8, a, b []byte, size uint16, wait int32, amount int64, flags uint32) {
		h := [4]_Ctype_uintptr_t{client, 0, 0xdeadbeef, unit}[pick>>4&3]
		sa, sb := cString(a), cString(b)
		buf := bytes.Repeat([]byte{0xA5}, int(size)+guard)
		out := (*_Ctype_char)(unsafe.Pointer(&buf[0]))
		var p, full _Ctype_vmp_payment
		p.struct_size = _Ctype_uint32_t(unsafe.Sizeof(p))
		if pick&8 != 0 {
			p.struct_size = _Ctype_uint32_t(size)
		}
		var st _Ctype_vmp_status
		wrote := false // whether a success may fill buf
		switch pick & 7 {
		case 0:
			st = vmpgo_start_checkout(h, sa, out, _Ctype_size_t(size))
			wrote = true
		case 1:
			st = vmpgo_poll_status(h, sa, _Ctype_int32_t(wait%1000), &p, &full)
		case 2:
			st = vmpgo_capture(h, sa, _Ctype_int64_t(amount), sb, &p, &full)
		case 3:
			st = vmpgo_refund(h, sa, _Ctype_int64_t(amount), sb, nil, &full)
		case 4:
			st = vmpgo_cancel(h, sa, _Ctype_uint32_t(flags), sb, &p, &full)
		default:
			body := unsafe.Pointer(nil)
			if len(b) > 0 {
				body = unsafe.Pointer(&b[0])
			}
			d := _Ctype_vmp_webhook_delivery{struct_size: _Ctype_uint32_t(size), method: sa, path_and_query: sb, host: sa,
				x_ms_date: sb, x_ms_content_sha256: sa, authorization: sb, body: (*_Ctype_uint8_t)(body), body_len: _Ctype_size_t(len(b))}
			if pick&8 == 0 {
				d.struct_size = _Ctype_uint32_t(unsafe.Sizeof(d))
			}
			st = vmpgo_webhook_verify(sa, &d, _Ctype_int32_t(wait))
		}
		code := core.Code(st)
		if code == core.CodeInternal || code.String() == "" || code < 0 || code > 40 {
			t.Fatalf("pick %d: status %d (%v)", pick, st, code)
		}
		from := int(size)
		if !wrote || code != core.CodeOK {
			from = 0
		}
		for i := from; i < len(buf); i++ {
			if buf[i] != 0xA5 {
				t.Fatalf("pick %d, size %d, status %v: byte %d of the buffer was written", pick, size, code, i)
			}
		}
	})
}

// cString is b up to its first NUL, NUL-terminated, as C would pass it.
func cString(b []byte) *_Ctype_char {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	s := append(append([]byte(nil), b...), 0)
	return (*_Ctype_char)(unsafe.Pointer(&s[0]))
}
