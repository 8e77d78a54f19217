package household

import (
	"strings"
	"time"

	"tepat"
)

// epoch is day 0 of spreadsheet date serial numbers.
var epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

var (
	relations = []string{string(Kepala), string(Pasangan), string(Anak), string(Orangtua), string(Famili), string(Lainnya)}
	schools   = []string{string(SchoolNone), string(SchoolSD), string(SchoolSMP), string(SchoolSMA)}
	statuses  = []string{string(Hidup), string(Meninggal), string(Pindah)}
)

// oneOf returns the value of values that s equals ignoring case, or "".
// It returns the constant, not s, so that persons share one string.
func oneOf(s string, values []string) string {
	for _, v := range values {
		if s == v {
			return v
		}
	}
	for _, v := range values {
		if strings.EqualFold(s, v) {
			return v
		}
	}
	return ""
}

// columnIndex returns the index in header of a normalized column name.
func columnIndex(name string) (int, bool) {
	for k, h := range header {
		if name == h {
			return k, true
		}
	}
	return 0, false
}

// normName normalizes a header cell: no BOM, trimmed, lower case.
func normName(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
}

// clip shortens s to 30 characters for a message.
func clip(s string) string { return tepat.Clip(s, 30) }

// parseDate parses YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY without checking
// that the date exists.
func parseDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 {
		return 0, 0, 0, false
	}
	switch {
	case s[4] == '-' && s[7] == '-':
		y, m, d = atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10])
	case (s[2] == '-' && s[5] == '-') || (s[2] == '/' && s[5] == '/'):
		d, m, y = atoi(s[0:2]), atoi(s[3:5]), atoi(s[6:10])
	default:
		return 0, 0, 0, false
	}
	return y, m, d, y >= 0 && m >= 0 && d >= 0
}

// excelSerial parses a spreadsheet date serial number (days since
// 1899-12-30; a time fraction is ignored). Serials before 1900-03-01 are
// off by one in Excel and are rejected as dates before 1900 anyway.
func excelSerial(s string) (y, m, d int, ok bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if strings.Trim(s[i+1:], "0123456789") != "" {
			return 0, 0, 0, false
		}
		s = s[:i]
	}
	if len(s) == 0 || len(s) > 7 {
		return 0, 0, 0, false
	}
	n := atoi(s)
	if n < 0 {
		return 0, 0, 0, false
	}
	t := epoch.AddDate(0, 0, n)
	return t.Year(), int(t.Month()), t.Day(), true
}

// atoi parses 1–9 ASCII digits, returning -1 otherwise.
func atoi(s string) int {
	if len(s) == 0 || len(s) > 9 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// smallInt parses a decile cell: digits, optionally "N.0" as a spreadsheet
// may store it; -1 when it is not a whole number.
func smallInt(s string) int {
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	return atoi(s)
}

// digits returns the value of a string of ASCII digits (at most 19).
func digits(s string) uint64 {
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}

// villageSyntax reports whether s is a village code: 10 digits, plain or
// dotted as PP.KK.CC.VVVV.
func villageSyntax(s string) bool {
	switch len(s) {
	case 10:
		return atoi(s[:5]) >= 0 && atoi(s[5:]) >= 0
	case 13:
		return s[2] == '.' && s[5] == '.' && s[8] == '.' &&
			atoi(s[0:2]) >= 0 && atoi(s[3:5]) >= 0 && atoi(s[6:8]) >= 0 && atoi(s[9:13]) >= 0
	}
	return false
}

// daysIn returns the number of days of month m (1–12) in year y.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dateBefore reports whether y-m-d is before the date t.
func dateBefore(y, m, d int, t [3]int) bool {
	if y != t[0] {
		return y < t[0]
	}
	if m != t[1] {
		return m < t[1]
	}
	return d < t[2]
}
