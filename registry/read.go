package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/nik"
)

var errFamilyNotFound = tepat.Reasonf(tepat.ENOTFOUND, "KELUARGA_TIDAK_DITEMUKAN", "keluarga tidak ditemukan")

// GetFamily returns the family with the given id, with its members. A
// family outside the actor's scope is not found. With reveal, KK number and
// NIKs are shown in full: that needs PermRevealPII and is audited.
func GetFamily(ctx context.Context, d *db.DB, id int64, reveal bool) (Family, error) {
	return getFamily(ctx, d, "f.id = $1", id, reveal)
}

// FamilyByKK is GetFamily by KK number (16 digits).
func FamilyByKK(ctx context.Context, d *db.DB, noKK string, reveal bool) (Family, error) {
	if err := nik.ParseKK(noKK); err != nil {
		return Family{}, err
	}
	n, _ := strconv.ParseInt(noKK, 10, 64)
	return getFamily(ctx, d, "f.no_kk = $1", n, reveal)
}

func getFamily(ctx context.Context, d *db.DB, cond string, key int64, reveal bool) (Family, error) {
	a := tepat.ActorFrom(ctx)
	if err := requireRead(a, reveal); err != nil {
		return Family{}, err
	}
	scope, args, err := scopeFilter(a, "f.village", "", 2)
	if err != nil {
		return Family{}, err
	}
	var f Family
	var kk, village int64
	err = d.QueryRow(ctx, `SELECT f.id, f.no_kk, f.village, f.desil, f.alamat, f.ver_from, c.at FROM family f JOIN registry_change c ON c.version = f.ver_from
		WHERE `+cond+` AND f.ver_to IS NULL AND `+scope,
		append([]any{key}, args...)...).Scan(&f.ID, &kk, &village, &f.Desil, &f.Alamat, &f.Version, &f.UpdatedAt)
	if err != nil {
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return Family{}, errFamilyNotFound
		}
		return Family{}, err
	}
	f.NoKK = number16(kk, reveal)
	f.KodeWilayah, f.NamaWilayah = villageName(village)
	f.Revealed = reveal
	rows, err := d.Query(ctx, `SELECT nik, nama, jenis_kelamin, tanggal_lahir, hubungan, hamil, disabilitas_berat, sekolah, status
		FROM person WHERE family_id = $1 AND ver_to IS NULL ORDER BY CASE hubungan WHEN 'KEPALA' THEN 0 WHEN 'PASANGAN' THEN 1 ELSE 2 END, tanggal_lahir`, f.ID)
	if err != nil {
		return Family{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		var n, born int64
		if err := rows.Scan(&n, &m.Nama, &m.JenisKelamin, &born, &m.Hubungan, &m.Hamil, &m.DisabilitasBerat, &m.Sekolah, &m.Status); err != nil {
			return Family{}, err
		}
		m.NIK = number16(n, reveal)
		m.TanggalLahir = dateString(born)
		f.Members = append(f.Members, m)
	}
	if err := rows.Err(); err != nil {
		return Family{}, err
	}
	f.Jiwa = len(f.Members)
	if reveal {
		if err := recordReveal(ctx, d, fmt.Sprintf("family:%d", f.ID), f.KodeWilayah,
			fmt.Sprintf("nomor KK dan %d NIK ditampilkan utuh", len(f.Members))); err != nil {
			return Family{}, err
		}
	}
	return f, nil
}

// Query selects families for ListFamilies.
type Query struct {
	Region string // dotted or plain code of any level; "" = the actor's whole scope
	Name   string // part of a member's name, case-insensitive
	After  int64  // families with a larger id (keyset pagination)
	Limit  int    // default 50, at most 500
}

// ListFamilies returns families within the actor's scope matching q, in id
// order, masked, with the head's name and the number of members.
func ListFamilies(ctx context.Context, d *db.DB, q Query) ([]Family, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 500 {
		q.Limit = 500
	}
	if q.Region != "" && !Overlaps(a, q.Region) {
		// Outside the scope answers as if the region did not exist.
		return nil, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL", "kode wilayah %q tidak dikenal", q.Region)
	}
	scope, args, err := scopeFilter(a, "f.village", q.Region, 4)
	if err != nil {
		return nil, err
	}
	name := NormalizeName(q.Name)
	if name == "" && strings.TrimSpace(q.Name) != "" {
		return nil, nil // nothing searchable in the query: no name matches it
	}
	if len(name) > 100 {
		name = name[:100]
	}
	pattern := ""
	if name != "" {
		pattern = "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(name) + "%"
	}
	rows, err := d.Query(ctx, `SELECT f.id, f.no_kk, f.village, f.desil, f.alamat, f.ver_from,
			(SELECT p.nama FROM person p WHERE p.family_id = f.id AND p.ver_to IS NULL AND p.hubungan = 'KEPALA'),
			(SELECT COUNT(*) FROM person p WHERE p.family_id = f.id AND p.ver_to IS NULL)
		FROM family f
		WHERE f.ver_to IS NULL AND f.id > $1 AND `+scope+`
		  AND ($2 = '' OR EXISTS (SELECT 1 FROM person p WHERE p.family_id = f.id AND p.ver_to IS NULL AND p.nama_norm LIKE $2 ESCAPE '\'))
		ORDER BY f.id LIMIT $3`, append([]any{q.After, pattern, q.Limit}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Family
	for rows.Next() {
		var f Family
		var kk, village int64
		var head *string
		if err := rows.Scan(&f.ID, &kk, &village, &f.Desil, &f.Alamat, &f.Version, &head, &f.Jiwa); err != nil {
			return nil, err
		}
		f.NoKK = number16(kk, false)
		f.KodeWilayah, f.NamaWilayah = villageName(village)
		if head != nil {
			f.Kepala = *head
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
