package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

// importGenerated imports generated families of one region as the system actor.
func importGenerated(t *testing.T, dsn string, families int64, seed uint64, code string) {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var buf bytes.Buffer
	synth.WriteHouseholds(&buf, synth.Options{Families: families, Seed: seed, Region: code})
	path := filepath.Join(t.TempDir(), "h.csv")
	os.WriteFile(path, buf.Bytes(), 0o644)
	st, err := registry.Import(tepat.WithActor(context.Background(), tepat.System), d, path, registry.ImportOptions{Now: synth.DefaultReference})
	if err != nil || st.FamiliesRejected != 0 {
		t.Fatalf("import: %+v %v", st, err)
	}
}

func TestRegistrySnapshotCLI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			importGenerated(t, dsn, 20, 1, "32.01")
			for _, u := range [][]string{{"pusat1", "pusat", ""}, {"dinsos1", "dinsos", "33.74"}} {
				args := []string{"--db", dsn, "user", "add", "--username", u[0], "--role", u[1], "--password-stdin"}
				if u[2] != "" {
					args = append(args, "--scope", u[2])
				}
				if code, _, stderr := run(t, "kata-sandi-panjang-sekali", args...); code != 0 {
					t.Fatalf("user add: %d %s", code, stderr)
				}
			}
			code, out, stderr := run(t, "", "--db", dsn, "--as", "pusat1", "registry", "snapshot", "--label", "2019-11")
			var s registry.Snapshot
			if err := json.Unmarshal([]byte(out), &s); err != nil || code != 0 || s.Families == nil || *s.Families != 20 || s.CreatedBy != "pusat1" {
				t.Fatalf("snapshot: %d %s %s", code, out, stderr)
			}
			importGenerated(t, dsn, 3, 2, "33.74")
			if code, _, stderr := run(t, "", "--db", dsn, "registry", "snapshot", "--label", "2019-12"); code != 0 {
				t.Fatalf("snapshot as system: %d %s", code, stderr)
			}

			t.Run("DinsosCannotSnapshot", func(t *testing.T) {
				code, _, stderr := run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "snapshot", "--label", "x")
				if code != 1 || !strings.Contains(stderr, "TIDAK_BERWENANG") {
					t.Fatalf("%d %q", code, stderr)
				}
			})
			t.Run("LabelRules", func(t *testing.T) {
				for label, reason := range map[string]string{"2019 11": "LABEL_TIDAK_VALID", "2019-11": "SNAPSHOT_SUDAH_ADA"} {
					code, _, stderr := run(t, "", "--db", dsn, "registry", "snapshot", "--label", label)
					if code != 1 || !strings.Contains(stderr, reason) {
						t.Errorf("%q: %d %q", label, code, stderr)
					}
				}
				if code, _, _ := run(t, "", "--db", dsn, "registry", "snapshot"); code != 2 {
					t.Errorf("missing --label: %d", code)
				}
			})
			t.Run("ListsNewestFirst", func(t *testing.T) {
				code, out, _ := run(t, "", "--db", dsn, "registry", "snapshots")
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "LABEL") || !strings.HasPrefix(lines[1], "2019-12") || !strings.Contains(lines[2], " 20 ") {
					t.Fatalf("%d\n%s", code, out)
				}
				_, out, _ = run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "snapshots")
				if strings.Contains(out, " 20 ") || !strings.Contains(out, " - ") {
					t.Fatalf("a scoped user sees national counts:\n%s", out)
				}
			})
			t.Run("DiffWritesCSV", func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "diff.csv")
				code, out, stderr := run(t, "", "--db", dsn, "--as", "pusat1", "registry", "diff", "2019-11", "2019-12", "--out", path)
				var diff registry.Diff
				if err := json.Unmarshal([]byte(out), &diff); err != nil || code != 0 || diff.Added != 3 || diff.Changed+diff.Removed != 0 {
					t.Fatalf("%d %s %s", code, out, stderr)
				}
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				recs, err := csv.NewReader(f).ReadAll()
				if err != nil || len(recs) != 4 || strings.Join(recs[0], ",") != "id,no_kk,kode_wilayah,jenis,ringkasan" {
					t.Fatalf("%v %v", recs, err)
				}
				for _, r := range recs[1:] {
					if !strings.Contains(r[1], "********") || !strings.HasPrefix(r[2], "33.74.") || r[3] != "ADDED" {
						t.Errorf("%v", r)
					}
				}
			})
			t.Run("DiffNewestFirstSaysSo", func(t *testing.T) {
				code, out, stderr := run(t, "", "--db", dsn, "registry", "diff", "2019-12", "2019-11")
				if code != 0 || !strings.Contains(out, `"swapped": true`) || !strings.Contains(stderr, "lebih baru") {
					t.Fatalf("%d %s %s", code, out, stderr)
				}
			})
			t.Run("DiffIsScoped", func(t *testing.T) {
				code, out, _ := run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "diff", "2019-11", "2019-12")
				if code != 0 || !strings.Contains(out, `"added": 3`) {
					t.Fatalf("%d %s", code, out)
				}
				importGenerated(t, dsn, 2, 3, "35.78")
				run(t, "", "--db", dsn, "registry", "snapshot", "--label", "2020-01")
				code, out, _ = run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "diff", "2019-12", "2020-01")
				if code != 0 || !strings.Contains(out, `"added": 0`) {
					t.Fatalf("%d %s", code, out)
				}
			})
			t.Run("UnknownSnapshot", func(t *testing.T) {
				code, _, stderr := run(t, "", "--db", dsn, "registry", "diff", "2019-11", "nope")
				if code != 1 || !strings.Contains(stderr, "SNAPSHOT_TIDAK_DITEMUKAN") {
					t.Fatalf("%d %q", code, stderr)
				}
				if code, _, _ := run(t, "", "--db", dsn, "registry", "diff", "2019-11"); code != 2 {
					t.Fatalf("one argument: %d", code)
				}
			})
		})
	}
}
