package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/registry"
)

// Proposals (usulan → verval → penetapan): the JSON API and the pages.
// Every rule — who may act, scope, states — is in package registry; these
// handlers decode, call it, and encode or render.

var errNoProposal = tepat.Reasonf(tepat.ENOTFOUND, "USULAN_TIDAK_DITEMUKAN", "usulan tidak ditemukan")

// proposalStatuses are the statuses the list page filters by.
var proposalStatuses = []registry.ProposalStatus{registry.Diusulkan, registry.Diverifikasi, registry.Ditetapkan, registry.Ditolak}

// queryProposals reads a proposal list filter from the URL.
func queryProposals(r *http.Request) registry.ProposalFilter {
	q := r.URL.Query()
	f := registry.ProposalFilter{Status: registry.ProposalStatus(q.Get("status")), Kind: registry.ProposalKind(q.Get("kind")), Region: q.Get("region")}
	f.FamilyID, _ = strconv.ParseInt(q.Get("family"), 10, 64)
	f.After, f.Limit = paging(q)
	return f
}

func proposalIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoProposal
	}
	return id, nil
}

// decodeJSON decodes a request body strictly: unknown fields and trailing
// data are refused, so a misspelt field is never silently ignored.
func decodeJSON(r *http.Request, v any, hint string) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", "isi permintaan harus JSON %s", hint)
	}
	return nil
}

