package program

import (
	"context"
	"fmt"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// Quota caps the families of a program and year in a region.
type Quota struct {
	Program  string    `json:"program"`
	Year     int       `json:"year"`
	Region   string    `json:"region"`
	Name     string    `json:"region_name"`
	Families int64     `json:"families"`
	SetBy    string    `json:"set_by"`
	SetAt    time.Time `json:"set_at"`
}

// SetQuota sets (or replaces) the quota of a program and year in a region
// (PermProgramManage). The program must be in the catalog for that year and
// the region must exist. A family is governed by the quota of the most
// specific region that contains it; cycles generated afterwards apply it,
// approved ones never change.
func SetQuota(ctx context.Context, d *db.DB, program string, year int, code string, families int64) (Quota, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermProgramManage); err != nil {
		return Quota{}, err
	}
	if families < 0 {
		return Quota{}, tepat.Reasonf(tepat.EINVALID, "KUOTA_TIDAK_VALID", "kuota tidak boleh negatif (%d)", families)
	}
	r, err := region.Lookup(code)
	if err != nil {
		return Quota{}, err
	}
	if _, err := latest(ctx, d, program, year); err != nil {
		return Quota{}, err
	}
	lo, hi, err := region.VillageRange(r.Code)
	if err != nil {
		return Quota{}, err
	}
	q := Quota{Program: program, Year: year, Region: r.Code, Name: r.Name, Families: families, SetBy: a.Username,
		SetAt: time.Now().UTC().Truncate(time.Microsecond)}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO quota (program, year, region, lo, hi, depth, families, set_by, set_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (program, year, region) DO UPDATE SET families = excluded.families, set_by = excluded.set_by, set_at = excluded.set_at`,
			program, year, r.Code, lo, hi, int(r.Level)+1, families, q.SetBy, q.SetAt); err != nil {
			return err
		}
		_, err := audit.Record(ctx, tx, "quota.set", fmt.Sprintf("quota:%s/%d/%s", program, year, r.Code), r.Code,
			fmt.Sprintf("kuota %s %d di %s: %d keluarga", program, year, r.Code, families))
		return err
	})
	if err != nil {
		return Quota{}, err
	}
	return q, nil
}

// Quotas lists the quotas of a program and year (year 0: every year), by
// region code (PermStatsRead).
func Quotas(ctx context.Context, d *db.DB, program string, year int) ([]Quota, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT program, year, region, families, set_by, set_at FROM quota
		WHERE (program = $1 OR $1 = '') AND (year = $2 OR $2 = 0) ORDER BY program, year, region`, program, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Quota
	for rows.Next() {
		var q Quota
		if err := rows.Scan(&q.Program, &q.Year, &q.Region, &q.Families, &q.SetBy, &q.SetAt); err != nil {
			return nil, err
		}
		q.SetAt = q.SetAt.UTC()
		if r, err := region.Lookup(q.Region); err == nil {
			q.Name = r.Name
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// applyQuotas moves the entitlements of c beyond their quota to the
// reserve list. Each family falls under the quota of the most specific
// region containing it (deepest level), if any. Within a quota, families
// rank by decile (lowest first), then by living members (most first), then
// by KK number (lowest first): a total order, so the same snapshot and
// quotas always give the same list. Ranks beyond the quota become reserve
// numbers 1, 2, … in that order.
func applyQuotas(ctx context.Context, tx *db.Tx, c Cycle) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM quota WHERE program = $1 AND year = $2`, c.Program, c.Year).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE entitlement SET reserve = r.rn - r.families
		FROM (
			SELECT family_id, families, ROW_NUMBER() OVER (PARTITION BY region ORDER BY desil, members DESC, no_kk) AS rn
			FROM (
				SELECT e.family_id, e.desil, e.members, e.no_kk, q.region, q.families,
					ROW_NUMBER() OVER (PARTITION BY e.family_id ORDER BY q.depth DESC) AS specific
				FROM entitlement e JOIN quota q ON q.program = $2 AND q.year = $3 AND e.village BETWEEN q.lo AND q.hi
				WHERE e.cycle_id = $1
			) g WHERE specific = 1
		) r
		WHERE entitlement.cycle_id = $1 AND entitlement.family_id = r.family_id AND r.rn > r.families`, c.ID, c.Program, c.Year)
	if err != nil {
		return fmt.Errorf("cycle %d: quotas: %w", c.ID, err)
	}
	return nil
}
