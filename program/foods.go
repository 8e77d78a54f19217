package program

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// FoodCategories are the food categories a terminal may name, with the
// units each is sold in. A program's `foods` list (wallet programs: BPNT,
// Sembako) says which of them its wallet may buy; a category outside this
// list is unknown to every terminal.
var FoodCategories = map[string][]string{
	"beras":        {"kg", "g"},
	"jagung":       {"kg", "g"},
	"sagu":         {"kg", "g"},
	"ubi":          {"kg", "g"},
	"telur":        {"butir", "kg"},
	"daging_ayam":  {"kg", "g"},
	"daging_sapi":  {"kg", "g"},
	"ikan":         {"kg", "g"},
	"tempe":        {"kg", "g", "potong"},
	"tahu":         {"kg", "g", "potong"},
	"kacang_hijau": {"kg", "g"},
	"sayur":        {"kg", "g", "ikat"},
	"buah":         {"kg", "g", "buah"},
	// Known so that a terminal naming them is told they are forbidden,
	// never permitted by any catalog.
	"rokok":   {"batang", "bungkus"},
	"alkohol": {"ml", "botol"},
}

// NeverFoods are the categories no program may permit: cigarettes and
// alcohol (DOMAIN.md: never).
var NeverFoods = []string{"rokok", "alkohol"}

// KnownUnit reports whether unit is a unit category is sold in.
func KnownUnit(category, unit string) bool { return slices.Contains(FoodCategories[category], unit) }

// IsWallet reports whether the program is credited to a food wallet
// spent at e-Warong terminals: it names the foods its wallet may buy.
func (p Program) IsWallet() bool { return len(p.Foods) > 0 }

// Permits reports whether the program's wallet may buy category.
func (p Program) Permits(category string) bool { return slices.Contains(p.Foods, category) }

// normalizeFoods checks a program's foods: known categories, never
// cigarettes or alcohol, only for flat benefits; sorted, without repeats.
func (p *Program) normalizeFoods() error {
	if len(p.Foods) == 0 {
		p.Foods = nil
		return nil
	}
	if p.Benefit.Kind != KindFlat {
		return fmt.Errorf("foods hanya untuk program dompet pangan (benefit flat), bukan %s", p.Benefit.Kind)
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range p.Foods {
		f = strings.TrimSpace(f)
		if slices.Contains(NeverFoods, f) {
			return fmt.Errorf("foods: %s tidak pernah boleh dibeli dengan bantuan pangan", f)
		}
		if _, ok := FoodCategories[f]; !ok {
			return fmt.Errorf("foods: kategori %q tidak dikenal (yang dikenal: %s)", f, strings.Join(foodNames(), ", "))
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	p.Foods = out
	return nil
}

func foodNames() []string {
	var out []string
	for f := range FoodCategories {
		if !slices.Contains(NeverFoods, f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// Decode reads a stored definition (canonical JSON, as in a version).
func Decode(def string) (Program, error) {
	var p Program
	if err := json.Unmarshal([]byte(def), &p); err != nil {
		return Program{}, fmt.Errorf("decode program definition: %w", err)
	}
	return p, nil
}