func (s *Server) apiCreateProposal(w http.ResponseWriter, r *http.Request) {
	// Permission first: a refused role gets 403 whatever the body says.
	if _, ok := s.need(w, r, auth.PermPropose); !ok {
		return
	}
	var np registry.NewProposal
	if err := decodeJSON(r, &np, `{"kind": "...", "reason": "...", ...}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := registry.Propose(r.Context(), s.DB, np)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/proposals/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiProposals(w http.ResponseWriter, r *http.Request) {
	ps, err := registry.ListProposals(r.Context(), s.DB, queryProposals(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ps == nil {
		ps = []registry.Proposal{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"proposals": ps})
}

func (s *Server) apiProposal(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermRegistryRead); !ok {
		return
	}
	id, err := proposalIDOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := registry.GetProposal(r.Context(), s.DB, id, r.URL.Query().Get("reveal") == "1")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
}

// proposalStepRequest is the body of POST /api/v1/proposals/{id}/verify and
// /determine. Approve must be given: a missing field is not a rejection.
type proposalStepRequest struct {
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

// proposalStepFunc is one step of the flow: registry.Verify or registry.Determine.
type proposalStepFunc func(ctx context.Context, d *db.DB, id int64, approve bool, note string) (registry.Proposal, error)

func (s *Server) apiVerifyProposal(w http.ResponseWriter, r *http.Request) {
	s.apiProposalStep(w, r, auth.PermVerify, registry.Verify)
}

func (s *Server) apiDetermineProposal(w http.ResponseWriter, r *http.Request) {
	s.apiProposalStep(w, r, auth.PermDetermine, registry.Determine)
}

func (s *Server) apiProposalStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, step proposalStepFunc) {
	if _, ok := s.need(w, r, perm); !ok {
		return
	}
	id, err := proposalIDOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req proposalStepRequest
	if err := decodeJSON(r, &req, `{"approve": true|false, "note": "..."}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Approve == nil {
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", `isi permintaan harus JSON {"approve": true|false, "note": "..."}`))
		return
	}
	p, err := step(r.Context(), s.DB, id, *req.Approve, req.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type proposalsPage struct {
	page
	Filter    registry.ProposalFilter
	Proposals []registry.Proposal
	Statuses  []registry.ProposalStatus
	Next      int64
}

// pageProposals lists the proposals in the viewer's scope, oldest first,
// by status (default: those waiting for a step).
func (s *Server) pageProposals(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermRegistryRead); !ok {
		return
	}
	p := &proposalsPage{Filter: queryProposals(r), Statuses: proposalStatuses}
	p.Filter.Limit = 50
	p.Title = translate(languageOf(r), "proposal.title")
	var err error
	if p.Proposals, err = registry.ListProposals(r.Context(), s.DB, p.Filter); err != nil {
		s.writeError(w, r, err)
		return
	}
	if n := len(p.Proposals); n == p.Filter.Limit {
		p.Next = p.Proposals[n-1].ID
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "proposals.html", p)
}

type proposalPage struct {
	page
	P            registry.Proposal
	CanVerify    bool
	CanDetermine bool
	Error        string
	Done         bool
}

// When shows a step's time in the zone of the proposal's region.
func (p *proposalPage) When(t time.Time) string { return p.Time(t, p.P.KodeWilayah) }

// proposalMemberRow is one member row of the proposal page.
type proposalMemberRow struct {
	M    registry.Member
	Age  int
	Page *proposalPage
}

// Row prepares a proposed member for the member table.
func (p *proposalPage) Row(m registry.Member) proposalMemberRow {
	return proposalMemberRow{M: m, Age: m.Age(time.Now()), Page: p}
}

// ProposalReason shows a proposal's reason: removal reasons translated, free text
// as written.
func (p *page) ProposalReason(x registry.Proposal) string {
	if x.Kind == registry.ProposalRemoveFamily || x.Kind == registry.ProposalRemoveMember {
		return p.T("proposal.reason." + x.Reason)
	}
	return x.Reason
}

func (s *Server) pageProposal(w http.ResponseWriter, r *http.Request) {
	s.showProposal(w, r, http.StatusOK, "")
}

// showProposal renders a proposal with the forms the viewer may use: the
// verification form for a dinsos of the region who did not propose it,
// the determination form for pusat. The rules are enforced again by
// registry on submit; this only hides buttons that would be refused.
func (s *Server) showProposal(w http.ResponseWriter, r *http.Request, status int, msg string) {
	a, ok := s.need(w, r, auth.PermRegistryRead)
	if !ok {
		return
	}
	id, err := proposalIDOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	prop, err := registry.GetProposal(r.Context(), s.DB, id, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &proposalPage{P: prop, Error: msg, Done: r.URL.Query().Get("selesai") == "1"}
	p.CanVerify = prop.VerifiableBy(a)
	p.CanDetermine = prop.DeterminableBy(a)
	p.Title = translate(languageOf(r), "proposal.one") + " " + strconv.FormatInt(prop.ID, 10)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "proposal.html", p)
}

func (s *Server) postVerifyProposal(w http.ResponseWriter, r *http.Request) {
	s.postProposalStep(w, r, auth.PermVerify, registry.Verify)
}

func (s *Server) postDetermineProposal(w http.ResponseWriter, r *http.Request) {
	s.postProposalStep(w, r, auth.PermDetermine, registry.Determine)
}

// postProposalStep handles the verify and determine forms (CSRF is checked by the
// middleware): button "approve" or "reject" and a note. A refusal the user
// can fix (a missing note, a changed status) is shown on the proposal page.
func (s *Server) postProposalStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, step proposalStepFunc) {
	if _, ok := s.need(w, r, perm); !ok {
		return
	}
	id, err := proposalIDOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var approve bool
	switch r.PostFormValue("action") {
	case "approve":
		approve = true
	case "reject":
	default:
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "AKSI_TIDAK_DIKENAL", "pilih setujui atau tolak"))
		return
	}
	if _, err := step(r.Context(), s.DB, id, approve, r.PostFormValue("note")); err != nil {
		switch tepat.ErrorCode(err) {
		case tepat.EINVALID, tepat.ECONFLICT:
			s.showProposal(w, r, statuses[tepat.ErrorCode(err)], tepat.ErrorMessage(err))
		default:
			s.writeError(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/usulan/"+strconv.FormatInt(id, 10)+"?selesai=1", http.StatusSeeOther)
}
