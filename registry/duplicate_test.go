package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

// testdata/duplicates.csv holds, in 32.01.01, three "Budi Santoso" born
// 1980-05-12 in three families (three pairs), one family listing Rina twice
// (DALAM_KELUARGA), and "Ahmad Fauzi" as the only member of one family and
// the head of another; plus Budi Santoso in 33.74 and in another district of
// 32.01, which are not duplicates of those.
const (
	nikBudi1, nikBudi5, nikBudi9 = "3201011205800001", "3201011205800005", "3201011205800009"
	nikRina3, nikRina4           = "3201016001100003", "3201016001100004"
	nikAhmad7, nikAhmad8         = "3201013011750007", "3201013011750008"
	kk1, kk2, kk4, kk33          = "3201010101190001", "3201010101190002", "3201010101190004", "3374010101190007"
)

func importDuplicates(t *testing.T, d *db.DB) registry.ImportSummary {
	t.Helper()
	st, err := registry.Import(sys, d, "testdata/duplicates.csv", registry.ImportOptions{Now: synth.DefaultReference})
	if err != nil || st.FamiliesAccepted != 7 || st.FamiliesRejected != 0 {
		t.Fatalf("import: %+v %v", st, err)
	}
	return st
}

func familyID(t *testing.T, d *db.DB, kk string) int64 {
	t.Helper()
	f, err := registry.FamilyByKK(sys, d, kk, false)
	if err != nil {
		t.Fatalf("family %s…: %v", kk[:6], err)
	}
	return f.ID
}

// pair finds the queued duplicate of two NIKs (A is the smaller).
func pair(t *testing.T, dups []registry.Duplicate, a, b string) registry.Duplicate {
	t.Helper()
	for _, d := range dups {
		if d.A.NIK == mask(a) && d.B.NIK == mask(b) {
			return d
		}
	}
	t.Fatalf("no duplicate %s/%s in %d", mask(a), mask(b), len(dups))
	return registry.Duplicate{}
}

func mask(n string) string { return n[:4] + "********" + n[12:] }

func TestDuplicatesQueuedOnImport(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		if st := importDuplicates(t, d); st.PossibleDuplicates != 5 {
			t.Fatalf("possible duplicates %d, want 5", st.PossibleDuplicates)
		}
		dups, err := registry.ListDuplicates(sys, d, registry.DuplicateFilter{})
		if err != nil || len(dups) != 5 {
			t.Fatalf("%d %v", len(dups), err)
		}
		rina := pair(t, dups, nikRina3, nikRina4)
		if rina.Kind != registry.KindInFamily || rina.A.FamilyID != rina.B.FamilyID || rina.A.Nama != "Rina" || rina.B.Nama != "RINA" {
			t.Errorf("in-family pair: %+v", rina)
		}
		budi := pair(t, dups, nikBudi1, nikBudi5)
		if budi.Kind != registry.KindSameNameDate || budi.A.FamilyID == budi.B.FamilyID || budi.Status != registry.DuplicateOpen ||
			budi.A.TanggalLahir != "1980-05-12" || budi.B.Nama != "Budi  Santoso" || !budi.A.InFamily ||
			budi.A.KodeWilayah != "32.01.01.1001" || budi.B.KodeWilayah != "32.01.01.1002" || budi.FoundAt.IsZero() {
			t.Errorf("pair across families: %+v", budi)
		}
		pair(t, dups, nikBudi1, nikBudi9)
		pair(t, dups, nikBudi5, nikBudi9)
		pair(t, dups, nikAhmad7, nikAhmad8)
		for _, dup := range dups {
			if strings.HasPrefix(dup.KodeWilayah, "33") || strings.HasPrefix(dup.KodeWilayah, "32.01.02") {
				t.Errorf("a pair across districts was queued: %+v", dup)
			}
		}
		t.Run("ImportingAgainQueuesNothingNew", func(t *testing.T) {
			if st := importDuplicates(t, d); st.PossibleDuplicates != 0 {
				t.Fatalf("%+v", st)
			}
		})
		t.Run("PagesByID", func(t *testing.T) {
			first, _ := registry.ListDuplicates(sys, d, registry.DuplicateFilter{Limit: 2})
			rest, _ := registry.ListDuplicates(sys, d, registry.DuplicateFilter{After: first[1].ID})
			if len(first) != 2 || len(rest) != 3 || rest[0].ID <= first[1].ID {
				t.Fatalf("%d + %d", len(first), len(rest))
			}
		})
		t.Run("UnknownStatusIsInvalid", func(t *testing.T) {
			if _, err := registry.ListDuplicates(sys, d, registry.DuplicateFilter{Status: "x"}); tepat.ErrorCode(err) != tepat.EINVALID {
				t.Fatal(err)
			}
		})
	})
}

