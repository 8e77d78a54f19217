// Package audit keeps Tepat's audit log: an append-only list of every state
// change, login, reveal of personal data and export, each entry's SHA-256
// hash chained to the one before, so that editing, removing or reordering
// any entry is found by Verify.
//
// Entries are appended inside the transaction of the change they record:
// both commit or neither does. Summaries must never contain raw personal
// data (full NIK, KK number, names, account numbers): mask them first.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"tepat"
	"tepat/db"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one line of the audit log. Times are UTC with microsecond
// precision, the precision both engines store.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	Region   string    `json:"region"`
	Summary  string    `json:"summary"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ComputeHash returns the entry's hash: SHA-256 over its previous hash and every
// field, each preceded by its length so that no two entries share an input.
func (e *Entry) ComputeHash() string {
	h := sha256.New()
	var buf []byte
	add := func(s string) {
		buf = strconv.AppendInt(buf[:0], int64(len(s)), 10)
		buf = append(buf, ':')
		h.Write(buf)
		h.Write([]byte(s))
	}
	add(e.PrevHash)
	add(strconv.FormatInt(e.Seq, 10))
	add(e.At.UTC().Format("2006-01-02T15:04:05.000000Z"))
	add(e.Actor)
	add(e.Role)
	add(e.Action)
	add(e.Object)
	add(e.Region)
	add(e.Summary)
	return hex.EncodeToString(h.Sum(nil))
}

// Clock gives the time of new entries; tests replace it.
var Clock = func() time.Time { return time.Now() }

// Record appends an entry for the actor in ctx (the system actor if there is
// none) inside tx. action is a dotted verb such as "user.create"; object
// names what was acted on; region is the dotted region code concerned, if any.
func Record(ctx context.Context, tx *db.Tx, action, object, region, summary string) (Entry, error) {
	a := tepat.ActorFrom(ctx)
	if a == nil {
		a = tepat.System
	}
	return Append(ctx, tx, Entry{Actor: a.Username, Role: string(a.Role), Action: action, Object: object, Region: region, Summary: summary})
}

// Append appends e (Seq, At and hashes are filled in) inside tx. Appenders
// serialise on the chain head's row lock until their transaction ends.
func Append(ctx context.Context, tx *db.Tx, e Entry) (Entry, error) {
	var prev string
	err := tx.QueryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&e.Seq, &prev)
	if err != nil {
		return e, err
	}
	e.At = Clock().UTC().Truncate(time.Microsecond)
	e.PrevHash = prev
	e.Hash = e.ComputeHash()
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return e, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, role, action, object, region, summary, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, e.At, e.Actor, e.Role, e.Action, e.Object, e.Region, e.Summary, e.PrevHash, e.Hash)
	return e, err
}
