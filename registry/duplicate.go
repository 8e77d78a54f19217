package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// Kinds of possible duplicates, as the importer queues them.
const (
	// KindSameNameDate: two persons with the same normalised name and birth
	// date in the same district, under different NIKs, in different families.
	KindSameNameDate = "NAMA_TANGGAL_SAMA"
	// KindInFamily: the same name and birth date twice in one family.
	KindInFamily = "DALAM_KELUARGA"
)

// Statuses of a possible duplicate: open, or the decision that closed it.
const (
	DuplicateOpen = "TERBUKA"      // waiting for a dinsos decision
	KeepBoth      = "KEDUANYA_SAH" // two real persons: both stay
	AInvalid      = "A_TIDAK_SAH"  // person A is the duplicate: removed from the registry
	BInvalid      = "B_TIDAK_SAH"  // person B is the duplicate: removed from the registry
)

// StatusAll asks ListDuplicates for every status.
const StatusAll = "SEMUA"

// MaxNote is the longest decision note, in characters.
const MaxNote = 500

var errDuplicateNotFound = tepat.Reasonf(tepat.ENOTFOUND, "DUPLIKAT_TIDAK_DITEMUKAN", "kemungkinan data ganda tidak ditemukan")

// DuplicatePerson is one side of a possible duplicate. NIK is always masked.
// Nama and TanggalLahir are those of the person's latest row in that family;
// InFamily reports whether the person is still a current member of it (false
// once the person was removed, for example by a decision).
type DuplicatePerson struct {
	NIK          string `json:"nik"`
	Nama         string `json:"nama"`
	TanggalLahir string `json:"tanggal_lahir"` // YYYY-MM-DD
	InFamily     bool   `json:"in_family"`
	FamilyID     int64  `json:"family_id"`
	KodeWilayah  string `json:"kode_wilayah"` // the family's village
	NamaWilayah  string `json:"nama_wilayah"`
}

