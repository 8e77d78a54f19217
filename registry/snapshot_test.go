package registry_test

import (
	"context"
	"encoding/csv"
	"fmt"
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

// households is a household file held as CSV records grouped by family, for
// tests that change families and import the file again.
type households struct {
	header   []string
	col      map[string]int
	families [][][]string
}

// readHouseholds reads a generated household file.
func readHouseholds(t testing.TB, path string) *households {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h := &households{header: recs[0], col: map[string]int{}}
	for i, c := range h.header {
		h.col[c] = i
	}
	for _, r := range recs[1:] {
		if n := len(h.families); n > 0 && h.families[n-1][0][0] == r[0] {
			h.families[n-1] = append(h.families[n-1], r)
		} else {
			h.families = append(h.families, [][]string{r})
		}
	}
	return h
}

// write writes families (all of h's when nil) as a household file and
// returns its path.
func (h *households) write(t testing.TB, families [][][]string) string {
	t.Helper()
	if families == nil {
		families = h.families
	}
	path := filepath.Join(t.TempDir(), "h.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(h.header)
	for _, fam := range families {
		w.WriteAll(fam)
	}
	w.Flush()
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	return path
}

// setDesil gives family i the next decile.
func (h *households) setDesil(i int) {
	d, _ := strconv.Atoi(h.families[i][0][h.col["desil"]])
	for _, r := range h.families[i] {
		r[h.col["desil"]] = strconv.Itoa(d%10 + 1)
	}
}

func importFile(t testing.TB, ctx context.Context, d *db.DB, path string) registry.ImportSummary {
	t.Helper()
	st, err := registry.Import(ctx, d, path, registry.ImportOptions{Now: synth.DefaultReference})
	if err != nil || st.FamiliesRejected != 0 {
		t.Fatalf("import: %+v %v", st, err)
	}
	return st
}

// removeFamily closes a family and its members as a new registry version,
// as a determined removal proposal does.
func removeFamily(t *testing.T, d *db.DB, id int64) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var v int64
		if err := tx.QueryRow(ctx, `UPDATE registry_head SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO registry_change (version, at, actor, source, note) VALUES ($1, $2, 'system', 'test', 'hapus')`,
			v, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		for _, q := range []string{
			`UPDATE family SET ver_to = $1 WHERE id = $2 AND ver_to IS NULL`,
			`UPDATE person SET ver_to = $1 WHERE family_id = $2 AND ver_to IS NULL`,
			`INSERT INTO family_change (version, family_id, kind, village, summary)
				SELECT $1, id, 'REMOVED', village, 'keluarga dihapus' FROM family WHERE id = $2 AND ver_to = $1`,
		} {
			if _, err := tx.Exec(ctx, q, v, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// familyIDs lists the ids of the current families in id order.
func familyIDs(t *testing.T, d *db.DB) []int64 {
	t.Helper()
	fs, err := registry.ListFamilies(sys, d, registry.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

// fingerprint streams the families at version v into one string.
func fingerprint(t *testing.T, ctx context.Context, d *db.DB, v int64) (string, int, int) {
	t.Helper()
	var b strings.Builder
	families, persons := 0, 0
	last := int64(0)
	err := registry.EachFamilyAt(ctx, d, v, func(f registry.Family) error {
		if f.ID <= last {
			return fmt.Errorf("family %d after %d", f.ID, last)
		}
		last = f.ID
		families++
		persons += len(f.Members)
		fmt.Fprintf(&b, "%d %s %s %d %s|", f.ID, f.NoKK, f.KodeWilayah, f.Desil, f.Alamat)
		for _, m := range f.Members {
			fmt.Fprintf(&b, "%+v;", m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), families, persons
}

func TestSnapshotFreezesTheRegistry(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		h := readHouseholds(t, genFile(t, 41, 7, "32.01"))
		importFile(t, sys, d, h.write(t, h.families[:40]))
		pusat := as(tepat.RolePusat)
		a, err := registry.CreateSnapshot(pusat, d, "2019-11")
		if err != nil {
			t.Fatal(err)
		}
		st, _ := registry.RegionStats(sys, d, "")
		if *a.Families != 40 || *a.Persons != st.Persons || a.CreatedBy != "u-pusat" || a.Version == 0 {
			t.Fatalf("snapshot %+v, stats %+v", a, st)
		}
		printA, nA, pA := fingerprint(t, sys, d, a.Version)
		if nA != 40 || int64(pA) != st.Persons {
			t.Fatalf("EachFamilyAt: %d families, %d persons", nA, pA)
		}
		ids := familyIDs(t, d)

		// Next month's file: a member renamed (family 0), a member removed
		// (the first family of two or more after it), a decile changed
		// (family 2 or the next), and one family more.
		renamed := h.families[0][0][h.col["nama"]]
		h.families[0][0][h.col["nama"]] = "Nama Baru Sekali"
		shrunk := 1
		for len(h.families[shrunk]) < 2 {
			shrunk++
		}
		h.families[shrunk] = h.families[shrunk][:len(h.families[shrunk])-1]
		desil := shrunk + 1
		h.setDesil(desil)
		got := importFile(t, sys, d, h.write(t, nil))
		if got.FamiliesUnchanged != 37 || got.FamiliesAccepted != 41 {
			t.Fatalf("second import: %+v", got)
		}
		b, err := registry.CreateSnapshot(pusat, d, "2019-12")
		if err != nil || *b.Families != 41 || b.Version <= a.Version {
			t.Fatalf("%+v %v", b, err)
		}

		t.Run("FamilyAtShowsTheOldState", func(t *testing.T) {
			old, err := registry.FamilyAt(pusat, d, "2019-11", ids[0])
			if err != nil || old.Kepala != renamed || old.Version > a.Version || old.UpdatedAt.IsZero() {
				t.Fatalf("%+v %v", old, err)
			}
			now, err := registry.FamilyAt(pusat, d, "2019-12", ids[0])
			if err != nil || now.Kepala != "Nama Baru Sekali" || now.Version <= a.Version {
				t.Fatalf("%+v %v", now, err)
			}
			cur, _ := registry.GetFamily(sys, d, ids[0], false)
			if fmt.Sprint(cur.Members) != fmt.Sprint(now.Members) || cur.NoKK != now.NoKK || !strings.Contains(now.NoKK, "*") {
				t.Fatalf("FamilyAt(latest) differs from GetFamily:\n%+v\n%+v", cur.Members, now.Members)
			}
			o, _ := registry.FamilyAt(pusat, d, "2019-11", ids[shrunk])
			n, _ := registry.FamilyAt(pusat, d, "2019-12", ids[shrunk])
			if o.Jiwa != n.Jiwa+1 {
				t.Fatalf("removed member: %d then %d", o.Jiwa, n.Jiwa)
			}
			o, _ = registry.FamilyAt(pusat, d, "2019-11", ids[desil])
			n, _ = registry.FamilyAt(pusat, d, "2019-12", ids[desil])
			if n.Desil != o.Desil%10+1 {
				t.Fatalf("desil %d then %d", o.Desil, n.Desil)
			}
		})
		t.Run("NewFamilyIsNotInTheOldSnapshot", func(t *testing.T) {
			all := familyIDs(t, d)
			added := all[len(all)-1]
			if _, err := registry.FamilyAt(pusat, d, "2019-11", added); tepat.ErrorReason(err) != "KELUARGA_TIDAK_DITEMUKAN" {
				t.Fatal(err)
			}
			if _, err := registry.FamilyAt(pusat, d, "2019-12", added); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("LaterChangesLeaveTheSnapshotAlone", func(t *testing.T) {
			again, _, _ := fingerprint(t, sys, d, a.Version)
			if again != printA {
				t.Fatal("the families of snapshot 2019-11 changed after later imports")
			}
			s, err := registry.GetSnapshot(pusat, d, "2019-11")
			if err != nil || *s.Families != 40 || *s.Persons != int64(pA) || s.Version != a.Version {
				t.Fatalf("%+v %v", s, err)
			}
		})
		t.Run("DiffCountsExactly", func(t *testing.T) {
			var fams []registry.DiffFamily
			diff, err := registry.DiffSnapshots(pusat, d, "2019-11", "2019-12", registry.DiffOptions{}, func(f registry.DiffFamily) error {
				fams = append(fams, f)
				return nil
			})
			if err != nil || diff.Added != 1 || diff.Changed != 3 || diff.Removed != 0 || diff.Swapped {
				t.Fatalf("%+v %v", diff, err)
			}
			kinds := map[int64]string{}
			for _, f := range fams {
				kinds[f.ID] = f.Kind
				if !strings.Contains(f.NoKK, "********") || !strings.HasPrefix(f.KodeWilayah, "32.01.") || f.Summary == "" {
					t.Errorf("%+v", f)
				}
			}
			all := familyIDs(t, d)
			want := map[int64]string{ids[0]: "CHANGED", ids[shrunk]: "CHANGED", ids[desil]: "CHANGED", all[len(all)-1]: "ADDED"}
			if fmt.Sprint(kinds) != fmt.Sprint(want) || !slices.IsSortedFunc(fams, func(x, y registry.DiffFamily) int { return int(x.ID - y.ID) }) {
				t.Fatalf("families %v, want %v", kinds, want)
			}
			if !strings.Contains(fams[slices.IndexFunc(fams, func(f registry.DiffFamily) bool { return f.ID == ids[desil] })].Summary, "desil") {
				t.Errorf("summary of the decile change: %+v", fams)
			}
		})
		t.Run("DiffNewestFirstIsSwapped", func(t *testing.T) {
			diff, err := registry.DiffSnapshots(pusat, d, "2019-12", "2019-11", registry.DiffOptions{}, nil)
			if err != nil || !diff.Swapped || diff.From != "2019-11" || diff.Added != 1 || diff.Changed != 3 {
				t.Fatalf("%+v %v", diff, err)
			}
			diff, err = registry.DiffSnapshots(pusat, d, "2019-12", "2019-12", registry.DiffOptions{}, nil)
			if err != nil || diff.Added+diff.Changed+diff.Removed != 0 {
				t.Fatalf("%+v %v", diff, err)
			}
		})
		t.Run("DiffPages", func(t *testing.T) {
			var page []int64
			diff, err := registry.DiffSnapshots(pusat, d, "2019-11", "2019-12", registry.DiffOptions{After: ids[0], Limit: 2}, func(f registry.DiffFamily) error {
				page = append(page, f.ID)
				return nil
			})
			if err != nil || diff.Changed != 3 || diff.Added != 1 || len(page) != 2 || page[0] != ids[shrunk] {
				t.Fatalf("%+v %v %v", diff, page, err)
			}
		})
		t.Run("RemovedAndTransientFamilies", func(t *testing.T) {
			const gone = 30 // beyond the families changed above
			removeFamily(t, d, ids[gone])
			// A family added after 2019-12 and removed before the next snapshot
			// is in neither snapshot.
			extra := readHouseholds(t, genFile(t, 1, 8, "73.71"))
			importFile(t, sys, d, extra.write(t, nil))
			all := familyIDs(t, d)
			removeFamily(t, d, all[len(all)-1])
			// The decile changes again: its row of 2019-12, closed now, was
			// made by the very version of 2019-12.
			h.setDesil(desil)
			importFile(t, sys, d, h.write(t, slices.Delete(slices.Clone(h.families), gone, gone+1)))
			if _, err := registry.CreateSnapshot(sys, d, "2020-01"); err != nil {
				t.Fatal(err)
			}
			var kinds []string
			diff, err := registry.DiffSnapshots(pusat, d, "2019-12", "2020-01", registry.DiffOptions{}, func(f registry.DiffFamily) error {
				kinds = append(kinds, fmt.Sprintf("%d:%s:%s", f.ID, f.Kind, f.Summary))
				return nil
			})
			want := []string{fmt.Sprintf("%d:REMOVED:keluarga dihapus", ids[gone])}
			o, _ := registry.FamilyAt(pusat, d, "2019-12", ids[desil])
			want = append(want, fmt.Sprintf("%d:CHANGED:desil %d → %d", ids[desil], o.Desil, o.Desil%10+1))
			slices.Sort(kinds)
			slices.Sort(want)
			if err != nil || diff.Removed != 1 || diff.Added != 0 || diff.Changed != 1 || fmt.Sprint(kinds) != fmt.Sprint(want) {
				t.Fatalf("%+v %v %v", diff, kinds, err)
			}
			if _, err := registry.FamilyAt(pusat, d, "2019-12", ids[gone]); err != nil {
				t.Fatalf("removed family gone from the older snapshot: %v", err)
			}
			if _, err := registry.FamilyAt(pusat, d, "2020-01", ids[gone]); tepat.ErrorCode(err) != tepat.ENOTFOUND {
				t.Fatal(err)
			}
			s, _ := registry.GetSnapshot(sys, d, "2020-01")
			_, n, p := fingerprint(t, sys, d, s.Version)
			if *s.Families != 40 || n != 40 || int64(p) != *s.Persons {
				t.Fatalf("after removal: snapshot %+v, stream %d/%d", s, n, p)
			}
		})
		t.Run("ScopeLimitsDiffAndReads", func(t *testing.T) {
			elsewhere := as(tepat.RoleDinsos, "35.78")
			var n int
			diff, err := registry.DiffSnapshots(elsewhere, d, "2019-11", "2019-12", registry.DiffOptions{}, func(registry.DiffFamily) error { n++; return nil })
			if err != nil || diff.Added+diff.Changed+diff.Removed != 0 || n != 0 {
				t.Fatalf("%+v %d %v", diff, n, err)
			}
			if _, err := registry.FamilyAt(elsewhere, d, "2019-11", ids[0]); tepat.ErrorReason(err) != "KELUARGA_TIDAK_DITEMUKAN" {
				t.Fatal(err)
			}
			if _, fams, _ := fingerprint(t, elsewhere, d, a.Version); fams != 0 {
				t.Fatalf("EachFamilyAt out of scope: %d", fams)
			}
			here := as(tepat.RoleDinsos, "32.01")
			diff, err = registry.DiffSnapshots(here, d, "2019-11", "2019-12", registry.DiffOptions{}, nil)
			if err != nil || diff.Added != 1 || diff.Changed != 3 {
				t.Fatalf("%+v %v", diff, err)
			}
			ss, err := registry.ListSnapshots(here, d)
			if err != nil || len(ss) != 3 || ss[0].Families != nil {
				t.Fatalf("scoped list shows national counts: %+v %v", ss, err)
			}
		})
		t.Run("ListNewestFirst", func(t *testing.T) {
			ss, err := registry.ListSnapshots(as(tepat.RoleHumas), d)
			if err != nil || len(ss) != 3 || ss[0].Label != "2020-01" || ss[2].Label != "2019-11" || *ss[2].Families != 40 {
				t.Fatalf("%+v %v", ss, err)
			}
		})
		t.Run("Audited", func(t *testing.T) {
			es, err := audit.List(context.Background(), d, audit.Filter{Action: "registry.snapshot"})
			if err != nil || len(es) != 3 {
				t.Fatalf("%+v %v", es, err)
			}
			for _, e := range es {
				if !strings.HasPrefix(e.Object, "snapshot:") || !strings.Contains(e.Summary, "keluarga") {
					t.Errorf("%+v", e)
				}
			}
		})
	})
}

func TestSnapshotRules(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 5, "73.71")
		t.Run("LabelMustBeValid", func(t *testing.T) {
			for _, l := range []string{"", strings.Repeat("a", 41), "2019 11", "2019/11", "penetapan-ü", "<b>", "a\n"} {
				if _, err := registry.CreateSnapshot(sys, d, l); tepat.ErrorReason(err) != "LABEL_TIDAK_VALID" {
					t.Errorf("%q: %v", l, err)
				}
			}
			for _, l := range []string{"2019-11", strings.Repeat("a", 40), "Tahap_1.2020"} {
				if _, err := registry.CreateSnapshot(sys, d, l); err != nil {
					t.Errorf("%q: %v", l, err)
				}
			}
		})
		t.Run("LabelIsUniqueIgnoringCase", func(t *testing.T) {
			for _, l := range []string{"2019-11", "tahap_1.2020"} {
				_, err := registry.CreateSnapshot(sys, d, l)
				if tepat.ErrorCode(err) != tepat.ECONFLICT || tepat.ErrorReason(err) != "SNAPSHOT_SUDAH_ADA" {
					t.Errorf("%q: %v", l, err)
				}
			}
		})
		t.Run("OnlyPusatCreates", func(t *testing.T) {
			for _, r := range []tepat.Role{tepat.RoleDinsos, tepat.RolePendamping, tepat.RoleAdmin, tepat.RoleAuditor, tepat.RoleHumas} {
				if _, err := registry.CreateSnapshot(as(r), d, "x-"+string(r)); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
					t.Errorf("%s: %v", r, err)
				}
			}
			if _, err := registry.CreateSnapshot(context.Background(), d, "anon"); tepat.ErrorCode(err) != tepat.EUNAUTHORIZED {
				t.Errorf("no actor: %v", err)
			}
		})
		t.Run("DiffNeedsRegistryRead", func(t *testing.T) {
			_, err := registry.DiffSnapshots(as(tepat.RoleHumas), d, "2019-11", "2019-11", registry.DiffOptions{}, nil)
			if tepat.ErrorCode(err) != tepat.EFORBIDDEN {
				t.Fatal(err)
			}
		})
		t.Run("UnknownSnapshotIsNotFound", func(t *testing.T) {
			for _, l := range []string{"2000-01", "../x", ""} {
				if _, err := registry.GetSnapshot(sys, d, l); tepat.ErrorReason(err) != "SNAPSHOT_TIDAK_DITEMUKAN" {
					t.Errorf("%q: %v", l, err)
				}
				if _, err := registry.DiffSnapshots(sys, d, "2019-11", l, registry.DiffOptions{}, nil); tepat.ErrorReason(err) != "SNAPSHOT_TIDAK_DITEMUKAN" {
					t.Errorf("diff %q: %v", l, err)
				}
			}
		})
		t.Run("VersionNotYetMadeIsRefused", func(t *testing.T) {
			head, _ := registry.CurrentVersion(context.Background(), d)
			err := registry.EachFamilyAt(sys, d, head+1, func(registry.Family) error { return nil })
			if tepat.ErrorReason(err) != "VERSI_TIDAK_VALID" {
				t.Fatal(err)
			}
		})
	})
}

// TestSnapshotDuringImportCountsItsVersion takes snapshots while an import
// writes version after version: each snapshot's counts must be exactly
// the families and persons valid at its version.
func TestSnapshotDuringImportCountsItsVersion(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		path := genFile(t, 600, 3, "")
		done := make(chan error, 1)
		go func() {
			_, err := registry.Import(sys, d, path, registry.ImportOptions{Chunk: 20, Now: synth.DefaultReference})
			done <- err
		}()
		var taken []registry.Snapshot
		seen := map[int64]bool{}
		for i, running := 0, true; running; i++ {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				running = false
			case <-time.After(5 * time.Millisecond):
			}
			s, err := registry.CreateSnapshot(sys, d, "c-"+strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			if !seen[s.Version] {
				seen[s.Version] = true
				taken = append(taken, s)
			}
		}
		if len(taken) < 3 {
			t.Logf("only %d versions snapshotted during the import", len(taken))
		}
		t.Logf("%d versions snapshotted", len(taken))
		for _, s := range taken {
			_, families, persons := fingerprint(t, sys, d, s.Version)
			if int64(families) != *s.Families || int64(persons) != *s.Persons {
				t.Fatalf("snapshot %s at version %d: counted %d/%d, stream has %d/%d", s.Label, s.Version, *s.Families, *s.Persons, families, persons)
			}
		}
	})
}
