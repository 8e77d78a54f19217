package region

import (
	"strconv"

	"tepat"
)

// VillageNumber returns the plain ten-digit number of a village code
// (dotted or plain), as storage keeps it: "32.01.01.2001" → 3201012001.
func VillageNumber(code string) (int64, error) {
	key, lvl, ok := parseKey(code)
	if !ok || lvl != Village {
		return 0, tepat.Reasonf(tepat.EINVALID, "KODE_DESA_TIDAK_VALID", "kode desa/kelurahan %q tidak valid: harus 10 digit", clip(code))
	}
	return int64(key), nil
}

// VillageCode returns the dotted code of a village number.
func VillageCode(n int64) string { return Dotted(strconv.FormatInt(n, 10)) }

// VillageRange returns the smallest and largest village number that can lie
// within the region with the given code: scoping a query to a region is a
// range scan on the village number.
func VillageRange(code string) (lo, hi int64, err error) {
	r, err := Lookup(code)
	if err != nil {
		return 0, 0, err
	}
	key, lvl, _ := parseKey(r.Code)
	mul := int64(1)
	switch lvl {
	case Province:
		mul = 100000000
	case Regency:
		mul = 1000000
	case District:
		mul = 10000
	}
	lo = int64(key) * mul
	return lo, lo + mul - 1, nil
}
