package program

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/registry"
)

// Cycle states. A cycle moves DRAFT → GENERATED → APPROVED → DISBURSING →
// CLOSED, or to CANCELLED before disbursing; nothing else.
const (
	StateDraft      = "DRAFT"
	StateGenerated  = "GENERATED"
	StateApproved   = "APPROVED"
	StateDisbursing = "DISBURSING"
	StateClosed     = "CLOSED"
	StateCancelled  = "CANCELLED"
)

// Cycle is one payment period (tahap, month) of a program, paid from one
// registry snapshot with one program version. Amounts are whole rupiah;
// Families, Persons, Amount and Quantity count the entitled families, not
// the reserve.
type Cycle struct {
	ID               int64      `json:"id"`
	Program          string     `json:"program"`
	Year             int        `json:"year"`
	Period           int        `json:"period"`
	ProgramVersion   int        `json:"program_version"`
	ProgramVersionID int64      `json:"-"`
	Snapshot         string     `json:"snapshot"`
	SnapshotVersion  int64      `json:"snapshot_version"`
	ReferenceDate    string     `json:"reference_date"` // YYYY-MM-DD: ages are taken on this day
	State            string     `json:"state"`
	Families         int64      `json:"families"`
	Persons          int64      `json:"persons"`
	Amount           int64      `json:"amount"`
	Quantity         int64      `json:"quantity,omitempty"`
	Reserve          int64      `json:"reserve"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
	GeneratedBy      string     `json:"generated_by,omitempty"`
	GeneratedAt      *time.Time `json:"generated_at,omitempty"`
	ApprovedBy       string     `json:"approved_by,omitempty"`
	ApprovedAt       *time.Time `json:"approved_at,omitempty"`
	EndedBy          string     `json:"ended_by,omitempty"` // who cancelled or closed it
	EndedAt          *time.Time `json:"ended_at,omitempty"`
}

// Reference returns the payment reference of a family's entitlement in a
// cycle, "<cycle>-<family>": unique across all cycles, and the payment's
// identity from the cycle's export to the bank's report.
func Reference(cycleID, familyID int64) string {
	return strconv.FormatInt(cycleID, 10) + "-" + strconv.FormatInt(familyID, 10)
}

// ParseReference splits a payment reference; ok is false when ref is not
// one.
func ParseReference(ref string) (cycleID, familyID int64, ok bool) {
	c, f, found := strings.Cut(ref, "-")
	if !found {
		return 0, 0, false
	}
	var err1, err2 error
	cycleID, err1 = strconv.ParseInt(c, 10, 64)
	familyID, err2 = strconv.ParseInt(f, 10, 64)
	if err1 != nil || err2 != nil || cycleID <= 0 || familyID <= 0 {
		return 0, 0, false
	}
	return cycleID, familyID, true
}

func errCycleNotFound(id int64) error {
	return tepat.Reasonf(tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN", "siklus %d tidak ditemukan", id)
}

func errState(c Cycle, action string, want ...string) error {
	return tepat.Reasonf(tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI",
		"siklus %d berstatus %s; %s hanya dapat dilakukan pada siklus berstatus %s", c.ID, c.State, action, strings.Join(want, " atau "))
}

const cycleCols = `c.id, c.program, c.year, c.period, v.version, c.program_version_id, c.snapshot, c.snapshot_version, c.reference_date, c.state,
	c.families, c.persons, c.amount, c.quantity, c.reserve, c.created_by, c.created_at, c.generated_by, c.generated_at,
	c.approved_by, c.approved_at, c.ended_by, c.ended_at`

const cycleFrom = ` FROM cycle c JOIN program_version v ON v.id = c.program_version_id`

func scanCycle(scan func(...any) error) (Cycle, error) {
	var c Cycle
	var ref int
	var genBy, apprBy, endBy sql.NullString
	var genAt, apprAt, endAt db.Time
	if err := scan(&c.ID, &c.Program, &c.Year, &c.Period, &c.ProgramVersion, &c.ProgramVersionID, &c.Snapshot, &c.SnapshotVersion, &ref, &c.State,
		&c.Families, &c.Persons, &c.Amount, &c.Quantity, &c.Reserve, &c.CreatedBy, &c.CreatedAt, &genBy, &genAt,
		&apprBy, &apprAt, &endBy, &endAt); err != nil {
		return Cycle{}, err
	}
	c.ReferenceDate = formatDate(ref)
	c.CreatedAt = c.CreatedAt.UTC()
	c.GeneratedBy, c.ApprovedBy, c.EndedBy = genBy.String, apprBy.String, endBy.String
	c.GeneratedAt, c.ApprovedAt, c.EndedAt = genAt.Ptr(), apprAt.Ptr(), endAt.Ptr()
	return c, nil
}

// getCycle reads a cycle; lock takes its row for the rest of tx, so that
// state changes of one cycle happen one after another.
func getCycle(ctx context.Context, q db.Querier, id int64, lock bool) (Cycle, error) {
	if lock {
		if _, err := q.Exec(ctx, `UPDATE cycle SET state = state WHERE id = $1`, id); err != nil {
			return Cycle{}, err
		}
	}
	c, err := scanCycle(q.QueryRow(ctx, `SELECT `+cycleCols+cycleFrom+` WHERE c.id = $1`, id).Scan)
	if err != nil {
		if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
			return Cycle{}, errCycleNotFound(id)
		}
		return Cycle{}, err
	}
	return c, nil
}

// GetCycle returns a cycle (PermStatsRead). Its totals are national; see
// Summarize for figures within a scope.
func GetCycle(ctx context.Context, d *db.DB, id int64) (Cycle, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return Cycle{}, err
	}
	return getCycle(ctx, d, id, false)
}

// CycleFilter selects cycles to list; zero fields match all.
type CycleFilter struct {
	Program string
	Year    int
	State   string
}

// ListCycles returns cycles, newest first (PermStatsRead).
func ListCycles(ctx context.Context, d *db.DB, f CycleFilter) ([]Cycle, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT `+cycleCols+cycleFrom+`
		WHERE (c.program = $1 OR $1 = '') AND (c.year = $2 OR $2 = 0) AND (c.state = $3 OR $3 = '')
		ORDER BY c.id DESC LIMIT 500`, f.Program, f.Year, f.State)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Cycle
	for rows.Next() {
		c, err := scanCycle(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// NewCycle says which cycle to create.
type NewCycle struct {
	Program       string
	Year          int
	Period        int
	Snapshot      string
	ReferenceDate string // YYYY-MM-DD; empty: the first day of the period
}

// PeriodStart returns the first day (YYYYMMDD) of period n of a year cut
// into periods equal periods.
func PeriodStart(year, periods, n int) int {
	month := (n-1)*(12/periods) + 1
	return year*10000 + month*100 + 1
}

// CreateCycle creates a DRAFT cycle (PermProgramManage) with the latest
// version of the program for the year, which it keeps whatever is applied
// later. The period must lie in 1..periods_per_year (PERIODE_TIDAK_VALID),
// the snapshot must exist, and the program, year and period must have no
// live cycle yet (SIKLUS_SUDAH_ADA): cancel it first.
func CreateCycle(ctx context.Context, d *db.DB, n NewCycle) (Cycle, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermProgramManage); err != nil {
		return Cycle{}, err
	}
	v, err := latest(ctx, d, n.Program, n.Year)
	if err != nil {
		return Cycle{}, err
	}
	if n.Year == 0 {
		n.Year = v.Program.Year
	}
	ppy := v.Program.PeriodsPerYear
	if n.Period < 1 || n.Period > ppy {
		return Cycle{}, tepat.Reasonf(tepat.EINVALID, "PERIODE_TIDAK_VALID", "periode %d di luar 1–%d untuk program %s %d", n.Period, ppy, n.Program, n.Year)
	}
	ref, err := referenceDate(n.ReferenceDate, n.Year, ppy, n.Period)
	if err != nil {
		return Cycle{}, err
	}
	snap, err := registry.GetSnapshot(ctx, d, n.Snapshot)
	if err != nil {
		return Cycle{}, err
	}
	var id int64
	err = d.InTx(ctx, func(tx *db.Tx) error {
		var other int64
		var state string
		err := tx.QueryRow(ctx, `SELECT id, state FROM cycle WHERE program = $1 AND year = $2 AND period = $3 AND state <> 'CANCELLED'`,
			n.Program, n.Year, n.Period).Scan(&other, &state)
		if err == nil {
			return tepat.Reasonf(tepat.ECONFLICT, "SIKLUS_SUDAH_ADA", "program %s %d periode %d sudah punya siklus %d (%s); batalkan dulu bila perlu dibuat ulang",
				n.Program, n.Year, n.Period, other, state)
		}
		if tepat.ErrorCode(db.Translate(err)) != tepat.ENOTFOUND {
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if err := tx.QueryRow(ctx, `INSERT INTO cycle (program_version_id, program, year, period, snapshot, snapshot_version, reference_date, state, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'DRAFT', $8, $9) RETURNING id`,
			v.ID, n.Program, n.Year, n.Period, snap.Label, snap.Version, ref, a.Username, now).Scan(&id); err != nil {
			return db.Translate(err)
		}
		_, err = audit.Record(ctx, tx, "cycle.create", fmt.Sprintf("cycle:%d", id), "",
			fmt.Sprintf("siklus %s %d periode %d dari penetapan %s (program versi %d)", n.Program, n.Year, n.Period, snap.Label, v.Version))
		return err
	})
	if err != nil {
		return Cycle{}, err
	}
	return getCycle(ctx, d, id, false)
}

// GenerateCycle works out the cycle's entitlements from its snapshot and
// program version (PermProgramManage), replacing those of an earlier
// generation: DRAFT or GENERATED cycles only. It is set-based SQL in one
// transaction: eligible families are inserted with their amounts, then
// quotas move the lowest-ranked beyond each quota to the reserve list.
// An interrupted generation leaves the cycle as it was.
func GenerateCycle(ctx context.Context, d *db.DB, id int64) (Cycle, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermProgramManage); err != nil {
		return Cycle{}, err
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		c, err := getCycle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if c.State != StateDraft && c.State != StateGenerated {
			return errState(c, "generate", StateDraft, StateGenerated)
		}
		v, err := versionByID(ctx, tx, c.ProgramVersionID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM entitlement WHERE cycle_id = $1`, id); err != nil {
			return err
		}
		if err := bigWork(ctx, tx); err != nil {
			return err
		}
		ref := parseRef(c.ReferenceDate)
		sel := v.Program.entitlementSelect(c.Period, ref, "", tx.Engine())
		if _, err := tx.Exec(ctx, `INSERT INTO entitlement (cycle_id, family_id, no_kk, village, desil, members, head_nik, amount, quantity, paid, reserve)
			SELECT $2, family_id, no_kk, village, desil, members, head_nik, amount, quantity, paid, 0 FROM (`+sel+`) s`,
			c.SnapshotVersion, id); err != nil {
			return fmt.Errorf("generate cycle %d: %w", id, err)
		}
		if err := applyQuotas(ctx, tx, c); err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if _, err := tx.Exec(ctx, `UPDATE cycle SET state = 'GENERATED', generated_by = $2, generated_at = $3,
			families = t.families, persons = t.persons, amount = t.amount, quantity = t.quantity, reserve = t.reserve
			FROM (SELECT COALESCE(SUM(CASE WHEN reserve = 0 THEN 1 ELSE 0 END), 0) AS families,
				COALESCE(SUM(CASE WHEN reserve = 0 THEN members ELSE 0 END), 0) AS persons,
				COALESCE(SUM(CASE WHEN reserve = 0 THEN amount ELSE 0 END), 0) AS amount,
				COALESCE(SUM(CASE WHEN reserve = 0 THEN quantity ELSE 0 END), 0) AS quantity,
				COALESCE(SUM(CASE WHEN reserve > 0 THEN 1 ELSE 0 END), 0) AS reserve
				FROM entitlement WHERE cycle_id = $1) t
			WHERE cycle.id = $1`, id, a.Username, now); err != nil {
			return fmt.Errorf("generate cycle %d: totals: %w", id, err)
		}
		g, err := getCycle(ctx, tx, id, false)
		if err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "cycle.generate", fmt.Sprintf("cycle:%d", id), "",
			fmt.Sprintf("siklus %d: %d keluarga, %d jiwa, Rp%s, cadangan %d", id, g.Families, g.Persons, Rupiah(g.Amount), g.Reserve))
		return err
	})
	if err != nil {
		return Cycle{}, err
	}
	return getCycle(ctx, d, id, false)
}

func parseRef(s string) int {
	ref, _ := parseDate(s)
	return ref
}

// ApproveCycle approves a GENERATED cycle (PermCycleApprove) by someone
// other than who generated it (PERSETUJUAN_SENDIRI). The program's budget
// for the year must exist when the cycle pays money (PAGU_BELUM_ADA) and
// must cover every approved cycle of the year with this one
// (PAGU_TERLAMPAUI names both figures). From approval on, the
// entitlements never change.
func ApproveCycle(ctx context.Context, d *db.DB, id int64) (Cycle, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermCycleApprove); err != nil {
		return Cycle{}, err
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		c, err := getCycle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if c.State != StateGenerated {
			return errState(c, "persetujuan", StateGenerated)
		}
		if c.GeneratedBy == a.Username {
			return tepat.Reasonf(tepat.EFORBIDDEN, "PERSETUJUAN_SENDIRI", "siklus %d dibuat (generate) oleh %s; persetujuan harus oleh pengguna lain", id, a.Username)
		}
		if c.Amount > 0 {
			// The budget row's lock makes approvals of one program and
			// year take turns, so two cannot both fit the same remainder.
			var pagu int64
			err := tx.QueryRow(ctx, `UPDATE budget SET amount = amount WHERE program = $1 AND year = $2 RETURNING amount`, c.Program, c.Year).Scan(&pagu)
			if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
				return tepat.Reasonf(tepat.ECONFLICT, "PAGU_BELUM_ADA", "pagu %s %d belum ditetapkan; tetapkan dengan tepat budget set", c.Program, c.Year)
			} else if err != nil {
				return err
			}
			var committed int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM cycle WHERE program = $1 AND year = $2 AND state IN ('APPROVED', 'DISBURSING', 'CLOSED')`,
				c.Program, c.Year).Scan(&committed); err != nil {
				return err
			}
			if committed+c.Amount > pagu {
				return tepat.Reasonf(tepat.ECONFLICT, "PAGU_TERLAMPAUI",
					"pagu %s %d Rp%s terlampaui: sudah disetujui Rp%s, siklus %d menambah Rp%s menjadi Rp%s",
					c.Program, c.Year, Rupiah(pagu), Rupiah(committed), id, Rupiah(c.Amount), Rupiah(committed+c.Amount))
			}
		}
		return setState(ctx, tx, c, StateApproved, "cycle.approve", "approved")
	})
	if err != nil {
		return Cycle{}, err
	}
	return getCycle(ctx, d, id, false)
}

