package synth

import (
	"strings"
	"sync"

	"tepat"
	"tepat/region"
)

// census2020 is the population of each province in the 2020 census (Sensus
// Penduduk 2020, BPS), in thousands. Families are spread over provinces in
// proportion to it. The six Papuan provinces of 2022 carry the 2020
// population of the regencies they were formed from, so their figures are
// approximate; their sum matches the two pre-2022 provinces to within 1 %.
var census2020 = map[string]int{
	"11": 5275, "12": 14799, "13": 5534, "14": 6394, "15": 3548, "16": 8467,
	"17": 2011, "18": 9008, "19": 1456, "21": 2065, "31": 10562, "32": 48274,
	"33": 36516, "34": 3669, "35": 40666, "36": 11905, "51": 4317, "52": 5320,
	"53": 5326, "61": 5414, "62": 2670, "63": 4074, "64": 3766, "65": 702,
	"71": 2622, "72": 2986, "73": 9074, "74": 2625, "75": 1172, "76": 1419,
	"81": 1849, "82": 1283, "91": 1008, "92": 546, "93": 514, "94": 1391,
	"95": 1427, "96": 592,
}

// village is one village a family can live in.
type village struct {
	code  string // dotted, "32.01.01.2001"
	dist  int32  // index into atlas.districts
	urban bool   // kelurahan (code 1xxx) rather than desa (2xxx)
}

// district is one district, the unit of NIK and KK registration.
type district struct {
	plain   string // "320101"
	prov    int32  // index into atlas.provinces
	reg     int32  // index into atlas.regencies
	provPos int32  // position in its province's district list
	regPos  int32  // position in its regency's district list
}

type province struct {
	code      string
	lo, hi    int     // its villages are atlas.villages[lo:hi]
	districts []int32 // in code order
}

// atlas is the country's villages and districts in code order, built once
// per process from package region and read-only afterwards.
type atlas struct {
	villages  []village
	districts []district
	provinces []province
	regencies [][]int32 // districts of each regency, in code order
}

var loadAtlas = sync.OnceValue(func() *atlas {
	a := &atlas{}
	distIdx := map[string]int32{}
	regIdx := map[string]int32{}
	for _, v := range region.Villages("") {
		pc := v.Code[:2]
		if n := len(a.provinces); n == 0 || a.provinces[n-1].code != pc {
			if n > 0 {
				a.provinces[n-1].hi = len(a.villages)
			}
			a.provinces = append(a.provinces, province{code: pc, lo: len(a.villages)})
		}
		p := int32(len(a.provinces) - 1)
		dc := v.Parent
		d, ok := distIdx[dc]
		if !ok {
			rc := dc[:5]
			r, ok := regIdx[rc]
			if !ok {
				r = int32(len(a.regencies))
				regIdx[rc] = r
				a.regencies = append(a.regencies, nil)
			}
			d = int32(len(a.districts))
			distIdx[dc] = d
			a.districts = append(a.districts, district{
				plain: region.Plain(dc), prov: p, reg: r,
				provPos: int32(len(a.provinces[p].districts)),
				regPos:  int32(len(a.regencies[r])),
			})
			a.provinces[p].districts = append(a.provinces[p].districts, d)
			a.regencies[r] = append(a.regencies[r], d)
		}
		vc := v.Code
		a.villages = append(a.villages, village{code: vc, dist: d, urban: vc[len(vc)-4] == '1'})
	}
	if n := len(a.provinces); n > 0 {
		a.provinces[n-1].hi = len(a.villages)
	}
	return a
})

// scope is the part of the atlas one run draws villages from.
type scope struct {
	*atlas
	provPick weighted // over provinces, when the whole country is in scope
	lo, hi   int      // villages[lo:hi], when a single region is in scope
}

// newScope limits generation to code (any level, dotted or plain; "" is the
// whole country). It fails with the error of region.Lookup for a malformed or
// unknown code.
func newScope(code string) (*scope, error) {
	a := loadAtlas()
	s := &scope{atlas: a}
	if code == "" {
		w := make([]int, len(a.provinces))
		for i, p := range a.provinces {
			w[i] = census2020[p.code]
			if w[i] == 0 { // a province newer than the table: weigh it as a small one
				w[i] = 500
			}
		}
		s.provPick = newWeighted(w...)
		return s, nil
	}
	r, err := region.Lookup(code)
	if err != nil {
		return nil, err
	}
	prefix := r.Code + "."
	s.lo, s.hi = -1, -1
	for _, p := range a.provinces {
		if p.code != r.Code[:2] {
			continue
		}
		for i := p.lo; i < p.hi; i++ {
			c := a.villages[i].code
			if c == r.Code || strings.HasPrefix(c, prefix) {
				if s.lo < 0 {
					s.lo = i
				}
				s.hi = i + 1
			}
		}
	}
	if s.lo < 0 {
		return nil, tepat.Reasonf(tepat.ENOTFOUND, "WILAYAH_TANPA_DESA",
			"wilayah %s tidak memiliki desa/kelurahan", r.Code)
	}
	return s, nil
}

// pickVillage returns the index of a village: a province by population, then
// a village uniformly within it; or uniformly within the scoped region.
func (s *scope) pickVillage(r rng) int {
	if s.provPick != nil {
		p := &s.provinces[s.provPick.pick(r)]
		return p.lo + r.intn(p.hi-p.lo)
	}
	return s.lo + r.intn(s.hi-s.lo)
}

// otherDistrict returns a district of the same province as d, usually a
// different one, for people registered away from their home.
func (s *scope) otherDistrict(r rng, d int32) int32 {
	ds := s.provinces[s.districts[d].prov].districts
	return ds[r.intn(len(ds))]
}
