package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/synth"
)

// TestMain lets a test run this binary as the tepat command in a child
// process (TEPAT_TEST_MAIN=1), to kill it with SIGKILL half-way.
func TestMain(m *testing.M) {
	if os.Getenv("TEPAT_TEST_MAIN") == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestImportSurvivesKill starts a chunked import in a child process, kills
// it with SIGKILL once some chunks are in, and checks that only whole
// families were applied and that running the import again completes it
// exactly.
func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			path, st := killFile(t, 30000, 11)
			child := exec.Command(os.Args[0], "import", "households", path, "--db", dsn, "--chunk", "200", "--chunked")
			child.Env = append(os.Environ(), "TEPAT_TEST_MAIN=1")
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			deadline := time.Now().Add(60 * time.Second)
			for {
				var n int
				d.QueryRow(context.Background(), `SELECT COUNT(*) FROM family WHERE ver_to IS NULL`).Scan(&n)
				if n >= 2000 || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			var fams, persons, partial int
			d.QueryRow(context.Background(), `SELECT COUNT(*) FROM family WHERE ver_to IS NULL`).Scan(&fams)
			d.QueryRow(context.Background(), `SELECT COUNT(*) FROM person WHERE ver_to IS NULL`).Scan(&persons)
			// Every applied family has a head: chunks are whole.
			d.QueryRow(context.Background(), `SELECT COUNT(*) FROM family f WHERE f.ver_to IS NULL AND NOT EXISTS
				(SELECT 1 FROM person p WHERE p.family_id = f.id AND p.ver_to IS NULL AND p.hubungan = 'KEPALA')`).Scan(&partial)
			if fams == 0 || int64(fams) >= st.Families || fams%200 != 0 || partial != 0 {
				t.Fatalf("after kill: %d families (want a positive multiple of 200 below %d), %d without head", fams, st.Families, partial)
			}
			sum := rerunImport(t, path, dsn)
			if sum.Accepted != st.Families || sum.Unchanged != int64(fams) || sum.Persons != st.Persons {
				t.Fatalf("rerun: %+v, %d families were in before", sum, fams)
			}
			d.QueryRow(context.Background(), `SELECT COUNT(*) FROM person WHERE ver_to IS NULL`).Scan(&persons)
			if int64(persons) != st.Persons {
				t.Fatalf("after rerun %d persons, want %d", persons, st.Persons)
			}
		})
	}
}

// TestBulkImportSurvivesKill kills a bulk load into an empty registry (one
// transaction, indexes dropped and built again) half-way: nothing may be
// applied, every index must be there, and running it again loads it all.
func TestBulkImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, e)
			path, st := killFile(t, 60000, 12)
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			indexes := func() int {
				q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('family', 'person', 'family_change')`
				if e == db.Postgres {
					q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('family', 'person', 'family_change')`
				}
				var n int
				if err := d.QueryRow(ctx, q).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := indexes()
			child := exec.Command(os.Args[0], "import", "households", path, "--db", dsn)
			child.Env = append(os.Environ(), "TEPAT_TEST_MAIN=1")
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			// The job row is committed when the load starts; the load itself
			// takes seconds.
			deadline := time.Now().Add(60 * time.Second)
			for {
				var n int
				d.QueryRow(ctx, `SELECT COUNT(*) FROM import_job WHERE status = 'RUNNING'`).Scan(&n)
				if n > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(400 * time.Millisecond)
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			var fams, persons, changes, running int
			d.QueryRow(ctx, `SELECT COUNT(*) FROM family`).Scan(&fams)
			d.QueryRow(ctx, `SELECT COUNT(*) FROM person`).Scan(&persons)
			d.QueryRow(ctx, `SELECT COUNT(*) FROM family_change`).Scan(&changes)
			d.QueryRow(ctx, `SELECT COUNT(*) FROM import_job WHERE status = 'RUNNING'`).Scan(&running)
			if running != 1 || fams+persons+changes != 0 || indexes() != before {
				t.Fatalf("after kill: job running %d, %d families, %d persons, %d changes, %d indexes (want 1, 0, 0, 0, %d)",
					running, fams, persons, changes, indexes(), before)
			}
			sum := rerunImport(t, path, dsn)
			if sum.Accepted != st.Families || sum.Unchanged != 0 || sum.Persons != st.Persons {
				t.Fatalf("rerun: %+v, want %d families, %d persons", sum, st.Families, st.Persons)
			}
			d.QueryRow(ctx, `SELECT COUNT(*) FROM person WHERE ver_to IS NULL`).Scan(&persons)
			if int64(persons) != st.Persons || indexes() != before {
				t.Fatalf("after rerun %d persons, %d indexes; want %d, %d", persons, indexes(), st.Persons, before)
			}
		})
	}
}

// killFile writes a generated household file for a kill test.
func killFile(t *testing.T, families int64, seed uint64) (string, synth.Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := synth.WriteHouseholds(f, synth.Options{Families: families, Seed: seed, Region: "35"})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path, st
}

type importSum struct {
	Accepted  int64 `json:"families_accepted"`
	Unchanged int64 `json:"families_unchanged"`
	Persons   int64 `json:"persons_accepted"`
}

// rerunImport imports path again in this process and returns its summary.
func rerunImport(t *testing.T, path, dsn string) importSum {
	t.Helper()
	var out bytes.Buffer
	code := Main(context.Background(), []string{"import", "households", path, "--db", dsn}, nil, &out, &out)
	var sum importSum
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || code != 0 {
		t.Fatalf("rerun: %d %s", code, out.String())
	}
	return sum
}
