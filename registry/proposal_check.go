package registry

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tepat"
	"tepat/db"
	"tepat/household"
	"tepat/nik"
	"tepat/region"
)

// maxProposalMembers bounds a proposed family; a KK has a few dozen
// members at most.
const maxProposalMembers = 100

// proposalTargetInfo is what Propose stores for a proposal: the family and
// member concerned, the village that scopes it, the payload, and a summary
// for the audit log without personal data.
type proposalTargetInfo struct {
	familyID, nik any // int64 or nil
	village       int64
	doc           proposalDoc
	summary       string
}

// proposalTarget checks np against the registry as a sees it, inside tx.
func proposalTarget(ctx context.Context, tx *db.Tx, a *tepat.Actor, np NewProposal, reason string, now time.Time) (proposalTargetInfo, error) {
	var t proposalTargetInfo
	switch np.Kind {
	case ProposalAddFamily:
		if np.Family == nil {
			return t, invalidProposal("data keluarga (family) wajib diisi")
		}
		s, err := checkNewFamily(np.Family, now)
		if err != nil {
			return t, err
		}
		if !a.InRegion(s.fam.KodeWilayah) {
			return t, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL", "kode wilayah %q tidak dikenal", s.fam.KodeWilayah)
		}
		if err := checkFamilyFree(ctx, tx, s); err != nil {
			return t, err
		}
		fam := familyOf(s)
		t.village, t.doc.Family = s.village, &fam
		t.summary = fmt.Sprintf("keluarga baru KK %s, %d anggota", nik.Mask(fam.NoKK), len(fam.Members))
	case ProposalRemoveFamily:
		cur, err := currentFamily(ctx, tx, a, "f.id = $1", np.FamilyID)
		if err != nil {
			return t, err
		}
		if err := checkNoOpenProposal(ctx, tx, `kind = 'HAPUS_KELUARGA' AND family_id = $1`, cur.id); err != nil {
			return t, err
		}
		t.familyID, t.village = cur.id, cur.village
		t.summary = fmt.Sprintf("hapus keluarga %d (%d anggota)", cur.id, len(cur.fam.Members))
	case ProposalChangeMember, ProposalRemoveMember:
		n, err := parseProposalNIK(np.NIK)
		if err != nil {
			return t, err
		}
		cur, err := currentFamily(ctx, tx, a, "f.id = (SELECT family_id FROM person WHERE nik = $1 AND ver_to IS NULL)", n)
		if tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return t, errMemberNotFound
		} else if err != nil {
			return t, err
		}
		if err := checkNoOpenProposal(ctx, tx, `nik = $1`, n); err != nil {
			return t, err
		}
		key := strconv.FormatInt(n, 10)
		var next NewFamily
		if np.Kind == ProposalChangeMember {
			if np.Member == nil {
				return t, invalidProposal("data anggota (member) wajib diisi")
			}
			if np.Member.NIK != "" && np.Member.NIK != key {
				return t, invalidProposal("NIK anggota tidak dapat diubah; usulkan hapus anggota lalu tambahkan keluarga dengan data yang benar")
			}
			next = cur.withMember(n, np.Member)
		} else {
			if m := cur.fam.member(key); m != nil && m.Status == reason {
				return t, invalidProposal("anggota ini sudah berstatus " + reason)
			}
			next = cur.withoutMember(n, reason)
			if len(next.Members) == 0 {
				return t, invalidProposal("anggota ini satu-satunya anggota keluarga; usulkan HAPUS_KELUARGA")
			}
		}
		s, err := checkNewFamily(&next, now)
		if err != nil {
			return t, err
		}
		if np.Kind == ProposalChangeMember {
			fam := familyOf(s)
			m, was := fam.member(key), cur.fam.member(key)
			if m == nil || was == nil || *m == *was {
				return t, invalidProposal("data anggota yang diusulkan sama dengan data terdaftar")
			}
			t.doc.Member = m
		}
		t.familyID, t.nik, t.village = cur.id, n, cur.village
		t.summary = fmt.Sprintf("keluarga %d, NIK %s", cur.id, nik.Mask(key))
	}
	return t, nil
}

func invalidProposal(msg string) error {
	return tepat.Reasonf(tepat.EINVALID, "USULAN_TIDAK_VALID", "usulan tidak valid: %s", msg)
}

func parseProposalNIK(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if len(s) != nik.Len || err != nil || n < 1e15 {
		return 0, tepat.Reasonf(tepat.EINVALID, nik.ReasonLength, "NIK harus 16 digit angka")
	}
	return n, nil
}