func TestDuplicateListIsScoped(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		importDuplicates(t, d)
		for _, tc := range []struct {
			name string
			ctx  context.Context
			want int
		}{
			{"DinsosOfTheRegency", as(tepat.RoleDinsos, "32.01"), 5},
			{"PendampingOfTheDistrict", as(tepat.RolePendamping, "32.01.01"), 5},
			{"PendampingOfAnotherDistrict", as(tepat.RolePendamping, "32.01.02"), 0},
			{"DinsosOfAnotherProvince", as(tepat.RoleDinsos, "33"), 0},
			{"NationalAuditor", as(tepat.RoleAuditor), 5},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dups, err := registry.ListDuplicates(tc.ctx, d, registry.DuplicateFilter{})
				if err != nil || len(dups) != tc.want {
					t.Fatalf("%d %v", len(dups), err)
				}
			})
		}
		t.Run("ForeignRegionIsNotFound", func(t *testing.T) {
			_, err := registry.ListDuplicates(as(tepat.RoleDinsos, "33"), d, registry.DuplicateFilter{Region: "32.01"})
			if tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatal(err)
			}
		})
		t.Run("RolesWithoutRegistryAccess", func(t *testing.T) {
			for _, r := range []tepat.Role{tepat.RoleAdmin, tepat.RoleHumas, tepat.RoleBank} {
				if _, err := registry.ListDuplicates(as(r), d, registry.DuplicateFilter{}); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
					t.Errorf("%s: %v", r, err)
				}
			}
		})
		t.Run("ByFamily", func(t *testing.T) {
			dups, err := registry.ListDuplicates(as(tepat.RoleDinsos, "32.01"), d, registry.DuplicateFilter{FamilyID: familyID(t, d, kk1)})
			if err != nil || len(dups) != 3 { // Budi twice, Rina once
				t.Fatalf("%d %v", len(dups), err)
			}
			_, err = registry.ListDuplicates(as(tepat.RoleDinsos, "33"), d, registry.DuplicateFilter{FamilyID: familyID(t, d, kk1)})
			if tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatal(err)
			}
		})
	})
}

