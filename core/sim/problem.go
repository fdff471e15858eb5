package sim

import (
	"net/http"
	"strconv"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// problem is an RFC 7807 error answer in the shape Vipps uses (contract §1.5):
//
//	{"type":"https://httpstatuses.io/400","title":"…","status":400,"detail":"…",
//	 "instance":"/v1/payments/…","traceId":"00-…-…-01",
//	 "extraDetails":[{"name":"ErrorCode","reason":"6080"}]}
//
// Domain errors carry their numeric code as an extraDetails entry named "ErrorCode"; schema
// errors name the offending field instead.
type problem struct {
	Type         string        `json:"type"`
	Title        string        `json:"title"`
	Status       int           `json:"status"`
	Detail       string        `json:"detail,omitempty"`
	Instance     string        `json:"instance,omitempty"`
	TraceID      string        `json:"traceId"`
	ExtraDetails []extraDetail `json:"extraDetails,omitempty"`
}

type extraDetail struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// errorCodeName is the extraDetails name under which a domain error code travels.
const errorCodeName = "ErrorCode"

const seeExtraDetails = "See extraDetails for further details"

// newProblem is a problem without a Vipps error code.
func newProblem(status int, title, detail string) *problem {
	return &problem{Status: status, Title: title, Detail: detail}
}

// codeProblem is a domain error: the HTTP status and title come from the error-code catalogue.
func codeProblem(code int, detail string) *problem {
	info := errorCodes[code]
	if info.status == 0 {
		info = codeInfo{status: http.StatusBadRequest, title: "Error " + strconv.Itoa(code)}
	}
	return &problem{
		Status:       info.status,
		Title:        info.title,
		Detail:       detail,
		ExtraDetails: []extraDetail{{Name: errorCodeName, Reason: strconv.Itoa(code)}},
	}
}

// fieldProblem is a 400 schema error naming the field at fault, without an error code (how
// Vipps reports a malformed body).
func fieldProblem(field, reason string) *problem {
	return &problem{
		Status:       http.StatusBadRequest,
		Title:        "Bad Request",
		Detail:       seeExtraDetails,
		ExtraDetails: []extraDetail{{Name: field, Reason: reason}},
	}
}

// missingProblem is a required field or header that is absent: 400, the field named, and
// ErrorCode 4140 (Missing required parameter).
func missingProblem(field string) *problem {
	p := codeProblem(codeMissingParameter, seeExtraDetails)
	p.ExtraDetails = append([]extraDetail{{Name: field, Reason: "The " + field + " field is required."}}, p.ExtraDetails...)
	return p
}

// code returns the problem's Vipps error code, or 0 when it has none.
func (p *problem) code() int {
	for _, d := range p.ExtraDetails {
		if d.Name == errorCodeName {
			n, _ := strconv.Atoi(d.Reason)
			return n
		}
	}
	return 0
}

// reply renders p as an application/problem+json answer for the request at path instance.
func (p *problem) reply(instance string) reply {
	out := *p
	out.Type = "https://httpstatuses.io/" + strconv.Itoa(p.Status)
	if out.Title == "" {
		out.Title = http.StatusText(p.Status)
	}
	out.Instance = instance
	out.TraceID = newTraceID()
	body, err := wirejson.Marshal(out)
	if err != nil {
		return internalErrorReply("encoding the problem failed: " + err.Error())
	}
	return reply{status: p.Status, contentType: contentProblemJSON, body: body}
}

// internalErrorReply is the last-resort 500 answer (ErrorCode 3010); it must not fail itself.
func internalErrorReply(detail string) reply {
	body := []byte(`{"type":"https://httpstatuses.io/500","title":"Internal error","status":500,"detail":` +
		strconv.Quote(detail) + `,"traceId":"` + newTraceID() + `","extraDetails":[{"name":"ErrorCode","reason":"` + strconv.Itoa(codeInternal) + `"}]}`)
	return reply{status: http.StatusInternalServerError, contentType: contentProblemJSON, body: body}
}
