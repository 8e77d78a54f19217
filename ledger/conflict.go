package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

// Conflict decisions.
const (
	DecisionRejected = "DITOLAK"        // the entry stays unapplied
	DecisionManual   = "DIBAYAR_MANUAL" // settled outside the terminal (e.g. by the bank), noted
	DecisionNoted    = "DICATAT"        // reviewed, nothing to do (a duplicate fork, a test entry)
)

// Conflict is an offline entry in the review queue.
type Conflict struct {
	ID         int64      `json:"id"`
	Terminal   string     `json:"terminal"`
	Seq        int64      `json:"seq"`
	Code       string     `json:"code"`
	Detail     string     `json:"detail"`
	Manifest   string     `json:"manifest"`
	Village    string     `json:"village"`
	Amount     int64      `json:"amount"`
	ReceivedAt time.Time  `json:"received_at"`
	Decision   string     `json:"decision,omitempty"`
	Note       string     `json:"note,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

const conflictCols = `c.id, c.terminal_id, c.seq, c.code, c.detail, c.manifest_id, c.village, c.amount, c.received_at,
	COALESCE(c.decision, ''), COALESCE(c.note, ''), COALESCE(c.resolved_by, ''), c.resolved_at`

func scanConflict(scan func(...any) error) (Conflict, error) {
	var c Conflict
	var res db.Time
	err := scan(&c.ID, &c.Terminal, &c.Seq, &c.Code, &c.Detail, &c.Manifest, &c.Village, &c.Amount, &c.ReceivedAt,
		&c.Decision, &c.Note, &c.ResolvedBy, &res)
	c.ReceivedAt, c.ResolvedAt = c.ReceivedAt.UTC(), res.Ptr()
	return c, err
}

// Conflicts lists the conflict queue within the actor's scope
// (PermLedgerRead: region of the terminal's merchant for dinsos, its bank
// for bank users), open ones only unless all, newest first, at most 500.
func Conflicts(ctx context.Context, d *db.DB, all bool) ([]Conflict, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	cond, args := merchantScope(a, 2)
	return collect(ctx, d, scanConflict, `SELECT `+conflictCols+` FROM offline_conflict c
		JOIN terminal t ON t.id = c.terminal_id JOIN merchant m ON m.id = t.merchant_id
		WHERE ($1 OR c.resolved_at IS NULL) AND `+cond+` ORDER BY c.id DESC LIMIT 500`, append([]any{all}, args...)...)
}

// ResolveConflict records a review decision on a queued entry
// (PermTerminalManage, within scope): DITOLAK, DIBAYAR_MANUAL or DICATAT,
// with a note. It never applies the entry to the ledger: an entry that
// broke a rule is not made valid by a decision; money owed is paid
// through the normal channels and noted here. Once only; audited as
// terminal.conflict.
func ResolveConflict(ctx context.Context, d *db.DB, id int64, decision, note string) (Conflict, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return Conflict{}, err
	}
	decision = strings.ToUpper(strings.TrimSpace(decision))
	switch decision {
	case DecisionRejected, DecisionManual, DecisionNoted:
	default:
		return Conflict{}, tepat.Reasonf(tepat.EINVALID, "KEPUTUSAN_TIDAK_DIKENAL", "keputusan %q tidak dikenal: DITOLAK, DIBAYAR_MANUAL atau DICATAT", clip(decision))
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return Conflict{}, tepat.Reasonf(tepat.EINVALID, "CATATAN_WAJIB", "catatan keputusan wajib diisi")
	}
	if len(note) > 1000 {
		return Conflict{}, tepat.Reasonf(tepat.EINVALID, "CATATAN_TERLALU_PANJANG", "catatan keputusan paling panjang 1.000 karakter")
	}
	var c Conflict
	err := d.InTx(ctx, func(tx *db.Tx) error {
		cond, args := merchantScope(a, 2)
		var err error
		c, err = scanConflict(tx.QueryRow(ctx, `SELECT `+conflictCols+` FROM offline_conflict c
			JOIN terminal t ON t.id = c.terminal_id JOIN merchant m ON m.id = t.merchant_id
			WHERE c.id = $1 AND `+cond, append([]any{id}, args...)...).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return tepat.Reasonf(tepat.ENOTFOUND, "KONFLIK_TIDAK_DITEMUKAN", "konflik %d tidak ditemukan", id)
		} else if err != nil {
			return err
		}
		if c.ResolvedAt != nil {
			return tepat.Reasonf(tepat.ECONFLICT, "SUDAH_DIPUTUSKAN", "konflik %d sudah diputuskan %s", id, c.Decision)
		}
		at := now()
		if _, err := tx.Exec(ctx, `UPDATE offline_conflict SET decision = $2, note = $3, resolved_by = $4, resolved_at = $5 WHERE id = $1`,
			id, decision, note, a.Username, at); err != nil {
			return err
		}
		c.Decision, c.Note, c.ResolvedBy, c.ResolvedAt = decision, note, a.Username, &at
		_, err = audit.Record(ctx, tx, "terminal.conflict", fmt.Sprintf("conflict:%d", id), c.Village,
			fmt.Sprintf("konflik %d (%s, terminal %s #%d): %s", id, c.Code, c.Terminal, c.Seq, decision))
		return err
	})
	return c, err
}

// ChainInfo is where a terminal's offline chain stands on the server.
type ChainInfo struct {
	Terminal  string    `json:"terminal"`
	Merchant  string    `json:"merchant"`
	Status    string    `json:"status"`
	LastSeq   int64     `json:"last_seq"`
	SyncedAt  time.Time `json:"synced_at"`
	Applied   int64     `json:"applied"`
	Conflicts int64     `json:"conflicts"`
	Village   string    `json:"village"` // the merchant's, for its time zone
}

// Chains lists the terminals in scope that have synced offline entries,
// with their last sync (PermLedgerRead).
func Chains(ctx context.Context, d *db.DB) ([]ChainInfo, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	cond, args := merchantScope(a, 1)
	return collect(ctx, d, func(scan func(...any) error) (ChainInfo, error) {
		var c ChainInfo
		err := scan(&c.Terminal, &c.Merchant, &c.Status, &c.LastSeq, &c.SyncedAt, &c.Applied, &c.Conflicts, &c.Village)
		c.SyncedAt = c.SyncedAt.UTC()
		return c, err
	}, `SELECT ch.terminal_id, t.merchant_id, t.status, ch.last_seq, ch.synced_at,
			(SELECT COUNT(*) FROM offline_entry e WHERE e.terminal_id = ch.terminal_id AND e.status = 'APPLIED'),
			(SELECT COUNT(*) FROM offline_entry e WHERE e.terminal_id = ch.terminal_id AND e.status = 'CONFLICT'), m.village
		FROM offline_chain ch JOIN terminal t ON t.id = ch.terminal_id JOIN merchant m ON m.id = t.merchant_id
		WHERE `+cond+` ORDER BY ch.synced_at DESC LIMIT 500`, args...)
}
