package registry_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/nik"
	"tepat/registry"
)

// propActor is a user acting in the proposal tests; each has its own name,
// so that "not your own proposal" can be told apart.
func propActor(name string, role tepat.Role, regions ...string) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: name, Role: role, Regions: regions})
}

// propFixture is a registry with families in 32.01 and 33.74, one family of
// 32.01 read in full, and the users of the flow.
type propFixture struct {
	d                               *db.DB
	fam                             registry.Family // revealed
	other                           registry.Family // a second family of 32.01, revealed
	pend, dinsos, dinsos2, dinsos33 context.Context
	pusat                           context.Context
}

func newPropFixture(t *testing.T, d *db.DB) *propFixture {
	t.Helper()
	load(t, d, 25, "32.01", "33.74")
	fs, err := registry.ListFamilies(sys, d, registry.Query{Region: "32.01", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	f := &propFixture{d: d}
	for _, x := range fs {
		full, err := registry.GetFamily(sys, d, x.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.fam.ID == 0 && len(full.Members) >= 3:
			f.fam = full
		case f.other.ID == 0 && len(full.Members) >= 2:
			f.other = full
		}
	}
	if f.fam.ID == 0 || f.other.ID == 0 {
		t.Fatal("no family with enough members in 32.01")
	}
	f.pend = propActor("pend1", tepat.RolePendamping, f.fam.KodeWilayah[:8])
	f.dinsos = propActor("dinsos1", tepat.RoleDinsos, "32.01")
	f.dinsos2 = propActor("dinsos2", tepat.RoleDinsos, "32.01")
	f.dinsos33 = propActor("dinsos33", tepat.RoleDinsos, "33.74")
	f.pusat = propActor("pusat1", tepat.RolePusat)
	return f
}

// child returns a member of f that is not the head.
func child(t *testing.T, f registry.Family) registry.Member {
	t.Helper()
	for _, m := range f.Members {
		if m.Hubungan != "KEPALA" && m.Status == "HIDUP" {
			return m
		}
	}
	t.Fatal("no living non-head member")
	return registry.Member{}
}

func wantErr(t *testing.T, err error, code, reason string) {
	t.Helper()
	if tepat.ErrorCode(err) != code || reason != "" && tepat.ErrorReason(err) != reason {
		t.Fatalf("want %s %s, got %v", code, reason, err)
	}
}

// newFamily builds a valid family of two in the village whose numbers are
// not in the generated registry.
func newFamily(t *testing.T, village string, serial int) *registry.NewFamily {
	t.Helper()
	born := time.Date(1980, 3, 7, 0, 0, 0, 0, time.UTC)
	wife := time.Date(1984, 11, 21, 0, 0, 0, 0, time.UTC)
	return &registry.NewFamily{
		NoKK: fmt.Sprintf("3201999999990%03d", serial), KodeWilayah: village, Desil: 2, Alamat: "Jl. Usulan No. 1",
		Members: []registry.Member{
			{NIK: nik.Build("32.01.01", born, false, 9900+serial), Nama: "Budi Usulan", JenisKelamin: "L", TanggalLahir: "1980-03-07", Hubungan: "KEPALA"},
			{NIK: nik.Build("32.01.01", wife, true, 9900+serial), Nama: "Sari Usulan", JenisKelamin: "P", TanggalLahir: "1984-11-21", Hubungan: "PASANGAN"},
		},
	}
}

// through takes a proposal through verification and determination.
func (f *propFixture) through(t *testing.T, p registry.Proposal) registry.Proposal {
	t.Helper()
	p, err := registry.Verify(f.dinsos2, f.d, p.ID, true, "dikunjungi")
	if err != nil || p.Status != registry.Diverifikasi {
		t.Fatalf("verify: %+v %v", p, err)
	}
	p, err = registry.Determine(f.pusat, f.d, p.ID, true, "")
	if err != nil {
		t.Fatalf("determine: %v", err)
	}
	return p
}

func TestProposalFlow(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newPropFixture(t, d)
		ctx := context.Background()

		t.Run("RemoveDeceasedMemberAppliesAfterDetermination", func(t *testing.T) {
			m := child(t, f.fam)
			p, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: m.NIK, Reason: "meninggal"})
			if err != nil || p.Status != registry.Diusulkan || p.Reason != "MENINGGAL" || p.NIK != nik.Mask(m.NIK) || p.FamilyID != f.fam.ID || p.KodeWilayah != f.fam.KodeWilayah {
				t.Fatalf("propose: %+v %v", p, err)
			}
			if fam, _ := registry.GetFamily(sys, d, f.fam.ID, true); fam.Version != f.fam.Version {
				t.Fatal("a proposal changed the registry before determination")
			}
			p, err = registry.Verify(f.dinsos, d, p.ID, true, "kunjungan rumah: benar meninggal")
			if err != nil || p.Status != registry.Diverifikasi || p.VerifiedBy != "dinsos1" || p.VerifiedAt.IsZero() {
				t.Fatalf("verify: %+v %v", p, err)
			}
			p, err = registry.Determine(f.pusat, d, p.ID, true, "ditetapkan")
			if err != nil || p.Status != registry.Ditetapkan || p.DeterminedBy != "pusat1" || p.Version == 0 || p.DetermineNote != "ditetapkan" {
				t.Fatalf("determine: %+v %v", p, err)
			}
			fam, err := registry.GetFamily(sys, d, f.fam.ID, true)
			if err != nil || len(fam.Members) != len(f.fam.Members) {
				t.Fatalf("family after: %+v %v", fam, err)
			}
			for _, x := range fam.Members {
				if want := map[bool]string{true: "MENINGGAL", false: x.Status}[x.NIK == m.NIK]; x.Status != want {
					t.Errorf("member status %s, want %s", x.Status, want)
				}
			}
			var kind, summary, source string
			if err := d.QueryRow(ctx, `SELECT kind, summary FROM family_change WHERE family_id = $1 AND version = $2`, f.fam.ID, p.Version).Scan(&kind, &summary); err != nil || kind != "CHANGED" {
				t.Fatalf("family_change: %s %s %v", kind, summary, err)
			}
			d.QueryRow(ctx, `SELECT source FROM registry_change WHERE version = $1`, p.Version).Scan(&source)
			if source != "proposal:"+strconv.FormatInt(p.ID, 10) {
				t.Errorf("registry_change source %q", source)
			}
			es, err := audit.List(ctx, d, audit.Filter{Action: "proposal."})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range es {
				if e.Object != "proposal:"+strconv.FormatInt(p.ID, 10) {
					continue
				}
				actions = append(actions, e.Action+"/"+e.Actor)
				if strings.Contains(e.Summary, m.NIK) || strings.Contains(e.Summary, m.Nama) || strings.Contains(e.Summary, f.fam.NoKK) {
					t.Errorf("audit summary holds personal data: %q", e.Summary)
				}
				if e.Region != f.fam.KodeWilayah {
					t.Errorf("audit region %q", e.Region)
				}
			}
			if strings.Join(actions, " ") != "proposal.create/pend1 proposal.verify/dinsos1 proposal.determine/pusat1" {
				t.Errorf("audit: %v", actions)
			}
			if res, err := audit.Verify(ctx, d); err != nil || !res.OK {
				t.Errorf("audit chain: %+v %v", res, err)
			}
		})

		t.Run("CannotSkipAStep", func(t *testing.T) {
			p, err := registry.Propose(f.dinsos, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.other.ID, Reason: registry.ReasonMampu})
			if err != nil {
				t.Fatal(err)
			}
			_, err = registry.Determine(f.pusat, d, p.ID, true, "")
			wantErr(t, err, tepat.ECONFLICT, "STATUS_USULAN_TIDAK_SESUAI")
			if _, err := registry.GetFamily(sys, d, f.other.ID, false); err != nil {
				t.Fatalf("family removed by a skipped step: %v", err)
			}
			t.Run("VerifyOwnProposalRefused", func(t *testing.T) {
				_, err := registry.Verify(f.dinsos, d, p.ID, true, "")
				wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BOLEH_MEMVERIFIKASI_SENDIRI")
			})
			t.Run("OtherRegionIsNotFound", func(t *testing.T) {
				_, err := registry.Verify(f.dinsos33, d, p.ID, true, "")
				_, missing := registry.Verify(f.dinsos33, d, p.ID+1000, true, "")
				wantErr(t, err, tepat.ENOTFOUND, "USULAN_TIDAK_DITEMUKAN")
				if err.Error() != missing.Error() {
					t.Errorf("foreign %v / missing %v", err, missing)
				}
				if _, err := registry.GetProposal(f.dinsos33, d, p.ID, false); tepat.ErrorCode(err) != tepat.ENOTFOUND {
					t.Errorf("get: %v", err)
				}
				ps, err := registry.ListProposals(f.dinsos33, d, registry.ProposalFilter{})
				if err != nil || len(ps) != 0 {
					t.Errorf("listed %d foreign proposals: %v", len(ps), err)
				}
				_, err = registry.Propose(f.dinsos33, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.other.ID, Reason: "PINDAH"})
				_, missing = registry.Propose(f.dinsos33, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: 1e9, Reason: "PINDAH"})
				wantErr(t, err, tepat.ENOTFOUND, "KELUARGA_TIDAK_DITEMUKAN")
				if err.Error() != missing.Error() {
					t.Errorf("foreign %v / missing %v", err, missing)
				}
			})
			t.Run("SecondOpenProposalRefused", func(t *testing.T) {
				_, err := registry.Propose(f.dinsos2, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.other.ID, Reason: "PINDAH"})
				wantErr(t, err, tepat.ECONFLICT, "USULAN_SUDAH_ADA")
			})
			t.Run("RejectedByPusatNeverApplies", func(t *testing.T) {
				if _, err := registry.Verify(f.dinsos2, d, p.ID, true, "ok"); err != nil {
					t.Fatal(err)
				}
				if _, err := registry.Verify(f.dinsos2, d, p.ID, true, "ok"); tepat.ErrorCode(err) != tepat.ECONFLICT {
					t.Fatalf("verified twice: %v", err)
				}
				_, err := registry.Determine(f.pusat, d, p.ID, false, "")
				wantErr(t, err, tepat.EINVALID, "CATATAN_WAJIB")
				v0, _ := registry.CurrentVersion(ctx, d)
				r, err := registry.Determine(f.pusat, d, p.ID, false, "belum memenuhi syarat")
				if err != nil || r.Status != registry.Ditolak || r.Version != 0 || r.DetermineNote != "belum memenuhi syarat" {
					t.Fatalf("%+v %v", r, err)
				}
				if v1, _ := registry.CurrentVersion(ctx, d); v1 != v0 {
					t.Errorf("registry version moved %d → %d", v0, v1)
				}
				if _, err := registry.GetFamily(sys, d, f.other.ID, false); err != nil {
					t.Fatalf("rejected removal applied: %v", err)
				}
				_, err = registry.Determine(f.pusat, d, p.ID, true, "")
				wantErr(t, err, tepat.ECONFLICT, "STATUS_USULAN_TIDAK_SESUAI")
				es, _ := audit.List(ctx, d, audit.Filter{Action: "proposal.reject"})
				if len(es) != 1 || es[0].Actor != "pusat1" {
					t.Errorf("reject audit: %+v", es)
				}
			})
		})

		t.Run("RejectedAtVerificationNeverApplies", func(t *testing.T) {
			p, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.fam.ID, Reason: "TIDAK_DITEMUKAN"})
			if err != nil {
				t.Fatal(err)
			}
			p, err = registry.Verify(f.dinsos, d, p.ID, false, "keluarga ditemukan di alamat")
			if err != nil || p.Status != registry.Ditolak {
				t.Fatalf("%+v %v", p, err)
			}
			_, err = registry.Determine(f.pusat, d, p.ID, true, "")
			wantErr(t, err, tepat.ECONFLICT, "STATUS_USULAN_TIDAK_SESUAI")
			if _, err := registry.GetFamily(sys, d, f.fam.ID, false); err != nil {
				t.Fatalf("rejected removal applied: %v", err)
			}
		})

		t.Run("RolesOutsideTheirStep", func(t *testing.T) {
			_, err := registry.Propose(f.pusat, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.fam.ID, Reason: "MAMPU"})
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
			for _, r := range []tepat.Role{tepat.RoleAuditor, tepat.RoleSatgas, tepat.RoleAdmin, tepat.RoleHumas} {
				_, err := registry.Propose(as(r), d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.fam.ID, Reason: "MAMPU"})
				wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
			}
			_, err = registry.Verify(f.pend, d, 1, true, "")
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
			_, err = registry.Determine(f.dinsos, d, 1, true, "")
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		})

		t.Run("BadReasonsRefused", func(t *testing.T) {
			_, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.fam.ID, Reason: "BOSAN"})
			wantErr(t, err, tepat.EINVALID, "ALASAN_TIDAK_VALID")
			_, err = registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: newFamily(t, f.fam.KodeWilayah, 1), Reason: strings.Repeat("x", 501)})
			wantErr(t, err, tepat.EINVALID, "ALASAN_TIDAK_VALID")
			_, err = registry.Propose(f.pend, d, registry.NewProposal{Kind: "LAINNYA", Reason: "x"})
			wantErr(t, err, tepat.EINVALID, "JENIS_USULAN_TIDAK_DIKENAL")
		})

		t.Run("ChangeMemberApplies", func(t *testing.T) {
			m := child(t, f.other)
			changed := m
			changed.DisabilitasBerat = !m.DisabilitasBerat
			changed.NIK = ""
			p, err := registry.Propose(f.dinsos, d, registry.NewProposal{Kind: registry.ProposalChangeMember, NIK: m.NIK, Member: &changed, Reason: "hasil asesmen disabilitas"})
			if err != nil || p.Member == nil || p.Member.DisabilitasBerat == m.DisabilitasBerat || p.Member.NIK != nik.Mask(m.NIK) {
				t.Fatalf("%+v %v", p, err)
			}
			same := m
			_, err = registry.Propose(f.dinsos2, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: same.NIK, Reason: "PINDAH"})
			wantErr(t, err, tepat.ECONFLICT, "USULAN_SUDAH_ADA")
			p = f.through(t, p)
			if p.Status != registry.Ditetapkan || p.Version == 0 {
				t.Fatalf("%+v", p)
			}
			fam, _ := registry.GetFamily(sys, d, f.other.ID, true)
			for _, x := range fam.Members {
				if x.NIK == m.NIK && x.DisabilitasBerat == m.DisabilitasBerat {
					t.Error("member not changed")
				}
			}
			t.Run("InvalidChangeRefused", func(t *testing.T) {
				bad := m
				bad.JenisKelamin = map[string]string{"L": "P", "P": "L"}[m.JenisKelamin]
				bad.Hamil = false
				_, err := registry.Propose(f.dinsos, d, registry.NewProposal{Kind: registry.ProposalChangeMember, NIK: m.NIK, Member: &bad, Reason: "salah ketik"})
				wantErr(t, err, tepat.EINVALID, "USULAN_TIDAK_VALID")
				if !strings.Contains(tepat.ErrorMessage(err), "NIK_JENIS_KELAMIN_TIDAK_SESUAI") {
					t.Errorf("message: %s", tepat.ErrorMessage(err))
				}
			})
		})

		t.Run("AddFamily", func(t *testing.T) {
			t.Run("InvalidNIKRefused", func(t *testing.T) {
				nf := newFamily(t, f.fam.KodeWilayah, 2)
				nf.Members[1].TanggalLahir = "1990-01-01" // the NIK says 1984-11-21
				_, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: nf, Reason: "keluarga baru hasil musdes"})
				wantErr(t, err, tepat.EINVALID, "USULAN_TIDAK_VALID")
				if msg := tepat.ErrorMessage(err); !strings.Contains(msg, "NIK_TANGGAL_TIDAK_SESUAI") || strings.Contains(msg, nf.Members[1].NIK) {
					t.Errorf("message: %s", msg)
				}
				nf = newFamily(t, f.fam.KodeWilayah, 2)
				nf.Members[0].NIK = "123"
				_, err = registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: nf, Reason: "keluarga baru"})
				wantErr(t, err, tepat.EINVALID, "USULAN_TIDAK_VALID")
			})
			t.Run("OutsideScopeIsUnknownRegion", func(t *testing.T) {
				_, err := registry.Propose(f.dinsos33, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: newFamily(t, f.fam.KodeWilayah, 3), Reason: "keluarga baru"})
				wantErr(t, err, tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL")
			})
			t.Run("ExistingNIKRefused", func(t *testing.T) {
				nf := newFamily(t, f.fam.KodeWilayah, 4)
				nf.Members[1] = child(t, f.other)
				nf.Members[1].Hubungan = "ANAK"
				_, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: nf, Reason: "keluarga baru"})
				wantErr(t, err, tepat.ECONFLICT, "NIK_GANDA")
			})
			t.Run("NIKTakenBeforeDeterminationAppliesNothing", func(t *testing.T) {
				a, b := newFamily(t, f.fam.KodeWilayah, 5), newFamily(t, f.fam.KodeWilayah, 6)
				b.Members[1] = a.Members[1] // the same wife in two proposed families
				pa, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: a, Reason: "keluarga baru A"})
				if err != nil {
					t.Fatal(err)
				}
				pb, err := registry.Propose(f.dinsos, d, registry.NewProposal{Kind: registry.ProposalAddFamily, Family: b, Reason: "keluarga baru B"})
				if err != nil {
					t.Fatal(err)
				}
				if pa.Family == nil || pa.Family.NoKK != nik.Mask(a.NoKK) || len(pa.Family.Members) != 2 {
					t.Fatalf("payload: %+v", pa.Family)
				}
				pa = f.through(t, pa)
				if pa.Status != registry.Ditetapkan || pa.FamilyID == 0 || pa.Version == 0 {
					t.Fatalf("%+v", pa)
				}
				got, err := registry.FamilyByKK(sys, d, a.NoKK, false)
				if err != nil || got.ID != pa.FamilyID || got.Jiwa != 2 || got.KodeWilayah != a.KodeWilayah {
					t.Fatalf("added family: %+v %v", got, err)
				}
				if _, err := registry.Verify(f.dinsos2, d, pb.ID, true, ""); err != nil {
					t.Fatal(err)
				}
				v0, _ := registry.CurrentVersion(ctx, d)
				_, err = registry.Determine(f.pusat, d, pb.ID, true, "")
				wantErr(t, err, tepat.ECONFLICT, "NIK_GANDA")
				if v1, _ := registry.CurrentVersion(ctx, d); v1 != v0 {
					t.Errorf("registry version moved %d → %d", v0, v1)
				}
				if _, err := registry.FamilyByKK(sys, d, b.NoKK, false); tepat.ErrorCode(err) != tepat.ENOTFOUND {
					t.Errorf("family B applied: %v", err)
				}
				pb, _ = registry.GetProposal(sys, d, pb.ID, false)
				if pb.Status != registry.Diverifikasi || pb.DeterminedBy != "" {
					t.Errorf("refused determination left %+v", pb)
				}
			})
		})

		t.Run("RemoveMemberAsDuplicateClosesTheRow", func(t *testing.T) {
			m := child(t, f.fam)
			before, _ := registry.GetFamily(sys, d, f.fam.ID, true)
			p, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: m.NIK, Reason: registry.ReasonGanda})
			if err != nil {
				t.Fatal(err)
			}
			f.through(t, p)
			after, _ := registry.GetFamily(sys, d, f.fam.ID, true)
			if len(after.Members) != len(before.Members)-1 {
				t.Fatalf("members %d → %d", len(before.Members), len(after.Members))
			}
			for _, x := range after.Members {
				if x.NIK == m.NIK {
					t.Fatal("removed member still current")
				}
			}
		})

		t.Run("HeadCannotBeRemovedAlone", func(t *testing.T) {
			var head registry.Member
			for _, m := range f.fam.Members {
				if m.Hubungan == "KEPALA" {
					head = m
				}
			}
			_, err := registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: head.NIK, Reason: registry.ReasonGanda})
			wantErr(t, err, tepat.EINVALID, "USULAN_TIDAK_VALID")
			if !strings.Contains(tepat.ErrorMessage(err), "KEPALA_TIDAK_ADA") {
				t.Errorf("message: %s", tepat.ErrorMessage(err))
			}
			_, err = registry.Propose(f.pend, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: "3201000000000000", Reason: registry.ReasonGanda})
			wantErr(t, err, tepat.ENOTFOUND, "NIK_TIDAK_DITEMUKAN")
		})

		t.Run("RemoveFamilyClosesEveryRow", func(t *testing.T) {
			p, err := registry.Propose(f.dinsos, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.other.ID, Reason: registry.ReasonPindah})
			if err != nil {
				t.Fatal(err)
			}
			p = f.through(t, p)
			if _, err := registry.GetFamily(sys, d, f.other.ID, false); tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatalf("family still there: %v", err)
			}
			var persons int
			var kind string
			d.QueryRow(ctx, `SELECT COUNT(*) FROM person WHERE family_id = $1 AND ver_to IS NULL`, f.other.ID).Scan(&persons)
			d.QueryRow(ctx, `SELECT kind FROM family_change WHERE family_id = $1 AND version = $2`, f.other.ID, p.Version).Scan(&kind)
			if persons != 0 || kind != "REMOVED" {
				t.Fatalf("persons %d, change %q", persons, kind)
			}
			// A proposal on a family removed meanwhile cannot be made.
			_, err = registry.Propose(f.dinsos, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: f.other.ID, Reason: "PINDAH"})
			wantErr(t, err, tepat.ENOTFOUND, "KELUARGA_TIDAK_DITEMUKAN")
		})

		t.Run("ListFiltersAndScope", func(t *testing.T) {
			all, err := registry.ListProposals(f.pusat, d, registry.ProposalFilter{})
			if err != nil || len(all) < 5 {
				t.Fatalf("%d %v", len(all), err)
			}
			done, _ := registry.ListProposals(f.pusat, d, registry.ProposalFilter{Status: registry.Ditetapkan})
			for _, p := range done {
				if p.Status != registry.Ditetapkan {
					t.Errorf("status filter: %s", p.Status)
				}
			}
			if len(done) == 0 || len(done) == len(all) {
				t.Errorf("status filter: %d of %d", len(done), len(all))
			}
			page, _ := registry.ListProposals(f.pusat, d, registry.ProposalFilter{After: all[0].ID, Limit: 2})
			if len(page) != 2 || page[0].ID <= all[0].ID {
				t.Errorf("keyset page: %+v", page)
			}
			byFam, _ := registry.ListProposals(f.pusat, d, registry.ProposalFilter{FamilyID: f.fam.ID})
			for _, p := range byFam {
				if p.FamilyID != f.fam.ID {
					t.Errorf("family filter: %d", p.FamilyID)
				}
			}
			if _, err := registry.ListProposals(f.dinsos, d, registry.ProposalFilter{Region: "33"}); tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Errorf("region outside scope: %v", err)
			}
			if _, err := registry.ListProposals(f.pusat, d, registry.ProposalFilter{Status: "X"}); tepat.ErrorCode(err) != tepat.EINVALID {
				t.Errorf("unknown status: %v", err)
			}
			if _, err := registry.ListProposals(as(tepat.RoleHumas), d, registry.ProposalFilter{}); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
				t.Errorf("humas listed proposals: %v", err)
			}
			full, err := registry.GetProposal(f.dinsos, d, all[0].ID, true)
			if err != nil || !full.Revealed || strings.Contains(full.NIK, "*") {
				t.Fatalf("reveal: %+v %v", full, err)
			}
			if _, err := registry.GetProposal(propActor("sat", tepat.RoleSatgas, "32.01"), d, all[0].ID, true); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
				t.Errorf("satgas revealed: %v", err)
			}
		})
	})
}
