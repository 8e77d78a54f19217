package program

import (
	"context"
	"fmt"
	"strconv"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/nik"
	"tepat/program/expr"
	"tepat/region"
	"tepat/registry"
)

// Area is a cycle's or a preview's figures in one province.
type Area struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Families int64  `json:"families"`
	Persons  int64  `json:"persons"`
	Amount   int64  `json:"amount"`
	Quantity int64  `json:"quantity,omitempty"`
	Reserve  int64  `json:"reserve,omitempty"`
}

// Summary is a cycle with its figures per province, within the reader's
// scope: a scoped reader's totals are those of the scope.
type Summary struct {
	Cycle
	Provinces []Area `json:"provinces"`
}

// scanAreas reads rows of (province number, families, persons, amount,
// quantity, reserve) into areas and their total.
func scanAreas(ctx context.Context, q db.Querier, query string, args ...any) ([]Area, Area, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, Area{}, err
	}
	defer rows.Close()
	var out []Area
	var total Area
	for rows.Next() {
		var prov int64
		var a Area
		if err := rows.Scan(&prov, &a.Families, &a.Persons, &a.Amount, &a.Quantity, &a.Reserve); err != nil {
			return nil, Area{}, err
		}
		a.Code = fmt.Sprintf("%02d", prov)
		if r, err := region.Lookup(a.Code); err == nil {
			a.Name = r.Name
		}
		total.Families += a.Families
		total.Persons += a.Persons
		total.Amount += a.Amount
		total.Quantity += a.Quantity
		total.Reserve += a.Reserve
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// Summarize returns the cycle with its figures per province (PermStatsRead).
func Summarize(ctx context.Context, d *db.DB, id int64) (Summary, error) {
	a := tepat.ActorFrom(ctx)
	c, err := GetCycle(ctx, d, id)
	if err != nil {
		return Summary{}, err
	}
	scope, args, err := registry.ScopeFilter(a, "village", "", 2)
	if err != nil {
		return Summary{}, err
	}
	areas, total, err := scanAreas(ctx, d, `SELECT village / 100000000,
			SUM(CASE WHEN reserve = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN reserve = 0 THEN members ELSE 0 END),
			SUM(CASE WHEN reserve = 0 THEN amount ELSE 0 END), SUM(CASE WHEN reserve = 0 THEN quantity ELSE 0 END),
			SUM(CASE WHEN reserve > 0 THEN 1 ELSE 0 END)
		FROM entitlement WHERE cycle_id = $1 AND `+scope+` GROUP BY village / 100000000 ORDER BY 1`, append([]any{id}, args...)...)
	if err != nil {
		return Summary{}, err
	}
	if !a.National() {
		c.Families, c.Persons, c.Amount, c.Quantity, c.Reserve = total.Families, total.Persons, total.Amount, total.Quantity, total.Reserve
	}
	return Summary{Cycle: c, Provinces: areas}, nil
}

// Line is one entitlement as exported for payment.
type Line struct {
	Reference   string `json:"reference"`
	NoKK        string `json:"no_kk"`
	NIKKepala   string `json:"nik_kepala"`
	NamaKepala  string `json:"nama_kepala"`
	KodeWilayah string `json:"kode_wilayah"`
	Amount      int64  `json:"amount"`
	Quantity    int64  `json:"quantity,omitempty"`
	Components  string `json:"components"`
}

// Export streams the cycle's entitlements (not the reserve) within the
// actor's scope, by family id, to fn (PermExport: full numbers and names,
// for the bank). The cycle must be generated and not cancelled. The export
// is audited (data.export) with its line count, also when it stops part
// way (fn failed, the client went away), as cut short. The head's name is read as
// of the cycle's snapshot, so exporting again gives the same lines.
func Export(ctx context.Context, d *db.DB, id int64, fn func(Line) error) (int64, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermExport); err != nil {
		return 0, err
	}
	c, err := getCycle(ctx, d, id, false)
	if err != nil {
		return 0, err
	}
	if c.State == StateDraft || c.State == StateCancelled {
		return 0, errState(c, "ekspor", StateGenerated, StateApproved, StateDisbursing, StateClosed)
	}
	scope, args, err := registry.ScopeFilter(a, "e.village", "", 3)
	if err != nil {
		return 0, err
	}
	rows, err := d.Query(ctx, `SELECT e.family_id, e.no_kk, e.head_nik, COALESCE(p.nama, ''), e.village, e.amount, e.quantity, e.paid
		FROM entitlement e
		LEFT JOIN person p ON p.family_id = e.family_id AND p.nik = e.head_nik AND p.ver_from <= $2 AND (p.ver_to IS NULL OR p.ver_to > $2)
		WHERE e.cycle_id = $1 AND e.reserve = 0 AND `+scope+`
		ORDER BY e.family_id`, append([]any{id, c.SnapshotVersion}, args...)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	err = func() error {
		for rows.Next() {
			var fam, kk, head, village, paid int64
			var l Line
			if err := rows.Scan(&fam, &kk, &head, &l.NamaKepala, &village, &l.Amount, &l.Quantity, &paid); err != nil {
				return err
			}
			l.Components = PaidText(paid)
			l.Reference = Reference(id, fam)
			l.NoKK, l.NIKKepala = strconv.FormatInt(kk, 10), strconv.FormatInt(head, 10)
			l.KodeWilayah = region.VillageCode(village)
			if err := fn(l); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	}()
	// Lines handed out are personal data whether or not the export
	// finished: both cases are audited, the second as cut short.
	summary := fmt.Sprintf("ekspor siklus %d %s %d periode %d: %d baris", id, c.Program, c.Year, c.Period, n)
	if err != nil {
		summary = fmt.Sprintf("ekspor siklus %d %s %d periode %d terputus setelah %d baris", id, c.Program, c.Year, c.Period, n)
	}
	actx := context.WithoutCancel(ctx)
	if aerr := d.InTx(actx, func(tx *db.Tx) error {
		_, err := audit.Record(actx, tx, "data.export", fmt.Sprintf("cycle:%d", id), "", summary)
		return err
	}); err == nil {
		err = aerr
	}
	return n, err
}

// PreviewRequest says what to preview: a program (year 0: its latest year)
// on a snapshot, for a period (default 1) with ages at ReferenceDate
// (default: the period's first day).
type PreviewRequest struct {
	Program       string
	Year          int
	Period        int
	Snapshot      string
	ReferenceDate string
	// Eligibility, if not empty, replaces the program's rule for this
	// preview only: what-if, before a catalog is changed.
	Eligibility string
}

// Sample is one eligible family in a preview, with its KK number masked.
type Sample struct {
	FamilyID    int64  `json:"family_id"`
	NoKK        string `json:"no_kk"`
	KodeWilayah string `json:"kode_wilayah"`
	Desil       int    `json:"desil"`
	Members     int    `json:"members"`
	Amount      int64  `json:"amount"`
	Quantity    int64  `json:"quantity,omitempty"`
	Components  string `json:"components"`
}

// Preview is what a cycle of the program would pay from the snapshot,
// before quotas, within the reader's scope.
type Preview struct {
	Program        string   `json:"program"`
	Year           int      `json:"year"`
	ProgramVersion int      `json:"program_version"`
	Period         int      `json:"period"`
	Snapshot       string   `json:"snapshot"`
	ReferenceDate  string   `json:"reference_date"`
	Eligibility    string   `json:"eligibility"`
	Eligible       int64    `json:"eligible"`
	Persons        int64    `json:"persons"`
	Amount         int64    `json:"amount"`
	Quantity       int64    `json:"quantity,omitempty"`
	Provinces      []Area   `json:"provinces"`
	Samples        []Sample `json:"samples"`
}

// PreviewSamples is how many families a preview lists.
const PreviewSamples = 20

// PreviewProgram counts the families eligible for a program in a snapshot,
// with the period's amounts in total and per province, and the first
// PreviewSamples families by id (PermStatsRead; the samples need
// PermRegistryRead and are masked). Nothing is written.
func PreviewProgram(ctx context.Context, d *db.DB, r PreviewRequest) (Preview, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermStatsRead); err != nil {
		return Preview{}, err
	}
	v, err := latest(ctx, d, r.Program, r.Year)
	if err != nil {
		return Preview{}, err
	}
	p := v.Program
	if r.Eligibility != "" {
		if _, err := expr.Parse(r.Eligibility, Facts); err != nil {
			return Preview{}, err
		}
		p.Eligibility = r.Eligibility
	}
	if r.Period == 0 {
		r.Period = 1
	}
	if r.Period < 1 || r.Period > p.PeriodsPerYear {
		return Preview{}, tepat.Reasonf(tepat.EINVALID, "PERIODE_TIDAK_VALID", "periode %d di luar 1–%d untuk program %s %d", r.Period, p.PeriodsPerYear, p.Code, p.Year)
	}
	ref, err := referenceDate(r.ReferenceDate, p.Year, p.PeriodsPerYear, r.Period)
	if err != nil {
		return Preview{}, err
	}
	snap, err := registry.GetSnapshot(ctx, d, r.Snapshot)
	if err != nil {
		return Preview{}, err
	}
	out := Preview{Program: p.Code, Year: p.Year, ProgramVersion: v.Version, Period: r.Period, Snapshot: snap.Label,
		ReferenceDate: formatDate(ref), Eligibility: p.Eligibility, Provinces: []Area{}, Samples: []Sample{}}
	pl := p.plan(r.Period, ref, false, false, "")
	var areas []Area
	var total Area
	if cubeAnswers(append(pl.elig.Regions(), a.Regions...)...) {
		id, err := cube(ctx, d, snap.Version, p, r.Period, ref)
		if err != nil {
			return Preview{}, err
		}
		const village = "(CAST(c.regency AS BIGINT) * 1000000)"
		scope, args, err := registry.ScopeFilter(a, village, "", 2)
		if err != nil {
			return Preview{}, err
		}
		areas, total, err = scanAreas(ctx, d, `SELECT c.regency / 100, SUM(c.families), SUM(c.families * c.members), SUM(c.amount), SUM(c.quantity), 0
			FROM preview_cube_row c WHERE c.cube_id = $1 AND `+pl.eligible("c.desil", "c.members", "c.best", "c.quals", village)+` AND `+scope+`
			GROUP BY c.regency / 100 ORDER BY 1`, append([]any{id}, args...)...)
		if err != nil {
			return Preview{}, fmt.Errorf("preview %s: %w", p.Code, err)
		}
	} else {
		// A district or village in the rule or the scope: the cube cannot
		// tell, so read the registry.
		scope, args, err := registry.ScopeFilter(a, "e.village", "", 2)
		if err != nil {
			return Preview{}, err
		}
		areas, total, err = scanAreas(ctx, d, `SELECT e.village / 100000000, COUNT(*), SUM(e.members), SUM(e.amount), SUM(e.quantity), 0
			FROM (`+p.entitlementSelect(r.Period, ref, "", d.Engine())+`) e WHERE `+scope+` GROUP BY e.village / 100000000 ORDER BY 1`, append([]any{snap.Version}, args...)...)
		if err != nil {
			return Preview{}, fmt.Errorf("preview %s: %w", p.Code, err)
		}
	}
	if areas != nil {
		out.Provinces = areas
	}
	out.Eligible, out.Persons, out.Amount, out.Quantity = total.Families, total.Persons, total.Amount, total.Quantity
	if !auth.Can(a, auth.PermRegistryRead) || out.Eligible == 0 {
		return out, nil
	}
	out.Samples, err = samples(ctx, d, a, p, r.Period, ref, snap.Version)
	return out, err
}

// sampleWindow is how many family ids a sample query reads at a time.
const sampleWindow = 20000

// samples returns the first PreviewSamples eligible families by id within
// the actor's scope, reading the registry a window of family ids at a
// time, so that a preview never computes the whole registry for 20 lines.
func samples(ctx context.Context, d *db.DB, a *tepat.Actor, p Program, period, ref int, version int64) ([]Sample, error) {
	var maxID int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM family`).Scan(&maxID); err != nil {
		return nil, err
	}
	scope, args, err := registry.ScopeFilter(a, "e.village", "", 4)
	if err != nil {
		return nil, err
	}
	sel := p.entitlementSelect(period, ref, "%s >= $2 AND %[1]s < $3", d.Engine())
	out := []Sample{}
	for lo := int64(0); lo <= maxID && len(out) < PreviewSamples; lo += sampleWindow {
		rows, err := d.Query(ctx, `SELECT e.family_id, e.no_kk, e.village, e.desil, e.members, e.amount, e.quantity, e.paid
			FROM (`+sel+`) e WHERE `+scope+` ORDER BY e.family_id LIMIT `+strconv.Itoa(PreviewSamples-len(out)),
			append([]any{version, lo, lo + sampleWindow}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s Sample
			var kk, village, paid int64
			if err := rows.Scan(&s.FamilyID, &kk, &village, &s.Desil, &s.Members, &s.Amount, &s.Quantity, &paid); err != nil {
				rows.Close()
				return nil, err
			}
			s.Components = PaidText(paid)
			s.NoKK = nik.Mask(strconv.FormatInt(kk, 10))
			s.KodeWilayah = region.VillageCode(village)
			out = append(out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// referenceDate parses YYYY-MM-DD into YYYYMMDD, defaulting to the first
// day of the period.
func referenceDate(s string, year, periods, period int) (int, error) {
	if s == "" {
		return PeriodStart(year, periods, period), nil
	}
	t, err := parseDate(s)
	if err != nil {
		return 0, err
	}
	return t, nil
}

func parseDate(s string) (int, error) {
	var y, m, d int
	if n, err := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); err != nil || n != 3 || len(s) != 10 || formatDate(y*10000+m*100+d) != s || !validDate(y, m, d) {
		return 0, tepat.Reasonf(tepat.EINVALID, "TANGGAL_TIDAK_VALID", "tanggal acuan %q tidak valid: gunakan YYYY-MM-DD", s)
	}
	return y*10000 + m*100 + d, nil
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func formatDate(ymd int) string {
	return fmt.Sprintf("%04d-%02d-%02d", ymd/10000, ymd/100%100, ymd%100)
}

// FamilyEntitlement is one cycle's entitlement of a family.
type FamilyEntitlement struct {
	CycleID    int64  `json:"cycle_id"`
	Reference  string `json:"reference"`
	Program    string `json:"program"`
	Year       int    `json:"year"`
	Period     int    `json:"period"`
	State      string `json:"state"`
	Amount     int64  `json:"amount"`
	Quantity   int64  `json:"quantity,omitempty"`
	Components string `json:"components"`
	Reserve    int    `json:"reserve,omitempty"` // n-th on the reserve list; 0 when entitled
}

// FamilyEntitlements returns the entitlements of a family in every cycle,
// newest cycle first, at most 100 (PermRegistryRead). It does not check
// the family's region: callers show it with a family they have read,
// which checked the scope.
func FamilyEntitlements(ctx context.Context, d *db.DB, familyID int64) ([]FamilyEntitlement, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermRegistryRead); err != nil {
		return nil, err
	}
	// One probe of entitlement's primary key per cycle: an index on
	// family_id would make every generation rewrite it from end to end (a
	// new entry beside each family's older ones).
	rows, err := d.Query(ctx, `SELECT c.id, c.program, c.year, c.period, c.state, e.amount, e.quantity, e.paid, e.reserve
		FROM cycle c JOIN entitlement e ON e.cycle_id = c.id AND e.family_id = $1
		ORDER BY c.id DESC LIMIT 100`, familyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FamilyEntitlement
	for rows.Next() {
		var e FamilyEntitlement
		var paid int64
		if err := rows.Scan(&e.CycleID, &e.Program, &e.Year, &e.Period, &e.State, &e.Amount, &e.Quantity, &paid, &e.Reserve); err != nil {
			return nil, err
		}
		e.Components = PaidText(paid)
		e.Reference = Reference(e.CycleID, familyID)
		out = append(out, e)
	}
	return out, rows.Err()
}
