package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
	"tepat/registry"
)

// Outcomes of an entitlement: exactly one each.
const (
	OutcomePaid           = "PAID"            // the effective line is BERHASIL for the entitled amount
	OutcomeFailed         = "FAILED"          // the effective line is GAGAL (its reason is kept)
	OutcomeAmountMismatch = "AMOUNT_MISMATCH" // BERHASIL for another amount
	OutcomeUnreported     = "UNREPORTED"      // exported, no usable line yet
	OutcomeNotExported    = "NOT_EXPORTED"    // no instruction: no account at its bank
)

// Flags of bank lines that match nothing usable, or pay twice.
const (
	FlagUnknownReference = "UNKNOWN_REFERENCE" // no instruction has this reference
	FlagAccountMismatch  = "ACCOUNT_MISMATCH"  // another account than the one exported: not usable
	FlagDuplicate        = "DUPLICATE"         // a BERHASIL line after the first for its reference
)

// Tally counts entitlements or bank lines with their amounts in whole
// rupiah. For outcomes Amount is what was entitled (the outcomes' amounts
// add up to the cycle's) and Credited what the effective lines credited;
// for flagged lines Amount is the lines' amounts and Credited that of
// their BERHASIL ones.
type Tally struct {
	Count    int64 `json:"count"`
	Amount   int64 `json:"amount"`
	Credited int64 `json:"credited"`
}

func (t *Tally) add(count, amount, credited int64) {
	t.Count += count
	t.Amount += amount
	t.Credited += credited
}

// Outcomes tallies a cycle's entitlements by outcome.
type Outcomes struct {
	Paid           Tally `json:"PAID"`
	Failed         Tally `json:"FAILED"`
	AmountMismatch Tally `json:"AMOUNT_MISMATCH"`
	Unreported     Tally `json:"UNREPORTED"`
	NotExported    Tally `json:"NOT_EXPORTED"`
}

func (o *Outcomes) of(outcome string) *Tally {
	switch outcome {
	case OutcomePaid:
		return &o.Paid
	case OutcomeFailed:
		return &o.Failed
	case OutcomeAmountMismatch:
		return &o.AmountMismatch
	case OutcomeUnreported:
		return &o.Unreported
	case OutcomeNotExported:
		return &o.NotExported
	}
	return nil
}

// Flags tallies a cycle's flagged bank lines.
type Flags struct {
	UnknownReference Tally `json:"UNKNOWN_REFERENCE"`
	Duplicate        Tally `json:"DUPLICATE"`
	AccountMismatch  Tally `json:"ACCOUNT_MISMATCH"`
}

func (f *Flags) of(flag string) *Tally {
	switch flag {
	case FlagUnknownReference:
		return &f.UnknownReference
	case FlagDuplicate:
		return &f.Duplicate
	case FlagAccountMismatch:
		return &f.AccountMismatch
	}
	return nil
}

// Reconciliation is a cycle's reconciliation within the actor's scope:
// Entitlements and Amount are the scope's entitled families and money, and
// the outcomes add up to them.
type Reconciliation struct {
	Cycle        int64     `json:"cycle"`
	Scope        string    `json:"scope"`
	Entitlements int64     `json:"entitlements"`
	Amount       int64     `json:"amount"`
	Outcomes     Outcomes  `json:"outcomes"`
	BankLines    Flags     `json:"bank_lines"`
	Stored       bool      `json:"stored"` // the cycle's stored outcomes were replaced by these
	ReconciledAt time.Time `json:"reconciled_at"`
}

// ExceptionsHeader names the columns of a reconciliation's exceptions:
// one line per entitlement not PAID, then one per flagged bank line.
// finding is the outcome or the flag; report_id and line point at the
// bank line (the effective one, for an outcome).
var ExceptionsHeader = []string{"reference", "no_kk", "kode_wilayah", "bank", "finding", "entitled", "credited", "reason",
	"nomor_rekening", "report_id", "line"}

// ExceptionsName returns the base name of a cycle's exceptions files,
// "<cycle>-rekonsiliasi", written as .csv and .xlsx.
func ExceptionsName(cycleID int64) string {
	return strconv.FormatInt(cycleID, 10) + "-rekonsiliasi"
}

