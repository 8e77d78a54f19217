package expr_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"tepat"
	"tepat/program/expr"
)

var facts = []string{"desil", "members", "components", "sd", "smp", "sma", "lansia"}

// Two families: one poor with school children in Kabupaten Bogor (32.01),
// one better off with an elderly member in Kota Surabaya (35.78). The
// second has no "sma" fact, which counts as 0.
var families = []struct {
	facts   map[string]int64
	village int64
}{
	{map[string]int64{"desil": 3, "members": 5, "components": 2, "sd": 1, "smp": 1, "sma": 0, "lansia": 0}, 3201011001},
	{map[string]int64{"desil": 7, "members": 2, "components": 0, "sd": 0, "smp": 0, "lansia": 1}, 3578011001},
}

func col(ident string) string { return "f." + ident }

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, str, sql string
		eval                [2]bool // for the two families
	}{
		{"Simple", "desil <= 4 && components > 0", "desil <= 4 && components > 0",
			"((f.desil <= 4) AND (f.components > 0))", [2]bool{true, false}},
		{"Precedence", `(sd + smp + sma >= 2 || lansia > 0) && !in_region("32.01")`,
			`(sd + smp + sma >= 2 || lansia > 0) && !in_region("32.01")`,
			"(((((f.sd + f.smp) + f.sma) >= 2) OR (f.lansia > 0)) AND (NOT (f.village BETWEEN 3201000000 AND 3201999999)))",
			[2]bool{false, true}},
		{"RedundantParenthesesDropped", "((desil)) <= (4)", "desil <= 4", "(f.desil <= 4)", [2]bool{true, false}},
		{"WhitespaceNormalised", "desil\t<=\n4||true", "desil <= 4 || true", "((f.desil <= 4) OR (1=1))", [2]bool{true, true}},
		{"RightOperandOfMinusKeepsParentheses", "members - (sd - 1) > 3", "members - (sd - 1) > 3",
			"((f.members - (f.sd - 1)) > 3)", [2]bool{true, false}},
		{"MinusIsLeftAssociative", "(members - sd) - 1 > 2", "members - sd - 1 > 2",
			"(((f.members - f.sd) - 1) > 2)", [2]bool{true, false}},
		{"UnaryMinus", "-desil < -5", "-desil < -5", "((- f.desil) < (- 5))", [2]bool{false, true}},
		{"DoubleNegation", "--desil == desil", "- -desil == desil", "((- (- f.desil)) = f.desil)", [2]bool{true, true}},
		{"NotBindsLooserThanComparison", "!desil > 4", "!(desil > 4)", "(NOT (f.desil > 4))", [2]bool{true, false}},
		{"DoubleNot", "!!false", "!!false", "(NOT (NOT (1=0)))", [2]bool{false, false}},
		{"AndBindsTighterThanOr", "false && true || true", "false && true || true",
			"(((1=0) AND (1=1)) OR (1=1))", [2]bool{true, true}},
		{"OrInsideAndKeepsParentheses", "false && (true || true)", "false && (true || true)",
			"((1=0) AND ((1=1) OR (1=1)))", [2]bool{false, false}},
		{"RightNestedOrKeepsParentheses", "desil == 1 || (desil == 3 || desil == 7)", "desil == 1 || (desil == 3 || desil == 7)",
			"((f.desil = 1) OR ((f.desil = 3) OR (f.desil = 7)))", [2]bool{true, true}},
		{"NotEqual", "members != 2 && components == 2", "members != 2 && components == 2",
			"((f.members <> 2) AND (f.components = 2))", [2]bool{true, false}},
		{"RegionCodesDotted", `in_region("3578") || in_region( "32" )`, `in_region("35.78") || in_region("32")`,
			"((f.village BETWEEN 3578000000 AND 3578999999) OR (f.village BETWEEN 3200000000 AND 3299999999))", [2]bool{true, true}},
		{"VillageRegion", `in_region("32.01.01.1001")`, `in_region("32.01.01.1001")`,
			"(f.village BETWEEN 3201011001 AND 3201011001)", [2]bool{true, false}},
		{"LeadingZeros", "desil >= 007", "desil >= 7", "(f.desil >= 7)", [2]bool{false, true}},
		{"MissingFactIsZero", "sma == 0", "sma == 0", "(f.sma = 0)", [2]bool{true, true}},
		{"LargestLiteral", "members < 999999999999", "members < 999999999999", "(f.members < 999999999999)", [2]bool{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := expr.Parse(tc.src, facts)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.src, err)
			}
			if got := e.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if got := e.SQL(col, "f.village"); got != tc.sql {
				t.Errorf("SQL() =\n%s\nwant\n%s", got, tc.sql)
			}
			for i, f := range families {
				if got := e.Eval(f.facts, f.village); got != tc.eval[i] {
					t.Errorf("Eval(family %d) = %v, want %v", i, got, tc.eval[i])
				}
			}
			again, err := expr.Parse(e.String(), facts)
			if err != nil || again.String() != e.String() {
				t.Errorf("Parse(String()) = %v, %v", again, err)
			}
		})
	}
}

