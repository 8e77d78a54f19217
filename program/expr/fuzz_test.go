package expr_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"tepat"
	"tepat/program/expr"
)

// FuzzParse checks that Parse never panics, that every error carries its
// position in range and at the start of its message, and that an accepted
// expression compiles, evaluates and round-trips through String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"desil <= 4 && components > 0",
		`(sd + smp + sma >= 2 || lansia > 0) && !in_region("32.01")`,
		"--desil == desil", "!!false", "1 < desil < 5", "desil = 4", `in_region("99.99")`,
		"members - (sd - 1) > 3", `in_region("3578") || in_region("32.01.01.1001")`, "(desil > 4", "Desil",
		"desil < 999999999999", strings.Repeat("(", 70) + "true" + strings.Repeat(")", 70),
		strings.Repeat("!", 33) + "0 < 0", strings.Repeat("-", 40) + "1 < 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := expr.Parse(src, facts)
		if err != nil {
			pos := expr.Position(err)
			if pos < 1 || pos > utf8.RuneCountInString(src)+1 {
				t.Fatalf("Parse(%q): position %d out of range: %v", src, pos, err)
			}
			if tepat.ErrorCode(err) != tepat.EINVALID || !strings.HasPrefix(tepat.ErrorMessage(err), fmt.Sprintf("posisi %d: ", pos)) {
				t.Fatalf("Parse(%q): %v", src, err)
			}
			return
		}
		sql := e.SQL(func(ident string) string { return "f." + ident }, "f.village")
		if strings.ContainsAny(sql, `"'$;`) || strings.Contains(sql, "--") {
			t.Fatalf("Parse(%q).SQL() = %q holds a quote, placeholder, semicolon or comment", src, sql)
		}
		e.Eval(map[string]int64{"desil": 3, "members": 4}, 3201011001)
		again, err := expr.Parse(e.String(), facts)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", src, e, err)
		}
		if again.String() != e.String() || again.SQL(func(ident string) string { return "f." + ident }, "f.village") != sql {
			t.Fatalf("Parse(%q): String %q, again %q", src, e, again)
		}
	})
}
