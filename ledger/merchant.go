// Package ledger holds e-Warong merchants and their EDC terminals, the
// double-entry ledger behind the families' food wallets (credits from
// reconciled cycles, purchases and voids from terminals, expiry,
// settlement), reference prices (tepat harga) and the ledger's invariant
// check. Amounts are whole rupiah. docs/ewarong.md describes it;
// docs/terminal-protocol.md the terminal side.
package ledger

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
	"tepat/terminal"
)

// Merchant types.
const (
	TypeEWarong = "EWARONG" // e-Warong KUBE or shop
	TypeRPK     = "RPK"     // Rumah Pangan Kita, Bulog's outlet
	TypeAgen    = "AGEN"    // bank agent
)

// Statuses of merchants and terminals.
const (
	StatusActive   = "AKTIF"
	StatusDisabled = "NONAKTIF"
	StatusRevoked  = "DICABUT"
)

// Banks are the Himbara banks a merchant settles with.
var Banks = auth.Banks

// Merchant is an e-Warong outlet where families spend their food wallets.
type Merchant struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Village    string     `json:"village"`
	Bank       string     `json:"bank"`
	Status     string     `json:"status"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	Balance    int64      `json:"balance"` // owed to the merchant, not yet settled
}

// NewMerchant is the input of AddMerchant.
type NewMerchant struct {
	Name    string
	Type    string
	Village string
	Bank    string
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func clip(s string) string { return tepat.Clip(s, 40) }

// collect runs query and scans every row with scan; no rows give an
// empty list, never nil.
func collect[T any](ctx context.Context, q db.Querier, scan func(func(...any) error) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString scans a row of one text column, for collect.
func scanString(scan func(...any) error) (string, error) {
	var s string
	err := scan(&s)
	return s, err
}

// nextIDs reserves n consecutive numbers of the named sequence and returns
// the first. Callers serialise on the sequence's row until they commit.
func nextIDs(ctx context.Context, q db.Querier, name string, n int64) (int64, error) {
	if _, err := q.Exec(ctx, `INSERT INTO ledger_seq (name, next) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, err
	}
	var next int64
	err := q.QueryRow(ctx, `UPDATE ledger_seq SET next = next + $2 WHERE name = $1 RETURNING next`, name, n).Scan(&next)
	return next - n, err
}

// AddMerchant registers a merchant (PermMerchantManage; a dinsos user only
// within their region), opens its ledger account, audited as
// merchant.add. The village must be a village code.
func AddMerchant(ctx context.Context, d *db.DB, n NewMerchant) (Merchant, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermMerchantManage); err != nil {
		return Merchant{}, err
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || len(n.Name) > 100 {
		return Merchant{}, tepat.Reasonf(tepat.EINVALID, "NAMA_TIDAK_VALID", "nama e-Warong wajib diisi, paling panjang 100 karakter")
	}
	n.Type = strings.ToUpper(strings.TrimSpace(n.Type))
	switch n.Type {
	case TypeEWarong, TypeRPK, TypeAgen:
	default:
		return Merchant{}, tepat.Reasonf(tepat.EINVALID, "JENIS_TIDAK_VALID", "jenis %q tidak dikenal: EWARONG, RPK atau AGEN", clip(n.Type))
	}
	n.Bank = strings.ToUpper(strings.TrimSpace(n.Bank))
	if !slices.Contains(Banks, n.Bank) {
		return Merchant{}, tepat.Reasonf(tepat.EINVALID, "BANK_TIDAK_DIKENAL", "bank %q tidak dikenal: %s", clip(n.Bank), strings.Join(Banks, ", "))
	}
	r, err := region.Lookup(n.Village)
	if err != nil {
		return Merchant{}, err
	}
	if r.Level != region.Village {
		return Merchant{}, tepat.Reasonf(tepat.EINVALID, "BUKAN_DESA", "lokasi e-Warong harus kode desa/kelurahan, bukan %s %s", r.Level, r.Code)
	}
	if !a.InRegion(r.Code) {
		return Merchant{}, tepat.Reasonf(tepat.EFORBIDDEN, "DI_LUAR_WILAYAH", "desa %s di luar wilayah Anda (%s)", r.Code, a.ScopeString())
	}
	m := Merchant{Name: n.Name, Type: n.Type, Village: r.Code, Bank: n.Bank, Status: StatusActive, CreatedBy: a.Username, CreatedAt: now()}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		no, err := nextIDs(ctx, tx, "merchant", 1)
		if err != nil {
			return err
		}
		m.ID = fmt.Sprintf("M%06d", no)
		if _, err := tx.Exec(ctx, `INSERT INTO merchant (id, name, type, village, bank, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, m.ID, m.Name, m.Type, m.Village, m.Bank, m.Status, m.CreatedBy, m.CreatedAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_account (kind, merchant_id) VALUES ('MERCHANT', $1)`, m.ID); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "merchant.add", "merchant:"+m.ID, m.Village,
			fmt.Sprintf("e-Warong %s (%s, bank %s) di %s", m.ID, m.Type, m.Bank, m.Village))
		return err
	})
	if err != nil {
		return Merchant{}, err
	}
	return m, nil
}