func TestResolveDuplicate(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		importDuplicates(t, d)
		dinsos := as(tepat.RoleDinsos, "32.01")
		dups, _ := registry.ListDuplicates(sys, d, registry.DuplicateFilter{})
		budi15 := pair(t, dups, nikBudi1, nikBudi5)
		budi59 := pair(t, dups, nikBudi5, nikBudi9)
		budi19 := pair(t, dups, nikBudi1, nikBudi9)
		rina := pair(t, dups, nikRina3, nikRina4)
		ahmad := pair(t, dups, nikAhmad7, nikAhmad8)

		t.Run("OnlyDinsosMayResolve", func(t *testing.T) {
			for _, r := range []tepat.Role{tepat.RolePendamping, tepat.RolePusat, tepat.RoleAuditor, tepat.RoleSatgas, tepat.RoleAdmin} {
				_, err := registry.ResolveDuplicate(as(r, "32.01.01"), d, budi15.ID, registry.KeepBoth, "cek lapangan")
				if tepat.ErrorCode(err) != tepat.EFORBIDDEN {
					t.Errorf("%s: %v", r, err)
				}
			}
		})
		t.Run("ForeignDinsosGetsNotFound", func(t *testing.T) {
			_, errForeign := registry.ResolveDuplicate(as(tepat.RoleDinsos, "33"), d, budi15.ID, registry.KeepBoth, "x")
			_, errMissing := registry.ResolveDuplicate(as(tepat.RoleDinsos, "33"), d, 1e9, registry.KeepBoth, "x")
			if tepat.ErrorCode(errForeign) != tepat.ENOTFOUND || errForeign.Error() != errMissing.Error() {
				t.Fatalf("foreign %v / missing %v", errForeign, errMissing)
			}
		})
		t.Run("DecisionAndNoteAreChecked", func(t *testing.T) {
			if _, err := registry.ResolveDuplicate(dinsos, d, budi15.ID, "HAPUS", "x"); tepat.ErrorReason(err) != "KEPUTUSAN_TIDAK_VALID" {
				t.Error(err)
			}
			if _, err := registry.ResolveDuplicate(dinsos, d, budi15.ID, registry.KeepBoth, "  "); tepat.ErrorReason(err) != "CATATAN_KOSONG" {
				t.Error(err)
			}
		})

		k2 := familyID(t, d, kk2)
		before, _ := registry.CurrentVersion(context.Background(), d)
		t.Run("MarkingBInvalidRemovesThePerson", func(t *testing.T) {
			res, err := registry.ResolveDuplicate(dinsos, d, budi15.ID, registry.BInvalid, "NIK ganda menurut Dukcapil")
			if err != nil {
				t.Fatal(err)
			}
			if res.Version != before+1 || res.Duplicate.Status != registry.BInvalid || res.Duplicate.ResolvedBy != "u-dinsos" ||
				res.Duplicate.ResolvedAt == nil || res.Duplicate.B.InFamily || !res.Duplicate.A.InFamily || res.Duplicate.B.Nama != "Budi  Santoso" {
				t.Fatalf("%+v", res)
			}
			if !slices.Equal(res.AlsoResolved, []int64{budi59.ID}) {
				t.Errorf("also resolved %v, want [%d]", res.AlsoResolved, budi59.ID)
			}
			if _, err := registry.PersonByNIK(sys, d, nikBudi5, false); tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Errorf("removed person still found: %v", err)
			}
			f, err := registry.GetFamily(sys, d, k2, false)
			if err != nil || len(f.Members) != 1 || f.Members[0].Nama != "Dewi Lestari" {
				t.Fatalf("%+v %v", f, err)
			}
			h, err := registry.FamilyHistory(dinsos, d, k2)
			if err != nil || len(h) != 2 || h[0].Kind != "CHANGED" || h[1].Kind != "ADDED" || h[0].Version != res.Version ||
				h[0].Source != "duplicate:"+itoa(budi15.ID) || h[0].Note != "NIK ganda menurut Dukcapil" || h[0].Actor != "u-dinsos" {
				t.Fatalf("history %+v %v", h, err)
			}
			open, _ := registry.ListDuplicates(sys, d, registry.DuplicateFilter{})
			if len(open) != 3 || pair(t, open, nikBudi1, nikBudi9).ID != budi19.ID {
				t.Errorf("open after resolve: %d", len(open))
			}
			other, _ := registry.GetDuplicate(sys, d, budi59.ID)
			if other.Status != registry.AInvalid || !strings.Contains(other.Note, itoa(budi15.ID)) {
				t.Errorf("pair of the same person: %+v", other)
			}
			es, _ := audit.List(context.Background(), d, audit.Filter{Action: "duplicate.resolve"})
			if len(es) != 1 || es[0].Actor != "u-dinsos" || es[0].Object != "duplicate:"+itoa(budi15.ID) || es[0].Region != "32.01.01.1001" {
				t.Fatalf("audit %+v", es)
			}
			for _, secret := range []string{nikBudi1, nikBudi5, kk2, "Budi", "Dukcapil"} {
				if strings.Contains(es[0].Summary, secret) {
					t.Errorf("audit summary holds %q: %s", secret, es[0].Summary)
				}
			}
		})
		t.Run("SecondDecisionIsAConflict", func(t *testing.T) {
			_, err := registry.ResolveDuplicate(dinsos, d, budi15.ID, registry.KeepBoth, "lagi")
			if tepat.ErrorCode(err) != tepat.ECONFLICT || tepat.ErrorReason(err) != "STATUS_DUPLIKAT_TIDAK_SESUAI" {
				t.Fatal(err)
			}
			if _, err := registry.ResolveDuplicate(dinsos, d, budi59.ID, registry.KeepBoth, "lagi"); tepat.ErrorCode(err) != tepat.ECONFLICT {
				t.Fatal(err)
			}
		})
		t.Run("KeepBothLeavesTheRegistry", func(t *testing.T) {
			v0, _ := registry.CurrentVersion(context.Background(), d)
			res, err := registry.ResolveDuplicate(dinsos, d, rina.ID, registry.KeepBoth, "kembar")
			v1, _ := registry.CurrentVersion(context.Background(), d)
			if err != nil || res.Version != 0 || v1 != v0 || res.Duplicate.Status != registry.KeepBoth || !res.Duplicate.A.InFamily || !res.Duplicate.B.InFamily {
				t.Fatalf("%+v %v (%d → %d)", res, err, v0, v1)
			}
		})
		t.Run("RemovingTheLastMemberRemovesTheFamily", func(t *testing.T) {
			k4 := familyID(t, d, kk4)
			res, err := registry.ResolveDuplicate(dinsos, d, ahmad.ID, registry.AInvalid, "terdaftar dua kali")
			if err != nil || res.Version == 0 {
				t.Fatalf("%+v %v", res, err)
			}
			if _, err := registry.GetFamily(sys, d, k4, false); tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatalf("family still there: %v", err)
			}
			h, err := registry.FamilyHistory(dinsos, d, k4)
			if err != nil || len(h) != 2 || h[0].Kind != "REMOVED" {
				t.Fatalf("%+v %v", h, err)
			}
			st, _ := registry.RegionStats(sys, d, "32.01.01")
			if st.Families != 4 || st.Persons != 8 {
				t.Errorf("stats after removals: %+v", st)
			}
		})
		t.Run("FailedDecisionChangesNothing", func(t *testing.T) {
			v0, _ := registry.CurrentVersion(context.Background(), d)
			_, err := registry.ResolveDuplicate(as(tepat.RoleDinsos, "33"), d, budi19.ID, registry.AInvalid, "x")
			v1, _ := registry.CurrentVersion(context.Background(), d)
			if tepat.ErrorCode(err) != tepat.ENOTFOUND || v1 != v0 {
				t.Fatalf("%v (%d → %d)", err, v0, v1)
			}
			if p, err := registry.PersonByNIK(sys, d, nikBudi1, false); err != nil || p.Nama != "Budi Santoso" {
				t.Fatalf("%v", err)
			}
		})
	})
}

