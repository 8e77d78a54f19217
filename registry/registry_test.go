package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
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

var sys = tepat.WithActor(context.Background(), tepat.System)

// genFile writes a generated household file and returns its path.
func genFile(t testing.TB, families int64, seed uint64, region string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("h-%d-%s.csv", seed, region))
	var buf bytes.Buffer
	if _, err := synth.WriteHouseholds(&buf, synth.Options{Families: families, Seed: seed, Region: region}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// load generates families in each region and imports them as the system actor.
func load(t *testing.T, d *db.DB, families int64, regions ...string) {
	t.Helper()
	for i, code := range regions {
		st, err := registry.Import(sys, d, genFile(t, families, uint64(i+1), code), registry.ImportOptions{Chunk: 37, Now: synth.DefaultReference})
		if err != nil || st.FamiliesAccepted != families || st.FamiliesRejected != 0 {
			t.Fatalf("import %s: %+v %v", code, st, err)
		}
	}
}

func as(role tepat.Role, regions ...string) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: "u-" + string(role), Role: role, Regions: regions})
}

func TestLoadAndStats(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 120, "32.01", "33.74")
		st, err := registry.RegionStats(sys, d, "")
		if err != nil || st.Families != 240 || len(st.Children) != 2 || st.Children[0].Code != "32" || st.Children[1].Code != "33" {
			t.Fatalf("%+v %v", st, err)
		}
		var persons, sumDesil int64
		for _, c := range st.Children {
			persons += c.Persons
		}
		for _, n := range st.Desil {
			sumDesil += n
		}
		if persons != st.Persons || sumDesil != st.Families || st.Persons < st.Families {
			t.Fatalf("totals do not add up: %+v", st)
		}
		var rows int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM person`).Scan(&rows)
		if rows != st.Persons {
			t.Fatalf("persons %d in table, %d in stats", rows, st.Persons)
		}
		st, _ = registry.RegionStats(sys, d, "32.01")
		if st.Families != 120 || len(st.Children) == 0 || !strings.HasPrefix(st.Children[0].Code, "32.01.") {
			t.Fatalf("regency stats: %+v", st)
		}
	})
}

func TestScopeHidesOtherRegions(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 40, "32.01", "33.74")
		all, _ := registry.ListFamilies(sys, d, registry.Query{Limit: 500})
		var in32, in33 registry.Family
		for _, f := range all {
			if strings.HasPrefix(f.KodeWilayah, "32.01.") && in32.ID == 0 {
				in32 = f
			}
			if strings.HasPrefix(f.KodeWilayah, "33.74.") && in33.ID == 0 {
				in33 = f
			}
		}
		dinsos := as(tepat.RoleDinsos, "32.01")
		t.Run("ReadsOwnRegion", func(t *testing.T) {
			f, err := registry.GetFamily(dinsos, d, in32.ID, false)
			if err != nil || len(f.Members) == 0 || !strings.Contains(f.NoKK, "********") {
				t.Fatalf("%+v %v", f, err)
			}
		})
		t.Run("OtherRegionIsNotFound", func(t *testing.T) {
			_, err := registry.GetFamily(dinsos, d, in33.ID, false)
			_, errMissing := registry.GetFamily(dinsos, d, 1e9, false)
			if tepat.ErrorCode(err) != tepat.ENOTFOUND || err.Error() != errMissing.Error() {
				t.Fatalf("foreign %v / missing %v", err, errMissing)
			}
		})
		t.Run("ListsOnlyOwnRegion", func(t *testing.T) {
			fs, err := registry.ListFamilies(dinsos, d, registry.Query{Limit: 500})
			if err != nil || len(fs) != 40 {
				t.Fatalf("%d %v", len(fs), err)
			}
			fs, err = registry.ListFamilies(dinsos, d, registry.Query{Region: "33", Limit: 500})
			if len(fs) != 0 || tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatalf("listed %d families of 33: %v", len(fs), err)
			}
		})
		t.Run("StatsOfOtherRegionNotFound", func(t *testing.T) {
			if _, err := registry.RegionStats(dinsos, d, "33"); tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatal(err)
			}
			st, err := registry.RegionStats(dinsos, d, "")
			if err != nil || st.Families != 40 {
				t.Fatalf("%+v %v", st, err)
			}
			// The province holding the scope may be asked for; it shows only the scope.
			st, err = registry.RegionStats(dinsos, d, "32")
			if err != nil || st.Families != 40 || len(st.Children) != 1 {
				t.Fatalf("%+v %v", st, err)
			}
		})
		t.Run("RevealIsAuditedAndNeedsPermission", func(t *testing.T) {
			f, err := registry.GetFamily(dinsos, d, in32.ID, true)
			if err != nil || strings.Contains(f.NoKK, "*") || len(f.NoKK) != 16 {
				t.Fatalf("%+v %v", f, err)
			}
			es, _ := audit.List(context.Background(), d, audit.Filter{Action: "pii.reveal"})
			if len(es) != 1 || es[0].Actor != "u-dinsos" || strings.Contains(es[0].Summary, f.NoKK) {
				t.Fatalf("%+v", es)
			}
			if _, err := registry.GetFamily(as(tepat.RoleSatgas), d, in32.ID, true); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
				t.Fatalf("satgas revealed: %v", err)
			}
		})
		t.Run("RolesWithoutRegistryAccess", func(t *testing.T) {
			for _, r := range []tepat.Role{tepat.RoleAdmin, tepat.RoleHumas, tepat.RoleBank, tepat.RoleEWarong} {
				if _, err := registry.GetFamily(as(r), d, in32.ID, false); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
					t.Errorf("%s read a family: %v", r, err)
				}
			}
		})
		t.Run("ImportOutsideScopeIsRejected", func(t *testing.T) {
			st, err := registry.Import(dinsos, d, genFile(t, 5, 99, "35.78"), registry.ImportOptions{Now: synth.DefaultReference})
			if err != nil || st.FamiliesAccepted != 0 || st.FamiliesRejected != 5 {
				t.Fatalf("%+v %v", st, err)
			}
		})
	})
}

func TestFamilyByKKAndNameSearch(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 30, "73.71")
		fs, _ := registry.ListFamilies(sys, d, registry.Query{Limit: 1})
		full, err := registry.GetFamily(sys, d, fs[0].ID, true)
		if err != nil {
			t.Fatal(err)
		}
		byKK, err := registry.FamilyByKK(sys, d, full.NoKK, false)
		if err != nil || byKK.ID != full.ID {
			t.Fatalf("%v", err)
		}
		if _, err := registry.FamilyByKK(sys, d, "123", false); tepat.ErrorCode(err) != tepat.EINVALID {
			t.Fatalf("short KK: %v", err)
		}
		name := strings.Fields(full.Members[0].Nama)[0]
		found, err := registry.ListFamilies(sys, d, registry.Query{Name: strings.ToUpper(name), Limit: 500})
		if err != nil || len(found) == 0 {
			t.Fatalf("search %q: %d %v", name, len(found), err)
		}
		if got, _ := registry.ListFamilies(sys, d, registry.Query{Name: "%", Limit: 500}); len(got) != 0 {
			t.Fatalf("%% matched %d families", len(got))
		}
		page2, _ := registry.ListFamilies(sys, d, registry.Query{After: fs[0].ID, Limit: 500})
		if len(page2) != 29 {
			t.Fatalf("keyset page: %d", len(page2))
		}
	})
}

func TestMemberAgeAcrossLeapYears(t *testing.T) {
	t.Parallel()
	m := registry.Member{TanggalLahir: "2016-03-01"}
	for on, want := range map[string]int{"2019-02-28": 2, "2019-03-01": 3, "2020-02-29": 3, "2020-03-01": 4} {
		d, _ := time.Parse("2006-01-02", on)
		if got := m.Age(d); got != want {
			t.Errorf("age on %s = %d, want %d", on, got, want)
		}
	}
}
