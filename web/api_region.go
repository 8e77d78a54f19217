package web

import (
	"net/http"

	"tepat"
	"tepat/region"
)

// regionJSON is a region as the API shows it.
type regionJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Parent   string `json:"parent,omitempty"`
	TimeZone string `json:"time_zone"`
}

func toRegionJSON(r region.Region) regionJSON {
	return regionJSON{Code: r.Code, Name: r.Name, Level: r.Level.String(), Parent: r.Parent, TimeZone: string(r.TimeZone())}
}

func toRegionsJSON(rs []region.Region) []regionJSON {
	out := make([]regionJSON, len(rs))
	for i, r := range rs {
		out[i] = toRegionJSON(r)
	}
	return out
}

// apiRegions lists the provinces, or with ?q= searches region names
// (optionally one ?level=province|regency|district|village), at most 50.
func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if name := q.Get("q"); name != "" {
		var lvl region.Level
		if l := q.Get("level"); l != "" {
			for _, c := range []region.Level{region.Province, region.Regency, region.District, region.Village} {
				if c.String() == l {
					lvl = c
				}
			}
			if lvl == 0 {
				s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "TINGKAT_TIDAK_DIKENAL", "tingkat wilayah %q tidak dikenal: province, regency, district atau village", l))
				return
			}
		}
		if len(name) > 100 {
			name = name[:100]
		}
		writeJSON(w, http.StatusOK, map[string]any{"regions": toRegionsJSON(region.Search(name, lvl, 50))})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": toRegionsJSON(region.Provinces())})
}

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) {
	reg, err := region.Lookup(r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRegionJSON(reg))
}

func (s *Server) apiRegionChildren(w http.ResponseWriter, r *http.Request) {
	reg, err := region.Lookup(r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"parent": toRegionJSON(reg), "regions": toRegionsJSON(region.Children(reg.Code))})
}