func TestPersonByNIK(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		importDuplicates(t, d)
		dinsos := as(tepat.RoleDinsos, "32.01")
		t.Run("Masked", func(t *testing.T) {
			p, err := registry.PersonByNIK(dinsos, d, nikRina3, false)
			if err != nil || p.NIK != mask(nikRina3) || p.NoKK != mask(kk1) || p.FamilyID != familyID(t, d, kk1) ||
				p.KodeWilayah != "32.01.01.1001" || p.Nama != "Rina" || p.Revealed || !slices.Contains(p.Komponen, registry.CompSMP) ||
				p.Umur != registry.AgeOn("2010-01-20", time.Now()) || p.Version == 0 || p.UpdatedAt.IsZero() {
				t.Fatalf("%+v %v", p, err)
			}
		})
		t.Run("RevealedAndAudited", func(t *testing.T) {
			p, err := registry.PersonByNIK(dinsos, d, nikRina3, true)
			if err != nil || p.NIK != nikRina3 || p.NoKK != kk1 || !p.Revealed {
				t.Fatalf("%+v %v", p, err)
			}
			es, _ := audit.List(context.Background(), d, audit.Filter{Action: "pii.reveal"})
			if len(es) != 1 || es[0].Object != "family:"+itoa(p.FamilyID) || strings.Contains(es[0].Summary, nikRina3) {
				t.Fatalf("%+v", es)
			}
			if _, err := registry.PersonByNIK(as(tepat.RoleSatgas), d, nikRina3, true); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
				t.Fatalf("satgas revealed: %v", err)
			}
		})
		t.Run("OutOfScopeIsNotFound", func(t *testing.T) {
			_, errForeign := registry.PersonByNIK(dinsos, d, "3374011205800011", false)
			_, errMissing := registry.PersonByNIK(dinsos, d, "3201011205800099", false)
			if tepat.ErrorCode(errForeign) != tepat.ENOTFOUND || errForeign.Error() != errMissing.Error() || strings.Contains(errForeign.Error(), "3374") {
				t.Fatalf("foreign %v / missing %v", errForeign, errMissing)
			}
			if p, err := registry.PersonByNIK(as(tepat.RoleDinsos, "33"), d, "3374011205800011", false); err != nil || p.KodeWilayah != "33.74.01.1001" {
				t.Fatalf("%+v %v", p, err)
			}
		})
		t.Run("MalformedIsInvalid", func(t *testing.T) {
			for _, s := range []string{"", "123", "320101120580000x", "3201013213800001"} {
				if _, err := registry.PersonByNIK(dinsos, d, s, false); tepat.ErrorCode(err) != tepat.EINVALID {
					t.Errorf("%q: %v", s, err)
				}
			}
		})
		t.Run("NeedsRegistryRead", func(t *testing.T) {
			if _, err := registry.PersonByNIK(as(tepat.RoleHumas), d, nikRina3, false); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
				t.Fatal(err)
			}
		})
	})
}