func TestIdentsAndRegions(t *testing.T) {
	t.Parallel()
	e, err := expr.Parse(`sd + desil > sd && (in_region("73.71") || in_region("3201") || in_region("32.01"))`, facts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Idents(), []string{"desil", "sd"}; !slices.Equal(got, want) {
		t.Errorf("Idents() = %q, want %q", got, want)
	}
	if got, want := e.Regions(), []string{"32.01", "73.71"}; !slices.Equal(got, want) {
		t.Errorf("Regions() = %q, want %q", got, want)
	}
	e.Idents()[0] = "changed"
	if e.Idents()[0] != "desil" {
		t.Error("Idents() shares its slice with the Expr")
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		pos       int
		msg       string // without the "posisi N: " prefix
	}{
		{"Empty", "", 1, "ekspresi kosong"},
		{"OnlySpaces", "   ", 4, "ekspresi kosong"},
		{"TooLong", "desil > 0" + strings.Repeat(" ", 2000), 2001, "ekspresi terlalu panjang: paling banyak 2000 byte"},
		{"UnknownCharacter", "desil # 4", 7, `karakter "#" tidak dikenal`},
		{"NonASCIICharacter", "desil ≤ 4", 7, `karakter "≤" tidak dikenal`},
		{"PositionCountsCharactersNotBytes", `in_region("ü") && #`, 19, `karakter "#" tidak dikenal`},
		{"SingleEquals", "desil = 4", 7, "gunakan == untuk perbandingan"},
		{"SingleAmpersand", "desil > 4 & sd > 0", 11, `gunakan && untuk "dan"`},
		{"SinglePipe", "desil > 4 | sd > 0", 11, `gunakan || untuk "atau"`},
		{"SingleQuotes", "in_region('32')", 11, `gunakan tanda kutip ganda untuk teks, mis. in_region("32.01")`},
		{"LiteralTooLong", "desil < 1234567890123", 9, "angka terlalu panjang: paling banyak 12 digit"},
		{"DigitsThenLetters", "4desil > 0", 2, "angka harus dipisah dari huruf sesudahnya"},
		{"UpperCaseName", "Desil > 4", 1, `nama "Desil" harus huruf kecil semua: "desil"`},
		{"UnterminatedText", `in_region("32.01`, 11, `teks tidak ditutup dengan tanda kutip "`},
		{"MissingRightParenthesis", "(desil > 4", 11, `diharapkan ")"`},
		{"UnmatchedRightParenthesis", "desil > 4)", 10, `")" tanpa pasangan "("`},
		{"MissingOperator", "desil 4", 7, `diharapkan operator atau akhir ekspresi, bukan "4"`},
		{"Incomplete", "desil >", 8, `ekspresi tidak lengkap: diharapkan angka, nama atau "("`},
		{"OperatorInsteadOfValue", "desil > && sd", 9, `diharapkan angka, nama atau "(", bukan "&&"`},
		{"TextOutsideInRegion", `"32" == desil`, 1, `teks hanya boleh menjadi kode wilayah di in_region("…")`},
		{"ChainedComparison", "1 < desil < 5", 11, "perbandingan tidak bisa dirangkai; gunakan &&, mis. a < b && b < c"},
		{"UnknownName", "desil > 0 && desill < 4", 14,
			`nama tidak dikenal "desill" (yang dikenal: desil, members, components, sd, smp, sma, lansia)`},
		{"UnknownFunction", `region("32")`, 1, `fungsi "region" tidak dikenal; yang ada hanya in_region`},
		{"InRegionNotCalled", "in_region && true", 1, `in_region harus dipanggil dengan kode wilayah, mis. in_region("32.01")`},
		{"InRegionWithoutArgument", "in_region()", 11, `in_region butuh satu kode wilayah dalam tanda kutip, mis. in_region("32.01")`},
		{"InRegionWithNumber", "in_region(32)", 11, `in_region butuh satu kode wilayah dalam tanda kutip, mis. in_region("32.01")`},
		{"InRegionWithTwoArguments", `in_region("32", "33")`, 15, `diharapkan ")"`},
		{"UnknownRegion", `desil < 4 && in_region("99.99")`, 14, `wilayah "99.99" tidak dikenal`},
		{"MalformedRegion", `in_region("32.1")`, 1, `kode wilayah "32.1" tidak valid: harus 2, 4, 6 atau 10 digit, mis. "32.01"`},
		{"IntegerExpression", "desil + 1", 1, "ekspresi harus bernilai benar/salah, bukan angka"},
		{"IntegerExpressionInParentheses", "  (desil)", 3, "ekspresi harus bernilai benar/salah, bukan angka"},
		{"AndOfInteger", "desil && true", 1, `"&&" butuh nilai benar/salah, bukan angka`},
		{"OrOfInteger", "true || (sd + 1)", 9, `"||" butuh nilai benar/salah, bukan angka`},
		{"NotOfInteger", "!desil", 2, `"!" butuh nilai benar/salah, bukan angka`},
		{"ComparisonOfBoolean", "(desil < 4) == true", 1, `"==" butuh angka, bukan nilai benar/salah`},
		{"SumOfBoolean", "sd + true > 0", 6, `"+" butuh angka, bukan nilai benar/salah`},
		{"NegatedBoolean", "-true < 0", 2, `"-" butuh angka, bukan nilai benar/salah`},
		{"TooManyParentheses", strings.Repeat("(", 65) + "true" + strings.Repeat(")", 65), 65,
			"ekspresi terlalu bersarang: paling dalam 64 tingkat"},
		{"TooManyNots", strings.Repeat("!", 65) + "true", 65, "ekspresi terlalu bersarang: paling dalam 64 tingkat"},
		{"TooManyNotsAndParentheses", strings.Repeat("!(", 33) + "true" + strings.Repeat(")", 33), 65,
			"ekspresi terlalu bersarang: paling dalam 64 tingkat"},
		{"TooLongChain", "true" + strings.Repeat(" || true", 64), 510, "ekspresi terlalu bersarang: paling dalam 64 tingkat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := expr.Parse(tc.src, facts)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error", tc.src, e)
			}
			var te *tepat.Error
			if !errors.As(err, &te) || te.Code != tepat.EINVALID || te.Reason != "EKSPRESI_TIDAK_VALID" {
				t.Fatalf("Parse(%q): %#v, want a *tepat.Error EINVALID EKSPRESI_TIDAK_VALID", tc.src, err)
			}
			if want := fmt.Sprintf("posisi %d: %s", tc.pos, tc.msg); te.Message != want {
				t.Errorf("message\n%s\nwant\n%s", te.Message, want)
			}
			if got := expr.Position(err); got != tc.pos {
				t.Errorf("Position = %d, want %d", got, tc.pos)
			}
		})
	}
}

