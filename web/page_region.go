package web

import (
	"net/http"
	"strings"

	"tepat"
	"tepat/region"
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
	s.render(w, r, http.StatusOK, "regions.html", p)
}

func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "HALAMAN_TIDAK_ADA", "%s", translate(languageOf(r), "error.notfound")))
}