func TestFamilyHistoryAfterReimport(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		importDuplicates(t, d)
		b, err := os.ReadFile("testdata/duplicates.csv")
		if err != nil {
			t.Fatal(err)
		}
		// Family 1 moves from decile 2 to 3.
		changed := strings.ReplaceAll(string(b), ",SMP,2,HIDUP", ",SMP,3,HIDUP")
		changed = strings.ReplaceAll(changed, "3201010101190001,3201011205800001,Budi Santoso,L,1980-05-12,KEPALA,32.01.01.1001,Jl. Raya 1,0,0,TIDAK,2,",
			"3201010101190001,3201011205800001,Budi Santoso,L,1980-05-12,KEPALA,32.01.01.1001,Jl. Raya 1,0,0,TIDAK,3,")
		changed = strings.ReplaceAll(changed, "3201010101190001,3201014308830002,Siti Aminah,P,1983-08-03,PASANGAN,32.01.01.1001,Jl. Raya 1,1,0,TIDAK,2,",
			"3201010101190001,3201014308830002,Siti Aminah,P,1983-08-03,PASANGAN,32.01.01.1001,Jl. Raya 1,1,0,TIDAK,3,")
		path := filepath.Join(t.TempDir(), "changed.csv")
		os.WriteFile(path, []byte(changed), 0o644)
		ctx := as(tepat.RoleDinsos, "32.01")
		st, err := registry.Import(ctx, d, path, registry.ImportOptions{Now: synth.DefaultReference})
		if err != nil || st.FamiliesAccepted != 6 || st.FamiliesRejected != 1 || st.FamiliesUnchanged != 5 {
			t.Fatalf("%+v %v", st, err) // the family in 33.74 is outside the scope
		}
		id := familyID(t, d, kk1)
		h, err := registry.FamilyHistory(ctx, d, id)
		if err != nil || len(h) != 2 {
			t.Fatalf("%+v %v", h, err)
		}
		if h[0].Kind != "CHANGED" || !strings.Contains(h[0].Summary, "desil 2 → 3") || h[0].Actor != "u-dinsos" ||
			!strings.HasPrefix(h[0].Source, "import:") || h[1].Kind != "ADDED" || h[1].Actor != "system" ||
			h[0].Version <= h[1].Version || h[0].At.Before(h[1].At) || h[0].KodeWilayah != "32.01.01.1001" {
			t.Fatalf("%+v", h)
		}
		t.Run("OutOfScopeIsNotFound", func(t *testing.T) {
			_, errForeign := registry.FamilyHistory(as(tepat.RoleDinsos, "33"), d, id)
			_, errMissing := registry.FamilyHistory(as(tepat.RoleDinsos, "33"), d, 1e9)
			if tepat.ErrorCode(errForeign) != tepat.ENOTFOUND || errForeign.Error() != errMissing.Error() {
				t.Fatalf("foreign %v / missing %v", errForeign, errMissing)
			}
		})
	})
}