func TestParseAcceptsDeepestNesting(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		strings.Repeat("(", 64) + "true" + strings.Repeat(")", 64),
		strings.Repeat("!", 63) + "true",
		"true" + strings.Repeat(" || true", 63),
		strings.Repeat("!(", 32) + "0 < 0" + strings.Repeat(")", 32),
		strings.Repeat("-", 62) + "1 < 0",
	} {
		e, err := expr.Parse(src, facts)
		if err != nil {
			t.Fatalf("Parse(%.20q…): %v", src, err)
		}
		if again, err := expr.Parse(e.String(), facts); err != nil || again.String() != e.String() {
			t.Errorf("Parse(%.20q…) does not round-trip: %v", src, err)
		}
	}
}

func TestParseWithoutKnownNames(t *testing.T) {
	t.Parallel()
	_, err := expr.Parse("x > 0", nil)
	if got, want := tepat.ErrorMessage(err), `posisi 1: nama tidak dikenal "x" (tidak ada nama yang dikenal)`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPositionOfOtherErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{nil, errors.New("x"), tepat.Errorf(tepat.EINVALID, "posisi 3: x")} {
		if got := expr.Position(err); got != 0 {
			t.Errorf("Position(%v) = %d, want 0", err, got)
		}
	}
}

func TestConjunctSQL(t *testing.T) {
	t.Parallel()
	col := func(id string) string { return "f." + id }
	for src, want := range map[string]string{
		"desil <= 4 && components > 0":                        "(f.desil <= 4)",
		"components > 0 && (desil <= 4 && in_region(\"32\"))": "(f.desil <= 4) AND (v BETWEEN 3200000000 AND 3299999999)",
		"desil <= 4 || components > 0":                        "",
		"!(desil > 4)":                                        "(NOT (f.desil > 4))",
		"sd > 0":                                              "",
		"desil + members < 9 && desil > 1":                    "(f.desil > 1)",
	} {
		e, err := expr.Parse(src, []string{"desil", "members", "components", "sd"})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.ConjunctSQL([]string{"desil"}, col, "v"); got != want {
			t.Errorf("%s: %q, want %q", src, got, want)
		}
	}
}