// CancelCycle cancels a cycle that is not yet disbursing
// (PermProgramManage). Its entitlements stay for the record; a new cycle
// may then be created for the period.
func CancelCycle(ctx context.Context, d *db.DB, id int64) (Cycle, error) {
	return transition(ctx, d, id, auth.PermProgramManage, "pembatalan", StateCancelled, "cycle.cancel", "ended",
		StateDraft, StateGenerated, StateApproved)
}

// CloseCycle closes a DISBURSING cycle (PermProgramManage) without
// looking at its payouts: payout.CloseCycle, which the CLI, the pages and
// the API use, first checks that every entitlement has a final outcome.
func CloseCycle(ctx context.Context, d *db.DB, id int64) (Cycle, error) {
	return transition(ctx, d, id, auth.PermProgramManage, "penutupan", StateClosed, "cycle.close", "ended", StateDisbursing)
}

// CloseInTx closes a DISBURSING cycle inside tx for a caller that checks,
// in the same transaction, that its payouts are done (payout.CloseCycle):
// it takes the cycle's row, checks the state, runs check, and closes only
// if check returns nil, so nothing that needs the cycle's row (a re-issue,
// another close) can come between the check and the close. The caller
// checks permissions.
func CloseInTx(ctx context.Context, tx *db.Tx, id int64, check func() error) (Cycle, error) {
	c, err := getCycle(ctx, tx, id, true)
	if err != nil {
		return Cycle{}, err
	}
	if c.State != StateDisbursing {
		return Cycle{}, errState(c, "penutupan", StateDisbursing)
	}
	if err := check(); err != nil {
		return Cycle{}, err
	}
	if err := setState(ctx, tx, c, StateClosed, "cycle.close", "ended"); err != nil {
		return Cycle{}, err
	}
	return getCycle(ctx, tx, id, false)
}

