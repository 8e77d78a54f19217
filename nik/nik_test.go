package nik_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/nik"
)

// now is the reference date of the tests: 15 June 2024, in WIB.
var now = time.Date(2024, 6, 15, 10, 0, 0, 0, time.FixedZone("WIB", 7*3600))

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseAtAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		now  time.Time
		want nik.NIK
	}{
		{"Male", "3201011506900001", now, nik.NIK{District: "32.01.01", BirthDate: date(1990, 6, 15), Serial: 1}},
		{"FemaleDayPlus40", "3273015506909999", now, nik.NIK{District: "32.73.01", BirthDate: date(1990, 6, 15), Female: true, Serial: 9999}},
		{"FemaleDay71", "3171017112850042", now, nik.NIK{District: "31.71.01", BirthDate: date(1985, 12, 31), Female: true, Serial: 42}},
		{"RecentYearIn2000s", "3201010101200001", now, nik.NIK{District: "32.01.01", BirthDate: date(2020, 1, 1), Serial: 1}},
		{"OldYearIn1900s", "3201010101300001", now, nik.NIK{District: "32.01.01", BirthDate: date(1930, 1, 1), Serial: 1}},
		{"TodayIsNotFuture", "3201011506240001", now, nik.NIK{District: "32.01.01", BirthDate: date(2024, 6, 15), Serial: 1}},
		{"TomorrowGoesBackACentury", "3201011606240001", now, nik.NIK{District: "32.01.01", BirthDate: date(1924, 6, 16), Serial: 1}},
		{"LeapDay2000", "3201016902000001", now, nik.NIK{District: "32.01.01", BirthDate: date(2000, 2, 29), Female: true, Serial: 1}},
		{"CenturyFromReferenceBefore2000", "3201010101950001", date(1999, 1, 1), nik.NIK{District: "32.01.01", BirthDate: date(1995, 1, 1), Serial: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := nik.ParseAt(tt.in, tt.now)
			if err != nil {
				t.Fatalf("ParseAt(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseAt(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseAtRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		now     time.Time
		reason  string
		message string // a fragment the message must contain
	}{
		{"Empty", "", now, nik.ReasonLength, "panjangnya 0"},
		{"FifteenDigits", "320101150690001", now, nik.ReasonLength, "panjangnya 15"},
		{"SeventeenDigits", "32010115069000011", now, nik.ReasonLength, "panjangnya 17"},
		{"Letter", "3201O11506900001", now, nik.ReasonDigit, "karakter ke-5"},
		{"Space", "3201011506 00001", now, nik.ReasonDigit, "karakter ke-11"},
		{"FullWidthDigit", "３201011506900001", now, nik.ReasonDigit, "karakter ke-1"},
		{"UnknownDistrict", "9901011506900001", now, nik.ReasonRegion, "99.01.01"},
		{"RegencyWithoutDistrict", "3201991506900001", now, nik.ReasonRegion, "32.01.99"},
		{"Day00", "3201010006900001", now, nik.ReasonBirthDate, "digit 7–8"},
		{"Day32", "3201013206900001", now, nik.ReasonBirthDate, "digit 7–8"},
		{"Day40", "3201014006900001", now, nik.ReasonBirthDate, "digit 7–8"},
		{"Day72", "3201017206900001", now, nik.ReasonBirthDate, "digit 7–8"},
		{"Month00", "3201011500900001", now, nik.ReasonBirthDate, "bulan"},
		{"Month13", "3201011513900001", now, nik.ReasonBirthDate, "bulan"},
		{"February31", "3201013102900001", now, nik.ReasonBirthDate, "tanggal 31 bulan 02"},
		{"FemaleApril31", "3201017104900001", now, nik.ReasonBirthDate, "tanggal 31 bulan 04"},
		{"February29NonLeap", "3201012902990001", now, nik.ReasonBirthDate, "tanggal 29 bulan 02"},
		{"February29In1900", "3201012902000001", date(1999, 12, 31), nik.ReasonBirthDate, "tanggal 29 bulan 02"},
		{"Serial0000", "3201011506900000", now, nik.ReasonSerial, "0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := nik.ParseAt(tt.in, tt.now)
			var e *tepat.Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseAt(%q) error = %v, want *tepat.Error", tt.in, err)
			}
			if e.Code != tepat.EINVALID || e.Reason != tt.reason {
				t.Fatalf("ParseAt(%q) = %s/%s, want %s/%s", tt.in, e.Code, e.Reason, tepat.EINVALID, tt.reason)
			}
			if !strings.Contains(e.Message, tt.message) {
				t.Fatalf("ParseAt(%q) message %q does not contain %q", tt.in, e.Message, tt.message)
			}
		})
	}
}

func TestParseUsesCurrentTime(t *testing.T) {
	t.Parallel()
	yy := time.Now().Year() % 100
	s := nik.Build("320101", date(2000+yy, 1, 1), false, 7)
	got, err := nik.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if got.BirthDate.Year() != time.Now().Year() {
		t.Fatalf("year = %d, want %d", got.BirthDate.Year(), time.Now().Year())
	}
}

func TestParseAtDoesNotAllocate(t *testing.T) {
	// Not parallel: allocation counts are process-wide.
	nik.ParseAt("3201011506900001", now) // creates the district page
	if n := testing.AllocsPerRun(100, func() {
		if _, err := nik.ParseAt("3201011506900001", now); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("ParseAt allocates %v times per call, want 0", n)
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{"3201011506900001", "3273015506909999", "3171017112850042", "3201010101300001"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := nik.ParseAt(inputs[i%len(inputs)], now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := nik.ParseAt("3273015506909999", now); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
