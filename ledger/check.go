package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

// Report is the result of Check: what is broken, by invariant, with up to
// ten examples each. OK is true when nothing is.
type Report struct {
	OK           bool     `json:"ok"`
	Accounts     int64    `json:"accounts"`
	Transactions int64    `json:"transactions"`
	Postings     int64    `json:"postings"`
	Unbalanced   []string `json:"unbalanced,omitempty"` // transactions whose postings do not sum to zero
	Negative     []string `json:"negative_wallets,omitempty"`
	Mismatched   []string `json:"mismatched_balances,omitempty"` // balance ≠ sum of postings
	Purchases    []string `json:"purchases,omitempty"`           // a purchase or void without its ledger transaction of the same amount
	Total        int64    `json:"total"`                         // sum of all balances: zero
}

// Problems lists what is broken, for people.
func (r Report) Problems() []string {
	var out []string
	add := func(what string, ex []string) {
		if len(ex) > 0 {
			out = append(out, what+": "+strings.Join(ex, ", "))
		}
	}
	add("transaksi tidak seimbang", r.Unbalanced)
	add("dompet bersaldo negatif", r.Negative)
	add("saldo tidak sama dengan jumlah posting", r.Mismatched)
	add("transaksi terminal tanpa transaksi buku besar yang sesuai", r.Purchases)
	if r.Total != 0 {
		out = append(out, fmt.Sprintf("jumlah semua saldo %d, seharusnya 0", r.Total))
	}
	return out
}

