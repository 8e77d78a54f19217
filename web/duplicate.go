package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"tepat"
	"tepat/auth"
	"tepat/registry"
)

// queryDuplicates reads a duplicate list filter from the URL.
func queryDuplicates(r *http.Request) registry.DuplicateFilter {
	q := r.URL.Query()
	f := registry.DuplicateFilter{Region: q.Get("region"), Status: q.Get("status")}
	f.After, f.Limit = paging(q)
	return f
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) {
	p, err := registry.PersonByNIK(r.Context(), s.DB, r.PathValue("nik"), r.URL.Query().Get("reveal") == "1")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiFamilyHistory(w http.ResponseWriter, r *http.Request) {
	f, err := registry.FamilyByKK(r.Context(), s.DB, r.PathValue("no_kk"), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := registry.FamilyHistory(r.Context(), s.DB, f.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"family_id": f.ID, "history": h})
}

func (s *Server) apiDuplicates(w http.ResponseWriter, r *http.Request) {
	dups, err := registry.ListDuplicates(r.Context(), s.DB, queryDuplicates(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if dups == nil {
		dups = []registry.Duplicate{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"duplicates": dups})
}

// decisionRequest is the body of POST /api/v1/duplicates/{id}/resolve and
// of POST /api/v1/offline/conflicts/{id}/resolve.
type decisionRequest struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

func (s *Server) apiResolveDuplicate(w http.ResponseWriter, r *http.Request) {
	// Permission first: a refused role gets 403 whatever the body says.
	if _, ok := s.need(w, r, auth.PermResolveDuplicate); !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, errNoDuplicate)
		return
	}
	var req decisionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", `kirim JSON {"decision": "...", "note": "..."}`))
		return
	}
	res, err := registry.ResolveDuplicate(r.Context(), s.DB, id, req.Decision, req.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

var errNoDuplicate = tepat.Reasonf(tepat.ENOTFOUND, "DUPLIKAT_TIDAK_DITEMUKAN", "kemungkinan data ganda tidak ditemukan")

type duplicatesPage struct {
	page
	Filter     registry.DuplicateFilter
	Duplicates []registry.Duplicate
	Next       int64
	CanResolve bool
	Done       int64 // id just decided, for the confirmation line
	Statuses   []string
	Decisions  []string
}

// pageDuplicates lists possible duplicates in the viewer's scope, with a
// decision form on each open one for those who may resolve.
func (s *Server) pageDuplicates(w http.ResponseWriter, r *http.Request) {
	a, ok := s.need(w, r, auth.PermRegistryRead)
	if !ok {
		return
	}
	p := &duplicatesPage{Filter: queryDuplicates(r), CanResolve: auth.Can(a, auth.PermResolveDuplicate),
		Statuses:  []string{registry.DuplicateOpen, registry.KeepBoth, registry.AInvalid, registry.BInvalid, registry.StatusAll},
		Decisions: []string{registry.KeepBoth, registry.AInvalid, registry.BInvalid}}
	p.Filter.Limit = 50
	if p.Filter.Status == "" {
		p.Filter.Status = registry.DuplicateOpen
	}
	p.Done, _ = strconv.ParseInt(r.URL.Query().Get("selesai"), 10, 64)
	p.Title = translate(languageOf(r), "duplicate.title")
	var err error
	if p.Duplicates, err = registry.ListDuplicates(r.Context(), s.DB, p.Filter); err != nil {
		s.writeError(w, r, err)
		return
	}
	if n := len(p.Duplicates); n == p.Filter.Limit {
		p.Next = p.Duplicates[n-1].ID
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "duplicates.html", p)
}

// postResolveDuplicate records a decision from the form (CSRF checked by
// authenticate) and goes back to the list.
func (s *Server) postResolveDuplicate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermResolveDuplicate); !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, errNoDuplicate)
		return
	}
	if _, err := registry.ResolveDuplicate(r.Context(), s.DB, id, r.PostFormValue("decision"), r.PostFormValue("note")); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/duplikat?selesai=%d", id), http.StatusSeeOther)
}

// Open reports whether a duplicate still waits for a decision (for templates).
func (p *duplicatesPage) Open(d registry.Duplicate) bool { return d.Status == registry.DuplicateOpen }

// dupSide is one person of a pair with the page, for the "dupperson" template.
type dupSide struct {
	Page *duplicatesPage
	P    registry.DuplicatePerson
}

// Side pairs a person of a duplicate with the page (for templates).
func (p *duplicatesPage) Side(x registry.DuplicatePerson) dupSide { return dupSide{p, x} }

// ResolvedTime is when a duplicate was decided, in its region's zone.
func (p *duplicatesPage) ResolvedTime(d registry.Duplicate) string {
	if d.ResolvedAt == nil {
		return ""
	}
	return p.Time(*d.ResolvedAt, d.KodeWilayah)
}
