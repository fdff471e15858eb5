package sim

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// faultJSON is a fault as GET /sim/faults lists it: the fields of a faultRequest (Times
// normalised) plus id, remaining and hits.
type faultJSON struct {
	ID           string    `json:"id"`
	Kind         FaultKind `json:"kind"`
	Operation    string    `json:"operation"`
	Reference    string    `json:"reference"`
	Times        int       `json:"times"`
	Probability  float64   `json:"probability"`
	Status       int       `json:"status"`
	ErrorCode    int       `json:"error_code,omitempty"`
	RetryAfterMS int64     `json:"retry_after_ms"`
	DelayMS      int64     `json:"delay_ms"`
	Remaining    int       `json:"remaining"`
	Hits         int       `json:"hits"`
}

// faultRequest is the body of POST /sim/faults; every member but kind is optional. Unknown
// members (a typo, or id/remaining/hits) are refused with 400 rather than ignored.
type faultRequest struct {
	Kind         FaultKind `json:"kind"`
	Operation    string    `json:"operation"`
	Reference    string    `json:"reference"`
	Times        int       `json:"times"`
	Probability  float64   `json:"probability"`
	Status       int       `json:"status"`
	ErrorCode    int       `json:"error_code"`
	RetryAfterMS int64     `json:"retry_after_ms"`
	DelayMS      int64     `json:"delay_ms"`
}

// maxFaultMS bounds the millisecond fields so they convert to a time.Duration.
const maxFaultMS = math.MaxInt64 / int64(time.Millisecond)

// faultIDAnswer is the answer of POST /sim/faults.
type faultIDAnswer struct {
	ID string `json:"id"`
}

// controlInjectFault serves POST /sim/faults: 201 {"id": …}, or 400 for a fault InjectFault
// refuses or a body that is not a fault object (unknown members included).
func (s *Server) controlInjectFault(c *call) reply {
	var req faultRequest
	if err := wirejson.UnmarshalStrict(c.body, &req); err != nil {
		return c.fail(fieldProblem("body", "The body must be a fault object: "+err.Error()))
	}
	for name, ms := range map[string]int64{"retry_after_ms": req.RetryAfterMS, "delay_ms": req.DelayMS} {
		if ms < 0 || ms > maxFaultMS {
			return c.fail(fieldProblem(name, "The field "+name+" must be a non-negative number of milliseconds."))
		}
	}
	id, err := s.InjectFault(Fault{
		Kind:        req.Kind,
		Operation:   req.Operation,
		Reference:   req.Reference,
		Times:       req.Times,
		Probability: req.Probability,
		Status:      req.Status,
		ErrorCode:   req.ErrorCode,
		RetryAfter:  time.Duration(req.RetryAfterMS) * time.Millisecond,
		Delay:       time.Duration(req.DelayMS) * time.Millisecond,
	})
	if err != nil {
		return c.fail(newProblem(http.StatusBadRequest, "Bad Request", err.Error()))
	}
	return jsonReply(http.StatusCreated, faultIDAnswer{ID: id})
}

// controlListFaults serves GET /sim/faults: every injected fault with its counters, as a JSON
// array in injection order.
func (s *Server) controlListFaults(c *call) reply {
	return jsonReply(http.StatusOK, faultsJSON(s.Faults()))
}

// faultsJSON is how the control API and the dashboard show faults.
func faultsJSON(states []FaultState) []faultJSON {
	out := make([]faultJSON, 0, len(states))
	for _, st := range states {
		f := st.Fault
		out = append(out, faultJSON{
			ID:           st.ID,
			Kind:         f.Kind,
			Operation:    f.Operation,
			Reference:    f.Reference,
			Times:        f.Times,
			Probability:  f.Probability,
			Status:       f.Status,
			ErrorCode:    f.ErrorCode,
			RetryAfterMS: f.RetryAfter.Milliseconds(),
			DelayMS:      f.Delay.Milliseconds(),
			Remaining:    st.Remaining,
			Hits:         st.Hits,
		})
	}
	return out
}

// controlRemoveFault serves DELETE /sim/faults/{id}: 204, or 404 when there is no such fault.
func (s *Server) controlRemoveFault(c *call) reply {
	if !s.RemoveFault(c.reference) {
		return c.fail(newProblem(http.StatusNotFound, "Not Found", "No fault with id "+strconv.Quote(c.reference)+"."))
	}
	return emptyReply(http.StatusNoContent)
}

// controlClearFaults serves DELETE /sim/faults: every fault is removed; 204.
func (s *Server) controlClearFaults(c *call) reply {
	s.ClearFaults()
	return emptyReply(http.StatusNoContent)
}
