package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/ledger"
	"tepat/program"
	"tepat/registry"
)

// queryFamilies reads a family list query from the URL.
func queryFamilies(r *http.Request) registry.Query {
	q := r.URL.Query()
	rq := registry.Query{Region: q.Get("region"), Name: q.Get("q")}
	rq.After, rq.Limit = paging(q)
	return rq
}

// paging reads keyset paging from a query string: after (the last id seen)
// and limit. Missing or malformed values are 0, which the capability
// packages read as "from the start" and "their default".
func paging(q url.Values) (after int64, limit int) {
	after, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ = strconv.Atoi(q.Get("limit"))
	return after, limit
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
	if n := strings.TrimSpace(r.URL.Query().Get("nik")); n != "" {
		// A person search goes straight to the family page; the redirect
		// names the family by its id, never by a number.
		person, err := registry.PersonByNIK(r.Context(), s.DB, n, false)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/keluarga/%d", person.FamilyID), http.StatusSeeOther)
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
	Family     registry.Family
	CanShow    bool
	Today      time.Time
	History    []registry.Change
	Duplicates []registry.Duplicate // open possible duplicates of its members
	Proposals  []registry.Proposal
	Benefits   []program.FamilyEntitlement
	Wallets    []ledger.Wallet // food wallets, shown when there are any
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
	p := &familyPage{Family: f, CanShow: auth.Can(a, auth.PermRevealPII) && !reveal, Today: s.Now()}
	ctx := r.Context()
	if p.History, err = registry.FamilyHistory(ctx, s.DB, f.ID); err == nil {
		p.Duplicates, err = registry.ListDuplicates(ctx, s.DB, registry.DuplicateFilter{FamilyID: f.ID, Limit: 100})
	}
	if err == nil {
		p.Proposals, err = registry.ListProposals(ctx, s.DB, registry.ProposalFilter{FamilyID: f.ID, Limit: 100})
	}
	if err == nil {
		p.Benefits, err = program.FamilyEntitlements(ctx, s.DB, f.ID)
	}
	if err == nil {
		p.Wallets, err = ledger.FamilyWallets(ctx, s.DB, f.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Title = translate(languageOf(r), "family.title")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "family.html", p)
}

// Age is a member's age on the day the page is shown.
func (p *familyPage) Age(m registry.Member) int { return registry.AgeOn(m.TanggalLahir, p.Today) }

// Components are a member's PKH components on the day the page is shown.
func (p *familyPage) Components(m registry.Member) []string { return registry.Components(m, p.Today) }

// Other is the other person of a duplicate pair of this family: the one
// not in it, or B when both are (a pair within the family).
func (p *familyPage) Other(d registry.Duplicate) registry.DuplicatePerson {
	if d.A.FamilyID != p.Family.ID {
		return d.A
	}
	return d.B
}

// Mine is the person of a duplicate pair who belongs to this family.
func (p *familyPage) Mine(d registry.Duplicate) registry.DuplicatePerson {
	if d.A.FamilyID == p.Family.ID {
		return d.A
	}
	return d.B
}
