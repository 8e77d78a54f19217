package program

import (
	"fmt"
	"strings"

	"tepat/db"
	"tepat/household"
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
	// A family without a living member gets nothing, whatever the rule.
	a.Eligible = a.Facts["members"] > 0 && e.Eval(a.Facts, village)
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
		// Components are per member already; the fixed part is per unit
		// (per living member for a person-unit program).
		a.Yearly = b.FixedYearly * units
		for c, n := range a.Paid {
			a.Yearly += int64(n) * b.Components[c]
		}
	case KindFlat:
		a.Yearly = b.Yearly * units
	case KindInKind:
		a.Quantity = b.QuantityPerPeriod * units
	}
	a.Amount = PeriodShare(a.Yearly, p.PeriodsPerYear, period)
	return a
}

// sqlCond returns the SQL condition under which a living person row p
// qualifies for component c on day ref. Ages are ranges of birth dates:
// age = (ref − born) ÷ 10000 on YYYYMMDD numbers (see Age), so "age ≤ A"
// is "born > ref − (A+1)·10000" and "age ≥ L" is "born ≤ ref − L·10000":
// integer comparisons, no arithmetic per row.
func (b Benefit) sqlCond(c string, ref int) string {
	switch c {
	case "ibu_hamil":
		return "p.hamil = TRUE"
	case "anak_usia_dini":
		return fmt.Sprintf("p.tanggal_lahir > %d AND p.tanggal_lahir <= %d AND p.sekolah = 'TIDAK'", ref-(b.AUDMaxAge()+1)*10000, ref)
	case "sd":
		return "p.sekolah = 'SD'"
	case "smp":
		return "p.sekolah = 'SMP'"
	case "sma":
		return "p.sekolah = 'SMA'"
	case "disabilitas_berat":
		return "p.disabilitas_berat = TRUE"
	case "lansia":
		return fmt.Sprintf("p.tanggal_lahir <= %d", ref-b.ElderlyMinAge()*10000)
	}
	panic("program: unknown component " + c)
}

// packBits is the width of one count packed into a 64-bit sum: a family
// has fewer than 256 living members with any one component (MaxMembers).
const packBits = 8

// MaxMembers is the most living members a family may have for the amount
// rules, whose per-component counts are packed 8 bits each. The household
// reader refuses larger families; proposals change members but never add
// one to a family.
const MaxMembers = 1<<packBits - 1

// The registry's largest family must fit the packed counts.
const _ = uint8(household.MaxMembers)

// field returns the SQL of the i-th 8-bit count packed in the integer
// expression packed.
func field(packed string, i int) string {
	return fmt.Sprintf("(%s / %d %% %d)", packed, int64(1)<<(packBits*i), 1<<packBits)
}

// plan is the SQL of a program's rules for one period, in pieces that
// entitlementSelect and the preview cube put together.
//
// Per person it evaluates one CASE: the rank of the member's best
// component, summed into one integer as 8-bit counts (the count of members
// whose best component is the i-th of the ranking sits in bits 8i…8i+7).
// The family's counts, its "components" fact and the capped sum of its
// best components then come from that one sum per family: summing one
// integer is several times cheaper than a sum per component on SQLite.
// Counts of each component (for eligibility expressions that name one)
// are packed the same way, when asked for. Everything written into the
// SQL comes from the checked definition and from integers, never from
// request text.
type plan struct {
	p      Program
	elig   *expr.Expr
	ranked []string
	agg    string // persons of version $1 grouped by family: family_id, f_members, best[, quals], head_nik
	paid   []string
	amount string // of the period, over paid_i and f_members
	qty    string
	comps  string // paid components packed (see PaidText), over paid_i
}