func TestComponents(t *testing.T) {
	t.Parallel()
	on := time.Date(2019, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		m    registry.Member
		want []string
	}{
		{"Newborn", registry.Member{TanggalLahir: "2019-10-31", Status: "HIDUP"}, []string{"anak_usia_dini"}},
		{"SixYearsOld", registry.Member{TanggalLahir: "2013-11-01", Status: "HIDUP"}, []string{"anak_usia_dini"}},
		{"SixInPrimarySchool", registry.Member{TanggalLahir: "2013-06-01", Sekolah: "SD", Status: "HIDUP"}, []string{"sd"}},
		{"SevenInPrimarySchool", registry.Member{TanggalLahir: "2012-11-01", Sekolah: "SD", Status: "HIDUP"}, []string{"sd"}},
		{"AdultNoComponent", registry.Member{TanggalLahir: "1980-05-12", Sekolah: "TIDAK", Status: "HIDUP"}, nil},
		{"PregnantInSMA", registry.Member{TanggalLahir: "2002-01-01", Hamil: true, Sekolah: "SMA", Status: "HIDUP"}, []string{"ibu_hamil", "sma"}},
		{"SMP", registry.Member{TanggalLahir: "2006-01-01", Sekolah: "SMP"}, []string{"smp"}},
		{"FiftyNine", registry.Member{TanggalLahir: "1959-11-02", Status: "HIDUP"}, nil},
		{"ElderlyDisabled", registry.Member{TanggalLahir: "1959-11-01", DisabilitasBerat: true, Status: "HIDUP"}, []string{"disabilitas_berat", "lansia"}},
		{"DeceasedBringsNothing", registry.Member{TanggalLahir: "1940-01-01", DisabilitasBerat: true, Status: "MENINGGAL"}, nil},
		{"MovedBringsNothing", registry.Member{TanggalLahir: "2015-01-01", Status: "PINDAH"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := registry.Components(tc.m, on); !slices.Equal(got, tc.want) {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		born, on string
		want     int
	}{
		{"2016-03-01", "2019-03-01", 3}, // born after 29 February of a leap year
		{"2016-03-01", "2019-02-28", 2},
		{"2016-02-29", "2019-02-28", 2},
		{"2016-02-29", "2019-03-01", 3},
		{"2016-02-29", "2020-02-29", 4},
		{"1980-05-12", "2019-11-01", 39},
		{"bad", "2019-11-01", -1},
	} {
		on, _ := time.Parse("2006-01-02", tc.on)
		if got := registry.AgeOn(tc.born, on); got != tc.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tc.born, tc.on, got, tc.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
