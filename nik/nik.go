// Package nik parses and builds the two 16-digit numbers of Indonesia's civil
// registry: the NIK (Nomor Induk Kependudukan) of a person and the number of a
// family card (KK). Parsing checks every part of the number against the region
// codes of package region and reports exactly what is wrong with a stable
// reason, so that an operator can correct the data at its source.
//
// A NIK is laid out as PP KK CC DDMMYY SSSS: the province, regency and district
// of registration (together a district code), the birth date with 40 added to
// the day for women, and a serial number. The district is where the NIK was
// issued, not necessarily where the person lives now.
package nik

import (
	"time"
	"unicode/utf8"

	"tepat"
	"tepat/region"
)

// Len is the number of digits of a NIK and of a KK number.
const Len = 16

// Stable reasons of the *tepat.Error values returned by Parse and ParseAt.
// They never change once published: API clients and import reports rely on them.
const (
	ReasonLength    = "NIK_PANJANG"               // not 16 characters
	ReasonDigit     = "NIK_BUKAN_ANGKA"           // a character that is not 0–9
	ReasonRegion    = "NIK_WILAYAH_TIDAK_DIKENAL" // digits 1–6 are not a known district
	ReasonBirthDate = "NIK_TANGGAL_TIDAK_VALID"   // digits 7–12 are not a calendar date
	ReasonSerial    = "NIK_NOMOR_URUT"            // digits 13–16 are 0000
)

// NIK is the information encoded in a valid NIK. It holds no copy of the
// number itself: callers keep the string they parsed.
type NIK struct {
	// District is the dotted district code of registration, e.g. "32.01.01".
	District string
	// BirthDate is the birth date at midnight UTC. The two-digit year is
	// resolved to the latest century that does not put it after the
	// reference date, so people older than 100 years get a wrong century.
	BirthDate time.Time
	// Female reports whether 40 was added to the day of birth.
	Female bool
	// Serial is the serial number, 1–9999.
	Serial int
}

// Parse is ParseAt with the current time as the reference date.
func Parse(s string) (NIK, error) {
	return ParseAt(s, time.Now())
}

// ParseAt parses s, which must be exactly 16 ASCII digits with no spaces or
// separators, and resolves the century of the birth year so that the birth
// date is not after now's calendar date (in now's location).
//
// Every failure is a *tepat.Error with code tepat.EINVALID, one of the Reason*
// reasons and a message in Bahasa Indonesia that names the offending part but
// never repeats the whole number. Checks run in the order length, digits,
// region, date, serial; the first failure is returned. ParseAt is safe for
// concurrent use and does not allocate when s is valid.
func ParseAt(s string, now time.Time) (NIK, error) {
	if err := checkDigits(s, "NIK", ReasonLength, ReasonDigit); err != nil {
		return NIK{}, err
	}
	if !region.DistrictExists(s[:6]) {
		return NIK{}, tepat.Reasonf(tepat.EINVALID, ReasonRegion,
			"kode kecamatan pada NIK (digit 1–6: %s.%s.%s) tidak dikenal", s[0:2], s[2:4], s[4:6])
	}
	day := num2(s, 6)
	month := num2(s, 8)
	female := day > 40
	if female {
		day -= 40
	}
	if day < 1 || day > 31 {
		return NIK{}, tepat.Reasonf(tepat.EINVALID, ReasonBirthDate,
			"tanggal lahir pada NIK tidak valid: digit 7–8 harus 01–31 (laki-laki) atau 41–71 (perempuan)")
	}
	if month < 1 || month > 12 {
		return NIK{}, tepat.Reasonf(tepat.EINVALID, ReasonBirthDate,
			"tanggal lahir pada NIK tidak valid: bulan (digit 9–10) harus 01–12")
	}
	year := resolveYear(num2(s, 10), time.Month(month), day, now)
	if day > daysIn(time.Month(month), year) {
		return NIK{}, tepat.Reasonf(tepat.EINVALID, ReasonBirthDate,
			"tanggal lahir pada NIK tidak valid: tanggal %02d bulan %02d tidak ada di kalender", day, month)
	}
	serial := num2(s, 12)*100 + num2(s, 14)
	if serial == 0 {
		return NIK{}, tepat.Reasonf(tepat.EINVALID, ReasonSerial,
			"nomor urut NIK (digit 13–16) tidak boleh 0000")
	}
	return NIK{
		District:  dottedDistrict(s[:6]),
		BirthDate: time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC),
		Female:    female,
		Serial:    serial,
	}, nil
}

// checkDigits reports whether s is exactly Len ASCII digits. what names the
// number in messages ("NIK", "nomor KK").
func checkDigits(s, what, reasonLength, reasonDigit string) *tepat.Error {
	if len(s) != Len {
		// A 16-character string with multi-byte characters is a digit
		// problem, not a length problem.
		if n := utf8.RuneCountInString(s); n != Len {
			return tepat.Reasonf(tepat.EINVALID, reasonLength,
				"%s harus 16 digit, tetapi panjangnya %d karakter", what, n)
		}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			return tepat.Reasonf(tepat.EINVALID, reasonDigit,
				"%s hanya boleh berisi angka, tetapi karakter ke-%d bukan angka",
				what, utf8.RuneCountInString(s[:i])+1)
		}
	}
	return nil
}

// num2 returns the two-digit number at s[i:i+2]; the digits are already checked.
func num2(s string, i int) int {
	return int(s[i]-'0')*10 + int(s[i+1]-'0')
}

// resolveYear returns the year ending in yy of the latest century in which
// the date yy-month-day is not after now's calendar date.
func resolveYear(yy int, month time.Month, day int, now time.Time) int {
	ny, nm, nd := now.Date()
	y := ny - ny%100 + yy
	if y > ny || (y == ny && (month > nm || (month == nm && day > nd))) {
		y -= 100
	}
	return y
}

// daysIn returns the number of days of month m in year y (proleptic Gregorian).
func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
