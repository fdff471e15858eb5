package sim

import (
	"net/http"
	"strconv"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// Content types the simulator answers with.
const (
	contentJSON        = "application/json"
	contentTokenJSON   = "application/json;charset=UTF-8"
	contentProblemJSON = "application/problem+json"
)

// reply is a complete HTTP answer held as a value. Handlers return replies instead of writing
// to the connection, so one place (Server.ServeHTTP) writes every answer, the idempotency store
// can keep an answer and replay it byte for byte, and a later fault-injection layer can delay,
// drop, truncate or replace an answer after the operation has been committed.
type reply struct {
	status      int
	contentType string
	header      http.Header // extra headers such as Retry-After or Allow; may be nil
	body        []byte
}

// jsonReply encodes v as the body of an application/json answer.
func jsonReply(status int, v any) reply {
	body, err := wirejson.Marshal(v)
	if err != nil {
		return internalErrorReply("encoding the answer failed: " + err.Error())
	}
	return reply{status: status, contentType: contentJSON, body: body}
}

// emptyReply is an answer without a body.
func emptyReply(status int) reply {
	return reply{status: status}
}

// withHeader returns r with one more header set.
func (r reply) withHeader(name, value string) reply {
	h := r.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(name, value)
	r.header = h
	return r
}

// clone returns a copy of r that shares nothing mutable with it.
func (r reply) clone() reply {
	r.header = r.header.Clone()
	r.body = append([]byte(nil), r.body...)
	return r
}

// write sends r on w.
func (r reply) write(w http.ResponseWriter) {
	h := w.Header()
	for name, values := range r.header {
		h[name] = append([]string(nil), values...)
	}
	if r.contentType != "" {
		h.Set("Content-Type", r.contentType)
	}
	if len(r.body) > 0 {
		h.Set("Content-Length", strconv.Itoa(len(r.body)))
	}
	w.WriteHeader(r.status)
	if len(r.body) > 0 {
		_, _ = w.Write(r.body)
	}
}
