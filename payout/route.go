package payout

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

// Route names the bank that pays a program's families in a region (any
// level). A family is paid by the route of the most specific region that
// contains its village; a program's families outside every route cannot be
// exported.
type Route struct {
	Program string    `json:"program"`
	Region  string    `json:"region"`
	Name    string    `json:"region_name"`
	Bank    string    `json:"bank"`
	SetBy   string    `json:"set_by"`
	SetAt   time.Time `json:"set_at"`
}

// SetRoute sets (or replaces) the bank of a program in a region
// (PermPayoutManage), audited as bank.route. The program must be in the
// catalog for some year, the region must exist and the bank must be one of
// the Himbara banks. Exports already made keep the bank they were sent to.
func SetRoute(ctx context.Context, d *db.DB, program, code, bank string) (Route, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermPayoutManage); err != nil {
		return Route{}, err
	}
	if err := checkBank(a, bank); err != nil {
		return Route{}, err
	}
	r, err := region.Lookup(code)
	if err != nil {
		return Route{}, err
	}
	lo, _, err := region.VillageRange(r.Code)
	if err != nil {
		return Route{}, err
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM program_version WHERE code = $1`, program).Scan(&n); err != nil {
		return Route{}, err
	}
	if n == 0 {
		return Route{}, tepat.Reasonf(tepat.ENOTFOUND, "PROGRAM_TIDAK_DITEMUKAN", "program %s tidak ada di katalog (terapkan dengan tepat program apply)", clip(program))
	}
	rt := Route{Program: program, Region: r.Code, Name: r.Name, Bank: bank, SetBy: a.Username, SetAt: time.Now().UTC().Truncate(time.Microsecond)}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO bank_route (program, region, depth, lo, bank, set_by, set_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (program, region) DO UPDATE SET bank = excluded.bank, set_by = excluded.set_by, set_at = excluded.set_at`,
			program, r.Code, int(r.Level), lo, bank, rt.SetBy, rt.SetAt); err != nil {
			return err
		}
		_, err := audit.Record(ctx, tx, "bank.route", fmt.Sprintf("route:%s/%s", program, r.Code), r.Code,
			fmt.Sprintf("rute %s di %s: bank %s", program, r.Code, bank))
		return err
	})
	if err != nil {
		return Route{}, err
	}
	return rt, nil
}

// Routes lists the routes of a program (all programs when empty), by
// program and region code (PermStatsRead: routes hold no personal data).
func Routes(ctx context.Context, d *db.DB, program string) ([]Route, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT program, region, bank, set_by, set_at FROM bank_route
		WHERE program = $1 OR $1 = '' ORDER BY program, region`, program)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Route{}
	for rows.Next() {
		var r Route
		if err := rows.Scan(&r.Program, &r.Region, &r.Bank, &r.SetBy, &r.SetAt); err != nil {
			return nil, err
		}
		r.SetAt = r.SetAt.UTC()
		if reg, err := region.Lookup(r.Region); err == nil {
			r.Name = reg.Name
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// routeJoins returns the joins that find, for the program in column prog
// and the village number in column village, the route of each level that
// contains the village, and the expression of the bank of the most
// specific one (NULL: no route). One index probe per level: a region's
// first village number is the village number rounded down at its level.
func routeJoins(prog, village string) (joins, bank string) {
	joins = fmt.Sprintf(`
		LEFT JOIN bank_route r4 ON r4.program = %[1]s AND r4.depth = 4 AND r4.lo = %[2]s
		LEFT JOIN bank_route r3 ON r3.program = %[1]s AND r3.depth = 3 AND r3.lo = %[2]s / 10000 * 10000
		LEFT JOIN bank_route r2 ON r2.program = %[1]s AND r2.depth = 2 AND r2.lo = %[2]s / 1000000 * 1000000
		LEFT JOIN bank_route r1 ON r1.program = %[1]s AND r1.depth = 1 AND r1.lo = %[2]s / 100000000 * 100000000`, prog, village)
	return joins, `COALESCE(r4.bank, r3.bank, r2.bank, r1.bank)`
}
