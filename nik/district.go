package nik

import "sync/atomic"

// districtPages holds, for each 4-digit regency prefix seen so far, one string
// with its 100 possible dotted district codes back to back
// ("32.01.0032.01.01…32.01.99"). A dotted code is then a substring of a page,
// so Parse returns it without allocating. Pages are created only for regencies
// of existing districts, so at most a few hundred of 800 bytes each exist.
var districtPages [10000]atomic.Pointer[string]

// dottedDistrict returns the dotted form of d, which must be 6 ASCII digits.
// It is safe for concurrent use.
func dottedDistrict(d string) string {
	rk := num2(d, 0)*100 + num2(d, 2)
	cc := num2(d, 4)
	page := districtPages[rk].Load()
	if page == nil {
		b := make([]byte, 0, 100*8)
		for i := range 100 {
			b = append(b, d[0], d[1], '.', d[2], d[3], '.', byte('0'+i/10), byte('0'+i%10))
		}
		s := string(b)
		// A concurrent creator may win; both pages are equal.
		districtPages[rk].CompareAndSwap(nil, &s)
		page = districtPages[rk].Load()
	}
	return (*page)[cc*8 : cc*8+8]
}
