package program

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"tepat"
	"tepat/db"
	"tepat/region"
)

// CubesKept is how many preview cubes are kept; the least recently used
// beyond it are dropped when a new one is made.
const CubesKept = 24

// cubeKey names what a cube depends on: the snapshot, the period and its
// reference date, and the program's rules for amounts (not its
// eligibility, which previews change freely).
func cubeKey(snapVersion int64, p Program, period, ref int) string {
	rules, _ := json.Marshal(struct {
		Unit    string
		Periods int
		Benefit Benefit
	}{p.Unit, p.PeriodsPerYear, p.Benefit})
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%d|%d|%s", snapVersion, period, ref, rules))
	return hex.EncodeToString(sum[:])
}

// cube returns the id of the preview cube of p for the snapshot version
// and period, making it first if needed: one pass over the snapshot's
// persons, grouped by family and then by regency and facts. Making it
// costs about what generating a cycle does; reading it, a few thousand
// rows.
func cube(ctx context.Context, d *db.DB, snapVersion int64, p Program, period, ref int) (int64, error) {
	key := cubeKey(snapVersion, p, period, ref)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var id int64
	err := d.QueryRow(ctx, `UPDATE preview_cube SET used_at = $2 WHERE key = $1 RETURNING id`, key, now).Scan(&id)
	if err == nil {
		return id, nil
	}
	if tepat.ErrorCode(db.Translate(err)) != tepat.ENOTFOUND {
		return 0, err
	}
	pl := p.plan(period, ref, true, false, "")
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO preview_cube (key, snapshot_version, groups, created_at, used_at) VALUES ($1, $2, 0, $3, $3) RETURNING id`,
			key, snapVersion, now).Scan(&id); err != nil {
			return db.Translate(err)
		}
		if err := bigWork(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO preview_cube_row (cube_id, regency, desil, members, best, quals, families, amount, quantity)
			SELECT $2, regency, desil, f_members, best, quals, COUNT(*), SUM(amount), SUM(quantity) FROM (
				SELECT regency, desil, f_members, best, quals, `+pl.amount+` AS amount, `+pl.qty+` AS quantity FROM (
					SELECT f.village / 1000000 AS regency, f.desil, m.f_members, m.best, m.quals`+pl.paidColumns()+`
					FROM family f JOIN (`+pl.agg+`) m ON m.family_id = f.id
					WHERE f.ver_from <= $1 AND (f.ver_to IS NULL OR f.ver_to > $1)
					`+fence(tx.Engine())+`
				) x
			) y GROUP BY regency, desil, f_members, best, quals`, snapVersion, id); err != nil {
			return fmt.Errorf("preview cube: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE preview_cube SET groups = (SELECT COUNT(*) FROM preview_cube_row WHERE cube_id = $1) WHERE id = $1`, id); err != nil {
			return err
		}
		// Drop the least recently used beyond CubesKept.
		_, err := tx.Exec(ctx, `DELETE FROM preview_cube WHERE id NOT IN (
			SELECT id FROM preview_cube ORDER BY used_at DESC, id DESC LIMIT $1)`, CubesKept)
		return err
	})
	if tepat.ErrorCode(err) == tepat.ECONFLICT {
		// Someone made the same cube meanwhile.
		return cube(ctx, d, snapVersion, p, period, ref)
	}
	return id, err
}

// cubeAnswers reports whether a cube, whose rows know regencies but not
// districts or villages, can answer an expression and a scope: every
// region named is a province or a regency.
func cubeAnswers(codes ...string) bool {
	for _, c := range codes {
		r, err := region.Lookup(c)
		if err != nil || r.Level > region.Regency {
			return false
		}
	}
	return true
}