// merchantScope returns the condition limiting merchants (table alias m)
// to the actor's scope, with its arguments numbered from next.
func merchantScope(a *tepat.Actor, next int) (string, []any) {
	var conds []string
	var args []any
	if !a.National() {
		var ors []string
		for _, r := range a.Regions {
			ors = append(ors, fmt.Sprintf("(m.village = $%d OR m.village LIKE $%d)", next, next+1))
			args = append(args, r, r+".%")
			next += 2
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if a.Bank != "" {
		conds = append(conds, fmt.Sprintf("m.bank = $%d", next))
		args = append(args, a.Bank)
		next++
	}
	if a.Role == tepat.RoleEWarong {
		if len(a.Merchants) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			var ps []string
			for _, id := range a.Merchants {
				ps = append(ps, fmt.Sprintf("$%d", next))
				args = append(args, id)
				next++
			}
			conds = append(conds, "m.id IN ("+strings.Join(ps, ", ")+")")
		}
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// reaches reports whether a's scope contains the merchant.
func reaches(a *tepat.Actor, m Merchant) bool {
	if !a.InRegion(m.Village) {
		return false
	}
	if a.Bank != "" && a.Bank != m.Bank {
		return false
	}
	return a.Role != tepat.RoleEWarong || slices.Contains(a.Merchants, m.ID)
}

const merchantCols = `m.id, m.name, m.type, m.village, m.bank, m.status, m.created_by, m.created_at, m.disabled_at,
	COALESCE((SELECT balance FROM ledger_account la WHERE la.kind = 'MERCHANT' AND la.merchant_id = m.id), 0)`

func scanMerchant(scan func(...any) error) (Merchant, error) {
	var m Merchant
	var dis db.Time
	err := scan(&m.ID, &m.Name, &m.Type, &m.Village, &m.Bank, &m.Status, &m.CreatedBy, &m.CreatedAt, &dis, &m.Balance)
	m.CreatedAt, m.DisabledAt = m.CreatedAt.UTC(), dis.Ptr()
	return m, err
}

// Merchants lists the merchants in the actor's scope (PermLedgerRead),
// within region when given, by id.
func Merchants(ctx context.Context, d *db.DB, regionCode string) ([]Merchant, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	cond, args := merchantScope(a, 2)
	return collect(ctx, d, scanMerchant, `SELECT `+merchantCols+` FROM merchant m
		WHERE ($1 = '' OR m.village = $1 OR m.village LIKE $1 || '.%') AND `+cond+` ORDER BY m.id`,
		append([]any{regionCode}, args...)...)
}

// GetMerchant returns one merchant in the actor's scope; another's is
// not found, as if it did not exist.
func GetMerchant(ctx context.Context, d db.Querier, id string) (Merchant, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return Merchant{}, err
	}
	m, err := scanMerchant(d.QueryRow(ctx, `SELECT `+merchantCols+` FROM merchant m WHERE m.id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !reaches(a, m)) {
		return Merchant{}, tepat.Reasonf(tepat.ENOTFOUND, "EWARONG_TIDAK_DITEMUKAN", "e-Warong %s tidak ditemukan", clip(id))
	}
	return m, err
}

// DisableMerchant stops a merchant (PermMerchantManage, within the
// actor's region): its terminals are refused from then on. Audited as
// merchant.disable; disabling twice changes nothing.
func DisableMerchant(ctx context.Context, d *db.DB, id string) (Merchant, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermMerchantManage); err != nil {
		return Merchant{}, err
	}
	var m Merchant
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if m, err = GetMerchant(ctx, tx, id); err != nil {
			return err
		}
		if m.Status == StatusDisabled {
			return nil
		}
		t := now()
		if _, err := tx.Exec(ctx, `UPDATE merchant SET status = 'NONAKTIF', disabled_by = $2, disabled_at = $3 WHERE id = $1`, m.ID, a.Username, t); err != nil {
			return err
		}
		m.Status, m.DisabledAt = StatusDisabled, &t
		_, err = audit.Record(ctx, tx, "merchant.disable", "merchant:"+m.ID, m.Village, "e-Warong "+m.ID+" dinonaktifkan")
		return err
	})
	return m, err
}

// Terminal is an EDC terminal of a merchant, known by its public key.
type Terminal struct {
	ID           string     `json:"id"`
	Merchant     string     `json:"merchant"`
	PublicKey    []byte     `json:"public_key"`
	Status       string     `json:"status"`
	RegisteredBy string     `json:"registered_by"`
	RegisteredAt time.Time  `json:"registered_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	LastSeen     *time.Time `json:"last_seen,omitempty"` // its latest accepted transaction
}

// RegisterTerminal registers a terminal for a merchant in the actor's
// scope (PermTerminalManage) with the given Ed25519 public key, audited
// as terminal.register. The merchant must be active.
func RegisterTerminal(ctx context.Context, d *db.DB, merchantID string, pub ed25519.PublicKey) (Terminal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return Terminal{}, err
	}
	if len(pub) != ed25519.PublicKeySize {
		return Terminal{}, tepat.Reasonf(tepat.EINVALID, "KUNCI_TIDAK_VALID", "kunci publik Ed25519 harus 32 byte")
	}
	var t Terminal
	err := d.InTx(ctx, func(tx *db.Tx) error {
		m, err := GetMerchant(ctx, tx, merchantID)
		if err != nil {
			return err
		}
		if m.Status != StatusActive {
			return tepat.Reasonf(tepat.ECONFLICT, terminal.ReasonMerchantOff, "e-Warong %s tidak aktif", m.ID)
		}
		no, err := nextIDs(ctx, tx, "terminal", 1)
		if err != nil {
			return err
		}
		t = Terminal{ID: fmt.Sprintf("T%06d", no), Merchant: m.ID, PublicKey: pub, Status: StatusActive, RegisteredBy: a.Username, RegisteredAt: now()}
		if _, err := tx.Exec(ctx, `INSERT INTO terminal (id, merchant_id, public_key, status, registered_by, registered_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, t.Merchant, []byte(pub), t.Status, t.RegisteredBy, t.RegisteredAt); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "terminal.register", "terminal:"+t.ID, m.Village, "terminal "+t.ID+" untuk e-Warong "+m.ID)
		return err
	})
	return t, err
}

// RevokeTerminal revokes a terminal (PermTerminalManage, merchant in
// scope): every later request it signs is refused (TERMINAL_DICABUT).
// Audited as terminal.revoke; revoking twice changes nothing.
func RevokeTerminal(ctx context.Context, d *db.DB, id string) (Terminal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return Terminal{}, err
	}
	var t Terminal
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if t, err = getTerminal(ctx, tx, id); err != nil {
			return err
		}
		m, err := GetMerchant(ctx, tx, t.Merchant)
		if err != nil {
			return err
		}
		if t.Status == StatusRevoked {
			return nil
		}
		at := now()
		if _, err := tx.Exec(ctx, `UPDATE terminal SET status = 'DICABUT', revoked_by = $2, revoked_at = $3 WHERE id = $1`, t.ID, a.Username, at); err != nil {
			return err
		}
		t.Status, t.RevokedAt = StatusRevoked, &at
		_, err = audit.Record(ctx, tx, "terminal.revoke", "terminal:"+t.ID, m.Village, "terminal "+t.ID+" dicabut")
		return err
	})
	return t, err
}

const terminalCols = `t.id, t.merchant_id, t.public_key, t.status, t.registered_by, t.registered_at, t.revoked_at,
	(SELECT MAX(p.at) FROM purchase p WHERE p.terminal_id = t.id)`

func scanTerminal(scan func(...any) error) (Terminal, error) {
	var t Terminal
	var rev, seen db.Time
	err := scan(&t.ID, &t.Merchant, &t.PublicKey, &t.Status, &t.RegisteredBy, &t.RegisteredAt, &rev, &seen)
	t.RegisteredAt, t.RevokedAt, t.LastSeen = t.RegisteredAt.UTC(), rev.Ptr(), seen.Ptr()
	return t, err
}

func getTerminal(ctx context.Context, q db.Querier, id string) (Terminal, error) {
	t, err := scanTerminal(q.QueryRow(ctx, `SELECT `+terminalCols+` FROM terminal t WHERE t.id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return Terminal{}, tepat.Reasonf(tepat.ENOTFOUND, terminal.ReasonUnknownTerm, "terminal %s tidak ditemukan", clip(id))
	}
	return t, err
}

// Terminals lists the terminals of the merchants in the actor's scope
// (PermLedgerRead), of one merchant when given.
func Terminals(ctx context.Context, d *db.DB, merchantID string) ([]Terminal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	cond, args := merchantScope(a, 2)
	return collect(ctx, d, scanTerminal, `SELECT `+terminalCols+` FROM terminal t JOIN merchant m ON m.id = t.merchant_id
		WHERE ($1 = '' OR t.merchant_id = $1) AND `+cond+` ORDER BY t.id`, append([]any{merchantID}, args...)...)
}

// BlockCard blocks a KKS card at every terminal (PermTerminalManage; a
// bank user only its own bank's cards), audited as card.block. unblock
// lifts it. Blocking a blocked card changes nothing.
func BlockCard(ctx context.Context, d *db.DB, card, reason string, unblock bool) error {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if !unblock && reason == "" {
		return tepat.Reasonf(tepat.EINVALID, "ALASAN_WAJIB", "alasan pemblokiran wajib diisi")
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		var bank string
		var village int64
		err := tx.QueryRow(ctx, `SELECT a.bank, COALESCE((SELECT f.village FROM family f WHERE f.id = a.family_id AND f.ver_to IS NULL), 0)
			FROM account a WHERE a.nomor_kartu = $1 ORDER BY a.id DESC LIMIT 1`, card).Scan(&bank, &village)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && a.Bank != "" && a.Bank != bank) {
			return tepat.Reasonf(tepat.ENOTFOUND, terminal.ReasonUnknownCard, "kartu %s tidak dikenal", terminal.MaskCard(card))
		}
		if err != nil {
			return err
		}
		code := ""
		if village > 0 {
			code = region.VillageCode(village)
		}
		if !a.National() && (code == "" || !a.InRegion(code)) {
			return tepat.Reasonf(tepat.ENOTFOUND, terminal.ReasonUnknownCard, "kartu %s tidak dikenal", terminal.MaskCard(card))
		}
		var res sql.Result
		if unblock {
			res, err = tx.Exec(ctx, `DELETE FROM card_block WHERE nomor_kartu = $1`, card)
		} else {
			res, err = tx.Exec(ctx, `INSERT INTO card_block (nomor_kartu, reason, blocked_by, blocked_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (nomor_kartu) DO NOTHING`, card, reason, a.Username, now())
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		action, summary := "card.block", "kartu "+terminal.MaskCard(card)+" diblokir: "+clip(reason)
		if unblock {
			action, summary = "card.unblock", "blokir kartu "+terminal.MaskCard(card)+" dibuka"
		}
		_, err = audit.Record(ctx, tx, action, "card:"+terminal.MaskCard(card), code, summary)
		return err
	})
}
