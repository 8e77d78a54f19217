package registry

import (
	"context"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// HistoryLimit is how many entries FamilyHistory returns at most: the newest.
const HistoryLimit = 200

// Change is one entry of a family's history: a registry version that
// changed the family, who made it, from where and why. Summary and Note
// carry no NIK or KK number (Note is what the actor typed as the reason).
type Change struct {
	Version     int64     `json:"version"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Source      string    `json:"source"` // import:ID, proposal:ID, duplicate:ID, load
	Note        string    `json:"note"`
	Kind        string    `json:"kind"` // ADDED, CHANGED, REMOVED
	Summary     string    `json:"summary"`
	KodeWilayah string    `json:"kode_wilayah"` // the family's village after the change
}

// FamilyHistory returns the changes of the family with the given id,
// newest first, at most HistoryLimit. It needs PermRegistryRead; the family
// is found through its latest row (so a removed family keeps its history),
// and one whose latest row lies outside the actor's scope is not found,
// exactly like one that does not exist (KELUARGA_TIDAK_DITEMUKAN).
func FamilyHistory(ctx context.Context, d *db.DB, familyID int64) ([]Change, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return nil, err
	}
	scope, args, err := scopeFilter(a, "f.village", "", 2)
	if err != nil {
		return nil, err
	}
	var one int
	err = d.QueryRow(ctx, `SELECT 1 FROM family f WHERE f.id = $1
		AND f.ver_from = (SELECT MAX(g.ver_from) FROM family g WHERE g.id = $1) AND `+scope,
		append([]any{familyID}, args...)...).Scan(&one)
	if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return nil, errFamilyNotFound
	} else if err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT c.version, r.at, r.actor, r.source, r.note, c.kind, c.summary, c.village
		FROM family_change c JOIN registry_change r ON r.version = c.version
		WHERE c.family_id = $1 ORDER BY c.version DESC LIMIT $2`, familyID, HistoryLimit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var village int64
		if err := rows.Scan(&c.Version, &c.At, &c.Actor, &c.Source, &c.Note, &c.Kind, &c.Summary, &village); err != nil {
			return nil, err
		}
		c.KodeWilayah = region.VillageCode(village)
		out = append(out, c)
	}
	return out, rows.Err()
}
