package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/region"
)

// page is what every template gets: the language, the path (for the
// language switch) and the request id. Page data embeds it.
type page struct {
	Lang      string
	Path      string
	RequestID string
	Title     string
	Actor     *tepat.Actor
	CSRF      string
}

// Can reports whether the signed-in user holds permission p (for menus).
func (p *page) Can(perm string) bool { return auth.Can(p.Actor, auth.Permission(perm)) }

// T translates key into the page's language.
func (p *page) T(key string) string { return translate(p.Lang, key) }

// OtherLang is the language the switch link offers.
func (p *page) OtherLang() string {
	if p.Lang == langEN {
		return langID
	}
	return langEN
}

// LangURL is the link that switches language and comes back here.
func (p *page) LangURL() string {
	return "/lang?to=" + p.OtherLang() + "&back=" + url.QueryEscape(p.Path)
}

// Level names a region level in the page's language.
func (p *page) Level(r region.Region) string {
	if r.Level == region.Village && len(r.Code) == 13 {
		// The first digit of the village part: 1 = kelurahan, 2 = desa.
		if r.Code[9] == '1' {
			return p.T("level.kelurahan")
		}
		return p.T("level.desa")
	}
	return p.T("level." + r.Level.String())
}

// Num formats an integer with Indonesian thousands dots (English: commas).
func (p *page) Num(n int64) string {
	if p.Lang == langEN {
		return tepat.Thousands(n, ',')
	}
	return tepat.Thousands(n, '.')
}

// cut returns the first n of xs and how many it leaves out, for a page
// that lists at most n and says how many more there are.
func cut[T any](xs []T, n int) ([]T, int64) {
	if len(xs) <= n {
		return xs, 0
	}
	return xs[:n], int64(len(xs) - n)
}

// pager is implemented by every page data type through the embedded page.
type pager interface{ base() *page }

func (p *page) base() *page { return p }

// sharedTemplates are the layout and the pieces several pages use
// (partials.html); every other template file is a page.
var sharedTemplates = []string{"templates/layout.html", "templates/partials.html"}

func parseTemplates() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFS, sharedTemplates...))
	out := map[string]*template.Template{}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		if slices.Contains(sharedTemplates, n) {
			continue
		}
		out[n[len("templates/"):]] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// render executes the named page template into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pager) {
	p := data.base()
	p.Lang = languageOf(r)
	p.Path = r.URL.RequestURI()
	p.RequestID = requestID(r.Context())
	p.Actor = tepat.ActorFrom(r.Context())
	if p.CSRF == "" {
		p.CSRF = csrfFrom(r.Context())
	}
	var buf bytes.Buffer
	if err := s.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.Logger.Error("render", "template", name, "err", err, "request_id", p.RequestID)
		http.Error(w, "internal error "+p.RequestID, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	page
	Status  int
	Message string
	Code    string
}

// Time shows t in the time zone of the region code (WIB when none), e.g.
// "25-11-2019 15:30 WIB".
func (p *page) Time(t time.Time, regionCode string) string {
	z := region.WIB
	if regionCode != "" {
		z = region.TimeZone(regionCode)
	}
	return t.In(z.Location()).Format("02-01-2006 15:04") + " " + string(z)
}
