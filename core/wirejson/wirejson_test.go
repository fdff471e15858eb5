package wirejson

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type sample struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

func TestStrictDecodingRejectsUnknownFieldsAndTrailingData(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"a well-formed document decodes", `{"name":"a","value":3}`, false},
		{"an unknown field is an error", `{"name":"a","valeu":3}`, true},
		{"trailing data is an error", `{"name":"a"} {}`, true},
		{"a truncated document is an error", `{"name":"a"`, true},
		{"a wrong type is an error", `{"value":"three"}`, true},
		{"an empty input is an error", ``, true},
		{"a bare null is an error, not an empty object", ` null `, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			err := UnmarshalStrict([]byte(tc.in), &s)
			if (err != nil) != tc.wantErr {
				t.Fatalf("UnmarshalStrict(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
		})
	}
}

func TestStrictDecodingRefusesTextThatIsNotUnicode(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"UTF-8 text decodes", `{"name":"Brød på Torget 9, Tromsø"}`, false},
		{"a surrogate pair escapes one character", `{"name":"\ud83d\ude00"}`, false},
		{"an escaped backslash before u is no escape", `{"name":"\\ud800"}`, false},
		{"a byte that is not UTF-8 is refused", "{\"name\":\"caf\xe9\"}", true},
		{"a truncated sequence is refused", "{\"name\":\"\xc3\"}", true},
		{"an overlong encoding is refused", "{\"name\":\"\xc0\xaf\"}", true},
		{"an encoded surrogate is refused", "{\"name\":\"\xed\xa0\x80\"}", true},
		{"invalid UTF-8 in a member name is refused", "{\"\xff\":1}", true},
		{"a lone high surrogate escape is refused", `{"name":"\ud800"}`, true},
		{"a lone low surrogate escape is refused", `{"name":"x\udc00y"}`, true},
		{"a high surrogate followed by a non-surrogate is refused", `{"name":"\ud800\u0041"}`, true},
		{"a reversed pair is refused", `{"name":"\ude00\ud83d"}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			err := UnmarshalStrict([]byte(tc.in), &s)
			if (err != nil) != tc.wantErr {
				t.Fatalf("UnmarshalStrict(%q) = %q, %v; want error %v", tc.in, s.Name, err, tc.wantErr)
			}
		})
	}
}

func TestLenientDecodingIgnoresUnknownFields(t *testing.T) {
	var s sample
	if err := Unmarshal([]byte(`{"name":"a","extra":[1,2],"value":7}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "a" || s.Value != 7 {
		t.Fatalf("got %+v", s)
	}
}

func FuzzUnmarshalStrictNeverPanics(f *testing.F) {
	for _, s := range []string{`{"name":"a","value":1}`, `{`, `[]`, `{"value":1e400}`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s sample
		_ = UnmarshalStrict(data, &s)
		var anyv any
		_ = Unmarshal(data, &anyv)
	})
}
