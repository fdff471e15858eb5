package vipps

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/redact"
)

// Problem is a non-2xx answer from Vipps, decoded from RFC 7807 problem+json where the body has
// that shape (Azure APIM errors, OAuth-style errors and empty bodies are decoded best-effort).
type Problem struct {
	HTTPStatus   int
	Type         string
	Title        string
	Detail       string
	Instance     string
	TraceID      string
	ErrorCode    string // the numeric ePayment ErrorCode from extraDetails, "" when absent
	ExtraDetails []ExtraDetail
	// RetryAfter is the Retry-After header as a duration, 0 when absent.
	RetryAfter time.Duration
	// body is the answer as received, for APIs whose errors carry more than this type decodes
	// (Login's OAuth error_code, see login.go). Never shown in Error().
	body []byte
}

// ExtraDetail is one {name, reason} entry of a problem's extraDetails.
type ExtraDetail struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

type problemBody struct {
	Type         string        `json:"type"`
	Title        string        `json:"title"`
	Detail       string        `json:"detail"`
	Instance     string        `json:"instance"`
	TraceID      string        `json:"traceId"`
	ExtraDetails []ExtraDetail `json:"extraDetails"`
	// Check-in and the QR API's older errors name the fields at fault in invalidParams.
	InvalidParams []ExtraDetail `json:"invalidParams"`
	// Azure APIM's own errors: {"statusCode": 401, "message": "..."}.
	Message string `json:"message"`
	// OAuth-style errors.
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func decodeProblem(status int, body []byte, retryAfter time.Duration) *Problem {
	p := &Problem{HTTPStatus: status, RetryAfter: retryAfter, body: body}
	var b problemBody
	if len(body) > 0 && wirejson.Unmarshal(body, &b) == nil {
		p.Type, p.Title, p.Detail, p.Instance, p.TraceID = b.Type, b.Title, b.Detail, b.Instance, b.TraceID
		p.ExtraDetails = append(b.ExtraDetails, b.InvalidParams...)
		if p.Title == "" {
			p.Title = firstNonEmpty(b.Message, b.Error)
		}
		if p.Detail == "" {
			p.Detail = b.ErrorDescription
		}
		for _, d := range b.ExtraDetails {
			if strings.EqualFold(d.Name, "ErrorCode") {
				p.ErrorCode = d.Reason
			}
		}
	}
	return p
}

// Error describes the problem with personal data masked: Vipps' texts can echo a phone number.
func (p *Problem) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Vipps answered HTTP %d", p.HTTPStatus)
	if p.Title != "" {
		sb.WriteString(" ")
		sb.WriteString(p.Title)
	}
	if p.ErrorCode != "" {
		fmt.Fprintf(&sb, " (ErrorCode %s)", p.ErrorCode)
	}
	if p.Detail != "" {
		sb.WriteString(": ")
		sb.WriteString(p.Detail)
	}
	for _, d := range p.ExtraDetails {
		if !strings.EqualFold(d.Name, "ErrorCode") {
			fmt.Fprintf(&sb, "; %s: %s", d.Name, d.Reason)
		}
	}
	if p.TraceID != "" {
		fmt.Fprintf(&sb, " [traceId %s]", p.TraceID)
	}
	return redact.Text(sb.String())
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// TransportError is a request that got no HTTP answer.
type TransportError struct {
	// MaybeSent is false only when the request certainly never reached Vipps (the connection
	// could not be made); otherwise Vipps may have acted on it.
	MaybeSent bool
	Timeout   bool
	Err       error
}

func (e *TransportError) Error() string {
	if e.MaybeSent {
		return "no answer from Vipps: " + e.Err.Error()
	}
	return "could not reach Vipps: " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }
