// Package program holds the program catalog (who gets what, by year), the
// eligibility rules compiled to SQL, quotas, budgets (pagu), and cycles
// (tahap) with their frozen entitlements. docs/programs.md describes the
// catalog and the amount rules.
package program

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"tepat"
	"tepat/program/expr"
)

// Benefit kinds.
const (
	KindComponents = "components" // sum of members' components (PKH, KIP)
	KindFlat       = "flat"       // a yearly amount per unit (BPNT, Sembako, PBI-JK)
	KindInKind     = "in_kind"    // goods per period (Rastra)
)

// Units a benefit is counted in: per family, or per living member.
const (
	UnitFamily = "family"
	UnitPerson = "person"
)

// Components are the member components, in the order that breaks ties
// between equal values. Their names are stable: catalogs, eligibility
// expressions, exports and API clients use them.
var Components = []string{"ibu_hamil", "anak_usia_dini", "sd", "smp", "sma", "disabilitas_berat", "lansia"}

// Facts are the integer facts an eligibility expression may use.
var Facts = append([]string{"desil", "members", "components"}, Components...)

// Program is one program's definition for one year, as written in a
// catalog. Amounts are whole rupiah per year.
type Program struct {
	Code           string  `yaml:"code" json:"code"`
	Name           string  `yaml:"name" json:"name"`
	Description    string  `yaml:"description,omitempty" json:"description,omitempty"`
	Year           int     `yaml:"year" json:"year"`
	Unit           string  `yaml:"unit" json:"unit"`
	PeriodsPerYear int     `yaml:"periods_per_year" json:"periods_per_year"`
	Eligibility    string  `yaml:"eligibility" json:"eligibility"`
	Benefit        Benefit `yaml:"benefit" json:"benefit"`
	// Foods are the food categories a wallet program's families may buy
	// at e-Warong terminals (FoodCategories); empty for other programs.
	Foods []string `yaml:"foods,omitempty" json:"foods,omitempty"`
}

// Benefit says what an eligible unit receives. Which fields apply depends
// on Kind; the others must be left out.
type Benefit struct {
	Kind string `yaml:"kind" json:"kind"`

	// components
	FixedYearly        int64            `yaml:"fixed_yearly,omitempty" json:"fixed_yearly,omitempty"`
	MaxComponents      int              `yaml:"max_components,omitempty" json:"max_components,omitempty"` // 0: no cap
	Components         map[string]int64 `yaml:"components,omitempty" json:"components,omitempty"`
	AnakUsiaDiniMaxAge *int             `yaml:"anak_usia_dini_max_age,omitempty" json:"anak_usia_dini_max_age,omitempty"`
	LansiaMinAge       *int             `yaml:"lansia_min_age,omitempty" json:"lansia_min_age,omitempty"`

	// flat
	Yearly int64 `yaml:"yearly,omitempty" json:"yearly,omitempty"`

	// in_kind
	Item              string `yaml:"item,omitempty" json:"item,omitempty"`
	ItemUnit          string `yaml:"unit,omitempty" json:"unit,omitempty"`
	QuantityPerPeriod int64  `yaml:"quantity_per_period,omitempty" json:"quantity_per_period,omitempty"`
}

// Default age limits of the age-bound components.
const (
	DefaultAnakUsiaDiniMaxAge = 6
	DefaultLansiaMinAge       = 60
)

// AUDMaxAge returns the oldest age of anak_usia_dini.
func (b Benefit) AUDMaxAge() int {
	if b.AnakUsiaDiniMaxAge != nil {
		return *b.AnakUsiaDiniMaxAge
	}
	return DefaultAnakUsiaDiniMaxAge
}

// ElderlyMinAge returns the youngest age of lansia.
func (b Benefit) ElderlyMinAge() int {
	if b.LansiaMinAge != nil {
		return *b.LansiaMinAge
	}
	return DefaultLansiaMinAge
}

// Catalog is a file of program definitions.
type Catalog struct {
	Programs []Program `yaml:"programs" json:"programs"`
}

var codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,15}$`)

// errCatalog builds the error of an unusable catalog.
func errCatalog(format string, args ...any) error {
	return tepat.Reasonf(tepat.EINVALID, "KATALOG_TIDAK_VALID", format, args...)
}

var yamlLine = regexp.MustCompile(`line (\d+): `)
var yamlUnknown = regexp.MustCompile(`field (\S+) not found in type \S+`)

// ParseCatalog reads and checks a catalog. Every problem is an EINVALID
// error (KATALOG_TIDAK_VALID) naming the line and the program; nothing is
// partly accepted. Unknown keys, unknown component names, negative amounts,
// a period count that does not divide the year, an eligibility expression
// that does not parse (with its position) and a program listed twice for
// one year are refused.
func ParseCatalog(r io.Reader) (Catalog, error) {
	src, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return Catalog{}, errCatalog("katalog tidak dapat dibaca: %v", err)
	}
	var c Catalog
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return Catalog{}, errCatalog("katalog kosong: harus berisi daftar programs")
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
		msg = yamlLine.ReplaceAllString(msg, "baris $1: ")
		msg = yamlUnknown.ReplaceAllString(msg, "kunci $1 tidak dikenal")
		return Catalog{}, errCatalog("katalog tidak valid: %s", msg)
	}
	// Lines of the programs, for messages.
	var doc struct {
		Programs []yaml.Node `yaml:"programs"`
	}
	_ = yaml.Unmarshal(src, &doc)
	if len(c.Programs) == 0 {
		return Catalog{}, errCatalog("katalog tidak berisi program (kunci programs kosong atau tidak ada)")
	}
	seen := map[string]int{}
	for i := range c.Programs {
		p := &c.Programs[i]
		line := 0
		if i < len(doc.Programs) {
			line = doc.Programs[i].Line
		}
		if err := p.normalize(); err != nil {
			return Catalog{}, errCatalog("baris %d: program %s %d: %s", line, p.Code, p.Year, err.Error())
		}
		key := fmt.Sprintf("%s %d", p.Code, p.Year)
		if prev, ok := seen[key]; ok {
			return Catalog{}, errCatalog("baris %d: program %s tercantum dua kali (juga di baris %d)", line, key, prev)
		}
		seen[key] = line
	}
	return c, nil
}

// normalize checks p and fills in defaults, so that equal definitions
// have equal canonical forms.
func (p *Program) normalize() error {
	bad := fmt.Errorf
	if !codeRE.MatchString(p.Code) {
		return bad("kode program %q tidak valid: 2–16 huruf kapital, angka atau garis bawah, diawali huruf", p.Code)
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		p.Name = p.Code
	}
	if p.Year < 2000 || p.Year > 2100 {
		return bad("tahun %d di luar 2000–2100", p.Year)
	}
	switch p.Unit {
	case UnitFamily, UnitPerson:
	case "":
		p.Unit = UnitFamily
	default:
		return bad("unit %q tidak dikenal: family atau person", p.Unit)
	}
	switch p.PeriodsPerYear {
	case 1, 2, 3, 4, 6, 12:
	default:
		return bad("periods_per_year %d tidak valid: harus membagi 12 bulan (1, 2, 3, 4, 6 atau 12)", p.PeriodsPerYear)
	}
	p.Eligibility = strings.TrimSpace(p.Eligibility)
	if p.Eligibility == "" {
		return bad("eligibility kosong: tulis syarat, mis. \"desil <= 4\"")
	}
	if _, err := expr.Parse(p.Eligibility, Facts); err != nil {
		return bad("eligibility: %s", tepat.ErrorMessage(err))
	}
	b := &p.Benefit
	componentsSet := b.FixedYearly != 0 || b.MaxComponents != 0 || len(b.Components) > 0 || b.AnakUsiaDiniMaxAge != nil || b.LansiaMinAge != nil
	flatSet := b.Yearly != 0
	inKindSet := b.Item != "" || b.ItemUnit != "" || b.QuantityPerPeriod != 0
	switch b.Kind {
	case KindComponents:
		if flatSet || inKindSet {
			return bad("benefit kind components tidak memakai yearly, item, unit atau quantity_per_period")
		}
		if len(b.Components) == 0 {
			return bad("benefit kind components memerlukan daftar components")
		}
		for name, v := range b.Components {
			if !isComponent(name) {
				return bad("komponen %q tidak dikenal (yang dikenal: %s)", name, strings.Join(Components, ", "))
			}
			if v < 0 {
				return bad("nilai komponen %s tidak boleh negatif (%d)", name, v)
			}
		}
		if b.FixedYearly < 0 {
			return bad("fixed_yearly tidak boleh negatif (%d)", b.FixedYearly)
		}
		if b.MaxComponents < 0 {
			return bad("max_components tidak boleh negatif (%d); 0 atau tidak diisi berarti tanpa batas", b.MaxComponents)
		}
		aud, lansia := b.AUDMaxAge(), b.ElderlyMinAge()
		if aud < 0 || aud > 20 {
			return bad("anak_usia_dini_max_age %d di luar 0–20", aud)
		}
		if lansia < 40 || lansia > 120 {
			return bad("lansia_min_age %d di luar 40–120", lansia)
		}
		b.AnakUsiaDiniMaxAge, b.LansiaMinAge = &aud, &lansia
	case KindFlat:
		if componentsSet || inKindSet {
			return bad("benefit kind flat hanya memakai yearly")
		}
		if b.Yearly <= 0 {
			return bad("benefit flat memerlukan yearly lebih dari 0 (rupiah per tahun)")
		}
	case KindInKind:
		if componentsSet || flatSet {
			return bad("benefit kind in_kind hanya memakai item, unit dan quantity_per_period")
		}
		if strings.TrimSpace(b.Item) == "" || strings.TrimSpace(b.ItemUnit) == "" {
			return bad("benefit in_kind memerlukan item dan unit, mis. item: beras, unit: kg")
		}
		if b.QuantityPerPeriod <= 0 {
			return bad("quantity_per_period harus lebih dari 0")
		}
	case "":
		return bad("benefit.kind tidak diisi: components, flat atau in_kind")
	default:
		return bad("benefit.kind %q tidak dikenal: components, flat atau in_kind", b.Kind)
	}
	return p.normalizeFoods()
}

func isComponent(name string) bool {
	for _, c := range Components {
		if c == name {
			return true
		}
	}
	return false
}

// canonical returns the definition as canonical JSON (sorted keys, no
// spaces): two definitions are the same version exactly when their
// canonical forms are equal.
func (p Program) canonical() []byte {
	b, _ := json.Marshal(p) // map keys are sorted by encoding/json
	return b
}

// RankedComponents returns the program's components with a value, highest
// value first; equal values keep the order of Components. A member's
// component is the first in this order that they qualify for.
func (b Benefit) RankedComponents() []string {
	var out []string
	for _, c := range Components {
		if _, ok := b.Components[c]; ok {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return b.Components[out[i]] > b.Components[out[j]] })
	return out
}

// PeriodShare returns what period n (1-based) of a year pays out of yearly:
// yearly ÷ periods rounded down, the remainder going to the last period, so
// the periods of a year always add up to yearly.
func PeriodShare(yearly int64, periods, n int) int64 {
	share := yearly / int64(periods)
	if n == periods {
		return yearly - share*int64(periods-1)
	}
	return share
}
