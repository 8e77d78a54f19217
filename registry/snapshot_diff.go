package registry

import (
	"context"
	"fmt"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// Kinds of a family's difference between two snapshots, as in family_change.
const (
	DiffAdded   = "ADDED"
	DiffRemoved = "REMOVED"
	DiffChanged = "CHANGED"
)

// Diff counts the families that differ between two snapshots, From older
// than (or as old as) To, within the actor's scope.
type Diff struct {
	From        string `json:"from"`
	To          string `json:"to"`
	FromVersion int64  `json:"from_version"`
	ToVersion   int64  `json:"to_version"`
	// Swapped is true when the labels were given newest first: From and To
	// are then the given labels in time order, and the diff reads forward.
	Swapped bool  `json:"swapped"`
	Added   int64 `json:"added"`
	Removed int64 `json:"removed"`
	Changed int64 `json:"changed"`
}

// DiffFamily is one family that differs between two snapshots.
type DiffFamily struct {
	ID          int64  `json:"id"`
	NoKK        string `json:"no_kk"`        // masked
	KodeWilayah string `json:"kode_wilayah"` // at To; at From for a removed family
	Kind        string `json:"kind"`         // DiffAdded, DiffRemoved or DiffChanged
	Summary     string `json:"summary"`      // the changes in between, oldest first; no personal data
}

// DiffOptions choose which families DiffSnapshots passes on; the counts
// always cover every family.
type DiffOptions struct {
	After int64 // only families with a larger id (keyset pagination)
	Limit int   // at most this many; 0 = all
}

// maxSummaryParts caps how many changes a DiffFamily's summary lists.
const maxSummaryParts = 8

// DiffSnapshots compares the snapshots labelled a and b (PermRegistryRead)
// and calls fn, if not nil, for each differing family in id order, within
// opt; it returns the counts. If a is newer than b the two are swapped and
// Diff.Swapped says so.
//
// A family differs if a registry version after From, up to To, changed it
// (family_change). It is ADDED if it exists at To but not at From, REMOVED
// if it exists at From but not at To, CHANGED if it exists at both, even
// when later changes undid earlier ones; a family added and removed in
// between is not counted. An actor with a region scope sees only families
// whose village at either snapshot lies in it. KK numbers are masked.
//
// Rows are streamed while fn runs: fn must not use d for writes on SQLite.
// An error from fn stops the diff and is returned.
func DiffSnapshots(ctx context.Context, d *db.DB, a, b string, opt DiffOptions, fn func(DiffFamily) error) (Diff, error) {
	actor := tepat.ActorFrom(ctx)
	if err := auth.Require(actor, auth.PermRegistryRead); err != nil {
		return Diff{}, err
	}
	sa, err := getSnapshot(ctx, d, actor, a)
	if err != nil {
		return Diff{}, err
	}
	sb, err := getSnapshot(ctx, d, actor, b)
	if err != nil {
		return Diff{}, err
	}
	diff := Diff{From: sa.Label, To: sb.Label, FromVersion: sa.Version, ToVersion: sb.Version}
	if sa.Version > sb.Version {
		diff = Diff{From: sb.Label, To: sa.Label, FromVersion: sb.Version, ToVersion: sa.Version, Swapped: true}
	}
	scopeA, args, err := scopeFilter(actor, "fa.village", "", 3)
	if err != nil {
		return Diff{}, err
	}
	scopeB, argsB, err := scopeFilter(actor, "fb.village", "", 3+len(args))
	if err != nil {
		return Diff{}, err
	}
	// The changes between two snapshots are a small part of family_change,
	// which holds every family's whole history: read them through the
	// version index and sort them. "+c.family_id" keeps SQLite (which has
	// no statistics) from scanning the whole table in primary-key order to
	// save the sort; PostgreSQL plans the same either way.
	rows, err := d.Query(ctx, `SELECT c.family_id, c.summary, fa.no_kk, fa.village, fb.no_kk, fb.village
		FROM family_change c
		LEFT JOIN family fa ON fa.id = c.family_id AND `+validAt("fa", 1)+`
		LEFT JOIN family fb ON fb.id = c.family_id AND `+validAt("fb", 2)+`
		WHERE c.version > $1 AND c.version <= $2 AND ((`+scopeA+`) OR (`+scopeB+`))
		ORDER BY +c.family_id, c.version`, append(append([]any{diff.FromVersion, diff.ToVersion}, args...), argsB...)...)
	if err != nil {
		return Diff{}, fmt.Errorf("diff: %w", err)
	}
	defer rows.Close()

	var (
		cur     DiffFamily
		parts   []string
		more    int
		exists  [2]bool
		sent    int
		pending bool
	)
	flush := func() error {
		if !pending {
			return nil
		}
		pending = false
		switch {
		case !exists[0] && exists[1]:
			cur.Kind = DiffAdded
			diff.Added++
		case exists[0] && !exists[1]:
			cur.Kind = DiffRemoved
			diff.Removed++
		case exists[0] && exists[1]:
			cur.Kind = DiffChanged
			diff.Changed++
		default:
			return nil // added and removed in between: in neither snapshot
		}
		if fn == nil || cur.ID <= opt.After || (opt.Limit > 0 && sent >= opt.Limit) {
			return nil
		}
		if more > 0 {
			parts = append(parts, fmt.Sprintf("… %d perubahan lain", more))
		}
		cur.Summary = strings.Join(parts, "; ")
		sent++
		return fn(cur)
	}
	for rows.Next() {
		var id int64
		var summary string
		var kkA, villageA, kkB, villageB *int64
		if err := rows.Scan(&id, &summary, &kkA, &villageA, &kkB, &villageB); err != nil {
			return Diff{}, err
		}
		if !pending || id != cur.ID {
			if err := flush(); err != nil {
				return Diff{}, err
			}
			cur, parts, more, pending = DiffFamily{ID: id}, parts[:0], 0, true
			exists = [2]bool{kkA != nil, kkB != nil}
			kk, village := kkB, villageB
			if kk == nil {
				kk, village = kkA, villageA
			}
			if kk != nil {
				cur.NoKK = number16(*kk, false)
				cur.KodeWilayah = region.VillageCode(*village)
			}
		}
		if len(parts) < maxSummaryParts {
			parts = append(parts, summary)
		} else {
			more++
		}
	}
	if err := rows.Err(); err != nil {
		return Diff{}, err
	}
	if err := flush(); err != nil {
		return Diff{}, err
	}
	return diff, nil
}