func (p Program) plan(period, ref int, quals, prefilter bool, window string) plan {
	b := p.Benefit
	e, err := expr.Parse(p.Eligibility, Facts)
	if err != nil {
		panic("program: unchecked eligibility: " + err.Error())
	}
	// ranked decides each member's best component: the program's own by
	// value, or all of them for a program without components (the fact
	// "components" counts members with any).
	ranked := b.RankedComponents()
	if b.Kind != KindComponents {
		ranked = Components
	}
	var best strings.Builder
	// Most people (adults out of school, not pregnant, not disabled, not
	// old) qualify for nothing: one cheap test settles them before the
	// chain below tries each component.
	fmt.Fprintf(&best, "CASE WHEN p.sekolah = 'TIDAK' AND p.hamil = FALSE AND p.disabilitas_berat = FALSE AND p.tanggal_lahir > %d AND p.tanggal_lahir <= %d THEN 0",
		ref-b.ElderlyMinAge()*10000, ref-(b.AUDMaxAge()+1)*10000)
	for i, c := range ranked {
		fmt.Fprintf(&best, " WHEN %s THEN %d", b.sqlCond(c, ref), int64(1)<<(packBits*i))
	}
	best.WriteString(" ELSE 0 END")
	for _, id := range e.Idents() {
		quals = quals || isComponent(id)
	}
	var agg strings.Builder
	fmt.Fprintf(&agg, "SELECT p.family_id, COUNT(*) AS f_members, CAST(SUM(%s) AS BIGINT) AS best", best.String())
	if quals {
		var q []string
		for i, c := range Components {
			q = append(q, fmt.Sprintf("CASE WHEN %s THEN %d ELSE 0 END", b.sqlCond(c, ref), int64(1)<<(packBits*i)))
		}
		fmt.Fprintf(&agg, ", CAST(SUM(%s) AS BIGINT) AS quals", strings.Join(q, " + "))
	} else {
		agg.WriteString(", 0 AS quals")
	}
	// The head's NIK: the living KEPALA, else the living member with the
	// lowest NIK — one aggregate over NIK + 10^16 for non-heads (NIKs have
	// 16 digits), cheaper than a CASE and a second aggregate.
	agg.WriteString(", MIN(CAST(p.hubungan <> 'KEPALA' AS INTEGER) * 10000000000000000 + p.nik) % 10000000000000000 AS head_nik")
	agg.WriteString("\n FROM person p WHERE p.status = 'HIDUP' AND p.ver_from <= $1 AND (p.ver_to IS NULL OR p.ver_to > $1)")
	if window != "" {
		agg.WriteString(" AND " + fmt.Sprintf(window, "p.family_id"))
	}
	if prefilter {
		// The rule's conditions on the family alone (its decile, its
		// region) select the families before their members are read: for
		// PKH's "desil <= 4 && …" that skips six persons in ten.
		f := e.ConjunctSQL([]string{"desil"}, func(string) string { return "f2.desil" }, "f2.village")
		if f != "" {
			if window != "" {
				f += " AND " + fmt.Sprintf(window, "f2.id")
			}
			agg.WriteString(" AND p.family_id IN (SELECT f2.id FROM family f2 WHERE f2.ver_from <= $1 AND (f2.ver_to IS NULL OR f2.ver_to > $1) AND " + f + ")")
		}
	}
	agg.WriteString(" GROUP BY p.family_id")

	pl := plan{p: p, elig: e, ranked: ranked, agg: agg.String(), paid: make([]string, len(ranked))}
	n := pl.counts("m.best")
	// Components paid: the best components, highest first, up to the cap.
	if b.Kind == KindComponents {
		for i := range ranked {
			if b.MaxComponents == 0 {
				pl.paid[i] = n[i]
				continue
			}
			before := "0"
			if i > 0 {
				before = strings.Join(n[:i], " + ")
			}
			rem := fmt.Sprintf("(%d - (%s))", b.MaxComponents, before)
			pl.paid[i] = fmt.Sprintf("(CASE WHEN %s <= 0 THEN 0 WHEN %s < %s THEN %s ELSE %s END)", rem, n[i], rem, n[i], rem)
		}
	}
	units := "1"
	if p.Unit == UnitPerson {
		units = "f_members"
	}
	var yearly string
	switch b.Kind {
	case KindComponents:
		terms := []string{fmt.Sprintf("%d * %s", b.FixedYearly, units)}
		for i, c := range ranked {
			terms = append(terms, fmt.Sprintf("paid_%d * %d", i+1, b.Components[c]))
		}
		yearly, pl.qty = strings.Join(terms, " + "), "0"
	case KindFlat:
		yearly, pl.qty = fmt.Sprintf("%d * %s", b.Yearly, units), "0"
	case KindInKind:
		yearly, pl.qty = "0", fmt.Sprintf("%d * %s", b.QuantityPerPeriod, units)
	}
	// Paid components packed as 8-bit counts in the order of Components
	// (PaidText spells them out).
	pl.comps = "0"
	if b.Kind == KindComponents {
		var terms []string
		for i, r := range ranked {
			for j, c := range Components {
				if c == r {
					terms = append(terms, fmt.Sprintf("paid_%d * %d", i+1, int64(1)<<(packBits*j)))
				}
			}
		}
		pl.comps = strings.Join(terms, " + ")
	}
	pl.amount = fmt.Sprintf("(%s) / %d", yearly, p.PeriodsPerYear)
	if period == p.PeriodsPerYear {
		pl.amount = fmt.Sprintf("(%s) - %d * ((%s) / %d)", yearly, p.PeriodsPerYear-1, yearly, p.PeriodsPerYear)
	}
	return pl
}

