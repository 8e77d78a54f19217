package payout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
)

// Closure says whether a cycle's payouts are done: each of its
// entitlements' outcome in the latest stored reconciliation, and what
// stands in the way of closing it. Amounts are entitled whole rupiah.
type Closure struct {
	Cycle        int64      `json:"cycle"`
	Reconciled   bool       `json:"reconciled"` // a pusat reconciliation is stored
	ReconciledAt *time.Time `json:"reconciled_at,omitempty"`
	// Final outcomes.
	Paid        Subtotal `json:"paid"`
	Returned    Subtotal `json:"returned"`     // FAILED, no re-issue made since or possible: dana retur
	NotExported Subtotal `json:"not_exported"` // no account: listed, never paid
	// Not final.
	Unreported     Subtotal `json:"unreported"`
	AmountMismatch Subtotal `json:"amount_mismatch"`
	Reissue        Subtotal `json:"reissue"`         // FAILED, re-issued since or re-issuable now
	Pending        Subtotal `json:"pending_reissue"` // latest re-issues without a usable bank line yet
	LaterReports   int64    `json:"later_reports"`   // bank reports with lines of the cycle loaded after the reconciliation
}

// Subtotal counts entitlements and their amount in whole rupiah.
type Subtotal struct {
	Count  int64 `json:"count"`
	Amount int64 `json:"amount"`
}

// Final reports whether every entitlement has a final outcome: PAID,
// FAILED with its money returned, or NOT_EXPORTED.
func (c Closure) Final() bool {
	return c.Reconciled && c.Unreported.Count == 0 && c.AmountMismatch.Count == 0 && c.Reissue.Count == 0 &&
		c.Pending.Count == 0 && c.LaterReports == 0
}

// err returns the refusal to close (SIKLUS_BELUM_TUNTAS) naming what is
// not final, or nil.
func (c Closure) err() error {
	if c.Final() {
		return nil
	}
	if !c.Reconciled {
		return tepat.Reasonf(tepat.ECONFLICT, "SIKLUS_BELUM_TUNTAS",
			"siklus %d belum dapat ditutup: belum ada rekonsiliasi tersimpan (jalankan tepat reconcile sebagai pusat)", c.Cycle)
	}
	var parts []string
	for _, p := range []struct {
		n    int64
		what string
	}{
		{c.Unreported.Count, "belum dilaporkan bank (UNREPORTED)"},
		{c.AmountMismatch.Count, "selisih jumlah (AMOUNT_MISMATCH)"},
		{c.Reissue.Count, "gagal tetapi dapat atau sudah dibayar ulang (FAILED)"},
		{c.Pending.Count, "pembayaran ulang menunggu laporan bank"},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if c.LaterReports > 0 {
		parts = append(parts, fmt.Sprintf("%d laporan bank dimuat setelah rekonsiliasi terakhir (jalankan tepat reconcile lagi)", c.LaterReports))
	}
	return tepat.Reasonf(tepat.ECONFLICT, "SIKLUS_BELUM_TUNTAS", "siklus %d belum dapat ditutup: %s", c.Cycle, strings.Join(parts, "; "))
}

// CheckClose tells whether a cycle's entitlements all have a final outcome
// in its latest stored reconciliation (PermProgramManage, as closing it:
// the figures are national). Final: PAID; FAILED when no re-issue was made since the
// failure and none can be made (the family has no other AKTIF account at
// its routed bank): the money is returned; NOT_EXPORTED, listed and never
// paid. Not final: UNREPORTED, AMOUNT_MISMATCH, FAILED with a re-issue
// made or possible, a re-issue still without a usable bank line, a bank
// report with lines of the cycle loaded after the reconciliation, or no
// stored reconciliation at all.
func CheckClose(ctx context.Context, d *db.DB, id int64) (Closure, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermProgramManage); err != nil {
		return Closure{}, err
	}
	var cl Closure
	err := d.InReadTx(ctx, func(tx *db.Tx) error {
		c, err := readCycle(ctx, tx, id, false)
		if err != nil {
			return err
		}
		cl, err = checkClose(ctx, tx, c)
		return err
	})
	return cl, err
}

