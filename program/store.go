package program

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

// Version is one stored version of a program's definition for a year.
type Version struct {
	ID        int64     `json:"id"`
	Version   int       `json:"version"`
	Program   Program   `json:"program"`
	Digest    string    `json:"digest"`
	AppliedBy string    `json:"applied_by"`
	AppliedAt time.Time `json:"applied_at"`
}

// Applied says what applying a catalog did to one program and year.
type Applied struct {
	Code    string `json:"code"`
	Year    int    `json:"year"`
	Version int    `json:"version"`
	Changed bool   `json:"changed"` // false: the stored version was already this definition
}

// Apply stores the catalog's programs (PermProgramManage): a program and
// year whose definition differs from its latest version gets a new
// version; an unchanged one is left alone, so applying the same catalog
// twice changes nothing. Programs the catalog does not list are untouched.
// Existing cycles keep the version they were created with. The whole
// catalog applies in one transaction, audited per new version
// (program.apply).
func Apply(ctx context.Context, d *db.DB, c Catalog) ([]Applied, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermProgramManage); err != nil {
		return nil, err
	}
	var out []Applied
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		out = out[:0]
		for _, p := range c.Programs {
			if err := p.normalize(); err != nil {
				return errCatalog("program %s %d: %s", p.Code, p.Year, err.Error())
			}
			def := p.canonical()
			sum := sha256.Sum256(def)
			digest := hex.EncodeToString(sum[:])
			var last int
			var lastDigest string
			err := tx.QueryRow(ctx, `SELECT version, digest FROM program_version WHERE code = $1 AND year = $2 ORDER BY version DESC LIMIT 1`,
				p.Code, p.Year).Scan(&last, &lastDigest)
			if err != nil && tepat.ErrorCode(db.Translate(err)) != tepat.ENOTFOUND {
				return err
			}
			if lastDigest == digest {
				out = append(out, Applied{Code: p.Code, Year: p.Year, Version: last})
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO program_version (code, year, version, name, unit, periods_per_year, kind, eligibility, definition, digest, applied_by, applied_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				p.Code, p.Year, last+1, p.Name, p.Unit, p.PeriodsPerYear, p.Benefit.Kind, p.Eligibility, string(def), digest, a.Username, now); err != nil {
				return fmt.Errorf("program apply: %w", db.Translate(err))
			}
			if _, err := audit.Record(ctx, tx, "program.apply", fmt.Sprintf("program:%s/%d", p.Code, p.Year), "",
				fmt.Sprintf("program %s %d versi %d (%s)", p.Code, p.Year, last+1, digest[:12])); err != nil {
				return err
			}
			out = append(out, Applied{Code: p.Code, Year: p.Year, Version: last + 1, Changed: true})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const versionCols = `id, version, definition, digest, applied_by, applied_at`

func scanVersion(scan func(...any) error) (Version, error) {
	var v Version
	var def string
	if err := scan(&v.ID, &v.Version, &def, &v.Digest, &v.AppliedBy, &v.AppliedAt); err != nil {
		return Version{}, err
	}
	if err := json.Unmarshal([]byte(def), &v.Program); err != nil {
		return Version{}, fmt.Errorf("program %d: stored definition: %w", v.ID, err)
	}
	v.AppliedAt = v.AppliedAt.UTC()
	return v, nil
}

// List returns the latest version of every program and year, by code and
// year (PermStatsRead: the catalog holds no personal data).
func List(ctx context.Context, d *db.DB) ([]Version, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT `+versionCols+` FROM program_version v
		WHERE version = (SELECT MAX(version) FROM program_version w WHERE w.code = v.code AND w.year = v.year)
		ORDER BY code, year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Latest returns the latest version of program code for year; with year 0
// the latest year. Unknown programs are ENOTFOUND (PROGRAM_TIDAK_DITEMUKAN).
func Latest(ctx context.Context, d *db.DB, code string, year int) (Version, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return Version{}, err
	}
	return latest(ctx, d, code, year)
}

func latest(ctx context.Context, q db.Querier, code string, year int) (Version, error) {
	v, err := scanVersion(q.QueryRow(ctx, `SELECT `+versionCols+` FROM program_version
		WHERE code = $1 AND (year = $2 OR $2 = 0) ORDER BY year DESC, version DESC LIMIT 1`, code, year).Scan)
	if err != nil {
		if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
			if year == 0 {
				return Version{}, tepat.Reasonf(tepat.ENOTFOUND, "PROGRAM_TIDAK_DITEMUKAN", "program %s tidak ada di katalog (terapkan dengan tepat program apply)", code)
			}
			return Version{}, tepat.Reasonf(tepat.ENOTFOUND, "PROGRAM_TIDAK_DITEMUKAN", "program %s tahun %d tidak ada di katalog (terapkan dengan tepat program apply)", code, year)
		}
		return Version{}, err
	}
	return v, nil
}

// versionByID reads one stored version.
func versionByID(ctx context.Context, q db.Querier, id int64) (Version, error) {
	return scanVersion(q.QueryRow(ctx, `SELECT `+versionCols+` FROM program_version WHERE id = $1`, id).Scan)
}