// checkNoOpenProposal refuses a second open proposal for the same family
// or member; cond is a constant condition on one argument.
func checkNoOpenProposal(ctx context.Context, q db.Querier, cond string, key int64) error {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM proposal WHERE status IN ('DIUSULKAN', 'DIVERIFIKASI') AND `+cond+` ORDER BY id LIMIT 1`, key).Scan(&id)
	if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return tepat.Reasonf(tepat.ECONFLICT, "USULAN_SUDAH_ADA", "usulan %d untuk keluarga atau anggota ini masih berjalan", id)
}

// checkFamilyFree refuses a new family whose KK number or a NIK is already
// current in the registry, as the import does.
func checkFamilyFree(ctx context.Context, q db.Querier, s *staged) error {
	var n int64
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM family WHERE no_kk = $1 AND ver_to IS NULL`, s.kk).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return tepat.Reasonf(tepat.ECONFLICT, "KK_SUDAH_TERDAFTAR", "nomor KK ini sudah terdaftar; usulkan perubahan anggotanya")
	}
	var taken []string
	for i := range s.fam.Members {
		v, _ := strconv.ParseInt(s.fam.Members[i].NIK, 10, 64)
		err := q.QueryRow(ctx, `SELECT COUNT(*) FROM person WHERE nik = $1 AND ver_to IS NULL`, v).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			taken = append(taken, fmt.Sprintf("anggota %d", i+1))
		}
	}
	if len(taken) > 0 {
		return tepat.Reasonf(tepat.ECONFLICT, household.CodeDuplicateNIK,
			"NIK sudah terdaftar pada keluarga lain: %s", strings.Join(taken, ", "))
	}
	return nil
}

// currentFamily is a family's current state with full numbers, for
// building what a proposal would make of it. Not shown to anyone.
type currentFam struct {
	id, village int64
	fam         NewFamily
}

// currentFamily reads the current family matching cond (one argument),
// within a's scope; outside it, or missing, it is not found.
func currentFamily(ctx context.Context, q db.Querier, a *tepat.Actor, cond string, key int64) (*currentFam, error) {
	scope, args, err := scopeFilter(a, "f.village", "", 2)
	if err != nil {
		return nil, err
	}
	c := &currentFam{}
	var kk int64
	err = q.QueryRow(ctx, `SELECT f.id, f.no_kk, f.village, f.desil, f.alamat FROM family f
		WHERE `+cond+` AND f.ver_to IS NULL AND `+scope, append([]any{key}, args...)...).Scan(&c.id, &kk, &c.village, &c.fam.Desil, &c.fam.Alamat)
	if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return nil, errFamilyNotFound
	} else if err != nil {
		return nil, err
	}
	c.fam.NoKK = strconv.FormatInt(kk, 10)
	c.fam.KodeWilayah = region.VillageCode(c.village)
	rows, err := q.Query(ctx, `SELECT nik, nama, jenis_kelamin, tanggal_lahir, hubungan, hamil, disabilitas_berat, sekolah, status
		FROM person WHERE family_id = $1 AND ver_to IS NULL ORDER BY nik`, c.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		var n, born int64
		if err := rows.Scan(&n, &m.Nama, &m.JenisKelamin, &born, &m.Hubungan, &m.Hamil, &m.DisabilitasBerat, &m.Sekolah, &m.Status); err != nil {
			return nil, err
		}
		m.NIK = strconv.FormatInt(n, 10)
		m.TanggalLahir = dateString(born)
		c.fam.Members = append(c.fam.Members, m)
	}
	return c, rows.Err()
}

// withMember is the family with the member of NIK n replaced by m.
func (c *currentFam) withMember(n int64, m *Member) NewFamily {
	f := c.fam
	f.Members = nil
	s := strconv.FormatInt(n, 10)
	for _, x := range c.fam.Members {
		if x.NIK == s {
			x = *m
			x.NIK = s
		}
		f.Members = append(f.Members, x)
	}
	return f
}

// withoutMember is the family after the member of NIK n leaves for reason:
// deceased and moved members stay on the card with status MENINGGAL or
// PINDAH, as the household file records them; for the other reasons the
// member's row is closed.
func (c *currentFam) withoutMember(n int64, reason string) NewFamily {
	f := c.fam
	f.Members = nil
	s := strconv.FormatInt(n, 10)
	for _, x := range c.fam.Members {
		if x.NIK == s {
			if reason != ReasonMeninggal && reason != ReasonPindah {
				continue
			}
			x.Status = reason
		}
		f.Members = append(f.Members, x)
	}
	return f
}