// StartDisbursing moves an APPROVED cycle to DISBURSING inside tx; a
// cycle already DISBURSING is left as it is. The payout export calls it
// with its first file.
func StartDisbursing(ctx context.Context, tx *db.Tx, id int64) (Cycle, error) {
	c, err := getCycle(ctx, tx, id, true)
	if err != nil {
		return Cycle{}, err
	}
	switch c.State {
	case StateDisbursing:
		return c, nil
	case StateApproved:
		if err := setState(ctx, tx, c, StateDisbursing, "cycle.disburse", ""); err != nil {
			return Cycle{}, err
		}
		return getCycle(ctx, tx, id, false)
	}
	return Cycle{}, errState(c, "penyaluran", StateApproved, StateDisbursing)
}

func transition(ctx context.Context, d *db.DB, id int64, perm auth.Permission, action, to, auditAction, who string, from ...string) (Cycle, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), perm); err != nil {
		return Cycle{}, err
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		c, err := getCycle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		for _, f := range from {
			if c.State == f {
				return setState(ctx, tx, c, to, auditAction, who)
			}
		}
		return errState(c, action, from...)
	})
	if err != nil {
		return Cycle{}, err
	}
	return getCycle(ctx, d, id, false)
}

// setState moves c to state and audits it; who names the by/at columns
// to fill ("approved", "ended" or none).
func setState(ctx context.Context, tx *db.Tx, c Cycle, state, auditAction, who string) error {
	a := tepat.ActorFrom(ctx)
	now := time.Now().UTC().Truncate(time.Microsecond)
	q := `UPDATE cycle SET state = $2 WHERE id = $1`
	args := []any{c.ID, state}
	switch who {
	case "approved":
		q = `UPDATE cycle SET state = $2, approved_by = $3, approved_at = $4 WHERE id = $1`
		args = append(args, a.Username, now)
	case "ended":
		q = `UPDATE cycle SET state = $2, ended_by = $3, ended_at = $4 WHERE id = $1`
		args = append(args, a.Username, now)
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return err
	}
	_, err := audit.Record(ctx, tx, auditAction, fmt.Sprintf("cycle:%d", c.ID), "",
		fmt.Sprintf("siklus %d %s %d periode %d: %s → %s (%d keluarga, Rp%s)", c.ID, c.Program, c.Year, c.Period, c.State, state, c.Families, Rupiah(c.Amount)))
	return err
}

// Rupiah formats whole rupiah with dots between thousands: 1234567 →
// "1.234.567".
func Rupiah(n int64) string { return tepat.Thousands(n, '.') }

// bigWork lets PostgreSQL group millions of persons by family in memory
// for the rest of tx (the default work_mem of 4 MB sends the grouping to
// disk); SQLite needs nothing.
func bigWork(ctx context.Context, tx *db.Tx) error {
	if tx.Engine() != db.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`)
	return err
}
