package sim

import (
	"bytes"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// jsonObject is a request body (or a nested object) decoded one level deep. Members are decoded
// one at a time, so a type error names the field at fault ("amount.value"), and members the
// simulator does not know are ignored, as a real API gateway does.
type jsonObject map[string]wirejson.RawMessage

// decodeObject decodes data as a JSON object. path names it in errors ("body", "customer").
func decodeObject(data []byte, path string) (jsonObject, *problem) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fieldProblem(path, "A JSON object is required, but the "+path+" is empty.")
	}
	var obj jsonObject
	if err := wirejson.Unmarshal(data, &obj); err != nil {
		return nil, fieldProblem(path, "The "+path+" is not a valid JSON object: "+err.Error())
	}
	if obj == nil {
		return nil, fieldProblem(path, "The "+path+" must be a JSON object, not null.")
	}
	return obj, nil
}

// member returns the raw value of a member that is present and not null.
func (o jsonObject) member(name string) (wirejson.RawMessage, bool) {
	raw, ok := o[name]
	if !ok || isJSONNull(raw) {
		return nil, false
	}
	return raw, true
}

// str decodes a string member. present is false when the member is absent or null.
func (o jsonObject) str(name, path string) (s string, present bool, p *problem) {
	raw, ok := o.member(name)
	if !ok {
		return "", false, nil
	}
	if err := wirejson.Unmarshal(raw, &s); err != nil {
		return "", true, fieldProblem(path, "The field "+path+" must be a string.")
	}
	return s, true, nil
}

// boolean decodes a boolean member. present is false when the member is absent or null.
func (o jsonObject) boolean(name, path string) (b bool, present bool, p *problem) {
	raw, ok := o.member(name)
	if !ok {
		return false, false, nil
	}
	if err := wirejson.Unmarshal(raw, &b); err != nil {
		return false, true, fieldProblem(path, "The field "+path+" must be true or false.")
	}
	return b, true, nil
}

// object decodes an object member. present is false when the member is absent or null.
func (o jsonObject) object(name, path string) (obj jsonObject, present bool, p *problem) {
	raw, ok := o.member(name)
	if !ok {
		return nil, false, nil
	}
	if err := wirejson.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, true, fieldProblem(path, "The field "+path+" must be a JSON object.")
	}
	return obj, true, nil
}

func isJSONNull(raw []byte) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
