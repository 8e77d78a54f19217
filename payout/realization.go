package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
	"tepat/region"
	"tepat/registry"
)

// RealizationRequest says which realization report to make: a cycle's
// figures per region at Level, within Region if not empty (a region at or
// above Level) and always within the actor's scope.
type RealizationRequest struct {
	Cycle  int64
	Level  region.Level
	Region string
}

// Realization heads a realization report and, once every row is out,
// carries its totals. Without a stored reconciliation (Reconciled false)
// nothing counts as paid or failed yet.
type Realization struct {
	Cycle        int64          `json:"cycle"`
	Program      string         `json:"program"`
	Year         int            `json:"year"`
	Period       int            `json:"period"`
	Snapshot     string         `json:"snapshot"`
	Level        string         `json:"level"`
	Region       string         `json:"region,omitempty"`
	RegionName   string         `json:"region_name,omitempty"`
	Scope        string         `json:"scope"`
	Reconciled   bool           `json:"reconciled"`
	ReconciledAt *time.Time     `json:"reconciled_at,omitempty"`
	GeneratedBy  string         `json:"generated_by"`
	GeneratedAt  time.Time      `json:"generated_at"`
	Regions      int64          `json:"regions"`
	Total        RealizationRow `json:"total"`
}

// RealizationRow is one region's figures, or the totals (Code empty).
// Amounts are whole rupiah, counts are families: entitled (not reserve),
// PAID and FAILED in the latest stored reconciliation, and the FAILED
// amount returned (dana retur: no re-issue made since or possible). Quota
// is the region's own quota for the program and year, nil if none is set.
type RealizationRow struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	Quota          *int64 `json:"quota"`
	Families       int64  `json:"families"`
	Amount         int64  `json:"amount"`
	PaidFamilies   int64  `json:"paid_families"`
	PaidAmount     int64  `json:"paid_amount"`
	FailedFamilies int64  `json:"failed_families"`
	FailedAmount   int64  `json:"failed_amount"`
	Returned       int64  `json:"returned"`
}

// PaidTenths returns the paid share of the amount in tenths of a percent,
// rounded half up; ok is false when nothing was entitled.
func (r RealizationRow) PaidTenths() (tenths int64, ok bool) {
	if r.Amount <= 0 {
		return 0, false
	}
	return (r.PaidAmount*1000 + r.Amount/2) / r.Amount, true
}

func (r *RealizationRow) add(o RealizationRow) {
	r.Families += o.Families
	r.Amount += o.Amount
	r.PaidFamilies += o.PaidFamilies
	r.PaidAmount += o.PaidAmount
	r.FailedFamilies += o.FailedFamilies
	r.FailedAmount += o.FailedAmount
	r.Returned += o.Returned
}

// RealizationSink receives a realization report as it is read: Begin with
// the heading, Row for each region in code order, End with the totals.
// NewRealizationWriter gives one per file format.
type RealizationSink interface {
	Begin(Realization) error
	Row(RealizationRow) error
	End(Realization) error
}

// levels names the report levels and the divisor of a village number that
// gives a region's number at that level.
var levels = []struct {
	level region.Level
	name  string // as in --level
	label string // in Bahasa Indonesia
	div   int64
	width int // digits of the region number
}{
	{region.Province, "province", "provinsi", 100000000, 2},
	{region.Regency, "regency", "kabupaten/kota", 1000000, 4},
	{region.District, "district", "kecamatan", 10000, 6},
	{region.Village, "village", "desa/kelurahan", 1, 10},
}

// ParseLevel reads a report level: province, regency, district or village
// (TINGKAT_TIDAK_VALID otherwise).
func ParseLevel(s string) (region.Level, error) {
	for _, l := range levels {
		if l.name == s {
			return l.level, nil
		}
	}
	return 0, tepat.Reasonf(tepat.EINVALID, "TINGKAT_TIDAK_VALID", "tingkat %q tidak dikenal: province, regency, district atau village", clip(s))
}

