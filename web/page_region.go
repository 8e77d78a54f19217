package web

import (
	"net/http"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/region"
	"tepat/registry"
)

type homePage struct {
	page
	Provinces, Regencies, Districts, Villages int64
	Engine                                    string
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home.html", &homePage{
		Provinces: int64(region.Count("", region.Province)),
		Regencies: int64(region.Count("", region.Regency)),
		Districts: int64(region.Count("", region.District)),
		Villages:  int64(region.Count("", region.Village)),
		Engine:    string(s.DB.Engine()),
	})
}

type regionPage struct {
	page
	Region    *region.Region
	Ancestors []region.Region
	Children  []region.Region
	Query     string
	Results   []region.Region
	Stats     *registry.Stats
	Counts    map[string]registry.Count // per child code
	Chart     []bar                     // families per child region
	Deciles   []bar                     // families per decile
}

// bar is one bar of a horizontal SVG bar chart (no script, no inline CSS).
type bar struct {
	Label string
	Href  string
	Value int64
	Width int // pixels of 300
	Y     int
}

// bars scales values to at most 300 pixels.
func bars(labels, hrefs []string, values []int64) []bar {
	var max int64 = 1
	for _, v := range values {
		if v > max {
			max = v
		}
	}
	out := make([]bar, len(values))
	for i, v := range values {
		out[i] = bar{Label: labels[i], Value: v, Width: int(v * 300 / max), Y: i * 22}
		if hrefs != nil {
			out[i].Href = hrefs[i]
		}
	}
	return out
}

// ChartHeight is the pixel height of a chart of n bars.
func (p *regionPage) ChartHeight(n int) int { return n*22 + 4 }

// addStats attaches registry figures for code when the user may see them;
// a region outside the user's scope simply shows none.
func (s *Server) addStats(r *http.Request, p *regionPage, code string) error {
	a := tepat.ActorFrom(r.Context())
	if !auth.Can(a, auth.PermStatsRead) {
		return nil
	}
	st, err := registry.RegionStats(r.Context(), s.DB, code)
	if tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	p.Stats = &st
	p.Counts = map[string]registry.Count{}
	var labels, hrefs []string
	var values []int64
	for _, c := range st.Children {
		p.Counts[c.Code] = c
		labels = append(labels, c.Name)
		hrefs = append(hrefs, "/wilayah/"+c.Code)
		values = append(values, c.Families)
	}
	p.Chart = bars(labels, hrefs, values)
	labels = nil
	for i := range st.Desil {
		labels = append(labels, strconv.Itoa(i+1))
	}
	p.Deciles = bars(labels, nil, st.Desil[:])
	return nil
}

func (s *Server) pageRegions(w http.ResponseWriter, r *http.Request) {
	p := &regionPage{Children: region.Provinces()}
	p.Title = translate(languageOf(r), "regions.title")
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		if len(q) > 100 {
			q = q[:100]
		}
		p.Query = q
		p.Results = region.Search(q, 0, 50)
	}
	if err := s.addStats(r, p, ""); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "regions.html", p)
}

func (s *Server) pageRegion(w http.ResponseWriter, r *http.Request) {
	reg, err := region.Lookup(r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &regionPage{Region: &reg, Ancestors: region.Ancestors(reg), Children: region.Children(reg.Code)}
	p.Title = reg.Name
	if err := s.addStats(r, p, reg.Code); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "regions.html", p)
}

func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "HALAMAN_TIDAK_ADA", "%s", translate(languageOf(r), "error.notfound")))
}
