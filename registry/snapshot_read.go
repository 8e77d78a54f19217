package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"tepat"
	"tepat/auth"
	"tepat/db"
)

// validAt is the condition "row of alias t valid at the version in $n":
// created at or before it, not closed by then.
func validAt(t string, n int) string {
	return fmt.Sprintf("%[1]s.ver_from <= $%[2]d AND (%[1]s.ver_to IS NULL OR %[1]s.ver_to > $%[2]d)", t, n)
}

// FamilyAt returns the family with the given id as it was in the snapshot
// labelled label, with its members (PermRegistryRead). Like GetFamily, a
// family outside the actor's scope (at that snapshot) is not found and
// numbers are masked. Version and UpdatedAt give the last change to the
// family at or before the snapshot.
func FamilyAt(ctx context.Context, d *db.DB, label string, id int64) (Family, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return Family{}, err
	}
	s, err := getSnapshot(ctx, d, a, label)
	if err != nil {
		return Family{}, err
	}
	scope, args, err := scopeFilter(a, "f.village", "", 3)
	if err != nil {
		return Family{}, err
	}
	var f Family
	var kk, village int64
	err = d.QueryRow(ctx, `SELECT f.id, f.no_kk, f.village, f.desil, f.alamat, f.ver_from FROM family f
		WHERE f.id = $1 AND `+validAt("f", 2)+` AND `+scope, append([]any{id, s.Version}, args...)...).
		Scan(&f.ID, &kk, &village, &f.Desil, &f.Alamat, &f.Version)
	if err != nil {
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return Family{}, errFamilyNotFound
		}
		return Family{}, err
	}
	f.NoKK = number16(kk, false)
	f.KodeWilayah, f.NamaWilayah = villageName(village)
	// A change to members only leaves the family row as it was: the last
	// change is in family_change.
	var last *int64
	if err := d.QueryRow(ctx, `SELECT MAX(version) FROM family_change WHERE family_id = $1 AND version <= $2`, id, s.Version).Scan(&last); err != nil {
		return Family{}, err
	}
	if last != nil && *last > f.Version {
		f.Version = *last
	}
	if err := d.QueryRow(ctx, `SELECT at FROM registry_change WHERE version = $1`, f.Version).Scan(&f.UpdatedAt); err != nil {
		return Family{}, db.Translate(err)
	}
	f.UpdatedAt = f.UpdatedAt.UTC()
	rows, err := d.Query(ctx, `SELECT p.nik, p.nama, p.jenis_kelamin, p.tanggal_lahir, p.hubungan, p.hamil, p.disabilitas_berat, p.sekolah, p.status
		FROM person p WHERE p.family_id = $1 AND `+validAt("p", 2), id, s.Version)
	if err != nil {
		return Family{}, err
	}
	defer rows.Close()
	var ms []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.nik, &m.Nama, &m.JenisKelamin, &m.born, &m.Hubungan, &m.Hamil, &m.DisabilitasBerat, &m.Sekolah, &m.Status); err != nil {
			return Family{}, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return Family{}, err
	}
	setMembers(&f, ms)
	return f, nil
}

// member is a Member with the raw values it is sorted and masked from.
type member struct {
	Member
	nik, born int64
}

// setMembers sorts ms as family pages show them — head, spouse, then the
// others, each by birth date — and sets f's masked members, head and size.
func setMembers(f *Family, ms []member) {
	rank := func(h string) int {
		switch h {
		case "KEPALA":
			return 0
		case "PASANGAN":
			return 1
		}
		return 2
	}
	slices.SortFunc(ms, func(x, y member) int {
		if c := rank(x.Hubungan) - rank(y.Hubungan); c != 0 {
			return c
		}
		if c := cmp.Compare(x.born, y.born); c != 0 {
			return c
		}
		return cmp.Compare(x.nik, y.nik)
	})
	f.Members = make([]Member, len(ms))
	for i, m := range ms {
		m.NIK = number16(m.nik, false)
		m.TanggalLahir = dateString(m.born)
		f.Members[i] = m.Member
		if m.Hubungan == "KEPALA" && f.Kepala == "" {
			f.Kepala = m.Nama
		}
	}
	f.Jiwa = len(ms)
}

// EachFamilyAt calls fn for every family valid at registry version v that
// lies in the actor's scope, with its members, in id order
// (PermRegistryRead). Numbers are masked: whoever builds on a snapshot keys
// on family ids and the version. Version is the family row's version;
// UpdatedAt is not set.
//
// Families stream from one query: memory holds one family at a time,
// whatever the registry's size. v must not be newer than the registry's
// latest version (VERSI_TIDAK_VALID), since rows of a version not yet made
// could still change; a snapshot's version always qualifies. An error from
// fn stops the iteration and is returned.
func EachFamilyAt(ctx context.Context, d *db.DB, v int64, fn func(Family) error) error {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return err
	}
	head, err := CurrentVersion(ctx, d)
	if err != nil {
		return err
	}
	if v < 0 || v > head {
		return tepat.Reasonf(tepat.EINVALID, "VERSI_TIDAK_VALID", "versi registri %d tidak ada (versi terakhir %d)", v, head)
	}
	scope, args, err := scopeFilter(a, "f.village", "", 2)
	if err != nil {
		return err
	}
	rows, err := d.Query(ctx, `SELECT f.id, f.no_kk, f.village, f.desil, f.alamat, f.ver_from,
			p.nik, p.nama, p.jenis_kelamin, p.tanggal_lahir, p.hubungan, p.hamil, p.disabilitas_berat, p.sekolah, p.status
		FROM family f
		LEFT JOIN person p ON p.family_id = f.id AND `+validAt("p", 1)+`
		WHERE `+validAt("f", 1)+` AND `+scope+`
		ORDER BY f.id`, append([]any{v}, args...)...)
	if err != nil {
		return fmt.Errorf("families at %d: %w", v, err)
	}
	defer rows.Close()
	var (
		f       Family
		ms      []member
		started bool
	)
	flush := func() error {
		if !started {
			return nil
		}
		setMembers(&f, ms)
		return fn(f)
	}
	for rows.Next() {
		var (
			id, kk, village, verFrom int64
			desil                    int
			alamat                   string
			nik, born                *int64
			nama, jk, hub, sek, st   *string
			hamil, dis               *bool
		)
		if err := rows.Scan(&id, &kk, &village, &desil, &alamat, &verFrom, &nik, &nama, &jk, &born, &hub, &hamil, &dis, &sek, &st); err != nil {
			return err
		}
		if !started || id != f.ID {
			if err := flush(); err != nil {
				return err
			}
			started = true
			f = Family{ID: id, NoKK: number16(kk, false), Desil: desil, Alamat: alamat, Version: verFrom}
			f.KodeWilayah, f.NamaWilayah = villageName(village)
			ms = ms[:0]
		}
		if nik != nil {
			ms = append(ms, member{Member: Member{Nama: *nama, JenisKelamin: *jk, Hubungan: *hub, Hamil: *hamil,
				DisabilitasBerat: *dis, Sekolah: *sek, Status: *st}, nik: *nik, born: *born})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}