// Duplicate is a possible duplicate queued by the importer: persons A and B
// (A has the smaller NIK) and, once decided, who decided what and why.
type Duplicate struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`   // KindSameNameDate or KindInFamily
	Status      string          `json:"status"` // DuplicateOpen or a decision
	KodeWilayah string          `json:"kode_wilayah"`
	A           DuplicatePerson `json:"a"`
	B           DuplicatePerson `json:"b"`
	FoundAt     time.Time       `json:"found_at"`
	ResolvedBy  string          `json:"resolved_by,omitempty"`
	ResolvedAt  *time.Time      `json:"resolved_at,omitempty"`
	Note        string          `json:"note,omitempty"`
}

// DuplicateFilter selects possible duplicates for ListDuplicates.
type DuplicateFilter struct {
	Region string // dotted or plain code of any level; "" = the actor's whole scope
	Status string // "" = DuplicateOpen; StatusAll = every status
	// FamilyID, if not 0, keeps only pairs with a person of this family
	// (current or removed); the family must be current and within scope.
	FamilyID int64
	After    int64 // duplicates with a larger id (keyset pagination)
	Limit    int   // default 50, at most 500
}

// duplicateSelect reads a Duplicate: each side's latest row in its family
// (found through the family index, never a scan by NIK over history) and
// each family's latest row.
const duplicateSelect = `SELECT d.id, d.kind, d.status, d.village, d.found_at, d.resolved_by, d.resolved_at, d.note,
		d.nik_a, pa.nama, pa.tanggal_lahir, CASE WHEN pa.nik IS NOT NULL AND pa.ver_to IS NULL THEN 1 ELSE 0 END, d.family_a, fa.village,
		d.nik_b, pb.nama, pb.tanggal_lahir, CASE WHEN pb.nik IS NOT NULL AND pb.ver_to IS NULL THEN 1 ELSE 0 END, d.family_b, fb.village
	FROM duplicate d
	LEFT JOIN person pa ON pa.family_id = d.family_a AND pa.nik = d.nik_a
		AND pa.ver_from = (SELECT MAX(x.ver_from) FROM person x WHERE x.family_id = d.family_a AND x.nik = d.nik_a)
	LEFT JOIN person pb ON pb.family_id = d.family_b AND pb.nik = d.nik_b
		AND pb.ver_from = (SELECT MAX(x.ver_from) FROM person x WHERE x.family_id = d.family_b AND x.nik = d.nik_b)
	LEFT JOIN family fa ON fa.id = d.family_a AND fa.ver_from = (SELECT MAX(y.ver_from) FROM family y WHERE y.id = d.family_a)
	LEFT JOIN family fb ON fb.id = d.family_b AND fb.ver_from = (SELECT MAX(y.ver_from) FROM family y WHERE y.id = d.family_b)`

// ListDuplicates returns possible duplicates within the actor's scope
// (PermRegistryRead) matching f, in id order. Scope is the village of
// family A; both families always lie in one district. NIKs are masked. A
// region outside the scope is not found (KODE_WILAYAH_TIDAK_DIKENAL); an
// unknown status is EINVALID.
func ListDuplicates(ctx context.Context, d *db.DB, f DuplicateFilter) ([]Duplicate, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	switch f.Status {
	case "":
		f.Status = DuplicateOpen
	case DuplicateOpen, KeepBoth, AInvalid, BInvalid, StatusAll:
	default:
		return nil, tepat.Reasonf(tepat.EINVALID, "STATUS_TIDAK_VALID",
			"status %q tidak dikenal: TERBUKA, KEDUANYA_SAH, A_TIDAK_SAH, B_TIDAK_SAH atau SEMUA", clipName(f.Status))
	}
	if f.Region != "" && !Overlaps(a, f.Region) {
		return nil, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL", "kode wilayah %q tidak dikenal", clipName(f.Region))
	}
	args := []any{f.After, f.Limit}
	conds := []string{"d.id > $1"}
	if f.Status != StatusAll {
		args = append(args, f.Status)
		conds = append(conds, fmt.Sprintf("d.status = $%d", len(args)))
	}
	if f.FamilyID != 0 {
		// The family's district bounds the search, so the (status, village)
		// index serves it.
		var village int64
		scope, sargs, err := scopeFilter(a, "village", "", 2)
		if err != nil {
			return nil, err
		}
		err = d.QueryRow(ctx, `SELECT village FROM family WHERE id = $1 AND ver_to IS NULL AND `+scope,
			append([]any{f.FamilyID}, sargs...)...).Scan(&village)
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return nil, errFamilyNotFound
		} else if err != nil {
			return nil, err
		}
		args = append(args, village/10000*10000, village/10000*10000+9999, f.FamilyID)
		n := len(args)
		conds = append(conds, fmt.Sprintf("d.village BETWEEN $%d AND $%d AND (d.family_a = $%d OR d.family_b = $%d)", n-2, n-1, n, n))
	}
	scope, sargs, err := scopeFilter(a, "d.village", f.Region, len(args)+1)
	if err != nil {
		return nil, err
	}
	conds = append(conds, scope)
	args = append(args, sargs...)
	rows, err := d.Query(ctx, duplicateSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY d.id LIMIT $2`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Duplicate
	for rows.Next() {
		dup, err := scanDuplicate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, dup)
	}
	return out, rows.Err()
}

// GetDuplicate returns one possible duplicate; outside the actor's scope it
// is not found, exactly like one that does not exist.
func GetDuplicate(ctx context.Context, d *db.DB, id int64) (Duplicate, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return Duplicate{}, err
	}
	scope, args, err := scopeFilter(a, "d.village", "", 2)
	if err != nil {
		return Duplicate{}, err
	}
	rows, err := d.Query(ctx, duplicateSelect+` WHERE d.id = $1 AND `+scope, append([]any{id}, args...)...)
	if err != nil {
		return Duplicate{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Duplicate{}, err
		}
		return Duplicate{}, errDuplicateNotFound
	}
	return scanDuplicate(rows)
}

type scanner interface{ Scan(...any) error }

