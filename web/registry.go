package web

import (
	"net/http"
	"strconv"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/registry"
)

// queryFamilies reads a family list query from the URL.
func queryFamilies(r *http.Request) registry.Query {
	q := r.URL.Query()
	rq := registry.Query{Region: q.Get("region"), Name: q.Get("q")}
	rq.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	rq.Limit, _ = strconv.Atoi(q.Get("limit"))
	return rq
}

func (s *Server) apiFamilies(w http.ResponseWriter, r *http.Request) {
	fs, err := registry.ListFamilies(r.Context(), s.DB, queryFamilies(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if fs == nil {
		fs = []registry.Family{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"families": fs})
}

func (s *Server) apiFamily(w http.ResponseWriter, r *http.Request) {
	f, err := registry.FamilyByKK(r.Context(), s.DB, r.PathValue("no_kk"), r.URL.Query().Get("reveal") == "1")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	st, err := registry.RegionStats(r.Context(), s.DB, r.URL.Query().Get("region"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

type familiesPage struct {
	page
	Query    registry.Query
	Families []registry.Family
	Next     int64
}

func (s *Server) pageFamilies(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermRegistryRead); !ok {
		return
	}
	p := &familiesPage{Query: queryFamilies(r)}
	p.Query.Limit = 50
	p.Title = translate(languageOf(r), "families.title")
	var err error
	if p.Families, err = registry.ListFamilies(r.Context(), s.DB, p.Query); err != nil {
		s.writeError(w, r, err)
		return
	}
	if n := len(p.Families); n == p.Query.Limit {
		p.Next = p.Families[n-1].ID
	}
	s.render(w, r, http.StatusOK, "families.html", p)
}

type familyPage struct {
	page
	Family  registry.Family
	CanShow bool
}

func (s *Server) pageFamily(w http.ResponseWriter, r *http.Request) {
	s.showFamily(w, r, false)
}

// postRevealFamily shows the family with full numbers: a POST with CSRF,
// so that a link or a crawler can never reveal, and audited by registry.
func (s *Server) postRevealFamily(w http.ResponseWriter, r *http.Request) {
	s.showFamily(w, r, true)
}

func (s *Server) showFamily(w http.ResponseWriter, r *http.Request, reveal bool) {
	a, ok := s.need(w, r, auth.PermRegistryRead)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "KELUARGA_TIDAK_DITEMUKAN", "keluarga tidak ditemukan"))
		return
	}
	f, err := registry.GetFamily(r.Context(), s.DB, id, reveal)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &familyPage{Family: f, CanShow: auth.Can(a, auth.PermRevealPII) && !reveal}
	p.Title = translate(languageOf(r), "family.title")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "family.html", p)
}

// Age is a member's age today.
func (p *familyPage) Age(m registry.Member) int { return m.Age(time.Now()) }
