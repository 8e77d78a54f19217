package registry

import (
	"fmt"
	"strings"

	"tepat"
	"tepat/region"
)

// scopeFilter returns a SQL condition on the village-number column col that
// limits rows to the actor's region scope and, if code is not empty, to that
// region; placeholders are numbered from next. The SQL text depends only on
// the number of scope regions, never on input; the bounds are arguments.
// A region outside the actor's scope yields a condition that matches
// nothing, so callers answer "not found" exactly as for a missing row.
func scopeFilter(a *tepat.Actor, col, code string, next int) (string, []any, error) {
	var conds []string
	var args []any
	add := func(lo, hi int64) {
		conds = append(conds, fmt.Sprintf("%s BETWEEN $%d AND $%d", col, next, next+1))
		args = append(args, lo, hi)
		next += 2
	}
	for _, s := range a.Regions {
		lo, hi, err := region.VillageRange(s)
		if err != nil {
			return "", nil, err
		}
		add(lo, hi)
	}
	where := "TRUE"
	if len(conds) > 0 {
		where = "(" + strings.Join(conds, " OR ") + ")"
	}
	if code != "" {
		lo, hi, err := region.VillageRange(code)
		if err != nil {
			return "", nil, err
		}
		where += fmt.Sprintf(" AND %s BETWEEN $%d AND $%d", col, next, next+1)
		args = append(args, lo, hi)
	}
	return where, args, nil
}

// Overlaps reports whether the region with the given code and the actor's
// scope share any village: either lies within the other.
func Overlaps(a *tepat.Actor, code string) bool {
	if a.National() {
		return true
	}
	for _, s := range a.Regions {
		if region.Within(code, s) || region.Within(s, code) {
			return true
		}
	}
	return false
}

// ScopeFilter is scopeFilter for the capabilities built on the registry:
// a condition limiting the village-number column col to the actor's scope
// (and to region code, if not empty), with placeholders from next.
func ScopeFilter(a *tepat.Actor, col, code string, next int) (string, []any, error) {
	return scopeFilter(a, col, code, next)
}
