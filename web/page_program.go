package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/program"
	"tepat/registry"
)

// The program catalog page (/program, with the eligibility preview) and
// what the program pages share. The apply form appears only with
// program.manage; package program checks it again.

// Rp shows whole rupiah as "Rp1.234.567", in both languages.
func (p *page) Rp(n int64) string { return "Rp" + program.Rupiah(n) }

// areaChart is a bar chart of per-province figures: amounts in rupiah,
// or for goods the quantity.
type areaChart struct {
	Money bool
	Bars  []bar
}

// Height is the chart's pixel height.
func (c areaChart) Height() int { return len(c.Bars)*22 + 4 }

// chartAreas charts the amounts of areas, or their quantities when they
// pay goods only.
func chartAreas(areas []program.Area) areaChart {
	var labels, hrefs []string
	var amounts, quantities []int64
	var money bool
	for _, a := range areas {
		labels = append(labels, a.Name)
		hrefs = append(hrefs, "/wilayah/"+a.Code)
		amounts = append(amounts, a.Amount)
		quantities = append(quantities, a.Quantity)
		money = money || a.Amount > 0
	}
	if money {
		return areaChart{Money: true, Bars: bars(labels, hrefs, amounts)}
	}
	return areaChart{Bars: bars(labels, hrefs, quantities)}
}

// catalogChoices are the program codes and years of the catalog, for the
// selects of the forms.
type catalogChoices struct {
	Codes []string
	Years []int
}

// choices reads the catalog's choices for a page's forms.
func (s *Server) choices(r *http.Request) (catalogChoices, error) {
	vs, err := program.List(r.Context(), s.DB)
	return choicesOf(vs), err
}

func choicesOf(vs []program.Version) catalogChoices {
	var c catalogChoices
	codes, years := map[string]bool{}, map[int]bool{}
	for _, v := range vs {
		if !codes[v.Program.Code] {
			codes[v.Program.Code] = true
			c.Codes = append(c.Codes, v.Program.Code)
		}
		if !years[v.Program.Year] {
			years[v.Program.Year] = true
			c.Years = append(c.Years, v.Program.Year)
		}
	}
	sort.Strings(c.Codes)
	sort.Sort(sort.Reverse(sort.IntSlice(c.Years)))
	return c
}

// formError shows err on the page when the user can fix it (a refused
// value, a state that changed, a program or snapshot that does not exist)
// and reports whether it did; other errors take the error page.
func formError(err error) (status int, msg string, ok bool) {
	switch code := tepat.ErrorCode(err); code {
	case tepat.EINVALID, tepat.ECONFLICT, tepat.ENOTFOUND:
		return statuses[code], tepat.ErrorMessage(err), true
	}
	return 0, "", false
}

// formRefusal is formError for a handler: it returns the status and
// message of a refusal the page shows, or answers any other error with
// the error page and returns ok false, after which the handler is done.
func (s *Server) formRefusal(w http.ResponseWriter, r *http.Request, err error) (status int, msg string, ok bool) {
	if status, msg, ok = formError(err); !ok {
		s.writeError(w, r, err)
	}
	return status, msg, ok
}

// maxCatalogEcho is how much of a refused catalog the page shows again.
const maxCatalogEcho = 32 << 10

type programsPage struct {
	page
	catalogChoices
	Programs  []program.Version
	Snapshots []registry.Snapshot
	CanManage bool
	Applied   []program.Applied
	Catalog   string // the catalog typed, after an error
	Error     string

	// The preview form and its answer.
	Ask          program.PreviewRequest
	Preview      *program.Preview
	PreviewError string
	Chart        areaChart
}

func (s *Server) pageProgram(w http.ResponseWriter, r *http.Request) {
	s.showProgram(w, r, http.StatusOK, &programsPage{})
}

// showProgram renders the catalog with p's form state and, when the query
// asks for one, a preview.
func (s *Server) showProgram(w http.ResponseWriter, r *http.Request, status int, p *programsPage) {
	a, ok := s.need(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	var err error
	if p.Programs, err = program.List(r.Context(), s.DB); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Snapshots, err = registry.ListSnapshots(r.Context(), s.DB); err != nil {
		s.writeError(w, r, err)
		return
	}
	p.catalogChoices = choicesOf(p.Programs)
	p.CanManage = auth.Can(a, auth.PermProgramManage)
	p.Title = translate(languageOf(r), "program.title")
	q := r.URL.Query()
	if code := strings.TrimSpace(q.Get("program")); code != "" && r.Method == http.MethodGet {
		p.Ask, err = previewRequest(code, q)
		if err == nil {
			var pv program.Preview
			if pv, err = program.PreviewProgram(r.Context(), s.DB, p.Ask); err == nil {
				p.Preview, p.Chart = &pv, chartAreas(pv.Provinces)
			}
		}
		if err != nil {
			st, msg, ok := s.formRefusal(w, r, err)
			if !ok {
				return
			}
			status, p.PreviewError = st, msg
		}
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, "programs.html", p)
}

// postProgram applies a catalog from the form: an uploaded file, or the
// text pasted into the text area.
func (s *Server) postProgram(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	src, err := catalogSource(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	applied, err := s.applyCatalog(r, strings.NewReader(src))
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		if len(src) > maxCatalogEcho {
			src = ""
		}
		s.showProgram(w, r, st, &programsPage{Catalog: src, Error: msg})
		return
	}
	// Applying is idempotent, so the answer is the page itself, with what
	// changed, rather than a redirect that would lose it.
	s.showProgram(w, r, http.StatusOK, &programsPage{Applied: applied})
}

// catalogSource reads the catalog of the apply form: the uploaded file,
// or the text area when no file was chosen.
func catalogSource(r *http.Request) (string, error) {
	f, _, err := r.FormFile("file")
	switch {
	case err == nil:
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return "", catalogUploadError(err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			return string(b), nil
		}
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
	default:
		return "", catalogUploadError(err)
	}
	return r.FormValue("catalog"), nil
}

func catalogUploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tepat.Reasonf(tepat.EINVALID, "FILE_TERLALU_BESAR", "katalog lebih besar dari %d KB", maxBody>>10)
	}
	return tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TERPUTUS", "unggahan terputus; silakan kirim ulang")
}

// Unit names a program's unit in the page's language.
func (p *programsPage) Unit(pr program.Program) string { return p.T("program.unit." + pr.Unit) }

// Changed counts the programs an apply gave a new version.
func (p *programsPage) Changed() int {
	n := 0
	for _, a := range p.Applied {
		if a.Changed {
			n++
		}
	}
	return n
}
