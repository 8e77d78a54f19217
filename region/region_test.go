package region_test

import (
	"fmt"
	"testing"

	"tepat"
	"tepat/region"
)

func TestCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level region.Level
		want  int
	}{
		{region.Province, 38}, {region.Regency, 514}, {region.District, 7285}, {region.Village, 83762},
	} {
		if got := region.Count("", tc.level); got != tc.want {
			t.Errorf("Count(%v) = %d, want %d", tc.level, got, tc.want)
		}
	}
	if got := len(region.Provinces()); got != 38 {
		t.Errorf("Provinces: %d", got)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, code, want string
		level            region.Level
		parent           string
	}{
		{"Province", "32", "Jawa Barat", region.Province, ""},
		{"RegencyDotted", "32.01", "Kabupaten Bogor", region.Regency, "32"},
		{"RegencyPlain", "3201", "Kabupaten Bogor", region.Regency, "32"},
		{"District", "11.01.01", "Bakongan", region.District, "11.01"},
		{"VillagePlain", "1101012001", "Keude Bakongan", region.Village, "11.01.01"},
		{"VillageDotted", "11.01.01.2001", "Keude Bakongan", region.Village, "11.01.01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := region.Lookup(tc.code)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tc.want || r.Level != tc.level || r.Parent != tc.parent {
				t.Errorf("Lookup(%q) = %+v", tc.code, r)
			}
		})
	}
}

func TestLookupRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, code, errCode string }{
		{"Empty", "", tepat.EINVALID},
		{"Letters", "3a", tepat.EINVALID},
		{"OddLength", "320", tepat.EINVALID},
		{"MisplacedDot", "3.201", tepat.EINVALID},
		{"TrailingDot", "32.", tepat.EINVALID},
		{"TooLong", "32010120011", tepat.EINVALID},
		{"UnknownProvince", "10", tepat.ENOTFOUND},
		{"UnknownVillage", "32.01.01.9999", tepat.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := region.Lookup(tc.code)
			if got := tepat.ErrorCode(err); got != tc.errCode {
				t.Errorf("Lookup(%q) code = %q (%v), want %q", tc.code, got, err, tc.errCode)
			}
		})
	}
}

func TestChildrenAreContiguousAndComplete(t *testing.T) {
	t.Parallel()
	total := 0
	for _, p := range region.Provinces() {
		for _, k := range region.Children(p.Code) {
			if k.Parent != p.Code || k.Level != region.Regency {
				t.Fatalf("child %+v of %s", k, p.Code)
			}
			total++
		}
	}
	if total != 514 {
		t.Errorf("regencies reached through children: %d", total)
	}
	if got := region.Children("11.01.01.2001"); got != nil {
		t.Errorf("village has children: %v", got)
	}
	if got := len(region.Villages("11.01.01")); got != region.Count("11.01.01", region.Village) || got == 0 {
		t.Errorf("villages of 11.01.01: %d", got)
	}
}

func TestTimeZones(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]region.Zone{
		"31": region.WIB, "11.01": region.WIB, "51": region.WITA, "73.71": region.WITA,
		"64": region.WITA, "91": region.WIT, "96": region.WIT, "82": region.WIT,
	} {
		if got := region.TimeZone(code); got != want {
			t.Errorf("TimeZone(%s) = %s, want %s", code, got, want)
		}
	}
}

func TestWithinAndDotted(t *testing.T) {
	t.Parallel()
	if !region.Within("3201012001", "32.01") || region.Within("33.01", "32") || region.Within("32.011", "32.01") {
		t.Error("Within is wrong")
	}
	if !region.Within("33", "") {
		t.Error("empty scope must be national")
	}
	if got := region.Dotted("3201012001"); got != "32.01.01.2001" {
		t.Errorf("Dotted = %q", got)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	got := region.Search("bogor", region.Regency, 10)
	if len(got) != 2 {
		t.Fatalf("Search bogor regencies: %v", got)
	}
	if region.Search("", 0, 10) != nil {
		t.Error("empty query returned results")
	}
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"32", "32.01", "3201012001", "11.01.01.2001", "3.2", "..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		r, err := region.Lookup(code)
		if err == nil {
			if r2, err := region.Lookup(r.Code); err != nil || r2 != r {
				t.Fatalf("round trip of %q: %v %v", code, r2, err)
			}
			if region.Plain(r.Code) != region.Plain(region.Dotted(code)) {
				t.Fatalf("dotted form of %q differs: %q", code, r.Code)
			}
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	codes := []string{"11.01.01.2001", "1101012001", "73.71", "11"}
	region.Lookup("11")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := region.Lookup(codes[i&3]); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleLookup() {
	r, _ := region.Lookup("3273")
	fmt.Println(r.Code, r.Name, r.Level, r.TimeZone())
	// Output: 32.73 Kota Bandung regency WIB
}

func TestVillageRange(t *testing.T) {
	t.Parallel()
	lo, hi, err := region.VillageRange("32.01")
	if err != nil || lo != 3201000000 || hi != 3201999999 {
		t.Fatalf("%d %d %v", lo, hi, err)
	}
	n, _ := region.VillageNumber("11.01.01.2001")
	if lo, hi, _ := region.VillageRange("11.01.01.2001"); lo != n || hi != n {
		t.Fatalf("village range %d %d", lo, hi)
	}
	if region.VillageCode(n) != "11.01.01.2001" {
		t.Fatal(region.VillageCode(n))
	}
	lo, hi, _ = region.VillageRange("32.01")
	for _, v := range region.Villages("32.01") {
		n, _ := region.VillageNumber(v.Code)
		if n < lo || n > hi {
			t.Fatalf("%s outside range", v.Code)
		}
	}
}
