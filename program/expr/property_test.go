package expr_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/program/expr"
	"tepat/region"
)

// row is one family of the property test.
type row struct {
	id                             int
	desil, members, components, sd int64
	village                        int64
}

func (r row) facts() map[string]int64 {
	return map[string]int64{"desil": r.desil, "members": r.members, "components": r.components, "sd": r.sd}
}

var (
	propIdents  = []string{"desil", "members", "components", "sd"}
	propRegions = []string{"32", "32.01", "35.78", "73.71"}
)

// gen builds random valid expressions as fully parenthesised source,
// together with their meaning as a Go function: an oracle independent of
// the package's parser and evaluator.
type gen struct{ r *rand.Rand }

func (g gen) boolean(depth int) (string, func(row) bool) {
	if depth == 0 || g.r.IntN(4) == 0 {
		switch g.r.IntN(3) {
		case 0:
			v := g.r.IntN(2) == 1
			return fmt.Sprint(v), func(row) bool { return v }
		case 1:
			code := propRegions[g.r.IntN(len(propRegions))]
			lo, hi, _ := region.VillageRange(code)
			return `in_region("` + code + `")`, func(r row) bool { return lo <= r.village && r.village <= hi }
		}
		depth = 1 // a comparison, the most common leaf of real rules
	}
	switch g.r.IntN(4) {
	case 0:
		s, f := g.boolean(depth - 1)
		return "!(" + s + ")", func(r row) bool { return !f(r) }
	case 1:
		xs, x := g.boolean(depth - 1)
		ys, y := g.boolean(depth - 1)
		if g.r.IntN(2) == 0 {
			return "(" + xs + ") && (" + ys + ")", func(r row) bool { return x(r) && y(r) }
		}
		return "(" + xs + ") || (" + ys + ")", func(r row) bool { return x(r) || y(r) }
	}
	xs, x := g.integer(depth - 1)
	ys, y := g.integer(depth - 1)
	ops := []struct {
		s string
		f func(a, b int64) bool
	}{
		{"==", func(a, b int64) bool { return a == b }}, {"!=", func(a, b int64) bool { return a != b }},
		{"<", func(a, b int64) bool { return a < b }}, {"<=", func(a, b int64) bool { return a <= b }},
		{">", func(a, b int64) bool { return a > b }}, {">=", func(a, b int64) bool { return a >= b }},
	}
	op := ops[g.r.IntN(len(ops))]
	return "(" + xs + ") " + op.s + " (" + ys + ")", func(r row) bool { return op.f(x(r), y(r)) }
}

func (g gen) integer(depth int) (string, func(row) int64) {
	if depth <= 0 || g.r.IntN(3) == 0 {
		if g.r.IntN(2) == 0 {
			name := propIdents[g.r.IntN(len(propIdents))]
			return name, func(r row) int64 { return r.facts()[name] }
		}
		v := g.r.Int64N(12)
		if g.r.IntN(20) == 0 {
			v = 999999999999
		}
		return fmt.Sprint(v), func(row) int64 { return v }
	}
	switch g.r.IntN(3) {
	case 0:
		s, f := g.integer(depth - 1)
		return "-(" + s + ")", func(r row) int64 { return -f(r) }
	case 1:
		xs, x := g.integer(depth - 1)
		ys, y := g.integer(depth - 1)
		return "(" + xs + ") + (" + ys + ")", func(r row) int64 { return x(r) + y(r) }
	}
	xs, x := g.integer(depth - 1)
	ys, y := g.integer(depth - 1)
	return "(" + xs + ") - (" + ys + ")", func(r row) int64 { return x(r) - y(r) }
}

// TestSQLAgreesWithEval checks on random expressions that Parse gives the
// oracle's meaning, that String round-trips, and that the SQL selects
// exactly the families Eval accepts, on every engine.
func TestSQLAgreesWithEval(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var villages []int64
	for _, code := range []string{"32.01.01", "32.02.01", "35.78.01", "73.71.01", "11.01.01"} {
		for _, v := range region.Villages(code)[:3] {
			n, err := region.VillageNumber(v.Code)
			if err != nil {
				t.Fatal(err)
			}
			villages = append(villages, n)
		}
	}
	rows := make([]row, 200)
	for i := range rows {
		rows[i] = row{id: i + 1, desil: r.Int64N(10) + 1, members: r.Int64N(12), components: r.Int64N(6),
			sd: r.Int64N(4), village: villages[r.IntN(len(villages))]}
	}
	g := gen{r}
	type sample struct {
		e      *expr.Expr
		oracle func(row) bool
	}
	var samples []sample
	for range 300 {
		src, oracle := g.boolean(1 + r.IntN(5))
		e, err := expr.Parse(src, propIdents)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		again, err := expr.Parse(e.String(), propIdents)
		if err != nil || again.String() != e.String() {
			t.Fatalf("String() of %q = %q does not round-trip: %v", src, e, err)
		}
		for _, x := range []*expr.Expr{e, again} {
			for _, row := range rows {
				if got, want := x.Eval(row.facts(), row.village), oracle(row); got != want {
					t.Fatalf("Eval(%q, %+v) = %v, want %v", x, row, got, want)
				}
			}
		}
		samples = append(samples, sample{e, oracle})
	}
	// Guard against a generator whose expressions are all true or all false.
	mixed := 0
	for _, s := range samples {
		n := 0
		for _, row := range rows {
			if s.oracle(row) {
				n++
			}
		}
		if n > 0 && n < len(rows) {
			mixed++
		}
	}
	if mixed < len(samples)/3 {
		t.Fatalf("only %d of %d expressions tell the families apart", mixed, len(samples))
	}

	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.OpenNoMigrate(ctx, dbtest.DSN(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Exec(ctx, `CREATE TABLE f (id INTEGER PRIMARY KEY, desil BIGINT NOT NULL,
				members BIGINT NOT NULL, components BIGINT NOT NULL, sd BIGINT NOT NULL, village BIGINT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				if _, err := d.Exec(ctx, "INSERT INTO f VALUES ($1, $2, $3, $4, $5, $6)",
					row.id, row.desil, row.members, row.components, row.sd, row.village); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range samples {
				q := s.e.SQL(func(ident string) string { return "f." + ident }, "f.village")
				got := selectIDs(t, d, "SELECT id FROM f WHERE "+q+" ORDER BY id")
				var want []int
				for _, row := range rows {
					if s.e.Eval(row.facts(), row.village) {
						want = append(want, row.id)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s\nSQL %s\nselects %v\nEval accepts %v", s.e, q, got, want)
				}
			}
		})
	}
}

func selectIDs(t *testing.T, d *db.DB, query string) []int {
	t.Helper()
	rows, err := d.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", strings.TrimPrefix(query, "SELECT id FROM f WHERE "), err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