func scanDuplicate(r scanner) (Duplicate, error) {
	var dup Duplicate
	var village, nikA, nikB int64
	var bornA, bornB, villageA, villageB *int64
	var namaA, namaB, resolvedBy *string
	var inA, inB int
	if err := r.Scan(&dup.ID, &dup.Kind, &dup.Status, &village, &dup.FoundAt, &resolvedBy, &dup.ResolvedAt, &dup.Note,
		&nikA, &namaA, &bornA, &inA, &dup.A.FamilyID, &villageA,
		&nikB, &namaB, &bornB, &inB, &dup.B.FamilyID, &villageB); err != nil {
		return dup, err
	}
	dup.KodeWilayah = region.VillageCode(village)
	if resolvedBy != nil {
		dup.ResolvedBy = *resolvedBy
	}
	side := func(p *DuplicatePerson, n int64, nama *string, born, village *int64, in int) {
		p.NIK = number16(n, false)
		p.InFamily = in == 1
		if nama != nil {
			p.Nama = *nama
		}
		if born != nil {
			p.TanggalLahir = dateString(*born)
		}
		if village != nil {
			p.KodeWilayah, p.NamaWilayah = villageName(*village)
		}
	}
	side(&dup.A, nikA, namaA, bornA, villageA, inA)
	side(&dup.B, nikB, namaB, bornB, villageB, inB)
	return dup, nil
}

// Resolution is what ResolveDuplicate did.
type Resolution struct {
	Duplicate Duplicate `json:"duplicate"`
	// Version is the registry version that removed the invalid person; 0
	// when the registry did not change (KEDUANYA_SAH, or the person was
	// already gone).
	Version int64 `json:"version,omitempty"`
	// AlsoResolved lists other open duplicates of the removed person, closed
	// with the same verdict on that person.
	AlsoResolved []int64 `json:"also_resolved,omitempty"`
}

// ResolveDuplicate records a dinsos decision on an open possible duplicate
// (PermResolveDuplicate) with a note of at most MaxNote characters saying
// why. decision is KeepBoth (both stay), AInvalid or BInvalid.
//
// Marking a person invalid removes them from their family as a new registry
// version (source "duplicate:ID", the note as its reason): the person's
// current row is closed, no new row is written, and the family's history
// gets a CHANGED entry — or REMOVED, and the family row is closed too, if
// the person was its last member. Other open duplicates of the same person
// are closed with the same verdict on them. The decision, the registry
// change and the audit entry (duplicate.resolve, no personal data) are one
// transaction.
//
// A duplicate outside the actor's scope is not found, exactly like one that
// does not exist; one already decided is ECONFLICT
// (STATUS_DUPLIKAT_TIDAK_SESUAI); a person who has since moved to a family
// outside the actor's scope is ECONFLICT (ANGGOTA_DI_LUAR_LINGKUP).
func ResolveDuplicate(ctx context.Context, d *db.DB, id int64, decision, note string) (Resolution, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermResolveDuplicate); err != nil {
		return Resolution{}, err
	}
	switch decision {
	case KeepBoth, AInvalid, BInvalid:
	default:
		return Resolution{}, tepat.Reasonf(tepat.EINVALID, "KEPUTUSAN_TIDAK_VALID",
			"keputusan harus KEDUANYA_SAH, A_TIDAK_SAH atau B_TIDAK_SAH")
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return Resolution{}, tepat.Reasonf(tepat.EINVALID, "CATATAN_KOSONG", "catatan keputusan wajib diisi")
	}
	if utf8.RuneCountInString(note) > MaxNote {
		return Resolution{}, tepat.Reasonf(tepat.EINVALID, "CATATAN_TERLALU_PANJANG", "catatan keputusan paling panjang %d karakter", MaxNote)
	}
	scope, sargs, err := scopeFilter(a, "village", "", 2)
	if err != nil {
		return Resolution{}, err
	}
	var res Resolution
	err = d.InTx(ctx, func(tx *db.Tx) error {
		var status string
		var nikA, nikB, village int64
		err := tx.QueryRow(ctx, `SELECT status, nik_a, nik_b, village FROM duplicate WHERE id = $1 AND `+scope,
			append([]any{id}, sargs...)...).Scan(&status, &nikA, &nikB, &village)
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return errDuplicateNotFound
		} else if err != nil {
			return err
		}
		if status != DuplicateOpen {
			return errAlreadyDecided(status)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		summary := fmt.Sprintf("duplikat #%d diputuskan %s", id, decision)
		if decision != KeepBoth {
			target := nikA
			if decision == BInvalid {
				target = nikB
			}
			s, err := removePerson(ctx, tx, a, id, target, note, &res)
			if err != nil {
				return err
			}
			summary += "; " + s
		}
		r, err := tx.Exec(ctx, `UPDATE duplicate SET status = $2, resolved_by = $3, resolved_at = $4, note = $5
			WHERE id = $1 AND status = 'TERBUKA'`, id, decision, a.Username, now, note)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errAlreadyDecided("")
		}
		if decision != KeepBoth {
			target, verdict := nikA, AInvalid
			if decision == BInvalid {
				target = nikB
			}
			// The same person in other open pairs: the verdict on them holds there too.
			lo := village / 10000 * 10000
			rows, err := tx.Query(ctx, `UPDATE duplicate SET status = CASE WHEN nik_a = $1 THEN $2 ELSE $3 END,
					resolved_by = $4, resolved_at = $5, note = $6
				WHERE status = 'TERBUKA' AND village BETWEEN $7 AND $8 AND (nik_a = $1 OR nik_b = $1) AND id <> $9
				RETURNING id`, target, verdict, BInvalid, a.Username, now, fmt.Sprintf("ikut diputuskan bersama duplikat #%d", id), lo, lo+9999, id)
			if err != nil {
				return err
			}
			for rows.Next() {
				var other int64
				if err := rows.Scan(&other); err != nil {
					rows.Close()
					return err
				}
				res.AlsoResolved = append(res.AlsoResolved, other)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n := len(res.AlsoResolved); n > 0 {
				summary += fmt.Sprintf("; %d duplikat lain atas orang yang sama ikut diputuskan", n)
			}
		}
		_, err = audit.Record(ctx, tx, "duplicate.resolve", fmt.Sprintf("duplicate:%d", id), region.VillageCode(village), summary)
		return err
	})
	if err != nil {
		return Resolution{}, err
	}
	res.Duplicate, err = GetDuplicate(ctx, d, id)
	return res, err
}

