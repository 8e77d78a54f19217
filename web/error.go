package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"tepat"
	"tepat/payout"
)

// statuses maps every error kind to its HTTP status: the one table.
var statuses = map[string]int{
	tepat.EINVALID:      http.StatusBadRequest,
	tepat.ENOTFOUND:     http.StatusNotFound,
	tepat.ECONFLICT:     http.StatusConflict,
	tepat.EUNAUTHORIZED: http.StatusUnauthorized,
	tepat.EFORBIDDEN:    http.StatusForbidden,
	tepat.EINTERNAL:     http.StatusInternalServerError,
}

// problem is an RFC 9457 problem detail with Tepat's stable code.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Kind      string `json:"kind"`
	RequestID string `json:"request_id"`
	// Problems are a refused file's problems by line (payout.FileError),
	// at most payout.MaxProblems of ProblemsTotal.
	Problems      []payout.Problem `json:"problems,omitempty"`
	ProblemsTotal int              `json:"problems_total,omitempty"`
}

// writeError answers with err: problem+json for API routes and clients that
// ask for JSON, an HTML error page otherwise. Internal errors are logged
// and shown only as "internal error" with the request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := tepat.ErrorCode(err)
	status, ok := statuses[kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	id := requestID(r.Context())
	msg := tepat.ErrorMessage(err)
	if kind == tepat.EINTERNAL {
		s.Logger.Error("internal error", "err", err, "request_id", id)
		msg = "internal error"
	}
	code := tepat.ErrorReason(err)
	if code == "" {
		code = strings.ToUpper(kind)
	}
	if wantsJSON(r) {
		p := problem{
			Type: "about:blank", Title: http.StatusText(status), Status: status,
			Detail: msg, Code: code, Kind: kind, RequestID: id,
		}
		if fe, ok := payout.FileProblems(err); ok {
			p.Problems, p.ProblemsTotal = fe.Problems, fe.Total
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(p)
		return
	}
	s.render(w, r, status, "error.html", &errorPage{Status: status, Message: msg, Code: code})
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// writeJSON encodes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