// counts returns the SQL of the packed counts of best components in the
// integer column best.
func (pl plan) counts(best string) []string {
	n := make([]string, len(pl.ranked))
	for i := range pl.ranked {
		n[i] = field(best, i)
	}
	return n
}

// eligible returns the eligibility condition over columns desil, members,
// best and quals (packed as in plan) and the village number expression.
func (pl plan) eligible(desil, members, best, quals, village string) string {
	components := "(" + strings.Join(pl.counts(best), " + ") + ")"
	col := func(ident string) string {
		switch ident {
		case "desil":
			return desil
		case "members":
			return members
		case "components":
			return components
		}
		for i, c := range Components {
			if c == ident {
				return field(quals, i)
			}
		}
		panic("program: unknown fact " + ident)
	}
	return pl.elig.SQL(col, village)
}

// paidColumns lists the paid_i expressions as select columns.
func (pl plan) paidColumns() string {
	var s strings.Builder
	for i := range pl.paid {
		if pl.paid[i] != "" {
			fmt.Fprintf(&s, ", %s AS paid_%d", pl.paid[i], i+1)
		}
	}
	return s.String()
}

// entitlementSelect returns a SELECT of every family of registry version
// $1 that is eligible for p, with what it gets in period (ages at ref):
// columns family_id, no_kk, village, desil, members, head_nik, amount,
// quantity, paid (packed, see PaidText). It is one set-based statement that reads the
// registry's living persons once, grouped by family, joined to their
// family (see plan). window, if not empty, is a format with one %s for a
// family id column that limits the families read (e.g. "%s BETWEEN $2 AND $3").
//
// The per-family columns are worked out in an inner query that the
// engine must not merge into the outer one (fence): merged, every use of
// a column recomputes its expression, and the amount and the paid
// components use each capped count several times (SQLite then spends a
// tenth more on the whole statement).
func (p Program) entitlementSelect(period, ref int, window string, engine db.Engine) string {
	pl := p.plan(period, ref, false, true, window)
	var q strings.Builder
	fmt.Fprintf(&q, "SELECT family_id, no_kk, village, desil, members, head_nik, %s AS amount, %s AS quantity, %s AS paid FROM (\n", pl.amount, pl.qty, pl.comps)
	q.WriteString("SELECT f.id AS family_id, f.no_kk, f.village, f.desil, m.f_members AS members, m.f_members, m.head_nik" + pl.paidColumns())
	fmt.Fprintf(&q, "\nFROM family f JOIN (%s) m ON m.family_id = f.id\n", pl.agg)
	fmt.Fprintf(&q, "WHERE f.ver_from <= $1 AND (f.ver_to IS NULL OR f.ver_to > $1) AND %s", pl.eligible("f.desil", "m.f_members", "m.best", "m.quals", "f.village"))
	if window != "" {
		q.WriteString(" AND " + fmt.Sprintf(window, "f.id"))
	}
	q.WriteString("\n" + fence(engine) + ") e")
	return q.String()
}

// PaidText spells out packed paid components in the order of Components:
// "ibu_hamil=1 sd=2"; "" when none.
func PaidText(paid int64) string {
	var b strings.Builder
	for i, c := range Components {
		if n := paid >> (packBits * i) & (1<<packBits - 1); n > 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%d", c, n)
		}
	}
	return b.String()
}

// fence is what keeps a subquery from being merged into the query around
// it: LIMIT -1 on SQLite, OFFSET 0 on PostgreSQL (neither limits rows).
func fence(e db.Engine) string {
	if e == db.Postgres {
		return "OFFSET 0"
	}
	return "LIMIT -1"
}