// Check verifies every invariant of the ledger: each transaction's
// postings sum to zero (and it has some), no wallet is below zero, every
// account's balance equals the sum of its postings, every accepted
// purchase and void has its ledger transaction of the same amount, and all
// balances sum to zero. PermLedgerRead with national scope, in one
// consistent snapshot; set-based (a few passes over the postings).
func Check(ctx context.Context, d *db.DB) (Report, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return Report{}, err
	}
	if !a.National() || a.Bank != "" || a.Role == tepat.RoleEWarong {
		return Report{}, tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BERWENANG", "pemeriksaan buku besar butuh lingkup nasional")
	}
	var r Report
	err := d.InSnapshotTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM ledger_account), (SELECT COUNT(*) FROM ledger_txn),
			(SELECT COUNT(*) FROM ledger_posting), (SELECT COALESCE(SUM(balance), 0) FROM ledger_account)`).
			Scan(&r.Accounts, &r.Transactions, &r.Postings, &r.Total); err != nil {
			return err
		}
		list := func(dst *[]string, q string) error {
			found, err := collect(ctx, tx, scanString, q+` LIMIT 10`)
			*dst = append(*dst, found...)
			return err
		}
		if err := list(&r.Unbalanced, `SELECT 'txn ' || CAST(t.id AS TEXT) || ' (' || t.kind || ', selisih ' || CAST(COALESCE(s.sum, 0) AS TEXT) || ')'
			FROM ledger_txn t LEFT JOIN (SELECT txn_id, SUM(amount) AS sum, COUNT(*) AS n FROM ledger_posting GROUP BY txn_id) s ON s.txn_id = t.id
			WHERE s.txn_id IS NULL OR s.sum <> 0 ORDER BY t.id`); err != nil {
			return err
		}
		if err := list(&r.Unbalanced, `SELECT 'posting tanpa transaksi ' || CAST(p.txn_id AS TEXT) FROM ledger_posting p
			WHERE NOT EXISTS (SELECT 1 FROM ledger_txn t WHERE t.id = p.txn_id) ORDER BY p.txn_id`); err != nil {
			return err
		}
		if err := list(&r.Negative, `SELECT 'akun ' || CAST(id AS TEXT) || ' (' || CAST(balance AS TEXT) || ')' FROM ledger_account
			WHERE kind = 'WALLET' AND balance < 0 ORDER BY id`); err != nil {
			return err
		}
		if err := list(&r.Mismatched, `SELECT 'akun ' || CAST(a.id AS TEXT) || ' (' || a.kind || ': saldo ' || CAST(a.balance AS TEXT) || ', posting ' || CAST(COALESCE(s.sum, 0) AS TEXT) || ')'
			FROM ledger_account a LEFT JOIN (SELECT account_id, SUM(amount) AS sum FROM ledger_posting GROUP BY account_id) s ON s.account_id = a.id
			WHERE a.balance <> COALESCE(s.sum, 0) ORDER BY a.id`); err != nil {
			return err
		}
		return list(&r.Purchases, `SELECT 'transaksi terminal ' || CAST(p.id AS TEXT) FROM purchase p
			LEFT JOIN ledger_txn t ON t.id = p.id AND t.kind = p.kind AND t.amount = p.total
			WHERE t.id IS NULL ORDER BY p.id`)
	})
	if err != nil {
		return Report{}, err
	}
	r.OK = len(r.Problems()) == 0
	return r, nil
}

// Expired says what an expiry run did.
type Expired struct {
	Program string `json:"program"`
	AsOf    string `json:"as_of"`
	Wallets int64  `json:"wallets"`
	Amount  int64  `json:"amount"`
}

// Expire returns to the program's fund the part of each wallet's balance
// that was credited more than months months before asOf and is still
// unspent (spending uses the oldest credit first, so that part is the
// balance minus what was credited since). Unspent balance otherwise
// carries over month to month; months 0 means it never expires. Once per
// wallet and day: a rerun for the same day changes nothing.
// PermLedgerManage; audited as ledger.expire.
func Expire(ctx context.Context, d *db.DB, prog string, months int, asOf time.Time) (Expired, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerManage); err != nil {
		return Expired{}, err
	}
	res := Expired{Program: prog, AsOf: asOf.UTC().Format("2006-01-02")}
	if months <= 0 {
		return res, nil
	}
	cutoff := asOf.UTC().AddDate(0, -months, 0)
	tag := "expire:" + res.AsOf + ":"
	err := d.InTx(ctx, func(tx *db.Tx) error {
		fund, err := ensureAccount(ctx, tx, "FUND", prog, "")
		if err != nil {
			return err
		}
		// Scratch rows: wallet, amount to expire.
		const amount = `w.balance - COALESCE((SELECT SUM(p.amount) FROM ledger_posting p JOIN ledger_txn t ON t.id = p.txn_id
				WHERE p.account_id = w.id AND t.kind = 'CREDIT' AND t.at >= $2), 0)`
		const due = `FROM ledger_account w
			WHERE w.kind = 'WALLET' AND w.program = $1 AND w.balance > 0
			AND ` + amount + ` > 0
			AND NOT EXISTS (SELECT 1 FROM ledger_txn x WHERE x.kind = 'EXPIRE' AND x.ref = $3 || CAST(w.id AS TEXT))`
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(`+amount+`), 0) `+due, prog, cutoff, tag).Scan(&res.Wallets, &res.Amount); err != nil {
			return err
		}
		if res.Wallets == 0 {
			return nil
		}
		base, err := nextIDs(ctx, tx, "txn", res.Wallets)
		if err != nil {
			return err
		}
		end := base + res.Wallets
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_txn (id, kind, ref, amount, at, actor)
			SELECT $4 + ROW_NUMBER() OVER (ORDER BY w.id) - 1, 'EXPIRE', $3 || CAST(w.id AS TEXT), `+amount+`, $5, $6 `+due,
			prog, cutoff, tag, base, now(), a.Username); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount)
			SELECT t.id, CAST(SUBSTR(t.ref, LENGTH($3) + 1) AS BIGINT), -t.amount FROM ledger_txn t WHERE t.id >= $1 AND t.id < $2
			UNION ALL SELECT t.id, $4, t.amount FROM ledger_txn t WHERE t.id >= $1 AND t.id < $2`, base, end, tag, fund); err != nil {
			return err
		}
		if err := applyPostings(ctx, tx, base, end); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "ledger.expire", "program:"+prog, "",
			fmt.Sprintf("saldo %s kedaluwarsa per %s (lebih dari %d bulan): %d dompet, Rp%s", prog, res.AsOf, months, res.Wallets, tepat.Thousands(res.Amount, '.')))
		return err
	})
	return res, err
}

// serverKeySetting names the server's receipt and manifest signing key
// in settings.
const serverKeySetting = "edc.server_key"

// ServerKey returns the server's Ed25519 signing key, generating and
// storing it on first use. The key lives in the database (settings), so
// every server process on one database signs with the same key; who can
// read the database can sign receipts (docs/terminal-protocol.md).
func ServerKey(ctx context.Context, d *db.DB) (ed25519.PrivateKey, error) {
	var v string
	err := d.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, serverKeySetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
			serverKeySetting, base64.StdEncoding.EncodeToString(seed), now()); err != nil {
			return nil, err
		}
		err = d.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, serverKeySetting).Scan(&v)
	}
	if err != nil {
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ledger: stored server key is not a valid Ed25519 seed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