func (f *NewFamily) member(n string) *Member {
	for i := range f.Members {
		if f.Members[i].NIK == n {
			return &f.Members[i]
		}
	}
	return nil
}

// checkNewFamily validates nf with exactly the household file's rules: it
// writes nf as a one-family household CSV in memory and reads it back with
// household.NewReader (now is the reference date for birth dates). Every
// error becomes part of one EINVALID USULAN_TIDAK_VALID naming the member
// and the problem code. The family comes back staged as the importer
// stages it, with values normalised.
func checkNewFamily(nf *NewFamily, now time.Time) (*staged, error) {
	if len(nf.Members) == 0 {
		return nil, invalidProposal("keluarga tanpa anggota")
	}
	if len(nf.Members) > maxProposalMembers {
		return nil, invalidProposal(fmt.Sprintf("paling banyak %d anggota", maxProposalMembers))
	}
	var probs []string
	text := func(i int, field, s string) {
		if strings.ContainsFunc(s, unicode.IsControl) {
			probs = append(probs, fmt.Sprintf("KARAKTER_TIDAK_VALID (anggota %d, %s): memuat karakter kendali", i+1, field))
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(household.Header)
	text(0, "alamat", nf.Alamat)
	for i, m := range nf.Members {
		text(i, "nama", m.Nama)
		for _, s := range []string{nf.NoKK, m.NIK, m.JenisKelamin, m.TanggalLahir, m.Hubungan, nf.KodeWilayah, m.Sekolah, m.Status} {
			text(i, "kolom", s)
		}
		sekolah, status := m.Sekolah, m.Status
		if strings.TrimSpace(sekolah) == "" {
			sekolah = string(household.SchoolNone)
		}
		if strings.TrimSpace(status) == "" {
			status = string(household.Hidup)
		}
		w.Write([]string{nf.NoKK, m.NIK, m.Nama, m.JenisKelamin, m.TanggalLahir, m.Hubungan, nf.KodeWilayah,
			nf.Alamat, bit01(m.Hamil), bit01(m.DisabilitasBerat), sekolah, strconv.Itoa(nf.Desil), status})
	}
	w.Flush()
	if len(probs) > 0 {
		return nil, invalidProposal(strings.Join(probs, "; "))
	}
	r, err := household.NewReader(&buf, household.Options{Now: now})
	if err != nil {
		return nil, invalidProposal(tepat.ErrorMessage(err))
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, invalidProposal(tepat.ErrorMessage(err))
		}
		return nil, invalidProposal("keluarga tanpa anggota")
	}
	fam := r.Family()
	for _, p := range fam.Problems {
		if p.Severity == household.SeverityError {
			where := fmt.Sprintf("anggota %d", max(p.Line-1, 1))
			if p.Field != "" {
				where += ", " + p.Field
			}
			probs = append(probs, fmt.Sprintf("%s (%s): %s", p.Code, where, p.Message))
		}
	}
	if len(probs) > 0 {
		return nil, invalidProposal(strings.Join(probs, "; "))
	}
	s := &staged{fam: fam}
	s.kk, _ = strconv.ParseInt(fam.NoKK, 10, 64)
	s.village, _ = region.VillageNumber(fam.KodeWilayah)
	for i := range fam.Members {
		if fam.Members[i].Hubungan == household.Kepala {
			s.alamat = fam.Members[i].Alamat
		}
	}
	return s, nil
}

// familyOf is a staged family in the proposal's JSON shape, normalised.
func familyOf(s *staged) NewFamily {
	f := NewFamily{NoKK: s.fam.NoKK, KodeWilayah: s.fam.KodeWilayah, Desil: s.fam.Desil, Alamat: s.alamat}
	for i := range s.fam.Members {
		p := &s.fam.Members[i]
		f.Members = append(f.Members, Member{NIK: p.NIK, Nama: p.Nama, JenisKelamin: string(p.JenisKelamin),
			TanggalLahir: p.TanggalLahir.Format("2006-01-02"), Hubungan: string(p.Hubungan), Hamil: p.Hamil,
			DisabilitasBerat: p.DisabilitasBerat, Sekolah: string(p.Sekolah), Status: string(p.Status)})
	}
	return f
}

func bit01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
