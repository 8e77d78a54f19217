package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/ledger"
	"tepat/region"
)

// The offline EDC page, /offline: the terminals' last syncs, the
// manifests and the conflict queue in the viewer's scope and, for
// terminal.manage, the forms to make a manifest (answered with the signed
// manifest as a file), close one, and decide a conflict. Package ledger
// scopes every list and refuses every change the viewer may not make; the
// page only leaves out the forms a viewer cannot use.

// Caps that keep /offline under 100 KB; the page says when a list is cut.
const (
	maxChainsHTML    = 50 // terminals with their last sync
	maxManifestsHTML = 40 // latest manifests
	maxConflictsHTML = 25 // latest conflicts, each with its form
)

// decisions are the choices of a conflict's decision select.
var decisions = []string{ledger.DecisionRejected, ledger.DecisionManual, ledger.DecisionNoted}

type offlinePage struct {
	page
	Chains        []ledger.ChainInfo
	MoreChains    int64
	Manifests     []manifestRow
	MoreManifests int64
	Conflicts     []ledger.Conflict
	MoreConflicts int64
	All           bool   // resolved conflicts shown too (?semua=1)
	Terminal      string // manifests of one terminal only (?terminal=)
	CanManage     bool
	Decisions     []string
	Done          string // what the last button did: tutup, putus

	Form    manifestForm // the manifest form as typed
	Resolve resolveForm  // the conflict form as typed, after a refusal
	Error   string
}

// manifestForm is the manifest form as typed, shown again after a
// refusal.
type manifestForm struct{ Terminal, Cycle, Region, ValidUntil string }

// resolveForm is one conflict's form as typed.
type resolveForm struct {
	ID       int64
	Decision string
	Note     string
}

// manifestRow is a manifest with its spent share as a bar.
type manifestRow struct {
	ledger.ManifestInfo
	Width   int // pixels of spentBar
	Percent string
}

// spentBar is the width in pixels of a manifest's full spent bar.
const spentBar = 60

// maxNoteHTML is how much of a decision's note or a conflict's detail
// the page shows: the API takes notes of any length.
const maxNoteHTML = 500

// Clip shortens a note or detail to maxNoteHTML characters for the page.
func (p *offlinePage) Clip(s string) string { return tepat.Clip(s, maxNoteHTML) }

// BarWidth is the width of a full spent bar in pixels.
func (p *offlinePage) BarWidth() int { return spentBar }

func (s *Server) pageOffline(w http.ResponseWriter, r *http.Request) {
	s.showOffline(w, r, http.StatusOK, &offlinePage{})
}

// showOffline renders /offline with what a form just did in p.
func (s *Server) showOffline(w http.ResponseWriter, r *http.Request, status int, p *offlinePage) {
	a, ok := s.need(w, r, auth.PermLedgerRead)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	p.All = q.Get("semua") == "1"
	p.Terminal = strings.TrimSpace(q.Get("terminal"))
	if len(p.Terminal) > 20 {
		p.Terminal = p.Terminal[:20]
	}
	p.Done = q.Get("selesai")
	chains, err := ledger.Chains(ctx, s.DB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Chains, p.MoreChains = cut(chains, maxChainsHTML)
	ms, err := ledger.Manifests(ctx, s.DB, p.Terminal)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, p.MoreManifests = cut(ms, maxManifestsHTML)
	for _, m := range ms {
		row := manifestRow{ManifestInfo: m, Percent: "0%"}
		if m.Amount > 0 {
			row.Width = int(min(m.Spent, m.Amount) * spentBar / m.Amount)
			row.Percent = strconv.FormatInt(m.Spent*100/m.Amount, 10) + "%"
		}
		p.Manifests = append(p.Manifests, row)
	}
	cs, err := ledger.Conflicts(ctx, s.DB, p.All)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Conflicts, p.MoreConflicts = cut(cs, maxConflictsHTML)
	p.CanManage = auth.Can(a, auth.PermTerminalManage)
	p.Decisions = decisions
	if p.Form.ValidUntil == "" {
		// The default validity: a week from today, WIB.
		p.Form.ValidUntil = s.Now().In(region.WIB.Location()).Add(ledger.DefaultManifestValidity).Format("2006-01-02")
	}
	p.Title = translate(languageOf(r), "offline.title")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "offline.html", p)
}

