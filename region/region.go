// Package region holds Indonesia's administrative region codes (kode wilayah
// Kemendagri): 38 provinces, 514 regencies and cities, 7,285 districts and
// 83,762 villages, embedded in the binary. Codes are written dotted
// ("32.01.01.2001") or plain ("3201012001"); every function here accepts both
// and returns the dotted form.
//
// The data is loaded once, on first use, and is read-only afterwards: all
// functions are safe for concurrent use.
package region

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"sort"
	"strings"
	"sync"

	"tepat"
)

//go:embed wilayah.tsv.gz
var wilayahGz []byte

// Level is the depth of a region in the hierarchy.
type Level int

// The four levels of Indonesia's administration.
const (
	Province Level = 1 // provinsi, code PP
	Regency  Level = 2 // kabupaten/kota, code PP.KK
	District Level = 3 // kecamatan, code PP.KK.CC
	Village  Level = 4 // desa/kelurahan, code PP.KK.CC.VVVV
)

// String returns the level's English name.
func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case Regency:
		return "regency"
	case District:
		return "district"
	case Village:
		return "village"
	}
	return "unknown"
}

// Region is one administrative area. Code and Parent are dotted; Parent is ""
// for a province.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Parent string `json:"parent,omitempty"`
}

// Province returns the dotted code of the province r belongs to (r's own code
// for a province).
func (r Region) Province() string { return r.Code[:2] }

// TimeZone returns the time zone of the province r lies in.
func (r Region) TimeZone() Zone { return provinceZone(r.Code[:2]) }

type table struct {
	all     []Region         // sorted by dotted code
	byKey   map[uint64]int32 // numeric key of the plain code → index in all
	byLevel [5][]int32       // indexes into all, per level, sorted by code
}

var (
	loadOnce sync.Once
	data     *table
)

func tab() *table {
	loadOnce.Do(func() { data = load(wilayahGz) })
	return data
}

func load(gz []byte) *table {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		panic("region: embedded data unreadable: " + err.Error())
	}
	t := &table{byKey: make(map[uint64]int32, 92000)}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		tab := strings.IndexByte(line, '\t')
		code, name := line[:tab], line[tab+1:]
		key, lvl, ok := parseKey(code)
		if !ok {
			panic("region: embedded data has a bad code " + code)
		}
		r := Region{Code: code, Name: name, Level: lvl}
		if i := strings.LastIndexByte(code, '.'); i > 0 {
			r.Parent = code[:i]
		}
		t.byKey[key] = int32(len(t.all))
		t.byLevel[lvl] = append(t.byLevel[lvl], int32(len(t.all)))
		t.all = append(t.all, r)
	}
	if err := sc.Err(); err != nil {
		panic("region: embedded data unreadable: " + err.Error())
	}
	return t
}

// parseKey turns a dotted or plain code into a numeric key and its level
// without allocating. Keys of different levels never collide because the
// smallest province code is 11: a longer code always makes a larger number.
func parseKey(code string) (key uint64, lvl Level, ok bool) {
	var digits int
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c == '.' {
			// Dots are allowed only at the boundaries 2, 4 and 6 digits in.
			if digits != 2 && digits != 4 && digits != 6 {
				return 0, 0, false
			}
			if i+1 == len(code) || code[i+1] == '.' {
				return 0, 0, false
			}
			continue
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		key = key*10 + uint64(c-'0')
		digits++
		if digits > 10 {
			return 0, 0, false
		}
	}
	switch digits {
	case 2:
		lvl = Province
	case 4:
		lvl = Regency
	case 6:
		lvl = District
	case 10:
		lvl = Village
	default:
		return 0, 0, false
	}
	return key, lvl, true
}

// Lookup returns the region with the given code. It fails with EINVALID if
// the code is malformed and ENOTFOUND if no such region exists.
func Lookup(code string) (Region, error) {
	key, _, ok := parseKey(code)
	if !ok {
		return Region{}, tepat.Reasonf(tepat.EINVALID, "KODE_WILAYAH_TIDAK_VALID",
			"kode wilayah %q tidak valid: harus 2, 4, 6 atau 10 digit (boleh bertitik, mis. 32.01.01.2001)", clip(code))
	}
	t := tab()
	i, found := t.byKey[key]
	if !found {
		return Region{}, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL",
			"kode wilayah %q tidak dikenal", clip(code))
	}
	return t.all[i], nil
}

