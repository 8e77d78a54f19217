package registry

import (
	"context"
	"strconv"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// Count is the number of families and persons in one region.
type Count struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Families int64  `json:"families"`
	Persons  int64  `json:"persons"`
}

// Stats are the registry's aggregated figures for a region.
type Stats struct {
	Region   string    `json:"region"` // "" for the whole country (or scope)
	Families int64     `json:"families"`
	Persons  int64     `json:"persons"`
	Desil    [10]int64 `json:"desil"`    // families per decile 1–10
	Children []Count   `json:"children"` // per region one level down, only those with families
}

// RegionStats returns aggregated figures for the region with the given code
// ("" = everything in the actor's scope). Aggregates carry no personal data
// and need only PermStatsRead, but a region outside the actor's scope is not
// found.
func RegionStats(ctx context.Context, d *db.DB, code string) (Stats, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermStatsRead); err != nil {
		return Stats{}, err
	}
	st := Stats{}
	div := int64(100000000) // villages → provinces
	if code != "" {
		r, err := region.Lookup(code)
		if err != nil {
			return st, err
		}
		if !Overlaps(a, r.Code) {
			return st, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL", "kode wilayah %q tidak dikenal", code)
		}
		st.Region = r.Code
		switch r.Level {
		case region.Province:
			div = 1000000
		case region.Regency:
			div = 10000
		default:
			div = 1
		}
	}
	scope, args, err := scopeFilter(a, "f.village", st.Region, 2)
	if err != nil {
		return st, err
	}
	child := func(k int64) *Count {
		code := region.Dotted(strconv.FormatInt(k, 10))
		if n := len(st.Children); n == 0 || st.Children[n-1].Code != code {
			name := ""
			if r, err := region.Lookup(code); err == nil {
				name = r.Name
			}
			st.Children = append(st.Children, Count{Code: code, Name: name})
		}
		return &st.Children[len(st.Children)-1]
	}
	rows, err := d.Query(ctx, `SELECT f.village / $1 AS k, f.desil, COUNT(*) FROM family f WHERE f.ver_to IS NULL AND `+scope+`
		GROUP BY k, f.desil ORDER BY k`, append([]any{div}, args...)...)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, families int64
		var desil int
		if err := rows.Scan(&k, &desil, &families); err != nil {
			return st, err
		}
		st.Families += families
		if desil >= 1 && desil <= 10 {
			st.Desil[desil-1] += families
		}
		child(k).Families += families
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	rows.Close()
	prows, err := d.Query(ctx, `SELECT f.village / $1 AS k, COUNT(*) FROM person p JOIN family f ON f.id = p.family_id AND f.ver_to IS NULL
		WHERE p.ver_to IS NULL AND `+scope+` GROUP BY k ORDER BY k`, append([]any{div}, args...)...)
	if err != nil {
		return st, err
	}
	defer prows.Close()
	i := 0
	for prows.Next() {
		var k, persons int64
		if err := prows.Scan(&k, &persons); err != nil {
			return st, err
		}
		st.Persons += persons
		code := region.Dotted(strconv.FormatInt(k, 10))
		for i < len(st.Children) && st.Children[i].Code != code {
			i++
		}
		if i < len(st.Children) {
			st.Children[i].Persons = persons
		}
	}
	if err := prows.Err(); err != nil {
		return st, err
	}
	if code != "" {
		if r, _ := region.Lookup(code); r.Level == region.Village {
			st.Children = nil
		}
	}
	return st, nil
}
