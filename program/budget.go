package program

import (
	"context"
	"fmt"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

// Budget is a program's ceiling (pagu) for a year and what is held
// against it, in whole rupiah.
type Budget struct {
	Program   string    `json:"program"`
	Year      int       `json:"year"`
	Pagu      int64     `json:"pagu"`
	Committed int64     `json:"committed"` // approved, disbursing and closed cycles
	Realized  int64     `json:"realized"`  // credited to families (payout reconciliation)
	Remaining int64     `json:"remaining"` // Pagu − Committed
	SetBy     string    `json:"set_by"`
	SetAt     time.Time `json:"set_at"`
}

// SetBudget sets the pagu of a program and year (PermProgramManage); the
// program must be in the catalog for that year and the amount must not be
// negative. Lowering it below what is already committed is allowed (a
// budget cut is a fact), but no further cycle is then approved.
func SetBudget(ctx context.Context, d *db.DB, program string, year int, amount int64) (Budget, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermProgramManage); err != nil {
		return Budget{}, err
	}
	if amount < 0 {
		return Budget{}, tepat.Reasonf(tepat.EINVALID, "PAGU_TIDAK_VALID", "pagu tidak boleh negatif (%d)", amount)
	}
	if _, err := latest(ctx, d, program, year); err != nil {
		return Budget{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO budget (program, year, amount, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (program, year) DO UPDATE SET amount = excluded.amount, set_by = excluded.set_by, set_at = excluded.set_at`,
			program, year, amount, a.Username, now); err != nil {
			return err
		}
		_, err := audit.Record(ctx, tx, "budget.set", fmt.Sprintf("budget:%s/%d", program, year), "",
			fmt.Sprintf("pagu %s %d: Rp%s", program, year, Rupiah(amount)))
		return err
	})
	if err != nil {
		return Budget{}, err
	}
	bs, err := budgets(ctx, d, program, year)
	if err != nil || len(bs) == 0 {
		return Budget{}, err
	}
	return bs[0], nil
}

// Budgets lists the budgets with what is committed and realized, by
// program and year (PermStatsRead; year 0 and program "" match all).
//
// Realized counts entitlements the payout reconciliation marks paid; until
// payouts exist (issue #6) it is 0.
func Budgets(ctx context.Context, d *db.DB, program string, year int) ([]Budget, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	return budgets(ctx, d, program, year)
}

func budgets(ctx context.Context, d *db.DB, program string, year int) ([]Budget, error) {
	rows, err := d.Query(ctx, `SELECT b.program, b.year, b.amount, b.set_by, b.set_at,
			COALESCE((SELECT SUM(c.amount) FROM cycle c WHERE c.program = b.program AND c.year = b.year
				AND c.state IN ('APPROVED', 'DISBURSING', 'CLOSED')), 0)
		FROM budget b WHERE (b.program = $1 OR $1 = '') AND (b.year = $2 OR $2 = 0)
		ORDER BY b.year DESC, b.program`, program, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Budget
	for rows.Next() {
		var b Budget
		if err := rows.Scan(&b.Program, &b.Year, &b.Pagu, &b.SetBy, &b.SetAt, &b.Committed); err != nil {
			return nil, err
		}
		b.SetAt = b.SetAt.UTC()
		b.Remaining = b.Pagu - b.Committed
		out = append(out, b)
	}
	return out, rows.Err()
}