func errAlreadyDecided(status string) error {
	if status == "" {
		return tepat.Reasonf(tepat.ECONFLICT, "STATUS_DUPLIKAT_TIDAK_SESUAI", "kemungkinan data ganda ini sudah diputuskan")
	}
	return tepat.Reasonf(tepat.ECONFLICT, "STATUS_DUPLIKAT_TIDAK_SESUAI", "kemungkinan data ganda ini sudah diputuskan (%s)", status)
}

// removePerson removes the person with NIK n from their current family as a
// new registry version and returns a summary for the audit log, without
// personal data. A person no longer in the registry changes nothing.
func removePerson(ctx context.Context, tx *db.Tx, a *tepat.Actor, dupID, n int64, note string, res *Resolution) (string, error) {
	var familyID, village int64
	err := tx.QueryRow(ctx, `SELECT p.family_id, f.village FROM person p JOIN family f ON f.id = p.family_id AND f.ver_to IS NULL
		WHERE p.nik = $1 AND p.ver_to IS NULL`, n).Scan(&familyID, &village)
	if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return "orang tersebut sudah tidak ada di registri; registri tidak berubah", nil
	} else if err != nil {
		return "", err
	}
	code := region.VillageCode(village)
	if !a.InRegion(code) {
		return "", tepat.Reasonf(tepat.ECONFLICT, "ANGGOTA_DI_LUAR_LINGKUP",
			"orang ini kini terdaftar pada keluarga di luar wilayah kewenangan Anda; keputusan harus diambil dinsos wilayah tersebut")
	}
	v, err := newVersion(ctx, tx, fmt.Sprintf("duplicate:%d", dupID), note)
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `UPDATE person SET ver_to = $1 WHERE nik = $2 AND ver_to IS NULL`, v, n); err != nil {
		return "", err
	}
	var left int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM person WHERE family_id = $1 AND ver_to IS NULL`, familyID).Scan(&left); err != nil {
		return "", err
	}
	kind, summary := "CHANGED", fmt.Sprintf("anggota −1: tercatat ganda (duplikat #%d)", dupID)
	if left == 0 {
		kind, summary = "REMOVED", fmt.Sprintf("keluarga dihapus: anggota terakhir tercatat ganda (duplikat #%d)", dupID)
		if _, err := tx.Exec(ctx, `UPDATE family SET ver_to = $1 WHERE id = $2 AND ver_to IS NULL`, v, familyID); err != nil {
			return "", err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO family_change (version, family_id, kind, village, summary) VALUES ($1, $2, $3, $4, $5)`,
		v, familyID, kind, village, summary); err != nil {
		return "", err
	}
	res.Version = v
	return fmt.Sprintf("registri versi %d: 1 anggota dihapus dari keluarga %d", v, familyID), nil
}