// postManifest makes a manifest from the form and answers with the
// signed manifest as a file to load into the terminal; a refusal is shown
// on the page with what was typed.
func (s *Server) postManifest(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	f := manifestForm{Terminal: strings.TrimSpace(r.PostFormValue("terminal")), Cycle: strings.TrimSpace(r.PostFormValue("cycle")),
		Region: strings.TrimSpace(r.PostFormValue("region")), ValidUntil: strings.TrimSpace(r.PostFormValue("valid_until"))}
	spec, err := f.spec()
	var doc []byte
	var info ledger.ManifestInfo
	if err == nil {
		proc, perr := s.processor(r.Context())
		if perr != nil {
			s.writeError(w, r, perr)
			return
		}
		doc, info, err = ledger.CreateManifest(r.Context(), s.DB, proc.Key(), spec)
	}
	if err != nil {
		st, msg, ok := formError(err)
		if tepat.ErrorCode(err) == tepat.EFORBIDDEN {
			// A revoked terminal, a disabled e-Warong, a region outside
			// the user's: the form can fix it (the permission itself was
			// checked above).
			st, msg, ok = http.StatusForbidden, tepat.ErrorMessage(err), true
		}
		if !ok {
			s.writeError(w, r, err)
			return
		}
		// Shown again as typed, but never more than a field needs.
		f = manifestForm{Terminal: tepat.Clip(f.Terminal, 40), Cycle: tepat.Clip(f.Cycle, 40), Region: tepat.Clip(f.Region, 40), ValidUntil: tepat.Clip(f.ValidUntil, 40)}
		s.showOffline(w, r, st, &offlinePage{Form: f, Error: msg})
		return
	}
	dl := newDownload(w, "manifest-"+info.ID+".json", "application/json")
	_, err = dl.Write(doc)
	s.finishDownload(w, r, dl, err, "manifest download")
}

// spec reads the form: the validity is the end of the date typed, in
// the region's time zone (WIB without a region).
func (f manifestForm) spec() (ledger.ManifestSpec, error) {
	spec := ledger.ManifestSpec{Terminal: f.Terminal, Region: f.Region}
	cycle, err := strconv.ParseInt(f.Cycle, 10, 64)
	if err != nil || cycle <= 0 {
		return spec, tepat.Reasonf(tepat.EINVALID, "SIKLUS_TIDAK_VALID", "nomor siklus %q tidak valid", tepat.Clip(f.Cycle, 40))
	}
	spec.Cycle = cycle
	if f.ValidUntil != "" {
		// TimeZone answers WIB for no region (or an unknown one).
		day, err := time.ParseInLocation("2006-01-02", f.ValidUntil, region.TimeZone(f.Region).Location())
		if err != nil {
			return spec, tepat.Reasonf(tepat.EINVALID, "TANGGAL_TIDAK_VALID", "tanggal %q tidak valid: tulis TTTT-BB-HH", tepat.Clip(f.ValidUntil, 40))
		}
		spec.ValidUntil = day.AddDate(0, 0, 1).Add(-time.Second)
	}
	return spec, nil
}

func (s *Server) postReleaseManifest(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	if _, err := ledger.ReleaseManifest(r.Context(), s.DB, r.PathValue("id"), ledger.ManifestClosed); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/offline?selesai=tutup#manifests", http.StatusSeeOther)
}

// postResolveConflict records a decision on a conflict. A conflict out
// of scope is not found (the error page, as for one that does not
// exist); a missing note or a conflict already decided is shown on the
// page with what was typed.
func (s *Server) postResolveConflict(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "KONFLIK_TIDAK_DITEMUKAN", "konflik %q tidak ditemukan", tepat.Clip(r.PathValue("id"), 40)))
		return
	}
	f := resolveForm{ID: id, Decision: strings.TrimSpace(r.PostFormValue("decision")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if _, err := ledger.ResolveConflict(r.Context(), s.DB, id, f.Decision, f.Note); err != nil {
		st, msg, ok := formError(err)
		if !ok || tepat.ErrorCode(err) == tepat.ENOTFOUND {
			s.writeError(w, r, err)
			return
		}
		s.showOffline(w, r, st, &offlinePage{Resolve: f, Error: msg})
		return
	}
	http.Redirect(w, r, "/offline?selesai=putus#conflicts", http.StatusSeeOther)
}