// Reconcile gives each entitlement (not reserve) of a DISBURSING or CLOSED
// cycle one outcome from the banks' reports and flags the bank lines that
// match nothing usable (PermPayoutReconcile). For each reference the lines
// on the exported account are usable, and the latest usable one (by report,
// then line) is effective: a later report supersedes an earlier one. An
// entitlement whose payment was re-issued (Reissue) follows its latest
// instruction: only lines answering that one count for its outcome, whose
// bank and account are that instruction's; a second credited line for
// one entitlement, on any of its instructions, is a DUPLICATE.
//
// The actor's scope limits it: a dinsos user gets the entitlements of their
// region and the lines of those families, a bank user the payouts and
// lines of their bank; pusat and auditor the whole cycle. The counts and
// amounts of the outcomes are checked against the entitlements before
// anything is returned (JUMLAH_TIDAK_COCOK otherwise).
//
// A pusat run (PermPayoutManage) stores the outcomes, replacing the
// cycle's previous ones in the same transaction (audited as
// payout.reconcile); others change nothing. With a sink, the exceptions
// are written as ExceptionsName(cycle)+".csv" and ".xlsx" and audited as
// data.export; KK numbers are in full for actors with PermExport, masked
// for others. It is set-based SQL: a few passes over the entitlements and
// the cycle's bank lines, in one snapshot; nothing is held in memory.
func Reconcile(ctx context.Context, d *db.DB, cycleID int64, sink Sink) (Reconciliation, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermPayoutReconcile); err != nil {
		return Reconciliation{}, err
	}
	rc := &reconciler{a: a, store: auth.Can(a, auth.PermPayoutManage)}
	res := Reconciliation{Cycle: cycleID, Scope: a.ScopeString(), Stored: rc.store,
		ReconciledAt: time.Now().UTC().Truncate(time.Microsecond)}
	var written int64
	var wrote bool
	err := d.InSnapshotTx(ctx, func(tx *db.Tx) error {
		c, err := readCycle(ctx, tx, cycleID, false)
		if err != nil {
			return err
		}
		if err := needState(c, "rekonsiliasi", program.StateDisbursing, program.StateClosed); err != nil {
			return err
		}
		rc.c, rc.tx = c, tx
		if err := rc.scope(); err != nil {
			return err
		}
		if err := rc.effective(ctx); err != nil {
			return err
		}
		if err := rc.expected(ctx, &res); err != nil {
			return err
		}
		if err := rc.outcomes(ctx, &res); err != nil {
			return err
		}
		if sink == nil {
			err = rc.flags(ctx, &res, nil)
		} else {
			wrote = true
			written, err = rc.exceptions(ctx, &res, sink)
		}
		if err == nil && rc.store {
			err = rc.record(ctx, res)
		}
		if err != nil {
			return err
		}
		// The scratch tables go with the transaction's work, so that a
		// pooled connection does not keep a cycle's lines.
		if _, err := tx.Exec(ctx, `DROP TABLE recon_effective`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DROP TABLE recon_reissue`)
		return err
	})
	if wrote {
		summary := fmt.Sprintf("pengecualian rekonsiliasi siklus %d (%s): %d baris", cycleID, res.Scope, written)
		if err != nil {
			summary = fmt.Sprintf("pengecualian rekonsiliasi siklus %d (%s) terputus setelah %d baris", cycleID, res.Scope, written)
		}
		err = auditExport(ctx, d, fmt.Sprintf("cycle:%d", cycleID), summary, err)
	}
	if err != nil {
		return Reconciliation{}, err
	}
	return res, nil
}

// reconciler holds one reconciliation's cycle, transaction and scope.
type reconciler struct {
	a     *tepat.Actor
	store bool
	c     cycle
	tx    *db.Tx
	// The scope as conditions: region on entitlements e, bank on their
	// latest instruction (payout p or re-issue u) and on the reports r of
	// bank lines; args from $2.
	region, bank, lines string
	args                []any
}

func (rc *reconciler) scope() error {
	region, args, err := registry.ScopeFilter(rc.a, "e.village", "", 2)
	if err != nil {
		return err
	}
	rc.region, rc.bank, rc.lines, rc.args = region, "TRUE", "TRUE", args
	if rc.a.Bank != "" {
		n := len(args) + 2
		rc.bank = fmt.Sprintf("COALESCE(u.bank, p.bank) = $%d", n)
		rc.lines = fmt.Sprintf("r.bank = $%d", n)
		rc.args = append(rc.args, rc.a.Bank)
	}
	return nil
}

// where limits entitlements e joined with their payouts p and latest
// re-issues u (recon_reissue) to the scope.
func (rc *reconciler) where() string { return rc.region + " AND " + rc.bank }

// argv returns the cycle id followed by the scope's arguments.
func (rc *reconciler) argv() []any {
	return append([]any{rc.c.ID}, rc.args...)
}

// national reports whether the reconciliation covers the whole cycle.
func (rc *reconciler) national() bool { return rc.a.National() && rc.a.Bank == "" }

// expected fills the entitlements and amount the outcomes must add up to:
// the cycle's totals, or those of the scope counted on their own.
func (rc *reconciler) expected(ctx context.Context, res *Reconciliation) error {
	if rc.national() {
		res.Entitlements, res.Amount = rc.c.Families, rc.c.Amount
		return nil
	}
	return rc.tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(e.amount), 0) FROM entitlement e
		LEFT JOIN payout p ON p.cycle_id = e.cycle_id AND p.family_id = e.family_id
		LEFT JOIN recon_reissue u ON u.family_id = e.family_id
		WHERE e.cycle_id = $1 AND e.reserve = 0 AND `+rc.where(), rc.argv()...).Scan(&res.Entitlements, &res.Amount)
}

// effective fills the scratch table recon_effective with each payout's
// effective bank line: the latest on the exported account. The window
// reads the cycle's lines in the order of their index, so it needs no
// sort, and the table's key makes the join with the entitlements an index
// probe on both engines. An entitlement whose payment was re-issued
// follows its latest instruction instead (reissued).
func (rc *reconciler) effective(ctx context.Context) error {
	for _, q := range []string{
		`DROP TABLE IF EXISTS recon_effective`,
		`CREATE TEMP TABLE recon_effective (family_id BIGINT PRIMARY KEY, report_id BIGINT NOT NULL, line BIGINT NOT NULL,
			amount BIGINT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL)`,
	} {
		if _, err := rc.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("reconcile cycle %d: %w", rc.c.ID, err)
		}
	}
	if _, err := rc.tx.Exec(ctx, `INSERT INTO recon_effective (family_id, report_id, line, amount, status, reason)
		SELECT family_id, report_id, line, amount, status, reason FROM (
			SELECT bl.family_id, bl.report_id, bl.line, bl.amount, bl.status, bl.reason,
				LEAD(bl.line) OVER (PARTITION BY bl.family_id ORDER BY bl.report_id, bl.line) AS later
			FROM bank_line bl
			JOIN payout q ON q.cycle_id = bl.cycle_id AND q.family_id = bl.family_id AND q.nomor_rekening = bl.nomor_rekening
			WHERE bl.cycle_id = $1 AND bl.reissue = 0
		) w WHERE later IS NULL`, rc.c.ID); err != nil {
		return fmt.Errorf("reconcile cycle %d: effective lines: %w", rc.c.ID, err)
	}
	if err := rc.reissued(ctx); err != nil {
		return err
	}
	if rc.tx.Engine() == db.Postgres {
		// Without statistics the planner guesses the scratch table's size.
		for _, t := range []string{`ANALYZE recon_effective`, `ANALYZE recon_reissue`} {
			if _, err := rc.tx.Exec(ctx, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// outcomeQuery selects one outcome per entitlement of cycle $1 in scope,
// once effective has run. Bank and account are those of the latest
// instruction. Cash paid through offline EDC terminals (offline_paid,
// never exported to a bank: a reserved family is skipped by the export)
// counts first, with reason OFFLINE.
func (rc *reconciler) outcomeQuery() string {
	return `SELECT e.cycle_id, e.family_id, e.no_kk, e.village, COALESCE(u.bank, p.bank, '') AS bank,
			COALESCE(u.nomor_rekening, p.nomor_rekening, '') AS nomor_rekening, e.amount,
			CASE WHEN o.family_id IS NOT NULL AND o.amount = e.amount THEN 'PAID'
				WHEN o.family_id IS NOT NULL THEN 'AMOUNT_MISMATCH'
				WHEN p.family_id IS NULL THEN 'NOT_EXPORTED'
				WHEN f.family_id IS NULL THEN 'UNREPORTED'
				WHEN f.status = 'GAGAL' THEN 'FAILED'
				WHEN f.amount = e.amount THEN 'PAID'
				ELSE 'AMOUNT_MISMATCH' END AS outcome,
			CASE WHEN o.family_id IS NOT NULL THEN o.amount WHEN f.status = 'BERHASIL' THEN f.amount ELSE 0 END AS credited,
			CASE WHEN o.family_id IS NOT NULL THEN 'OFFLINE' ELSE COALESCE(f.reason, '') END AS reason, f.report_id, f.line
		FROM entitlement e
		LEFT JOIN offline_paid o ON o.cycle_id = e.cycle_id AND o.family_id = e.family_id
		LEFT JOIN payout p ON p.cycle_id = e.cycle_id AND p.family_id = e.family_id
		LEFT JOIN recon_reissue u ON u.family_id = e.family_id
		LEFT JOIN recon_effective f ON f.family_id = e.family_id
		WHERE e.cycle_id = $1 AND e.reserve = 0 AND ` + rc.where()
}

// outcomeOrder lists the outcomes in the order of tallySQL's columns.
var outcomeOrder = []string{OutcomePaid, OutcomeFailed, OutcomeAmountMismatch, OutcomeUnreported, OutcomeNotExported}

// tallySQL sums count, amount and credited of each outcome of the rows of
// from in one pass: conditional sums need no sort, where GROUP BY would
// sort every entitlement.
func tallySQL(from string) string {
	var cols []string
	for _, o := range outcomeOrder {
		for _, v := range []string{"1", "amount", "credited"} {
			cols = append(cols, fmt.Sprintf("COALESCE(SUM(CASE WHEN outcome = '%s' THEN %s ELSE 0 END), 0)", o, v))
		}
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + from
}

// outcomes tallies the outcomes (stored first, for a pusat run) and checks
// them against the expected totals.
func (rc *reconciler) outcomes(ctx context.Context, res *Reconciliation) error {
	tally := tallySQL(`(` + rc.outcomeQuery() + `) o`)
	args := rc.argv()
	if rc.store {
		if _, err := rc.tx.Exec(ctx, `DELETE FROM reconciliation WHERE cycle_id = $1`, rc.c.ID); err != nil {
			return err
		}
		n := len(args) + 1
		if _, err := rc.tx.Exec(ctx, `INSERT INTO reconciliation (cycle_id, family_id, reference, village, bank, outcome, amount, credited, reason,
				report_id, line, reconciled_at)
			SELECT o.cycle_id, o.family_id, CAST(o.cycle_id AS TEXT) || '-' || CAST(o.family_id AS TEXT), o.village, o.bank, o.outcome,
				o.amount, o.credited, o.reason, o.report_id, o.line, `+db.TimeParam(rc.tx.Engine(), n)+`
			FROM (`+rc.outcomeQuery()+`) o`, append(args, res.ReconciledAt)...); err != nil {
			return fmt.Errorf("reconcile cycle %d: %w", rc.c.ID, err)
		}
		tally, args = tallySQL(`reconciliation WHERE cycle_id = $1`), args[:1]
	}
	vals := make([]int64, 3*len(outcomeOrder))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := rc.tx.QueryRow(ctx, tally, args...).Scan(dest...); err != nil {
		return fmt.Errorf("reconcile cycle %d: %w", rc.c.ID, err)
	}
	var sum Tally
	for i, o := range outcomeOrder {
		n, amount, credited := vals[3*i], vals[3*i+1], vals[3*i+2]
		res.Outcomes.of(o).add(n, amount, credited)
		sum.add(n, amount, credited)
	}
	// Every entitlement has exactly one outcome, so the parts must add up
	// to the whole; anything else is a fault here, not in the data.
	if sum.Count != res.Entitlements || sum.Amount != res.Amount {
		return tepat.Reasonf(tepat.EINTERNAL, "JUMLAH_TIDAK_COCOK",
			"rekonsiliasi siklus %d tidak cocok: hasil %d keluarga Rp%s, hak %d keluarga Rp%s",
			rc.c.ID, sum.Count, program.Rupiah(sum.Amount), res.Entitlements, program.Rupiah(res.Amount))
	}
	return nil
}

// flagged is one exception: an entitlement not PAID, or a flagged line.
type flagged struct {
	familyID, village, kk    int64 // 0 when unknown
	reference, bank, finding string
	entitled                 *int64
	credited                 int64
	reason, rekening         string
	reportID, line           *int64
}

// flags tallies the flagged bank lines of the cycle in scope and hands
// each to fn, if not nil, by family, report and line. A line is usable on
// the account of the instruction it answers (original p or re-issue u).
// The running count of usable BERHASIL lines per entitlement, across its
// instructions, finds the duplicates.
func (rc *reconciler) flags(ctx context.Context, res *Reconciliation, fn func(flagged) error) error {
	rows, err := rc.tx.Query(ctx, `SELECT x.family_id, x.reference, x.bank, x.flag, x.amount, x.status, x.reason, x.nomor_rekening,
			x.report_id, x.line, COALESCE(e.no_kk, 0), COALESCE(e.village, 0), e.amount
		FROM (
			SELECT bl.cycle_id, bl.family_id, bl.reference, r.bank, bl.amount, bl.status, bl.reason, bl.nomor_rekening, bl.report_id, bl.line,
				CASE WHEN p.family_id IS NULL AND u.family_id IS NULL THEN 'UNKNOWN_REFERENCE'
					WHEN COALESCE(p.nomor_rekening, u.nomor_rekening) <> bl.nomor_rekening THEN 'ACCOUNT_MISMATCH'
					WHEN bl.status = 'BERHASIL' AND SUM(CASE WHEN bl.status = 'BERHASIL' AND COALESCE(p.nomor_rekening, u.nomor_rekening) = bl.nomor_rekening THEN 1 ELSE 0 END)
						OVER (PARTITION BY bl.family_id ORDER BY bl.report_id, bl.line ROWS UNBOUNDED PRECEDING) > 1 THEN 'DUPLICATE'
					ELSE '' END AS flag
			FROM bank_line bl
			JOIN bank_report r ON r.id = bl.report_id
			LEFT JOIN payout p ON p.cycle_id = bl.cycle_id AND p.family_id = bl.family_id AND bl.reissue = 0
			LEFT JOIN payout_reissue u ON u.cycle_id = bl.cycle_id AND u.family_id = bl.family_id AND u.seq = bl.reissue
			WHERE bl.cycle_id = $1 AND `+rc.lines+`
		) x
		LEFT JOIN entitlement e ON e.cycle_id = x.cycle_id AND e.family_id = x.family_id AND e.reserve = 0
		WHERE x.flag <> '' AND `+rc.region+`
		ORDER BY x.family_id, x.report_id, x.line`, rc.argv()...)
	if err != nil {
		return fmt.Errorf("reconcile cycle %d: lines: %w", rc.c.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f flagged
		var amount, reportID, line int64
		var status string
		if err := rows.Scan(&f.familyID, &f.reference, &f.bank, &f.finding, &amount, &status, &f.reason, &f.rekening,
			&reportID, &line, &f.kk, &f.village, &f.entitled); err != nil {
			return err
		}
		if status == StatusCredited {
			f.credited = amount
		}
		f.reportID, f.line = &reportID, &line
		res.BankLines.of(f.finding).add(1, amount, f.credited)
		if fn != nil {
			if err := fn(f); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// record stores the run's totals (the outcomes were stored by outcomes)
// and audits it.
func (rc *reconciler) record(ctx context.Context, res Reconciliation) error {
	summary, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if _, err := rc.tx.Exec(ctx, `INSERT INTO reconciliation_run (cycle_id, entitlements, amount, paid, paid_amount, summary, reconciled_by, reconciled_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (cycle_id) DO UPDATE SET entitlements = excluded.entitlements, amount = excluded.amount, paid = excluded.paid,
			paid_amount = excluded.paid_amount, summary = excluded.summary, reconciled_by = excluded.reconciled_by,
			reconciled_at = excluded.reconciled_at`,
		rc.c.ID, res.Entitlements, res.Amount, res.Outcomes.Paid.Count, res.Outcomes.Paid.Amount, string(summary),
		rc.a.Username, res.ReconciledAt); err != nil {
		return err
	}
	o, f := res.Outcomes, res.BankLines
	_, err = audit.Record(ctx, rc.tx, "payout.reconcile", fmt.Sprintf("cycle:%d", rc.c.ID), "",
		fmt.Sprintf("rekonsiliasi siklus %d: %d dibayar Rp%s, %d gagal, %d selisih jumlah, %d belum dilaporkan, %d tidak diekspor; "+
			"baris bank: %d referensi tidak dikenal, %d ganda, %d rekening lain",
			rc.c.ID, o.Paid.Count, program.Rupiah(o.Paid.Amount), o.Failed.Count, o.AmountMismatch.Count, o.Unreported.Count,
			o.NotExported.Count, f.UnknownReference.Count, f.Duplicate.Count, f.AccountMismatch.Count))
	return err
}

// Realized returns the money credited to families of a program and year:
// the entitled amounts of the PAID outcomes in the latest stored
// reconciliation of each of its cycles, in whole rupiah (PermStatsRead).
func Realized(ctx context.Context, q db.Querier, program string, year int) (int64, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return 0, err
	}
	var n int64
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(r.paid_amount), 0) FROM reconciliation_run r JOIN cycle c ON c.id = r.cycle_id
		WHERE c.program = $1 AND c.year = $2`, program, year).Scan(&n)
	return n, err
}

// Budgets is program.Budgets with each budget's realized amount filled in
// from the latest reconciliations (Realized): what the budget page and
// `tepat budget list` show.
func Budgets(ctx context.Context, d *db.DB, code string, year int) ([]program.Budget, error) {
	bs, err := program.Budgets(ctx, d, code, year)
	if err != nil {
		return nil, err
	}
	for i := range bs {
		if bs[i].Realized, err = Realized(ctx, d, bs[i].Program, bs[i].Year); err != nil {
			return nil, err
		}
	}
	return bs, nil
}
