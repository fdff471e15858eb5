package journal

import "testing"

func TestDecodeEntryRefusesIncompleteRecords(t *testing.T) {
	good := `{"v":1,"id":"k","key":"k","op":"capture","ref":"ref-12345678","method":"POST","path":"/p","state":"open"}`
	cases := map[string]bool{
		good: true,
		`{"v":2,"id":"k","key":"k","op":"capture","ref":"ref-12345678","method":"POST","path":"/p","state":"open"}`:     false,
		`{"v":1,"id":"k","key":"other","op":"capture","ref":"ref-12345678","method":"POST","path":"/p","state":"open"}`: false,
		`{"v":1,"id":"k","key":"k","op":"steal","ref":"ref-12345678","method":"POST","path":"/p","state":"open"}`:       false,
		`{"v":1,"id":"k","key":"k","op":"capture","ref":"ref-12345678","method":"POST","path":"/p","state":"maybe"}`:    false,
		`{"v":1,"id":"k","key":"k","op":"capture","ref":"","method":"POST","path":"/p","state":"open"}`:                 false,
		`{"v":1`: false,
		``:       false,
	}
	for in, ok := range cases {
		if _, err := DecodeEntry([]byte(in)); (err == nil) != ok {
			t.Errorf("DecodeEntry(%q) error = %v, want ok=%v", in, err, ok)
		}
	}
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"k","key":"k","op":"capture","ref":"ref-12345678","method":"POST","path":"/p","body":"e30=","state":"done","payment":{"state":"AUTHORIZED"}}`))
	f.Add([]byte(`{"v":1,"created_at":"not a time"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeEntry(data)
		if err == nil {
			if _, err := e.encode(); err != nil {
				t.Fatalf("a decoded entry does not encode: %v", err)
			}
		}
	})
}
