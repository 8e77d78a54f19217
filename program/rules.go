package program

import (
	"fmt"
	"strings"

	"tepat/program/expr"
)

// The amount rules exist twice on purpose: as SQL (entitlementSelect),
// which is what cycles pay, and as Go (Assess), the plain statement of the
// rules that tests hold the SQL to on random families. docs/programs.md
// states them in words.

// Member is what the amount rules read of a family member.
type Member struct {
	Born             int // YYYYMMDD
	Alive            bool
	Hamil            bool
	DisabilitasBerat bool
	Sekolah          string // TIDAK, SD, SMP, SMA
}

// Age returns the age in whole years on day ref of someone born on born
// (both YYYYMMDD), or -1 when born is after ref. Someone born on 29
// February becomes a year older on 1 March in other years.
func Age(born, ref int) int {
	if born > ref {
		return -1
	}
	return (ref - born) / 10000
}

// qualifies reports whether m qualifies for component c on day ref.
func (b Benefit) qualifies(m Member, c string, ref int) bool {
	if !m.Alive {
		return false
	}
	age := Age(m.Born, ref)
	switch c {
	case "ibu_hamil":
		return m.Hamil
	case "anak_usia_dini":
		return age >= 0 && age <= b.AUDMaxAge() && m.Sekolah == "TIDAK"
	case "sd":
		return m.Sekolah == "SD"
	case "smp":
		return m.Sekolah == "SMP"
	case "sma":
		return m.Sekolah == "SMA"
	case "disabilitas_berat":
		return m.DisabilitasBerat
	case "lansia":
		return age >= b.ElderlyMinAge()
	}
	return false
}

// countedComponents are the components that make a member count in the
// fact "components": the program's own, or all of them for a program that
// pays no components.
func (b Benefit) countedComponents() []string {
	if b.Kind == KindComponents {
		return b.RankedComponents()
	}
	return Components
}

// Assessment is what the rules make of one family.
type Assessment struct {
	Facts    map[string]int64 // desil, members, components, and one count per component
	Eligible bool
	Yearly   int64          // rupiah per year (0 for in_kind)
	Amount   int64          // rupiah in the period
	Quantity int64          // goods in the period (in_kind)
	Paid     map[string]int // components paid, by name
}

// Assess applies p to one family of the given decile and village for
// period of the year, with ages at ref (YYYYMMDD).
func (p Program) Assess(desil int, village int64, ms []Member, period, ref int) Assessment {
	b := p.Benefit
	a := Assessment{Facts: map[string]int64{"desil": int64(desil)}, Paid: map[string]int{}}
	counted := b.countedComponents()
	ranked := b.RankedComponents()
	var best []string
	for _, m := range ms {
		if m.Alive {
			a.Facts["members"]++
		}
		any := false
		for _, c := range Components {
			if b.qualifies(m, c, ref) {
				a.Facts[c]++
			}
		}
		for _, c := range counted {
			if b.qualifies(m, c, ref) {
				any = true
			}
		}
		if any {
			a.Facts["components"]++
		}
		for _, c := range ranked {
			if b.qualifies(m, c, ref) {
				best = append(best, c)
				break
			}
		}
	}
	e, err := expr.Parse(p.Eligibility, Facts)
	if err != nil {
		return a
	}
	a.Eligible = e.Eval(a.Facts, village)
	if !a.Eligible {
		return a
	}
	units := int64(1)
	if p.Unit == UnitPerson {
		units = a.Facts["members"]
	}
	switch b.Kind {
	case KindComponents:
		// Members' components, highest first: best is in member order, so
		// take by rank.
		taken := 0
		for _, c := range ranked {
			for _, bc := range best {
				if bc == c && (b.MaxComponents == 0 || taken < b.MaxComponents) {
					a.Paid[c]++
					taken++
				}
			}
		}
		a.Yearly = b.FixedYearly
		for c, n := range a.Paid {
			a.Yearly += int64(n) * b.Components[c]
		}
		if p.Unit == UnitPerson {
			// Components are already per member; person-unit component
			// programs pay the same sum without a fixed part per family.
			a.Yearly -= b.FixedYearly
			a.Yearly += b.FixedYearly * units
		}
	case KindFlat:
		a.Yearly = b.Yearly * units
	case KindInKind:
		a.Quantity = b.QuantityPerPeriod * units
	}
	a.Amount = PeriodShare(a.Yearly, p.PeriodsPerYear, period)
	return a
}

// sqlCond returns the SQL condition under which person row p qualifies
// for component c on day ref (the caller adds "alive").
func (b Benefit) sqlCond(c string, ref int) string {
	age := fmt.Sprintf("(CASE WHEN p.tanggal_lahir > %d THEN -1 ELSE (%d - p.tanggal_lahir) / 10000 END)", ref, ref)
	switch c {
	case "ibu_hamil":
		return "p.hamil = TRUE"
	case "anak_usia_dini":
		return fmt.Sprintf("%s BETWEEN 0 AND %d AND p.sekolah = 'TIDAK'", age, b.AUDMaxAge())
	case "sd":
		return "p.sekolah = 'SD'"
	case "smp":
		return "p.sekolah = 'SMP'"
	case "sma":
		return "p.sekolah = 'SMA'"
	case "disabilitas_berat":
		return "p.disabilitas_berat = TRUE"
	case "lansia":
		return fmt.Sprintf("%s >= %d", age, b.ElderlyMinAge())
	}
	panic("program: unknown component " + c)
}

