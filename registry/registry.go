// Package registry keeps the beneficiary registry (DTKS): families (KPM)
// and their members. Every read and write is limited to the actor's region
// scope in the query itself: a family outside the scope is not found,
// exactly like one that does not exist. NIK and KK numbers are masked
// unless the caller reveals them, which is audited.
package registry

import (
	"strconv"
	"time"

	"tepat/nik"
	"tepat/region"
)

// Family is a family (KK) with its members. NoKK and member NIKs are masked
// unless the family was read with reveal.
type Family struct {
	ID          int64     `json:"id"`
	NoKK        string    `json:"no_kk"`
	KodeWilayah string    `json:"kode_wilayah"`
	NamaWilayah string    `json:"nama_wilayah"`
	Desil       int       `json:"desil"`
	Alamat      string    `json:"alamat"`
	Kepala      string    `json:"kepala,omitempty"` // name of the head, in lists
	Jiwa        int       `json:"jiwa"`             // number of members
	Members     []Member  `json:"members,omitempty"`
	Revealed    bool      `json:"revealed"`
	Version     int64     `json:"version"`             // registry version of the family's current state
	UpdatedAt   time.Time `json:"updated_at,omitzero"` // when that version was made (single-family reads)
}

// Member is one person of a family.
type Member struct {
	NIK              string `json:"nik"`
	Nama             string `json:"nama"`
	JenisKelamin     string `json:"jenis_kelamin"`
	TanggalLahir     string `json:"tanggal_lahir"` // YYYY-MM-DD
	Hubungan         string `json:"hubungan"`
	Hamil            bool   `json:"hamil"`
	DisabilitasBerat bool   `json:"disabilitas_berat"`
	Sekolah          string `json:"sekolah"`
	Status           string `json:"status"`
}

// Age returns the member's age in whole years on day t.
func (m *Member) Age(t time.Time) int {
	return max(AgeOn(m.TanggalLahir, t), 0)
}

// number16 formats a stored KK number or NIK, masked unless reveal.
func number16(n int64, reveal bool) string {
	s := strconv.FormatInt(n, 10)
	if reveal {
		return s
	}
	return nik.Mask(s)
}

// dateInt converts a date to the YYYYMMDD integer storage uses, and back.
func dateInt(t time.Time) int64 { return int64(t.Year()*10000 + int(t.Month())*100 + t.Day()) }

func dateString(n int64) string {
	return time.Date(int(n/10000), time.Month(n/100%100), int(n%100), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

func villageName(n int64) (code, name string) {
	code = region.VillageCode(n)
	if r, err := region.Lookup(code); err == nil {
		name = r.Name
	}
	return code, name
}