// Exists reports whether code names a known region of any level.
func Exists(code string) bool {
	key, _, ok := parseKey(code)
	if !ok {
		return false
	}
	_, found := tab().byKey[key]
	return found
}

// ExistsAt reports whether code names a known region of exactly level l.
func ExistsAt(code string, l Level) bool {
	key, lvl, ok := parseKey(code)
	if !ok || lvl != l {
		return false
	}
	_, found := tab().byKey[key]
	return found
}

// DistrictExists reports whether the plain six-digit code names a district.
// It does not allocate.
func DistrictExists(digits6 string) bool {
	return len(digits6) == 6 && ExistsAt(digits6, District)
}

// RegencyExists reports whether the plain four-digit code names a regency or city.
// It does not allocate.
func RegencyExists(digits4 string) bool {
	return len(digits4) == 4 && ExistsAt(digits4, Regency)
}

// Normalize returns the dotted form of a known code. Errors are as for Lookup.
func Normalize(code string) (string, error) {
	r, err := Lookup(code)
	return r.Code, err
}

// Provinces returns all provinces in code order.
func Provinces() []Region { return Children("") }

// Children returns the regions one level below code, in code order; code ""
// gives the provinces. A village has no children. Errors are as for Lookup.
func Children(code string) []Region {
	t := tab()
	if code == "" {
		return t.collect(Province, "")
	}
	r, err := Lookup(code)
	if err != nil || r.Level == Village {
		return nil
	}
	return t.collect(r.Level+1, r.Code+".")
}

// Villages returns every village whose dotted code starts with prefix, a
// dotted code of any level ("" gives all villages), in code order.
func Villages(prefix string) []Region {
	t := tab()
	if prefix != "" {
		r, err := Lookup(prefix)
		if err != nil {
			return nil
		}
		if r.Level == Village {
			return []Region{r}
		}
		prefix = r.Code + "."
	}
	return t.collect(Village, prefix)
}

// Count returns how many regions of level l lie within code ("" = the whole country).
func Count(code string, l Level) int {
	t := tab()
	prefix := ""
	if code != "" {
		r, err := Lookup(code)
		if err != nil {
			return 0
		}
		if r.Level == l {
			return 1
		}
		prefix = r.Code + "."
	}
	lo, hi := t.span(l, prefix)
	return hi - lo
}

// span finds the range of level-l entries whose code starts with prefix.
func (t *table) span(l Level, prefix string) (int, int) {
	idx := t.byLevel[l]
	lo := sort.Search(len(idx), func(i int) bool { return t.all[idx[i]].Code >= prefix })
	hi := lo + sort.Search(len(idx)-lo, func(i int) bool {
		return !strings.HasPrefix(t.all[idx[lo+i]].Code, prefix)
	})
	return lo, hi
}

func (t *table) collect(l Level, prefix string) []Region {
	lo, hi := t.span(l, prefix)
	out := make([]Region, 0, hi-lo)
	for _, i := range t.byLevel[l][lo:hi] {
		out = append(out, t.all[i])
	}
	return out
}

// Ancestors returns the chain from the province down to r's parent.
func Ancestors(r Region) []Region {
	var out []Region
	for p := r.Parent; p != ""; {
		pr, err := Lookup(p)
		if err != nil {
			break
		}
		out = append([]Region{pr}, out...)
		p = pr.Parent
	}
	return out
}

// Within reports whether code lies inside scope (or is scope itself). Both are
// dotted or plain codes; an empty scope is the whole country.
func Within(code, scope string) bool {
	if scope == "" {
		return true
	}
	c, s := Dotted(code), Dotted(scope)
	return c == s || strings.HasPrefix(c, s+".")
}

// Dotted returns the dotted form of a syntactically valid code whether or not
// it exists, and code unchanged if it is malformed.
func Dotted(code string) string {
	key, lvl, ok := parseKey(code)
	if !ok {
		return code
	}
	var b [13]byte
	var digits [10]byte
	n := 2 * int(lvl)
	if lvl == Village {
		n = 10
	}
	for i := n - 1; i >= 0; i-- {
		digits[i] = byte('0' + key%10)
		key /= 10
	}
	out := b[:0]
	for i, d := range digits[:n] {
		if i == 2 || i == 4 || i == 6 {
			out = append(out, '.')
		}
		out = append(out, d)
	}
	return string(out)
}

// Plain returns the code without dots.
func Plain(code string) string { return strings.ReplaceAll(code, ".", "") }

func clip(s string) string { return tepat.Clip(s, 20) }
