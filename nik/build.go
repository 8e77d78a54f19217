package nik

import "time"

// Build returns the NIK of a person registered in district, born on birth,
// with the given sex and serial. See AppendNIK for the contract.
func Build(district string, birth time.Time, female bool, serial int) string {
	var b [Len]byte
	return string(AppendNIK(b[:0], district, birth, female, serial))
}

// AppendNIK appends the 16 digits of a NIK to dst and returns the extended
// slice; it does not allocate when dst has room for 16 more bytes.
//
// district is the 6-digit district code, plain ("320101") or dotted
// ("32.01.01"); dots are skipped and the first six other bytes are copied as
// they are, padded with '0' when fewer. Only the calendar date of birth is
// used, in birth's location, with the year reduced to two digits; 40 is added
// to the day when female is true. serial is taken modulo 10000. AppendNIK does
// not validate: for the parts of a NIK returned by Parse it reproduces the
// parsed string exactly, and a generator must pass a serial of 1–9999 and an
// existing district to get a NIK that Parse accepts.
func AppendNIK(dst []byte, district string, birth time.Time, female bool, serial int) []byte {
	n := 0
	for i := 0; i < len(district) && n < 6; i++ {
		if c := district[i]; c != '.' {
			dst = append(dst, c)
			n++
		}
	}
	for ; n < 6; n++ {
		dst = append(dst, '0')
	}
	y, m, d := birth.Date()
	if female {
		d += 40
	}
	yy := y % 100
	if yy < 0 {
		yy += 100
	}
	serial %= 10000
	if serial < 0 {
		serial += 10000
	}
	return append(dst,
		byte('0'+d/10), byte('0'+d%10),
		byte('0'+int(m)/10), byte('0'+int(m)%10),
		byte('0'+yy/10), byte('0'+yy%10),
		byte('0'+serial/1000), byte('0'+serial/100%10), byte('0'+serial/10%10), byte('0'+serial%10))
}

// Mask hides the middle of a NIK or KK number for display: the first 4 and
// last 4 characters of a 16-byte string are kept and the 8 between them become
// '*' ("3201********0001"). Any other input becomes 16 '*', so that a
// mistyped number is never shown in full.
func Mask(s string) string {
	if len(s) != Len {
		return "****************"
	}
	var b [Len]byte
	copy(b[:4], s[:4])
	copy(b[4:12], "********")
	copy(b[12:], s[12:])
	return string(b[:])
}