// CloseCycle closes a DISBURSING cycle (PermProgramManage, as
// program.CloseCycle) once CheckClose finds every outcome final, and
// refuses with SIKLUS_BELUM_TUNTAS naming what is not. A cycle that pays
// goods, not money, has no bank payouts and closes on program's rules
// alone. The check and the closing are one transaction holding the
// cycle's row (program.CloseInTx), so a re-issue, which takes the same
// row, cannot slip in between.
func CloseCycle(ctx context.Context, d *db.DB, id int64) (program.Cycle, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermProgramManage); err != nil {
		return program.Cycle{}, err
	}
	var closed program.Cycle
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		closed, err = program.CloseInTx(ctx, tx, id, func() error {
			c, err := readCycle(ctx, tx, id, false)
			if err != nil || c.Quantity > 0 {
				return err
			}
			cl, err := checkClose(ctx, tx, c)
			if err != nil {
				return err
			}
			return cl.err()
		})
		return err
	})
	return closed, err
}

// checkClose counts c's outcomes in its stored reconciliation and what
// happened since, in tx.
func checkClose(ctx context.Context, tx *db.Tx, c cycle) (Closure, error) {
	cl := Closure{Cycle: c.ID}
	var at time.Time
	err := tx.QueryRow(ctx, `SELECT reconciled_at FROM reconciliation_run WHERE cycle_id = $1`, c.ID).Scan(&at)
	if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
		return cl, nil
	} else if err != nil {
		return cl, err
	}
	at = at.UTC()
	cl.Reconciled, cl.ReconciledAt = true, &at
	open := reissueOpenSQL("$2")
	dest := []any{}
	cols := []string{}
	for _, o := range []struct {
		cond string
		t    *Subtotal
	}{
		{`r.outcome = 'PAID'`, &cl.Paid},
		{`r.outcome = 'NOT_EXPORTED'`, &cl.NotExported},
		{`r.outcome = 'UNREPORTED'`, &cl.Unreported},
		{`r.outcome = 'AMOUNT_MISMATCH'`, &cl.AmountMismatch},
		{`r.outcome = 'FAILED' AND ` + open, &cl.Reissue},
		{`r.outcome = 'FAILED'`, &cl.Returned}, // less the re-issues, below
	} {
		cols = append(cols, fmt.Sprintf(`COALESCE(SUM(CASE WHEN %[1]s THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN %[1]s THEN r.amount ELSE 0 END), 0)`, o.cond))
		dest = append(dest, &o.t.Count, &o.t.Amount)
	}
	if err := tx.QueryRow(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM reconciliation r WHERE r.cycle_id = $1`, c.ID, c.Program).
		Scan(dest...); err != nil {
		return cl, fmt.Errorf("close cycle %d: outcomes: %w", c.ID, err)
	}
	cl.Returned.Count -= cl.Reissue.Count
	cl.Returned.Amount -= cl.Reissue.Amount
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(u.amount), 0) FROM payout_reissue u
		WHERE u.cycle_id = $1
			AND NOT EXISTS (SELECT 1 FROM payout_reissue v WHERE v.cycle_id = u.cycle_id AND v.family_id = u.family_id AND v.seq > u.seq)
			AND NOT EXISTS (SELECT 1 FROM bank_line bl WHERE bl.cycle_id = u.cycle_id AND bl.family_id = u.family_id
				AND bl.reissue = u.seq AND bl.nomor_rekening = u.nomor_rekening)`, c.ID).Scan(&cl.Pending.Count, &cl.Pending.Amount); err != nil {
		return cl, fmt.Errorf("close cycle %d: re-issues: %w", c.ID, err)
	}
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM bank_report br WHERE br.loaded_at > $2
		AND EXISTS (SELECT 1 FROM bank_line bl WHERE bl.report_id = br.id AND bl.cycle_id = $1)`, c.ID, at).Scan(&cl.LaterReports)
	return cl, err
}
