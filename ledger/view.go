package ledger

import (
	"context"
	"encoding/json"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/terminal"
)

// Sale is an accepted purchase or void as a merchant's pages show it.
type Sale struct {
	ID       int64           `json:"id"`
	Kind     string          `json:"kind"`
	Terminal string          `json:"terminal"`
	Tx       string          `json:"tx"`
	Merchant string          `json:"merchant"`
	Card     string          `json:"card"` // masked
	Program  string          `json:"program"`
	Items    []terminal.Item `json:"items"`
	Total    int64           `json:"total"`
	At       time.Time       `json:"at"`
	Day      int             `json:"day"`
	VoidOf   string          `json:"void_of,omitempty"`
	Voided   bool            `json:"voided"`
}

// Sales lists the latest accepted purchases and voids of merchants in the
// actor's scope (PermLedgerRead), of one merchant when given, of one day
// when day > 0; newest first, at most limit (≤ 1000).
func Sales(ctx context.Context, d *db.DB, merchantID string, day, limit int) ([]Sale, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	cond, args := merchantScope(a, 4)
	return collect(ctx, d, func(scan func(...any) error) (Sale, error) {
		var s Sale
		var items string
		if err := scan(&s.ID, &s.Kind, &s.Terminal, &s.Tx, &s.Merchant, &s.Card, &s.Program, &items, &s.Total, &s.At, &s.Day, &s.VoidOf, &s.Voided); err != nil {
			return s, err
		}
		s.Card = terminal.MaskCard(s.Card)
		s.At = s.At.UTC()
		return s, json.Unmarshal([]byte(items), &s.Items)
	}, `SELECT p.id, p.kind, p.terminal_id, p.tx, p.merchant_id, p.card, p.program, p.items, p.total, p.at, p.day, p.void_of, p.voided
		FROM purchase p JOIN merchant m ON m.id = p.merchant_id
		WHERE (p.merchant_id = $1 OR $1 = '') AND (p.day = $2 OR $2 = 0) AND `+cond+` ORDER BY p.id DESC LIMIT $3`,
		append([]any{merchantID, day, limit}, args...)...)
}

// DaySales is a day's sales of the merchants in a scope.
type DaySales struct {
	Day        int   `json:"day"`
	Purchases  int64 `json:"purchases"`
	Amount     int64 `json:"amount"`
	Voids      int64 `json:"voids"`
	VoidAmount int64 `json:"void_amount"`
	Flags      int64 `json:"price_flags"`
	Settled    bool  `json:"settled"`
}

// SalesByDay sums the sales of the merchants in the actor's scope
// (PermLedgerRead) per day, newest first, for the last days days that have
// any; of one merchant when given.
func SalesByDay(ctx context.Context, d *db.DB, merchantID string, days int) ([]DaySales, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	if days <= 0 || days > 366 {
		days = 31
	}
	cond, args := merchantScope(a, 3)
	return collect(ctx, d, func(scan func(...any) error) (DaySales, error) {
		var s DaySales
		var settled int
		err := scan(&s.Day, &s.Purchases, &s.Amount, &s.Voids, &s.VoidAmount, &s.Flags, &settled)
		s.Settled = settled == 1
		return s, err
	}, `SELECT p.day,
			SUM(CASE WHEN p.kind = 'PURCHASE' THEN 1 ELSE 0 END), SUM(CASE WHEN p.kind = 'PURCHASE' THEN p.total ELSE 0 END),
			SUM(CASE WHEN p.kind = 'VOID' THEN 1 ELSE 0 END), SUM(CASE WHEN p.kind = 'VOID' THEN p.total ELSE 0 END),
			(SELECT COUNT(*) FROM price_flag f JOIN merchant m ON m.id = f.merchant_id WHERE f.day = p.day AND (f.merchant_id = $1 OR $1 = '') AND `+cond+`),
			MIN(CASE WHEN EXISTS (SELECT 1 FROM settlement s WHERE s.day = p.day AND s.merchant_id = p.merchant_id) THEN 1 ELSE 0 END)
		FROM purchase p JOIN merchant m ON m.id = p.merchant_id
		WHERE (p.merchant_id = $1 OR $1 = '') AND `+cond+` GROUP BY p.day ORDER BY p.day DESC LIMIT $2`,
		append([]any{merchantID, days}, args...)...)
}

// Wallet is a family's food wallet for one program.
type Wallet struct {
	Program string `json:"program"`
	Balance int64  `json:"balance"`
	Credits int64  `json:"credits"` // credited in all
	Spent   int64  `json:"spent"`   // purchases minus voids
	Expired int64  `json:"expired"` // returned to the fund
}

// FamilyWallets returns a family's wallets. The caller has already
// checked that the actor may read the family (registry scope).
func FamilyWallets(ctx context.Context, d *db.DB, familyID int64) ([]Wallet, error) {
	a := tepat.ActorFrom(ctx)
	if !auth.Can(a, auth.PermRegistryRead) && !auth.Can(a, auth.PermLedgerRead) {
		return nil, auth.Require(a, auth.PermRegistryRead)
	}
	return collect(ctx, d, func(scan func(...any) error) (Wallet, error) {
		var w Wallet
		err := scan(&w.Program, &w.Balance, &w.Credits, &w.Spent, &w.Expired)
		return w, err
	}, `SELECT w.program, w.balance,
			COALESCE(SUM(CASE WHEN t.kind = 'CREDIT' THEN p.amount ELSE 0 END), 0),
			COALESCE(-SUM(CASE WHEN t.kind IN ('PURCHASE', 'VOID') THEN p.amount ELSE 0 END), 0),
			COALESCE(-SUM(CASE WHEN t.kind = 'EXPIRE' THEN p.amount ELSE 0 END), 0)
		FROM ledger_account w LEFT JOIN ledger_posting p ON p.account_id = w.id LEFT JOIN ledger_txn t ON t.id = p.txn_id
		WHERE w.kind = 'WALLET' AND w.family_id = $1 GROUP BY w.id, w.program, w.balance ORDER BY w.program`, familyID)
}

// Overview sums the ledger per account kind and program or bank: what the
// funds paid out, what wallets hold, what merchants are owed, what banks
// settled. Aggregates only (PermStatsRead).
type Overview struct {
	Kind     string `json:"kind"`
	Key      string `json:"key"` // program or bank
	Accounts int64  `json:"accounts"`
	Balance  int64  `json:"balance"`
}

// Overviews returns the ledger's overview rows by kind and key.
func Overviews(ctx context.Context, d *db.DB) ([]Overview, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	return collect(ctx, d, func(scan func(...any) error) (Overview, error) {
		var o Overview
		err := scan(&o.Kind, &o.Key, &o.Accounts, &o.Balance)
		return o, err
	}, `SELECT kind, program || bank, COUNT(*), SUM(balance) FROM ledger_account
		GROUP BY kind, program || bank ORDER BY kind, program || bank`)
}

// FundedCards lists up to limit active, unblocked card numbers whose
// wallet for prog holds at least min, for preparing a load test or a
// terminal demo. Full card numbers: PermLedgerManage.
func FundedCards(ctx context.Context, d *db.DB, prog string, min int64, limit int) ([]string, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermLedgerManage); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT a.nomor_kartu FROM ledger_account w
		JOIN account a ON a.family_id = w.family_id AND a.status = 'AKTIF'
		WHERE w.kind = 'WALLET' AND w.program = $1 AND w.balance >= $2
		AND NOT EXISTS (SELECT 1 FROM card_block b WHERE b.nomor_kartu = a.nomor_kartu)
		ORDER BY w.id LIMIT $3`, prog, min, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
