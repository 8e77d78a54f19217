package web

import (
	"net/http"
	"net/url"
	"strconv"

	"tepat"
	"tepat/auth"
	"tepat/registry"
)

// Families per diff answer: the API's JSON, and the HTML page, which must
// stay under 100 KB.
const (
	maxDiffPage     = 1000
	maxDiffPageHTML = 200
)

func (s *Server) apiSnapshots(w http.ResponseWriter, r *http.Request) {
	ss, err := registry.ListSnapshots(r.Context(), s.DB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ss == nil {
		ss = []registry.Snapshot{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshots": ss})
}

func (s *Server) apiSnapshot(w http.ResponseWriter, r *http.Request) {
	sn, err := registry.GetSnapshot(r.Context(), s.DB, r.PathValue("label"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sn)
}

// diffPage is one page of a snapshot diff: the counts over every family,
// the families after ?after= (at most ?limit=, up to 1000), and the id to
// ask for the next page with (0 on the last page).
type diffPage struct {
	Diff     registry.Diff         `json:"diff"`
	Families []registry.DiffFamily `json:"families"`
	Next     int64                 `json:"next"`
}

// snapshotDiff reads a diff page of at most max families for the labels
// in the path.
func (s *Server) snapshotDiff(r *http.Request, max int) (diffPage, error) {
	q := r.URL.Query()
	opt := registry.DiffOptions{Limit: max}
	opt.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n < max {
		opt.Limit = n
	}
	p := diffPage{Families: []registry.DiffFamily{}}
	var err error
	p.Diff, err = registry.DiffSnapshots(r.Context(), s.DB, r.PathValue("a"), r.PathValue("b"), opt, func(f registry.DiffFamily) error {
		p.Families = append(p.Families, f)
		return nil
	})
	if n := len(p.Families); n > 0 && n == opt.Limit {
		p.Next = p.Families[n-1].ID
	}
	return p, err
}

func (s *Server) apiSnapshotDiff(w http.ResponseWriter, r *http.Request) {
	p, err := s.snapshotDiff(r, maxDiffPage)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type snapshotsPage struct {
	page
	Snapshots []registry.Snapshot
	CanCreate bool
	CanDiff   bool
	Created   string // label just created, for the confirmation
	Label     string // the label typed into the form, after an error
	Error     string
}

// CountsHidden reports whether national counts were withheld from a
// scoped viewer.
func (p *snapshotsPage) CountsHidden() bool {
	return len(p.Snapshots) > 0 && p.Snapshots[0].Families == nil
}

// Previous is the snapshot before the i-th (the list is newest first), or "".
func (p *snapshotsPage) Previous(i int) string {
	if i+1 < len(p.Snapshots) {
		return p.Snapshots[i+1].Label
	}
	return ""
}

func (s *Server) pageSnapshots(w http.ResponseWriter, r *http.Request) {
	s.showSnapshots(w, r, http.StatusOK, &snapshotsPage{Created: r.URL.Query().Get("dibuat")})
}

// showSnapshots renders the list, with p's form state.
func (s *Server) showSnapshots(w http.ResponseWriter, r *http.Request, status int, p *snapshotsPage) {
	a, ok := s.need(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	var err error
	if p.Snapshots, err = registry.ListSnapshots(r.Context(), s.DB); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Created != "" {
		// Confirm only a snapshot that exists, so a crafted link cannot
		// make the page say something false.
		known := false
		for _, sn := range p.Snapshots {
			known = known || sn.Label == p.Created
		}
		if !known {
			p.Created = ""
		}
	}
	p.CanCreate = auth.Can(a, auth.PermSnapshot)
	p.CanDiff = auth.Can(a, auth.PermRegistryRead)
	p.Title = translate(languageOf(r), "snapshot.title")
	s.render(w, r, status, "snapshots.html", p)
}

// postSnapshot creates a snapshot from the form (CSRF is checked for every
// session POST) and returns to the list, or shows the list with the reason
// when the label is refused.
func (s *Server) postSnapshot(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermSnapshot); !ok {
		return
	}
	label := r.PostFormValue("label")
	sn, err := registry.CreateSnapshot(r.Context(), s.DB, label)
	switch code := tepat.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/snapshot?dibuat="+url.QueryEscape(sn.Label), http.StatusSeeOther)
	case tepat.EINVALID, tepat.ECONFLICT:
		if len(label) > registry.MaxLabel {
			label = label[:registry.MaxLabel]
		}
		s.showSnapshots(w, r, statuses[code], &snapshotsPage{Label: label, Error: tepat.ErrorMessage(err)})
	default:
		s.writeError(w, r, err)
	}
}

type snapshotDiffPage struct {
	page
	diffPage
	A, B string // as asked, for the next-page link
}

func (s *Server) pageSnapshotDiff(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermRegistryRead); !ok {
		return
	}
	dp, err := s.snapshotDiff(r, maxDiffPageHTML)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &snapshotDiffPage{diffPage: dp, A: r.PathValue("a"), B: r.PathValue("b")}
	p.Title = translate(languageOf(r), "snapshot.diff_title")
	s.render(w, r, http.StatusOK, "snapshot_diff.html", p)
}
