// Package wirejson is the one seam through which vmp encodes and decodes JSON.
//
// It wraps github.com/goccy/go-json (fast, API-compatible with encoding/json) and turns any panic
// inside the codec into an error, so a malformed document from the network, the till or a webhook
// can never take the host process down.
package wirejson

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	json "github.com/goccy/go-json"
)

// RawMessage is a raw encoded JSON value.
type RawMessage = json.RawMessage

// Marshal encodes v as compact JSON.
func Marshal(v any) (out []byte, err error) {
	defer recoverInto(&err)
	return json.Marshal(v)
}

// Unmarshal decodes data into v, ignoring unknown fields (for answers from Vipps, which add
// fields over time).
func Unmarshal(data []byte, v any) (err error) {
	defer recoverInto(&err)
	return json.Unmarshal(data, v)
}

// UnmarshalStrict decodes exactly one JSON value into v and fails on unknown fields and on
// trailing data. Used for input from the till, where a typo must not silently change behaviour.
// A bare null is refused too: decoding it would leave v as it was, so `null` given for a
// configuration or a checkout would pass as an empty object (found by the hardening sweep).
// So is text that is not Unicode (checkUnicode), which decoding would silently change.
func UnmarshalStrict(data []byte, v any) (err error) {
	defer recoverInto(&err)
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return errors.New("null is not a JSON object")
	}
	if err := checkUnicode(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// Valid reports whether data is one well-formed JSON value.
func Valid(data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return json.Valid(data)
}

func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("json codec failure: %v", r)
	}
}
