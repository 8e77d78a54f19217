package registry

import (
	"context"
	"strings"
	"time"
	"unicode"

	"tepat"
	"tepat/db"
)

// newVersion takes the next registry version inside tx and records who
// makes it and why. Writers serialise on the head row until they commit.
func newVersion(ctx context.Context, tx *db.Tx, source, note string) (int64, error) {
	var v int64
	if err := tx.QueryRow(ctx, `UPDATE registry_head SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v); err != nil {
		return 0, err
	}
	a := tepat.ActorFrom(ctx)
	if a == nil {
		a = tepat.System
	}
	_, err := tx.Exec(ctx, `INSERT INTO registry_change (version, at, actor, source, note) VALUES ($1, $2, $3, $4, $5)`,
		v, time.Now().UTC().Truncate(time.Microsecond), a.Username, source, note)
	return v, err
}

// lockRegistry takes the registry's writer lock for the rest of tx, so that
// no other writer changes the registry between what tx reads and what it
// writes (PostgreSQL: a row lock until commit; SQLite: the transaction
// already holds the database's write lock).
func lockRegistry(ctx context.Context, tx *db.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE registry_head SET version = version WHERE id = 1`)
	return err
}

// allocFamilyIDs reserves n family ids and returns the first.
func allocFamilyIDs(ctx context.Context, tx *db.Tx, n int) (int64, error) {
	var next int64
	err := tx.QueryRow(ctx, `UPDATE family_seq SET next = next + $1 WHERE id = 1 RETURNING next`, n).Scan(&next)
	return next - int64(n), err
}

// CurrentVersion returns the registry's latest version.
func CurrentVersion(ctx context.Context, q db.Querier) (int64, error) {
	var v int64
	err := q.QueryRow(ctx, `SELECT version FROM registry_head WHERE id = 1`).Scan(&v)
	return v, err
}

// NormalizeName returns the form of a name used to find possible
// duplicates: upper case, letters only, single spaces ("Siti  Nur'aini" →
// "SITI NURAINI").
func NormalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsSpace(r) || r == '.' || r == ',' || r == '-':
			space = true
		}
	}
	return b.String()
}