// Realize reads a cycle's realization per region (PermStatsRead: figures
// only, no personal data) into sink, and returns its heading and totals.
// A dinsos user gets their region; a bank user the families whose latest
// instruction went to their bank; a region outside the scope is not found
// (KODE_WILAYAH_TIDAK_DIKENAL), one below Level refused
// (TINGKAT_TIDAK_SESUAI). Figures come from the latest stored
// reconciliation, read in one snapshot with one grouping query over the
// cycle's entitlements (village number / 10^k), streamed by region code.
// National totals are checked against the cycle's and the
// reconciliation's (JUMLAH_TIDAK_COCOK). Audited as report.realization,
// also when cut short.
func Realize(ctx context.Context, d *db.DB, req RealizationRequest, sink RealizationSink) (Realization, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermStatsRead); err != nil {
		return Realization{}, err
	}
	li := -1
	for i, l := range levels {
		if l.level == req.Level {
			li = i
		}
	}
	if li < 0 {
		return Realization{}, tepat.Reasonf(tepat.EINVALID, "TINGKAT_TIDAK_VALID", "tingkat laporan tidak dikenal")
	}
	lv := levels[li]
	rep := Realization{Level: lv.name, Scope: a.ScopeString(), GeneratedBy: a.Username,
		GeneratedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if req.Region != "" {
		reg, err := region.Lookup(req.Region)
		if err != nil {
			return Realization{}, err
		}
		if !registry.Overlaps(a, reg.Code) {
			return Realization{}, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL", "kode wilayah %q tidak dikenal", clip(req.Region))
		}
		if reg.Level > lv.level {
			return Realization{}, tepat.Reasonf(tepat.EINVALID, "TINGKAT_TIDAK_SESUAI",
				"wilayah %s lebih rinci dari tingkat laporan (%s)", reg.Code, lv.label)
		}
		rep.Region, rep.RegionName = reg.Code, reg.Name
	}
	c, err := program.GetCycle(ctx, d, req.Cycle)
	if err != nil {
		return Realization{}, err
	}
	rep.Cycle, rep.Program, rep.Year, rep.Period, rep.Snapshot = c.ID, c.Program, c.Year, c.Period, c.Snapshot
	scope, args, err := registry.ScopeFilter(a, "e.village", rep.Region, 3)
	if err != nil {
		return Realization{}, err
	}
	args = append([]any{c.ID, c.Program}, args...)
	from := `entitlement e LEFT JOIN reconciliation r ON r.cycle_id = e.cycle_id AND r.family_id = e.family_id`
	if a.Bank != "" {
		from += ` LEFT JOIN payout p ON p.cycle_id = e.cycle_id AND p.family_id = e.family_id`
		scope += fmt.Sprintf(" AND COALESCE(r.bank, p.bank) = $%d", len(args)+1)
		args = append(args, a.Bank)
	}
	group := fmt.Sprintf("e.village / %d", lv.div)
	whole := a.National() && a.Bank == "" && rep.Region == ""
	var rows int64
	err = d.InReadTx(ctx, func(tx *db.Tx) error {
		quotas, err := readQuotas(ctx, tx, c.Program, c.Year)
		if err != nil {
			return err
		}
		var run Reconciliation
		if err := readRun(ctx, tx, c.ID, &rep, &run); err != nil {
			return err
		}
		if err := sink.Begin(rep); err != nil {
			return err
		}
		q, err := tx.Query(ctx, `SELECT `+group+`, COUNT(*), COALESCE(SUM(e.amount), 0),
				COALESCE(SUM(CASE WHEN r.outcome = 'PAID' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN r.outcome = 'PAID' THEN e.amount ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN r.outcome = 'FAILED' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN r.outcome = 'FAILED' THEN e.amount ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN r.outcome = 'FAILED' AND NOT `+reissueOpenSQL("$2")+` THEN e.amount ELSE 0 END), 0)
			FROM `+from+`
			WHERE e.cycle_id = $1 AND e.reserve = 0 AND `+scope+`
			GROUP BY `+group+` ORDER BY 1`, args...)
		if err != nil {
			return fmt.Errorf("realization of cycle %d: %w", c.ID, err)
		}
		defer q.Close()
		for q.Next() {
			var g int64
			var row RealizationRow
			if err := q.Scan(&g, &row.Families, &row.Amount, &row.PaidFamilies, &row.PaidAmount, &row.FailedFamilies, &row.FailedAmount,
				&row.Returned); err != nil {
				return err
			}
			row.Code = region.Dotted(fmt.Sprintf("%0*d", lv.width, g))
			if r, err := region.Lookup(row.Code); err == nil {
				row.Name = r.Name
			}
			if n, ok := quotas[row.Code]; ok {
				row.Quota = &n
			}
			if err := sink.Row(row); err != nil {
				return err
			}
			rows++
			rep.Total.add(row)
			rep.Total.Quota = sumQuota(rep.Total.Quota, row.Quota, rows == 1)
		}
		if err := q.Err(); err != nil {
			return err
		}
		rep.Regions = rows
		if whole {
			if err := checkRealization(rep, c, run); err != nil {
				return err
			}
		}
		return sink.End(rep)
	})
	where := ""
	if rep.Region != "" {
		where = " wilayah " + rep.Region
	}
	summary := fmt.Sprintf("laporan realisasi siklus %d tingkat %s%s (%s): %d wilayah, %d KPM berhak, %d dibayar",
		req.Cycle, lv.name, where, rep.Scope, rows, rep.Total.Families, rep.Total.PaidFamilies)
	if err != nil {
		summary = fmt.Sprintf("laporan realisasi siklus %d tingkat %s%s (%s) terputus setelah %d wilayah", req.Cycle, lv.name, where, rep.Scope, rows)
	}
	actx := context.WithoutCancel(ctx)
	aerr := d.InTx(actx, func(tx *db.Tx) error {
		_, err := audit.Record(actx, tx, "report.realization", fmt.Sprintf("cycle:%d", req.Cycle), rep.Region, summary)
		return err
	})
	if err != nil {
		return Realization{}, err
	}
	return rep, aerr
}

