package program_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/program"
	"tepat/registry/registrytest"
)

var sys = tepat.WithActor(context.Background(), tepat.System)

func as(name string, role tepat.Role, regions ...string) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: name, Role: role, Regions: regions})
}

var (
	pusatA = as("pusat-a", tepat.RolePusat)
	pusatB = as("pusat-b", tepat.RolePusat)
)

// load imports generated families into each region and freezes the
// registry as snapshot label.
func load(t *testing.T, d *db.DB, families int64, label string, regions ...string) {
	registrytest.Load(t, d, families, label, regions...)
}

func catalog(t *testing.T, src string) program.Catalog {
	t.Helper()
	c, err := program.ParseCatalog(strings.NewReader(src))
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	return c
}

func apply(t *testing.T, d *db.DB, src string) []program.Applied {
	t.Helper()
	out, err := program.Apply(pusatA, d, catalog(t, src))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantErr(t *testing.T, err error, code, reason string) {
	t.Helper()
	if err == nil || tepat.ErrorCode(err) != code || tepat.ErrorReason(err) != reason {
		t.Fatalf("want %s/%s, got %v (%s/%s)", code, reason, err, tepat.ErrorCode(err), tepat.ErrorReason(err))
	}
}

// testCatalog exercises every rule: a cap that leaves components out, ties
// between equal values, custom age limits, person units, in-kind goods, a
// yearly amount that does not divide by the periods, and in_region.
const testCatalog = `
programs:
  - code: PKH
    name: Program Keluarga Harapan
    year: 2026
    unit: family
    periods_per_year: 4
    eligibility: "desil <= 6 && components > 0"
    benefit:
      kind: components
      fixed_yearly: 550001
      max_components: 2
      components: {ibu_hamil: 2400000, anak_usia_dini: 2400000, sd: 900000, smp: 1500001, sma: 2000000, disabilitas_berat: 2400000, lansia: 2400000}
      anak_usia_dini_max_age: 5
      lansia_min_age: 65
  - code: KIP
    year: 2026
    unit: family
    periods_per_year: 3
    eligibility: "(sd + smp + sma) > 0 && !in_region(\"33\")"
    benefit:
      kind: components
      components: {sd: 450000, smp: 750001, sma: 1000000}
  - code: PBI_JK
    year: 2026
    unit: person
    periods_per_year: 12
    eligibility: "desil <= 4 || members >= 6 || components >= 3 && lansia > 0"
    benefit: {kind: flat, yearly: 504007}
  - code: RASTRA
    year: 2026
    unit: family
    periods_per_year: 12
    eligibility: "desil <= 3 && in_region(\"32.01\")"
    benefit: {kind: in_kind, item: beras, unit: kg, quantity_per_period: 10}
`

func TestShippedCatalogsParse(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"2019.yaml", "2020.yaml"} {
		f, err := os.Open(filepath.Join("..", "programs", name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := program.ParseCatalog(f)
		f.Close()
		if err != nil || len(c.Programs) < 3 {
			t.Fatalf("%s: %d programs, %v", name, len(c.Programs), err)
		}
	}
}

func TestParseCatalogRejects(t *testing.T) {
	t.Parallel()
	base := "programs:\n  - code: BPNT\n    year: 2019\n    unit: family\n    periods_per_year: 12\n    eligibility: \"desil <= 3\"\n"
	cases := []struct{ name, src, want string }{
		{"UnknownKey", base + "    benefit: {kind: flat, yearly: 1}\n    colour: red\n", "baris 8: kunci colour tidak dikenal"},
		{"UnknownComponent", base + "    benefit: {kind: components, components: {kuliah: 1}}\n", `komponen "kuliah" tidak dikenal`},
		{"NegativeAmount", base + "    benefit: {kind: components, components: {sd: -5}}\n", "tidak boleh negatif (-5)"},
		{"NegativeFlat", base + "    benefit: {kind: flat, yearly: -1}\n", "yearly lebih dari 0"},
		{"BadExpression", strings.Replace(base, "desil <= 3", "desil <= 3 &&", 1) + "    benefit: {kind: flat, yearly: 1}\n", "eligibility: posisi 14"},
		{"UnknownFact", strings.Replace(base, "desil <= 3", "desill <= 3", 1) + "    benefit: {kind: flat, yearly: 1}\n", `"desill"`},
		{"Periods", strings.Replace(base, "periods_per_year: 12", "periods_per_year: 5", 1) + "    benefit: {kind: flat, yearly: 1}\n", "periods_per_year 5"},
		{"Twice", base + "    benefit: {kind: flat, yearly: 1}\n" + strings.TrimPrefix(base, "programs:\n") + "    benefit: {kind: flat, yearly: 1}\n", "tercantum dua kali (juga di baris 2)"},
		{"MixedKinds", base + "    benefit: {kind: flat, yearly: 1, item: beras}\n", "hanya memakai yearly"},
		{"NoKind", base + "    benefit: {yearly: 1}\n", "benefit.kind tidak diisi"},
		{"BadCode", strings.Replace(base, "BPNT", "bpnt", 1) + "    benefit: {kind: flat, yearly: 1}\n", "kode program"},
		{"Empty", "", "katalog kosong"},
		{"NotYAML", "programs: [", "katalog tidak valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := program.ParseCatalog(strings.NewReader(tc.src))
			wantErr(t, err, tepat.EINVALID, "KATALOG_TIDAK_VALID")
			if !strings.Contains(tepat.ErrorMessage(err), tc.want) {
				t.Fatalf("message %q does not contain %q", tepat.ErrorMessage(err), tc.want)
			}
		})
	}
}

func TestPeriodShareSumsToYearly(t *testing.T) {
	t.Parallel()
	for _, yearly := range []int64{0, 1, 11, 1320000, 9750001, 504007} {
		for _, n := range []int{1, 2, 3, 4, 6, 12} {
			var sum int64
			for p := 1; p <= n; p++ {
				s := program.PeriodShare(yearly, n, p)
				if s < 0 || p < n && s != yearly/int64(n) {
					t.Fatalf("yearly %d / %d period %d: %d", yearly, n, p, s)
				}
				sum += s
			}
			if sum != yearly {
				t.Fatalf("yearly %d in %d periods sums to %d", yearly, n, sum)
			}
		}
	}
}

// TestWorkedExample is the example of docs/programs.md.
func TestWorkedExample(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "programs", "2019.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := program.ParseCatalog(f)
	if err != nil {
		t.Fatal(err)
	}
	var pkh program.Program
	for _, p := range c.Programs {
		if p.Code == "PKH" {
			pkh = p
		}
	}
	ms := []program.Member{
		{Born: 19900310, Alive: true, Hamil: true, Sekolah: "TIDAK"},             // mother, pregnant
		{Born: 19880101, Alive: true, Sekolah: "TIDAK"},                          // father
		{Born: 20141120, Alive: true, Sekolah: "TIDAK"},                          // 4, not in school
		{Born: 20110505, Alive: true, Sekolah: "SD"},                             // SD
		{Born: 20090909, Alive: true, Sekolah: "SD"},                             // SD
		{Born: 20020202, Alive: true, Sekolah: "SMA"},                            // SMA
		{Born: 19511212, Alive: true, Sekolah: "TIDAK"},                          // grandmother, 67
		{Born: 19400101, Alive: false, Sekolah: "TIDAK", Hamil: false},           // deceased: counts for nothing
		{Born: 20200101, Alive: true, Sekolah: "TIDAK", Hamil: false},            // not born yet on the reference date
		{Born: 19950101, Alive: true, Sekolah: "TIDAK", DisabilitasBerat: false}, // adult, nothing
	}
	got := make([]int64, 4)
	for p := 1; p <= 4; p++ {
		got[p-1] = pkh.Assess(2, 3201012001, ms, p, program.PeriodStart(2019, 4, p)).Amount
	}
	a := pkh.Assess(2, 3201012001, ms, 1, 20190101)
	if !a.Eligible || a.Yearly != 9750000 || fmt.Sprint(got) != "[2437500 2437500 2437500 2437500]" {
		t.Fatalf("yearly %d, periods %v, paid %v, facts %v", a.Yearly, got, a.Paid, a.Facts)
	}
	if a.Facts["members"] != 9 || a.Facts["components"] != 6 || a.Facts["sd"] != 2 || a.Facts["anak_usia_dini"] != 1 {
		t.Fatalf("facts %v", a.Facts)
	}
	if a.Paid["ibu_hamil"] != 1 || a.Paid["anak_usia_dini"] != 1 || a.Paid["lansia"] != 1 || a.Paid["sma"] != 1 || a.Paid["sd"] != 0 {
		t.Fatalf("paid %v", a.Paid)
	}
}

func TestAgeOnLeapDay(t *testing.T) {
	t.Parallel()
	cases := []struct{ born, ref, age int }{
		{20000229, 20010228, 0}, {20000229, 20010301, 1}, {20000229, 20040229, 4},
		{20190101, 20190101, 0}, {20190102, 20190101, -1}, {19590101, 20190101, 60}, {19590102, 20190101, 59},
	}
	for _, c := range cases {
		if got := program.Age(c.born, c.ref); got != c.age {
			t.Errorf("Age(%d, %d) = %d, want %d", c.born, c.ref, got, c.age)
		}
	}
}

func TestRupiah(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.000", 9750000: "9.750.000", -1234567: "-1.234.567"} {
		if got := program.Rupiah(n); got != want {
			t.Errorf("Rupiah(%d) = %q", n, got)
		}
	}
}

func TestPaidText(t *testing.T) {
	t.Parallel()
	for paid, want := range map[int64]string{0: "", 1: "ibu_hamil=1", 2<<16 | 1<<48: "sd=2 lansia=1", 255 << 40: "disabilitas_berat=255"} {
		if got := program.PaidText(paid); got != want {
			t.Errorf("PaidText(%#x) = %q, want %q", paid, got, want)
		}
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	if r := program.Reference(12, 3400187); r != "12-3400187" {
		t.Fatal(r)
	}
	if c, f, ok := program.ParseReference("12-3400187"); !ok || c != 12 || f != 3400187 {
		t.Fatal(c, f, ok)
	}
	for _, bad := range []string{"", "12", "12-", "-5", "a-1", "0-1", "1-2-3"} {
		if _, _, ok := program.ParseReference(bad); ok {
			t.Errorf("ParseReference(%q) accepted", bad)
		}
	}
}
