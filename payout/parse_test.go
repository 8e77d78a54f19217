package payout

import (
	"strings"
	"testing"
	"time"
)

func TestCheckReportLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line  string
		codes string // problems, by column
	}{
		{"12-34,1234567890,100,BERHASIL,,2026-01-20 10:00:00", ""},
		{"12-34,1234567890,0,GAGAL,REKENING_TUTUP,", ""},
		{"12-34,1234567890,100,BERHASIL,LAINNYA,2026-01-20T10:00:00+08:00", ""},
		{"012-34,1234567890,100,BERHASIL,,2026-01-20 10:00:00", "REFERENSI_TIDAK_VALID"},
		{"+12-34,1234567890,100,BERHASIL,,2026-01-20 10:00:00", "REFERENSI_TIDAK_VALID"},
		{"12-34-5,1234567890,100,BERHASIL,,2026-01-20 10:00:00", "REFERENSI_TIDAK_VALID"},
		{"12-34-U1,1234567890,100,BERHASIL,,2026-01-20 10:00:00", ""},
		{"12-34-U0,1234567890,100,BERHASIL,,2026-01-20 10:00:00", "REFERENSI_TIDAK_VALID"},
		{"12-34-U01,1234567890,100,BERHASIL,,2026-01-20 10:00:00", "REFERENSI_TIDAK_VALID"},
		{"12-34-u1,1234567890,100,BERHASIL,,2026-01-20 10:00:00", "REFERENSI_TIDAK_VALID"},
		{"12-34,123,100,BERHASIL,,2026-01-20 10:00:00", "NOMOR_REKENING_TIDAK_VALID"},
		{"12-34,1234567890,+100,BERHASIL,,2026-01-20 10:00:00", "JUMLAH_TIDAK_VALID"},
		{"12-34,1234567890,99999999999999999999,BERHASIL,,2026-01-20 10:00:00", "JUMLAH_TIDAK_VALID"},
		{"12-34,1234567890,100,berhasil,,2026-01-20 10:00:00", "STATUS_TIDAK_VALID"},
		{"12-34,1234567890,100,BERHASIL,,2026-02-30 10:00:00", "WAKTU_TIDAK_VALID"},
		{"12-34,1234567890,100,BERHASIL,,1999-12-31 23:00:00", "WAKTU_TIDAK_VALID"},
		{",,,,,", "REFERENSI_TIDAK_VALID NOMOR_REKENING_KOSONG JUMLAH_TIDAK_VALID STATUS_TIDAK_VALID"},
	} {
		var got []string
		checkReportLine(strings.Split(tc.line, ","), func(col int, code, format string, args ...any) { got = append(got, code) })
		if strings.Join(got, " ") != tc.codes {
			t.Errorf("%q: %v, want %s", tc.line, got, tc.codes)
		}
	}
	l, ok := checkReportLine(strings.Split("12-34,1234567890,100,BERHASIL,,2026-01-20 10:00:00", ","), func(int, string, string, ...any) {})
	if !ok || l.cycleID != 12 || l.familyID != 34 || l.amount != 100 || !l.creditedAt.Equal(time.Date(2026, 1, 20, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", l)
	}
	l, ok = checkReportLine(strings.Split("12-34-U2,1234567890,100,GAGAL,LAINNYA,", ","), func(int, string, string, ...any) {})
	if !ok || l.cycleID != 12 || l.familyID != 34 || l.reissue != 2 {
		t.Fatalf("re-issue: %+v", l)
	}
}

// FuzzCheckReportLine: whatever a bank sends, a line is either refused
// with problems or gives a reference that round-trips, a non-negative
// amount and a time in UTC.
func FuzzCheckReportLine(f *testing.F) {
	f.Add("12-34", "1234567890", "100", "BERHASIL", "", "2026-01-20 10:00:00")
	f.Add("1-1", "00000", "0", "GAGAL", "LAINNYA", "")
	f.Add("1-1-U3", "00000", "0", "GAGAL", "LAINNYA", "")
	f.Add("9223372036854775807-1", "1234567890123456789012345678901", "9223372036854775807", "BERHASIL", "LAINNYA", "2026-01-20T10:00:00Z")
	f.Fuzz(func(t *testing.T, ref, acct, amount, status, reason, at string) {
		problems := 0
		l, ok := checkReportLine([]string{ref, acct, amount, status, reason, at}, func(col int, code, format string, args ...any) {
			if col < 0 || col > 5 || code == "" {
				t.Fatalf("problem at column %d: %q", col, code)
			}
			problems++
		})
		if ok != (problems == 0) {
			t.Fatalf("ok %v with %d problems", ok, problems)
		}
		if !ok {
			return
		}
		if ReissueReference(l.cycleID, l.familyID, l.reissue) != ref || l.amount < 0 || !validNumber(acct) ||
			status == StatusCredited && l.creditedAt.IsZero() || l.creditedAt.Location() != time.UTC {
			t.Fatalf("accepted %q %q %q %q %q %q as %+v", ref, acct, amount, status, reason, at, l)
		}
	})
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	for p, want := range map[Problem]string{
		{Line: 3, Code: "X", Message: "m"}:                             "baris 3: X: m",
		{Line: 3, Column: 2, Code: "X", Message: "m"}:                  "baris 3, kolom 2: X: m",
		{Line: 3, Column: 2, Field: "amount", Code: "X", Message: "m"}: "baris 3, kolom 2 (amount): X: m",
	} {
		if got := p.String(); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