// sumQuota adds a row's quota to the total's: the total has a quota only
// if every row has one.
func sumQuota(total, row *int64, first bool) *int64 {
	if row == nil || (total == nil && !first) {
		return nil
	}
	n := *row
	if total != nil {
		n += *total
	}
	return &n
}

// readQuotas returns the quotas of a program and year by region code.
func readQuotas(ctx context.Context, q db.Querier, prog string, year int) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT region, families FROM quota WHERE program = $1 AND year = $2`, prog, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[code] = n
	}
	return out, rows.Err()
}

// readRun fills rep with the cycle's stored reconciliation, if any, and run
// with its summary.
func readRun(ctx context.Context, q db.Querier, cycleID int64, rep *Realization, run *Reconciliation) error {
	var at time.Time
	var summary string
	err := q.QueryRow(ctx, `SELECT reconciled_at, summary FROM reconciliation_run WHERE cycle_id = $1`, cycleID).Scan(&at, &summary)
	if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	at = at.UTC()
	rep.Reconciled, rep.ReconciledAt = true, &at
	return json.Unmarshal([]byte(summary), run)
}

// checkRealization checks national totals against the cycle's and the
// stored reconciliation's: the same families and money, grouped.
func checkRealization(rep Realization, c program.Cycle, run Reconciliation) error {
	t := rep.Total
	o := run.Outcomes
	if !rep.Reconciled {
		o = Outcomes{}
	}
	if t.Families != c.Families || t.Amount != c.Amount || t.PaidFamilies != o.Paid.Count || t.PaidAmount != o.Paid.Amount ||
		t.FailedFamilies != o.Failed.Count || t.FailedAmount != o.Failed.Amount {
		return tepat.Reasonf(tepat.EINTERNAL, "JUMLAH_TIDAK_COCOK",
			"realisasi siklus %d tidak cocok: %d KPM Rp%s (siklus %d Rp%s), dibayar %d Rp%s (rekonsiliasi %d Rp%s), gagal %d (rekonsiliasi %d)",
			c.ID, t.Families, program.Rupiah(t.Amount), c.Families, program.Rupiah(c.Amount), t.PaidFamilies, program.Rupiah(t.PaidAmount),
			o.Paid.Count, program.Rupiah(o.Paid.Amount), t.FailedFamilies, o.Failed.Count)
	}
	return nil
}

// Returns is a cycle's returned funds (dana retur) per bank from its latest
// stored reconciliation, within the actor's scope.
type Returns struct {
	Cycle        int64         `json:"cycle"`
	Scope        string        `json:"scope"`
	Reconciled   bool          `json:"reconciled"`
	ReconciledAt *time.Time    `json:"reconciled_at,omitempty"`
	Banks        []BankReturns `json:"banks"`
	Total        BankReturns   `json:"total"`
}

// BankReturns splits a bank's FAILED outcomes: Reissue, those re-issued
// since or re-issuable now (the money goes out again), and Returned, the
// rest (the money goes back). Failed = Reissue + Returned.
type BankReturns struct {
	Bank     string   `json:"bank"`
	Failed   Subtotal `json:"failed"`
	Reissue  Subtotal `json:"reissue"`
	Returned Subtotal `json:"returned"`
}

// ReturnedFunds returns a cycle's FAILED outcomes per bank in its latest
// stored reconciliation (PermStatsRead: figures only), in the order of
// auth.Banks: a dinsos user's of their region, a bank user's of their
// bank. Without a stored reconciliation Reconciled is false and there are
// no banks.
func ReturnedFunds(ctx context.Context, d *db.DB, cycleID int64) (Returns, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermStatsRead); err != nil {
		return Returns{}, err
	}
	out := Returns{Cycle: cycleID, Scope: a.ScopeString(), Banks: []BankReturns{}, Total: BankReturns{Bank: "JUMLAH"}}
	scope, args, err := registry.ScopeFilter(a, "r.village", "", 3)
	if err != nil {
		return Returns{}, err
	}
	if a.Bank != "" {
		scope += fmt.Sprintf(" AND r.bank = $%d", len(args)+3)
		args = append(args, a.Bank)
	}
	err = d.InReadTx(ctx, func(tx *db.Tx) error {
		c, err := readCycle(ctx, tx, cycleID, false)
		if err != nil {
			return err
		}
		var rep Realization
		if err := readRun(ctx, tx, c.ID, &rep, &Reconciliation{}); err != nil || !rep.Reconciled {
			return err
		}
		out.Reconciled, out.ReconciledAt = true, rep.ReconciledAt
		open := reissueOpenSQL("$2")
		rows, err := tx.Query(ctx, `SELECT r.bank, COUNT(*), COALESCE(SUM(r.amount), 0),
				COALESCE(SUM(CASE WHEN `+open+` THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN `+open+` THEN r.amount ELSE 0 END), 0)
			FROM reconciliation r WHERE r.cycle_id = $1 AND r.outcome = 'FAILED' AND `+scope+`
			GROUP BY r.bank`, append([]any{c.ID, c.Program}, args...)...)
		if err != nil {
			return fmt.Errorf("returned funds of cycle %d: %w", c.ID, err)
		}
		defer rows.Close()
		byBank := map[string]BankReturns{}
		for rows.Next() {
			var b BankReturns
			if err := rows.Scan(&b.Bank, &b.Failed.Count, &b.Failed.Amount, &b.Reissue.Count, &b.Reissue.Amount); err != nil {
				return err
			}
			b.Returned = Subtotal{b.Failed.Count - b.Reissue.Count, b.Failed.Amount - b.Reissue.Amount}
			byBank[b.Bank] = b
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, bank := range auth.Banks {
			if b, ok := byBank[bank]; ok {
				out.Banks = append(out.Banks, b)
				for _, p := range [][2]*Subtotal{{&out.Total.Failed, &b.Failed}, {&out.Total.Reissue, &b.Reissue}, {&out.Total.Returned, &b.Returned}} {
					p[0].Count += p[1].Count
					p[0].Amount += p[1].Amount
				}
			}
		}
		if len(out.Banks) != len(byBank) {
			return fmt.Errorf("returned funds of cycle %d: FAILED outcomes without a Himbara bank", c.ID)
		}
		return nil
	})
	if err != nil {
		return Returns{}, err
	}
	return out, nil
}

// realizationTitle returns the lines that head a realization report in
// XLSX and PDF, in Bahasa Indonesia, times in WIB.
func realizationTitle(r Realization) []string {
	wib := region.WIB.Location()
	where := "nasional"
	if r.Region != "" {
		where = r.Region + " " + r.RegionName
	}
	lines := []string{
		fmt.Sprintf("Laporan Realisasi Penyaluran %s %d Periode %d", r.Program, r.Year, r.Period),
		fmt.Sprintf("Siklus %d · penetapan %s · tingkat %s · wilayah %s · lingkup %s", r.Cycle, r.Snapshot, levelLabel(r.Level), where, r.Scope),
	}
	status := "Belum ada rekonsiliasi tersimpan: dibayar, gagal dan dana retur dihitung 0"
	if r.Reconciled {
		status = "Dari rekonsiliasi tersimpan " + r.ReconciledAt.In(wib).Format("2006-01-02 15:04") + " WIB"
	}
	lines = append(lines, status+" · dibuat "+r.GeneratedAt.In(wib).Format("2006-01-02 15:04")+" WIB oleh "+r.GeneratedBy)
	return lines
}

func levelLabel(name string) string {
	for _, l := range levels {
		if l.name == name {
			return l.label
		}
	}
	return name
}

// percent formats tenths of a percent with sep as the decimal mark.
func percent(r RealizationRow, sep string) string {
	t, ok := r.PaidTenths()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d%s%d", t/10, sep, t%10)
}

// quotaText formats a quota, empty when none is set.
func quotaText(q *int64) string {
	if q == nil {
		return ""
	}
	return fmt.Sprint(*q)
}
