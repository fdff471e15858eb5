package main

import (
	"errors"
	"testing"

	"github.com/vmp-dev/vmp/core"
)

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want core.Code
	}{
		{"no error is success", nil, core.CodeOK},
		{"an engine error keeps its code", &core.Error{Code: core.CodeRejected, Message: "6080"}, core.CodeRejected},
		{"a foreign error is internal", errors.New("boom"), core.CodeInternal},
		{"an error that claims success is internal", &core.Error{Code: core.CodeOK, Message: "odd"}, core.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codeOf(tt.err); got != tt.want {
				t.Fatalf("codeOf(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"the message is the text", &core.Error{Code: core.CodeRejected, Message: "Vipps refused: 6080"}, "Vipps refused: 6080"},
		{"a silent error is named by its code", &core.Error{Code: core.CodeNetwork}, "VMP_ERR_NETWORK"},
		{"a foreign error gives its own text", errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.err); got != tt.want {
				t.Fatalf("describe(%v) = %q; want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestArgErrorCarriesCodeAndMessage(t *testing.T) {
	err := argError(core.CodeBufferTooSmall, "need %d", 65)
	if core.CodeOf(err) != core.CodeBufferTooSmall || err.Error() != "need 65" {
		t.Fatalf("argError = %v (%v)", err, core.CodeOf(err))
	}
}
