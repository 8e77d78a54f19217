package nik

import (
	"tepat"
	"tepat/region"
)

// Stable reasons of the *tepat.Error values returned by ParseKK.
const (
	ReasonKKLength = "KK_PANJANG"               // not 16 characters
	ReasonKKDigit  = "KK_BUKAN_ANGKA"           // a character that is not 0–9
	ReasonKKRegion = "KK_WILAYAH_TIDAK_DIKENAL" // digits 1–4 are not a known regency
)

// ParseKK checks a family card (KK) number: exactly 16 ASCII digits whose first
// four digits are a known regency or city. A failure is a *tepat.Error with
// code tepat.EINVALID and one of the ReasonKK* reasons; the checks run in the
// order length, digits, region. ParseKK does not allocate when s is valid and
// is safe for concurrent use.
func ParseKK(s string) error {
	if err := checkDigits(s, "nomor KK", ReasonKKLength, ReasonKKDigit); err != nil {
		return err
	}
	if !region.RegencyExists(s[:4]) {
		return tepat.Reasonf(tepat.EINVALID, ReasonKKRegion,
			"kode kabupaten/kota pada nomor KK (digit 1–4: %s.%s) tidak dikenal", s[0:2], s[2:4])
	}
	return nil
}
