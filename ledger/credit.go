package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
)

// Credit says what crediting a cycle did.
type Credit struct {
	Cycle    int64  `json:"cycle"`
	Program  string `json:"program"`
	Credited int64  `json:"credited"` // families credited now
	Amount   int64  `json:"amount"`
	Already  int64  `json:"already"` // credited by an earlier run
}

// cycleProgram returns the program definition of a cycle.
func cycleProgram(ctx context.Context, q db.Querier, cycleID int64) (program.Program, error) {
	var def string
	err := q.QueryRow(ctx, `SELECT v.definition FROM cycle c JOIN program_version v ON v.id = c.program_version_id WHERE c.id = $1`, cycleID).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return program.Program{}, tepat.Reasonf(tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN", "siklus %d tidak ditemukan", cycleID)
	}
	if err != nil {
		return program.Program{}, err
	}
	return program.Decode(def)
}

// CreditCycle credits the wallet of every family whose entitlement in the
// cycle's stored reconciliation is PAID, once: a family credited by an
// earlier run is not credited again (the credit's ref is the
// entitlement's reference, unique in the ledger). The program must be a
// wallet program (it names foods). PermLedgerManage; audited as
// ledger.credit. Set-based: a few statements whatever the cycle's size.
func CreditCycle(ctx context.Context, d *db.DB, cycleID int64) (Credit, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerManage); err != nil {
		return Credit{}, err
	}
	res := Credit{Cycle: cycleID}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		p, err := cycleProgram(ctx, tx, cycleID)
		if err != nil {
			return err
		}
		res.Program = p.Code
		if !p.IsWallet() {
			return tepat.Reasonf(tepat.EINVALID, "BUKAN_PROGRAM_DOMPET", "program %s tidak dikreditkan ke dompet pangan", p.Code)
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM reconciliation_run WHERE cycle_id = $1`, cycleID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tepat.Reasonf(tepat.ECONFLICT, "BELUM_REKONSILIASI", "siklus %d belum direkonsiliasi (tepat reconcile --cycle %d)", cycleID, cycleID)
		}
		fund, err := ensureAccount(ctx, tx, "FUND", p.Code, "")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_account (kind, program, family_id)
			SELECT 'WALLET', $2, r.family_id FROM reconciliation r WHERE r.cycle_id = $1 AND r.outcome = 'PAID' AND r.amount > 0
			ON CONFLICT (kind, family_id, program, merchant_id, bank) DO NOTHING`, cycleID, p.Code); err != nil {
			return err
		}
		const fresh = `FROM reconciliation r WHERE r.cycle_id = $1 AND r.outcome = 'PAID' AND r.amount > 0
			AND NOT EXISTS (SELECT 1 FROM ledger_txn t WHERE t.kind = 'CREDIT' AND t.ref = r.reference)`
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(r.amount), 0) `+fresh, cycleID).Scan(&res.Credited, &res.Amount); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM reconciliation r JOIN ledger_txn t ON t.kind = 'CREDIT' AND t.ref = r.reference
			WHERE r.cycle_id = $1 AND r.outcome = 'PAID'`, cycleID).Scan(&res.Already); err != nil {
			return err
		}
		if res.Credited == 0 {
			return nil
		}
		base, err := nextIDs(ctx, tx, "txn", res.Credited)
		if err != nil {
			return err
		}
		at := now()
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_txn (id, kind, ref, amount, at, actor)
			SELECT $2 + ROW_NUMBER() OVER (ORDER BY r.family_id) - 1, 'CREDIT', r.reference, r.amount, $3, $4 `+fresh,
			cycleID, base, at, a.Username); err != nil {
			return err
		}
		end := base + res.Credited
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount)
			SELECT t.id, w.id, t.amount FROM reconciliation r
			JOIN ledger_txn t ON t.kind = 'CREDIT' AND t.ref = r.reference
			JOIN ledger_account w ON w.kind = 'WALLET' AND w.family_id = r.family_id AND w.program = $2 AND w.merchant_id = '' AND w.bank = ''
			WHERE r.cycle_id = $1 AND r.outcome = 'PAID' AND t.id >= $3 AND t.id < $4`, cycleID, p.Code, base, end); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount)
			SELECT id, $3, -amount FROM ledger_txn WHERE id >= $1 AND id < $2`, base, end, fund); err != nil {
			return err
		}
		if err := applyPostings(ctx, tx, base, end); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "ledger.credit", fmt.Sprintf("cycle:%d", cycleID), "",
			fmt.Sprintf("kredit dompet %s siklus %d: %d keluarga, Rp%s", p.Code, cycleID, res.Credited, tepat.Thousands(res.Amount, '.')))
		return err
	})
	return res, err
}

// ensureAccount returns the id of a FUND (program) or SETTLEMENT (bank)
// account, opening it if needed.
func ensureAccount(ctx context.Context, tx *db.Tx, kind, prog, bank string) (int64, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_account (kind, program, bank) VALUES ($1, $2, $3)
		ON CONFLICT (kind, family_id, program, merchant_id, bank) DO NOTHING`, kind, prog, bank); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM ledger_account WHERE kind = $1 AND family_id = 0 AND program = $2 AND merchant_id = '' AND bank = $3`,
		kind, prog, bank).Scan(&id)
	return id, err
}

// applyPostings adds the postings of transactions [from, to) to their
// accounts' balances, in one statement.
func applyPostings(ctx context.Context, tx *db.Tx, from, to int64) error {
	_, err := tx.Exec(ctx, `UPDATE ledger_account SET balance = balance +
		(SELECT SUM(p.amount) FROM ledger_posting p WHERE p.account_id = ledger_account.id AND p.txn_id >= $1 AND p.txn_id < $2)
		WHERE id IN (SELECT account_id FROM ledger_posting WHERE txn_id >= $1 AND txn_id < $2)`, from, to)
	return err
}
