package region

import "time"

// Zone is one of Indonesia's three time zones.
type Zone string

// Indonesia's time zones.
const (
	WIB  Zone = "WIB"  // Waktu Indonesia Barat, UTC+7
	WITA Zone = "WITA" // Waktu Indonesia Tengah, UTC+8
	WIT  Zone = "WIT"  // Waktu Indonesia Timur, UTC+9
)

var (
	locWIB  = time.FixedZone("WIB", 7*3600)
	locWITA = time.FixedZone("WITA", 8*3600)
	locWIT  = time.FixedZone("WIT", 9*3600)
)

// Location returns the zone as a fixed-offset location (Indonesia has no
// daylight saving time, so a fixed zone needs no tz database).
func (z Zone) Location() *time.Location {
	switch z {
	case WITA:
		return locWITA
	case WIT:
		return locWIT
	}
	return locWIB
}

// Offset returns the zone's offset from UTC in hours.
func (z Zone) Offset() int {
	switch z {
	case WITA:
		return 8
	case WIT:
		return 9
	}
	return 7
}

// provinceZone maps a two-digit province code to its zone: Sumatra, Java, and
// West and Central Kalimantan are WIB; Bali, Nusa Tenggara, the rest of
// Kalimantan and Sulawesi are WITA; Maluku and Papua are WIT.
func provinceZone(pp string) Zone {
	switch pp {
	case "51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76":
		return WITA
	case "81", "82", "91", "92", "93", "94", "95", "96":
		return WIT
	}
	return WIB
}

// TimeZone returns the zone of the region with the given code, or WIB for an
// unknown code.
func TimeZone(code string) Zone {
	r, err := Lookup(code)
	if err != nil {
		return WIB
	}
	return r.TimeZone()
}