// entitlementSelect returns a SELECT of every family of registry version
// $1 that is eligible for p, with what it gets in period (ages at ref):
// columns family_id, no_kk, village, desil, members, head_nik, amount,
// quantity, components. It is one set-based statement: the registry's
// persons are read once, grouped by family, joined to their family.
// Everything written into the SQL comes from the checked definition and
// from integers, never from request text.
func (p Program) entitlementSelect(period, ref int) string {
	b := p.Benefit
	e, err := expr.Parse(p.Eligibility, Facts)
	if err != nil {
		panic("program: unchecked eligibility: " + err.Error())
	}
	ranked := b.RankedComponents()

	// Persons: one 0/1 flag per component, and the rank of the member's
	// best paid component.
	var pp strings.Builder
	pp.WriteString("SELECT p.family_id, p.nik, p.hubungan, CASE WHEN p.status = 'HIDUP' THEN 1 ELSE 0 END AS alive")
	for _, c := range Components {
		fmt.Fprintf(&pp, ",\n CASE WHEN p.status = 'HIDUP' AND %s THEN 1 ELSE 0 END AS q_%s", b.sqlCond(c, ref), c)
	}
	if len(ranked) == 0 {
		pp.WriteString(",\n 0 AS best")
	} else {
		pp.WriteString(",\n CASE")
		for i, c := range ranked {
			fmt.Fprintf(&pp, " WHEN p.status = 'HIDUP' AND %s THEN %d", b.sqlCond(c, ref), i+1)
		}
		pp.WriteString(" ELSE 0 END AS best")
	}
	pp.WriteString("\n FROM person p WHERE p.ver_from <= $1 AND (p.ver_to IS NULL OR p.ver_to > $1)")

	// Families' facts.
	var agg strings.Builder
	agg.WriteString("SELECT family_id, SUM(alive) AS f_members")
	var anyQ []string
	for _, c := range b.countedComponents() {
		anyQ = append(anyQ, "q_"+c)
	}
	fmt.Fprintf(&agg, ", SUM(CASE WHEN %s > 0 THEN 1 ELSE 0 END) AS f_components", strings.Join(anyQ, " + "))
	for _, c := range Components {
		fmt.Fprintf(&agg, ", SUM(q_%s) AS f_%s", c, c)
	}
	for i := range ranked {
		fmt.Fprintf(&agg, ", SUM(CASE WHEN best = %d THEN 1 ELSE 0 END) AS n_%d", i+1, i+1)
	}
	agg.WriteString(", COALESCE(MAX(CASE WHEN hubungan = 'KEPALA' THEN nik END), MIN(nik)) AS head_nik")
	fmt.Fprintf(&agg, "\n FROM (%s) pp GROUP BY family_id", pp.String())

	// Components paid: the best components, highest first, up to the cap.
	paid := make([]string, len(ranked))
	for i := range ranked {
		n := fmt.Sprintf("m.n_%d", i+1)
		if b.MaxComponents == 0 {
			paid[i] = n
			continue
		}
		before := "0"
		if i > 0 {
			var s []string
			for j := 0; j < i; j++ {
				s = append(s, fmt.Sprintf("m.n_%d", j+1))
			}
			before = strings.Join(s, " + ")
		}
		rem := fmt.Sprintf("(%d - (%s))", b.MaxComponents, before)
		paid[i] = fmt.Sprintf("(CASE WHEN %s <= 0 THEN 0 WHEN %s < %s THEN %s ELSE %s END)", rem, n, rem, n, rem)
	}
	units := "1"
	if p.Unit == UnitPerson {
		units = "m.f_members"
	}
	var yearly, quantity string
	switch b.Kind {
	case KindComponents:
		terms := []string{fmt.Sprintf("%d * %s", b.FixedYearly, units)}
		for i, c := range ranked {
			terms = append(terms, fmt.Sprintf("%s * %d", paid[i], b.Components[c]))
		}
		yearly, quantity = strings.Join(terms, " + "), "0"
	case KindFlat:
		yearly, quantity = fmt.Sprintf("%d * %s", b.Yearly, units), "0"
	case KindInKind:
		yearly, quantity = "0", fmt.Sprintf("%d * %s", b.QuantityPerPeriod, units)
	}
	var comps []string
	for _, c := range Components {
		for i, r := range ranked {
			if r == c {
				comps = append(comps, fmt.Sprintf("CASE WHEN paid_%d > 0 THEN '%s=' || CAST(paid_%d AS TEXT) || ' ' ELSE '' END", i+1, c, i+1))
			}
		}
	}
	components := "''"
	if len(comps) > 0 {
		components = "TRIM(" + strings.Join(comps, " || ") + ")"
	}
	amount := fmt.Sprintf("yearly / %d", p.PeriodsPerYear)
	if period == p.PeriodsPerYear {
		amount = fmt.Sprintf("yearly - %d * (yearly / %d)", p.PeriodsPerYear-1, p.PeriodsPerYear)
	}

	col := func(ident string) string {
		if ident == "desil" {
			return "f.desil"
		}
		return "m.f_" + ident
	}
	var q strings.Builder
	fmt.Fprintf(&q, "SELECT family_id, no_kk, village, desil, members, head_nik, %s AS amount, quantity, %s AS components FROM (\n", amount, components)
	q.WriteString("SELECT f.id AS family_id, f.no_kk, f.village, f.desil, m.f_members AS members, m.head_nik")
	for i := range ranked {
		fmt.Fprintf(&q, ", %s AS paid_%d", paid[i], i+1)
	}
	fmt.Fprintf(&q, ", %s AS yearly, %s AS quantity\n", yearly, quantity)
	fmt.Fprintf(&q, "FROM family f JOIN (%s) m ON m.family_id = f.id\n", agg.String())
	fmt.Fprintf(&q, "WHERE f.ver_from <= $1 AND (f.ver_to IS NULL OR f.ver_to > $1) AND %s\n) e", e.SQL(col, "f.village"))
	return q.String()
}
