package registry

import (
	"context"
	"fmt"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

// Snapshot is a named, immutable registry version (penetapan): the families
// and members valid at Version. A snapshot stores no copy of the registry:
// family and person rows are versioned and never rewritten once closed, so
// what a snapshot says cannot change, and each snapshot costs one row.
type Snapshot struct {
	Label   string `json:"label"`
	Version int64  `json:"version"`
	// Families and Persons are the national counts at Version. They are
	// nil for an actor whose scope is not national: national figures are
	// outside such a scope.
	Families  *int64    `json:"families,omitempty"`
	Persons   *int64    `json:"persons,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxLabel is the longest snapshot label.
const MaxLabel = 40

var (
	errLabel = tepat.Reasonf(tepat.EINVALID, "LABEL_TIDAK_VALID",
		"label penetapan harus 1–%d karakter huruf, angka, titik, garis bawah, atau tanda hubung (mis. 2019-11)", MaxLabel)
	errSnapshotNotFound = tepat.Reasonf(tepat.ENOTFOUND, "SNAPSHOT_TIDAK_DITEMUKAN", "penetapan tidak ditemukan")
)

// ValidLabel reports whether s can label a snapshot: 1–40 characters of
// A–Z, a–z, 0–9, '.', '_' and '-'. Labels are safe in URLs, file names
// and the audit log as they are.
func ValidLabel(s string) bool {
	if len(s) == 0 || len(s) > MaxLabel {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CreateSnapshot freezes the registry's latest version under label, as
// the actor in ctx (PermSnapshot: role pusat, or the system actor). It
// records the national counts of families and persons, whatever the
// actor's scope: penetapan is national.
//
// The label must be valid (LABEL_TIDAK_VALID) and not yet used, ignoring
// case (ECONFLICT, SNAPSHOT_SUDAH_ADA). Two labels may name the same
// version. The snapshot row and its audit entry (registry.snapshot) commit
// together; registry writers wait while the counts are taken, so the
// counts are exactly those of the version. There is no way to change or
// delete a snapshot.
func CreateSnapshot(ctx context.Context, d *db.DB, label string) (Snapshot, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermSnapshot); err != nil {
		return Snapshot{}, err
	}
	if !ValidLabel(label) {
		return Snapshot{}, errLabel
	}
	s := Snapshot{Label: label, CreatedBy: a.Username, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	var families, persons int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		// Writers take the registry head's row first (newVersion) and keep
		// it until they commit. Holding it here means no version is half
		// written while we count, and none starts until we are done.
		if err := tx.QueryRow(ctx, `UPDATE registry_head SET version = version WHERE id = 1 RETURNING version`).Scan(&s.Version); err != nil {
			return fmt.Errorf("snapshot: lock head: %w", err)
		}
		var taken int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM snapshot WHERE LOWER(label) = LOWER($1)`, label).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return errSnapshotExists(label)
		}
		// A current person always belongs to a current family: removing a
		// family closes its members too (their NIKs stay unique among
		// current rows), so both counts use the partial indexes alone.
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM family WHERE ver_to IS NULL`).Scan(&families); err != nil {
			return fmt.Errorf("snapshot: count families: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM person WHERE ver_to IS NULL`).Scan(&persons); err != nil {
			return fmt.Errorf("snapshot: count persons: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO snapshot (label, version, families, persons, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			label, s.Version, families, persons, s.CreatedBy, s.CreatedAt); err != nil {
			if tepat.ErrorCode(err) == tepat.ECONFLICT {
				return errSnapshotExists(label)
			}
			return err
		}
		_, err := audit.Record(ctx, tx, "registry.snapshot", "snapshot:"+label, "",
			fmt.Sprintf("penetapan %s: versi registri %d, %d keluarga, %d jiwa", label, s.Version, families, persons))
		return err
	})
	if err != nil {
		return Snapshot{}, err
	}
	s.Families, s.Persons = &families, &persons
	return s, nil
}

func errSnapshotExists(label string) error {
	return tepat.Reasonf(tepat.ECONFLICT, "SNAPSHOT_SUDAH_ADA", "penetapan berlabel %s sudah ada", label)
}

const snapshotCols = `label, version, families, persons, created_by, created_at`

// scanSnapshot reads a row of snapshotCols, hiding national counts from an
// actor whose scope is not national.
func scanSnapshot(a *tepat.Actor, scan func(...any) error) (Snapshot, error) {
	var s Snapshot
	var families, persons int64
	if err := scan(&s.Label, &s.Version, &families, &persons, &s.CreatedBy, &s.CreatedAt); err != nil {
		return Snapshot{}, err
	}
	s.CreatedAt = s.CreatedAt.UTC()
	if a.National() {
		s.Families, s.Persons = &families, &persons
	}
	return s, nil
}

// ListSnapshots returns every snapshot, newest first. Snapshots are
// aggregates (PermStatsRead); see Snapshot for the counts.
func ListSnapshots(ctx context.Context, d *db.DB) ([]Snapshot, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermStatsRead); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT `+snapshotCols+` FROM snapshot ORDER BY version DESC, created_at DESC, label`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		s, err := scanSnapshot(a, rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// GetSnapshot returns the snapshot with the given label (PermStatsRead), or
// ENOTFOUND (SNAPSHOT_TIDAK_DITEMUKAN).
func GetSnapshot(ctx context.Context, d *db.DB, label string) (Snapshot, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermStatsRead); err != nil {
		return Snapshot{}, err
	}
	return getSnapshot(ctx, d, a, label)
}

// getSnapshot reads a snapshot without checking permissions.
func getSnapshot(ctx context.Context, q db.Querier, a *tepat.Actor, label string) (Snapshot, error) {
	if !ValidLabel(label) {
		return Snapshot{}, errSnapshotNotFound
	}
	s, err := scanSnapshot(a, q.QueryRow(ctx, `SELECT `+snapshotCols+` FROM snapshot WHERE label = $1`, label).Scan)
	if err != nil {
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return Snapshot{}, tepat.Reasonf(tepat.ENOTFOUND, "SNAPSHOT_TIDAK_DITEMUKAN", "penetapan %s tidak ditemukan", label)
		}
		return Snapshot{}, err
	}
	return s, nil
}
