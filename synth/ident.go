package synth

import "tepat"

// Unique NIK and KK numbers in constant memory.
//
// NIK = district(6) DDMMYY serial(4), with 40 added to DD for women. The
// allocator keeps one counter per (district, sex, YY) — 2 × 100 counters per
// district, about 2.9 MB for the whole country whatever the number of families
// — and gives each person serial = counter+1, then increments it. Two people
// with the same key get different serials; two people with different keys
// differ in the district digits, the year digits or the day digits (01–31 for
// men, 41–71 for women). So no NIK is ever issued twice. When a key has used
// all 9,999 serials, the person is registered in the next district of the same
// province that still has one (the NIK's district is where a person was
// registered, not where they live); only when every district of the province
// is exhausted does generation fail with errCapacity.
//
// KK = district(6) DDMMYY serial(4), where DDMMYY is the issue date. One
// counter per (district, issue year) over a window of kkYears years: the c-th
// card of a district and year is issued on day (c·113 + offset) mod 365 of
// that year with serial c/365 + 1. Within one block of 365 consecutive c the
// serial is the same and, 113 being prime to 365, the days all differ; across
// blocks the serials differ; and different districts or years (the window is
// shorter than a century) differ in the digits. Serials stay small, as on
// real cards, where they count the cards a district issues in one day. When a
// district and year are full (3.6 million cards) the next year of the window
// is used, then the next district of the same regency, so the first four
// digits always stay the family's regency.

// kkYears is the number of issue years: cards are dated in the kkYears
// calendar years before the reference date's year.
const kkYears = 26

// errCapacity reports that a region ran out of NIK or KK numbers.
var errCapacity = tepat.Reasonf(tepat.EINVALID, "SYNTH_KAPASITAS",
	"jumlah keluarga terlalu besar untuk wilayah ini: nomor NIK/KK unik habis")

type idents struct {
	s      *scope
	nik    []uint16 // per district: [sex][yy]
	kk     []uint32 // per district: [year - firstKK]
	firstY int      // first issue year
}

func newIdents(s *scope, refYear int) *idents {
	n := len(s.districts)
	return &idents{
		s:      s,
		nik:    make([]uint16, n*200),
		kk:     make([]uint32, n*kkYears),
		firstY: refYear - kkYears,
	}
}

// nikSerial allocates a serial for a person registered in district d and
// returns it with the district actually used.
func (id *idents) nikSerial(d int32, female bool, birthYear int) (int32, int, error) {
	slot := int(birthYear % 100)
	if female {
		slot += 100
	}
	if c := &id.nik[int(d)*200+slot]; *c < 9999 {
		*c++
		return d, int(*c), nil
	}
	ds := id.s.provinces[id.s.districts[d].prov].districts
	start := int(id.s.districts[d].provPos)
	for i := 1; i < len(ds); i++ {
		o := ds[(start+i)%len(ds)]
		if c := &id.nik[int(o)*200+slot]; *c < 9999 {
			*c++
			return o, int(*c), nil
		}
	}
	return 0, 0, errCapacity
}

// kkNumber allocates a family card for a family living in district d whose
// card was, ideally, issued in year. It appends the 16 digits to dst.
func (id *idents) kkNumber(dst []byte, d int32, year int) ([]byte, error) {
	yi := min(max(year-id.firstY, 0), kkYears-1)
	ds := id.s.regencies[id.s.districts[d].reg]
	start := int(id.s.districts[d].regPos)
	for i := range ds {
		o := ds[(start+i)%len(ds)]
		for j := range kkYears {
			y := (yi + j) % kkYears
			c := &id.kk[int(o)*kkYears+y]
			if *c >= 365*9999 {
				continue
			}
			n := int(*c)
			*c++
			doy := (n*113 + int(o)*37) % 365
			iss := dateOf(dayOf(id.firstY+y, 1, 1) + doy)
			dst = append(dst, id.s.districts[o].plain...)
			dst = append2(dst, iss.d)
			dst = append2(dst, iss.m)
			dst = append2(dst, iss.y%100)
			return append4(dst, n/365+1), nil
		}
	}
	return dst, errCapacity
}

func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}
