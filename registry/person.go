package registry

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"tepat"
	"tepat/db"
	"tepat/nik"
)

var errPersonNotFound = tepat.Reasonf(tepat.ENOTFOUND, "NIK_TIDAK_DITEMUKAN", "orang dengan NIK tersebut tidak ditemukan")

// Person is a current member of the registry with the derived facts of the
// day it was read and the family it belongs to. NIK and NoKK are masked
// unless the person was read with reveal.
type Person struct {
	Member
	Umur        int       `json:"umur"`     // age in whole years on the day read
	Komponen    []string  `json:"komponen"` // PKH components, see Components
	FamilyID    int64     `json:"family_id"`
	NoKK        string    `json:"no_kk"`
	KodeWilayah string    `json:"kode_wilayah"` // the family's village
	NamaWilayah string    `json:"nama_wilayah"`
	Revealed    bool      `json:"revealed"`
	Version     int64     `json:"version"`    // registry version of the person's current row
	UpdatedAt   time.Time `json:"updated_at"` // when that version was made
}

// PersonByNIK returns the current member with the given NIK (16 digits,
// checked with nik.Parse: malformed input is EINVALID with nik's reasons),
// with their family. It needs PermRegistryRead; a person whose family lies
// outside the actor's scope is not found (NIK_TIDAK_DITEMUKAN), exactly
// like a NIK that is not in the registry. With reveal, NIK and KK number
// are shown in full: that needs PermRevealPII and is audited (pii.reveal on
// the family, no number in the entry).
func PersonByNIK(ctx context.Context, d *db.DB, s string, reveal bool) (Person, error) {
	a := tepat.ActorFrom(ctx)
	if err := requireRead(a, reveal); err != nil {
		return Person{}, err
	}
	if _, err := nik.Parse(s); err != nil {
		return Person{}, err
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	scope, args, err := scopeFilter(a, "f.village", "", 2)
	if err != nil {
		return Person{}, err
	}
	var p Person
	var nikN, born, kk, village int64
	err = d.QueryRow(ctx, `SELECT p.nik, p.nama, p.jenis_kelamin, p.tanggal_lahir, p.hubungan, p.hamil, p.disabilitas_berat, p.sekolah, p.status,
			p.ver_from, c.at, f.id, f.no_kk, f.village
		FROM person p
		JOIN family f ON f.id = p.family_id AND f.ver_to IS NULL
		JOIN registry_change c ON c.version = p.ver_from
		WHERE p.nik = $1 AND p.ver_to IS NULL AND `+scope, append([]any{n}, args...)...).Scan(
		&nikN, &p.Nama, &p.JenisKelamin, &born, &p.Hubungan, &p.Hamil, &p.DisabilitasBerat, &p.Sekolah, &p.Status,
		&p.Version, &p.UpdatedAt, &p.FamilyID, &kk, &village)
	if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return Person{}, errPersonNotFound
	} else if err != nil {
		return Person{}, err
	}
	p.NIK = number16(nikN, reveal)
	p.NoKK = number16(kk, reveal)
	p.TanggalLahir = dateString(born)
	p.KodeWilayah, p.NamaWilayah = villageName(village)
	p.Revealed = reveal
	now := time.Now()
	p.Umur = AgeOn(p.TanggalLahir, now)
	p.Komponen = Components(p.Member, now)
	if p.Komponen == nil {
		p.Komponen = []string{}
	}
	if reveal {
		if err := recordReveal(ctx, d, fmt.Sprintf("family:%d", p.FamilyID), p.KodeWilayah,
			"NIK satu anggota dan nomor KK-nya ditampilkan utuh (cari NIK)"); err != nil {
			return Person{}, err
		}
	}
	return p, nil
}
