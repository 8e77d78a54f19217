package web

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/payout"
	"tepat/program"
)

// The program catalog, eligibility previews, quotas and budgets: the JSON
// API. Every rule — who may act, scope, validation — is in package
// program; these handlers decode, call it, and encode.

// intParam reads an optional integer from a query or form: absent or
// empty is 0, anything else that is not an integer is refused.
func intParam(v url.Values, name string) (int, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, tepat.Reasonf(tepat.EINVALID, "PARAMETER_TIDAK_VALID", "%s harus bilangan bulat", name)
	}
	return n, nil
}

// int64Param is intParam for amounts and counts; ok is false when the
// value is absent, so that a missing amount is never read as zero.
func int64Param(v url.Values, name string) (n int64, ok bool, err error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, tepat.Reasonf(tepat.EINVALID, "PARAMETER_TIDAK_VALID", "%s harus bilangan bulat", name)
	}
	return n, true, nil
}

// programYear reads the optional program and year filters of a list.
func programYear(v url.Values) (string, int, error) {
	year, err := intParam(v, "year")
	return strings.TrimSpace(v.Get("program")), year, err
}

// applyCatalog parses a catalog and applies it.
func (s *Server) applyCatalog(r *http.Request, src io.Reader) ([]program.Applied, error) {
	c, err := program.ParseCatalog(src)
	if err != nil {
		return nil, err
	}
	return program.Apply(r.Context(), s.DB, c)
}

func (s *Server) apiPrograms(w http.ResponseWriter, r *http.Request) {
	vs, err := program.List(r.Context(), s.DB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if vs == nil {
		vs = []program.Version{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"programs": vs})
}

// apiApplyCatalog applies a catalog sent as YAML and answers what each
// program and year became (a new version, or unchanged).
func (s *Server) apiApplyCatalog(w http.ResponseWriter, r *http.Request) {
	// Permission first: a refused role gets 403 whatever the body says.
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
	case "application/yaml", "text/yaml", "application/x-yaml":
	default:
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "JENIS_ISI_TIDAK_DIDUKUNG", "kirim katalog sebagai YAML dengan Content-Type: application/yaml"))
		return
	}
	applied, err := s.applyCatalog(r, r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"applied": applied})
}

// previewRequest reads a preview of program code from a query.
func previewRequest(code string, v url.Values) (program.PreviewRequest, error) {
	req := program.PreviewRequest{Program: code, Snapshot: strings.TrimSpace(v.Get("snapshot")), ReferenceDate: strings.TrimSpace(v.Get("reference_date"))}
	var err error
	if req.Year, err = intParam(v, "year"); err != nil {
		return req, err
	}
	if req.Period, err = intParam(v, "period"); err != nil {
		return req, err
	}
	if req.Snapshot == "" {
		return req, tepat.Reasonf(tepat.EINVALID, "SNAPSHOT_WAJIB", "pilih penetapan (snapshot) yang dipratinjau")
	}
	return req, nil
}

func (s *Server) apiPreviewProgram(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	req, err := previewRequest(r.PathValue("code"), r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := program.PreviewProgram(r.Context(), s.DB, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The samples are (masked) families.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiQuotas(w http.ResponseWriter, r *http.Request) {
	programYearList(s, w, r, "quotas", program.Quotas)
}

// programYearList answers a list of one program's and year's things
// (?program=&year=, both optional) as {key: [...]}, for every role with
// stats.read: quotas and budgets hold no personal data.
func programYearList[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, list func(context.Context, *db.DB, string, int) ([]T, error)) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	code, year, err := programYear(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	xs, err := list(r.Context(), s.DB, code, year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if xs == nil {
		xs = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{key: xs})
}

// quotaRequest is the body of PUT /api/v1/quotas. Families must be given:
// a missing field is not a quota of zero.
type quotaRequest struct {
	Program  string `json:"program"`
	Year     int    `json:"year"`
	Region   string `json:"region"`
	Families *int64 `json:"families"`
}

const quotaHint = `{"program": "PKH", "year": 2019, "region": "32.01", "families": 1000}`

func (s *Server) apiSetQuota(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	var req quotaRequest
	if err := decodeJSON(r, &req, quotaHint); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Families == nil {
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", "isi permintaan harus JSON %s", quotaHint))
		return
	}
	q, err := program.SetQuota(r.Context(), s.DB, req.Program, req.Year, req.Region, *req.Families)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

func (s *Server) apiBudgets(w http.ResponseWriter, r *http.Request) {
	programYearList(s, w, r, "budgets", payout.Budgets)
}

// budgetRequest is the body of PUT /api/v1/budgets, in whole rupiah.
// Amount must be given: a missing field is not a budget of zero.
type budgetRequest struct {
	Program string `json:"program"`
	Year    int    `json:"year"`
	Amount  *int64 `json:"amount"`
}

const budgetHint = `{"program": "PKH", "year": 2019, "amount": 1000000000}`

func (s *Server) apiSetBudget(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	var req budgetRequest
	if err := decodeJSON(r, &req, budgetHint); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Amount == nil {
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", "isi permintaan harus JSON %s", budgetHint))
		return
	}
	b, err := program.SetBudget(r.Context(), s.DB, req.Program, req.Year, *req.Amount)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}
