package nik_test

import (
	"fmt"
	"testing"
	"time"

	"tepat/nik"
)

func TestBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		district string
		birth    time.Time
		female   bool
		serial   int
		want     string
	}{
		{"PlainDistrictMale", "320101", date(1990, 6, 15), false, 1, "3201011506900001"},
		{"DottedDistrictFemale", "32.73.01", date(1990, 6, 15), true, 9999, "3273015506909999"},
		{"YearOf2000s", "317101", date(2007, 1, 9), false, 120, "3171010901070120"},
		{"SerialModulo10000", "320101", date(1990, 6, 15), false, 10001, "3201011506900001"},
		{"ShortDistrictPadded", "32", date(1990, 6, 15), false, 1, "3200001506900001"},
		{"LocalDateUsed", "320101", time.Date(1990, 6, 15, 23, 30, 0, 0, time.FixedZone("WIT", 9*3600)), false, 1, "3201011506900001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := nik.Build(tt.district, tt.birth, tt.female, tt.serial); got != tt.want {
				t.Fatalf("Build = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendNIKDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	birth := date(1990, 6, 15)
	if n := testing.AllocsPerRun(100, func() {
		buf = nik.AppendNIK(buf[:0], "320101", birth, true, 5)
	}); n != 0 {
		t.Fatalf("AppendNIK allocates %v times per call, want 0", n)
	}
	if string(buf) != "3201015506900005" {
		t.Fatalf("AppendNIK = %q", buf)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"KeepsFirstAndLastFour", "3201011506900001", "3201********0001"},
		{"HidesShortInput", "320101150690001", "****************"},
		{"HidesLongInput", "32010115069000011", "****************"},
		{"HidesEmpty", "", "****************"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := nik.Mask(tt.in); got != tt.want {
				t.Fatalf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkAppendNIK(b *testing.B) {
	buf := make([]byte, 0, 16)
	birth := date(1990, 6, 15)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = nik.AppendNIK(buf[:0], "320101", birth, i&1 == 0, i%9999+1)
	}
}

func ExampleParseAt() {
	now := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	n, err := nik.ParseAt("3273015506900042", now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.District, n.BirthDate.Format("2006-01-02"), n.Female, n.Serial)

	_, err = nik.ParseAt("3273013102900042", now)
	fmt.Println(err)
	// Output:
	// 32.73.01 1990-06-15 true 42
	// NIK_TANGGAL_TIDAK_VALID: tanggal lahir pada NIK tidak valid: tanggal 31 bulan 02 tidak ada di kalender
}

func ExampleMask() {
	fmt.Println(nik.Mask("3273015506900042"))
	// Output: 3273********0042
}

func ExampleBuild() {
	birth := time.Date(1990, 6, 15, 0, 0, 0, 0, time.UTC)
	fmt.Println(nik.Build("32.73.01", birth, true, 42))
	// Output: 3273015506900042
}
