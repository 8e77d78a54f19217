package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/household"
	"tepat/registry"
	"tepat/synth"
)

// TestBulkLoadMatchesChunkedImport imports one file with every kind of
// problem into two empty registries, as a bulk load and chunk by chunk, and
// requires the same registry, history, duplicate queue, error report and
// summary from both. The file has a NIK shared by its second family and a
// family near its end (the bulk load has written the first before the
// first pass names it, and must take it out again), a KK number split
// across the file, a bad row, possible duplicates and a family twice in
// one chunk's neighbourhood.
func TestBulkLoadMatchesChunkedImport(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			sum := bulkMatchesChunked(t, e, problemFile(t))
			if sum.FamiliesRejected != 5 || sum.PossibleDuplicates == 0 || sum.FamiliesAccepted < 100 {
				t.Fatalf("the file should reject 5 families and queue duplicates: %+v", sum)
			}
		})
	}
}

// TestBulkLoadOfRepeatedFile imports a file that holds the same 700
// families twice: every family is split, so a bulk load writes the first
// 700 and must take them all out again (in more than one batch).
func TestBulkLoadOfRepeatedFile(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			var gen bytes.Buffer
			if _, err := synth.WriteHouseholds(&gen, synth.Options{Families: 700, Seed: 6, Region: "32.01"}); err != nil {
				t.Fatal(err)
			}
			_, rows, _ := strings.Cut(gen.String(), "\n")
			path := filepath.Join(t.TempDir(), "dua-kali.csv")
			if err := os.WriteFile(path, []byte(gen.String()+rows), 0o644); err != nil {
				t.Fatal(err)
			}
			sum := bulkMatchesChunked(t, e, path)
			if sum.FamiliesAccepted != 0 || sum.FamiliesRejected != 1400 || sum.PersonsAccepted != 0 {
				t.Fatalf("every family should be rejected: %+v", sum)
			}
		})
	}
}

// bulkMatchesChunked imports path into two empty registries, as a bulk load
// and chunk by chunk, requires the same outcome and returns the summary.
func bulkMatchesChunked(t *testing.T, e db.Engine, path string) registry.ImportSummary {
	{
		sys := tepat.WithActor(context.Background(), tepat.System)
		var dumps [2]string
		var sums [2]registry.ImportSummary
		for i, chunked := range []bool{false, true} {
			d := dbtest.Open(t, e)
			sum, err := registry.Import(sys, d, path, registry.ImportOptions{Now: synth.DefaultReference, Chunk: 7, Chunked: chunked})
			if err != nil {
				t.Fatal(err)
			}
			sums[i] = sum
			var report bytes.Buffer
			if err := registry.WriteErrorReport(sys, d, sum.JobID, "csv", &report); err != nil {
				t.Fatal(err)
			}
			dumps[i] = dumpRegistry(t, d) + report.String()
			var versions int
			d.QueryRow(sys, `SELECT COUNT(*) FROM registry_change`).Scan(&versions)
			// A bulk load is one version (none if it wrote nothing); chunks
			// of 7 families make several.
			if bulk := min(sum.FamiliesAccepted, 1); !chunked && int64(versions) != bulk || chunked && sum.FamiliesAccepted > 7 && versions < 2 {
				t.Fatalf("chunked=%v: %d registry versions for %d families", chunked, versions, sum.FamiliesAccepted)
			}
		}
		sums[0].JobID, sums[1].JobID = 0, 0
		if sums[0] != sums[1] {
			t.Fatalf("summaries differ:\nbulk    %+v\nchunked %+v", sums[0], sums[1])
		}
		if dumps[0] != dumps[1] {
			a, b := strings.Split(dumps[0], "\n"), strings.Split(dumps[1], "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Fatalf("registries differ at dump line %d:\nbulk    %s\nchunked %s", i, a[i], b[i])
				}
			}
			t.Fatalf("registries differ in length: %d and %d lines", len(a), len(b))
		}
		return sums[0]
	}
}

// problemFile writes 120 generated families and the duplicates fixture,
// then: a family whose member has the NIK of the second generated family's
// head, the third generated family's KK number again, and a family with a
// bad sex.
func problemFile(t *testing.T) string {
	t.Helper()
	var gen bytes.Buffer
	if _, err := synth.WriteHouseholds(&gen, synth.Options{Families: 120, Seed: 5, Region: "32.01"}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(gen.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var kks []string // in file order
	heads := map[string][]string{}
	for _, r := range recs[1:] {
		if heads[r[0]] == nil {
			kks = append(kks, r[0])
			heads[r[0]] = r
		}
	}
	fixture, err := os.ReadFile("testdata/duplicates.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, fixtureRows, _ := strings.Cut(string(fixture), "\n")
	row := func(kk, n, nama, jk string) string {
		r := append([]string(nil), heads[kks[1]]...)
		r[0], r[1], r[2], r[3], r[5] = kk, n, nama, jk, "KEPALA"
		return strings.Join(r, ",")
	}
	lines := []string{
		strings.TrimRight(gen.String(), "\n"),
		strings.TrimRight(fixtureRows, "\n"),
		row("3201019999990001", heads[kks[1]][1], "NIK PINJAMAN", "L"), // the NIK of the second family's head
		row(kks[2], "3201011111119999", "KK TERPISAH", "L"),            // the third family again
		row("3201019999990002", "3201011111118888", "SALAH KELAMIN", "X"),
	}
	path := filepath.Join(t.TempDir(), "masalah.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dumpRegistry prints what an import leaves, keyed by KK number and NIK
// (family ids and versions may differ between ways of importing).
func dumpRegistry(t *testing.T, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT no_kk, village, desil, alamat, ver_to FROM family ORDER BY no_kk`,
		`SELECT f.no_kk, p.nik, p.nama, p.nama_norm, p.dupkey, p.jenis_kelamin, p.tanggal_lahir, p.hubungan, p.hamil,
			p.disabilitas_berat, p.sekolah, p.status, p.ver_to
		FROM person p JOIN family f ON f.id = p.family_id ORDER BY p.nik`,
		`SELECT f.no_kk, c.kind, c.village, c.summary FROM family_change c JOIN family f ON f.id = c.family_id ORDER BY f.no_kk`,
		`SELECT x.kind, x.nik_a, x.nik_b, fa.no_kk, fb.no_kk, x.village, x.status FROM duplicate x
		JOIN family fa ON fa.id = x.family_a JOIN family fb ON fb.id = x.family_b ORDER BY x.nik_a, x.nik_b`,
		`SELECT line, kolom, field, kode, pesan, row_csv FROM import_problem ORDER BY line, kolom, kode, pesan`,
		`SELECT rows_read, families_accepted, persons_accepted, families_rejected, rows_rejected, possible_duplicates, status, file_sha256
		FROM import_job`,
	} {
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if s, ok := v.([]byte); ok {
					vals[i] = string(s)
				}
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestScopedFirstImportReportsLikeChunks: a dinsos user's first import
// into an empty registry, with a family outside their region that shares a
// NIK with one inside it, reports that family by the shared NIK only — the
// first pass's finding, known before the scope is checked — as a chunked
// import does (a bulk load would also have rejected it for its region).
func TestScopedFirstImportReportsLikeChunks(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		var gen bytes.Buffer
		if _, err := synth.WriteHouseholds(&gen, synth.Options{Families: 20, Seed: 11, Region: "32.01"}); err != nil {
			t.Fatal(err)
		}
		var outside bytes.Buffer
		if _, err := synth.WriteHouseholds(&outside, synth.Options{Families: 1, Seed: 12, Region: "32.02"}); err != nil {
			t.Fatal(err)
		}
		first := strings.Split(strings.SplitN(gen.String(), "\n", 3)[1], ",")
		other := append([]string(nil), first...) // the first head's NIK, in a family of 32.02
		other[0], other[5], other[6] = "3202019999990001", "KEPALA", strings.Split(strings.SplitN(outside.String(), "\n", 3)[1], ",")[6]
		path := filepath.Join(t.TempDir(), "lingkup.csv")
		if err := os.WriteFile(path, []byte(gen.String()+strings.Join(other, ",")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		dinsos := tepat.WithActor(context.Background(), &tepat.Actor{Username: "dinsos", Role: tepat.RoleDinsos, Regions: []string{"32.01"}})
		sum, err := registry.Import(dinsos, d, path, registry.ImportOptions{Now: synth.DefaultReference})
		if err != nil {
			t.Fatal(err)
		}
		var report bytes.Buffer
		if err := registry.WriteErrorReport(dinsos, d, sum.JobID, "csv", &report); err != nil {
			t.Fatal(err)
		}
		if sum.FamiliesRejected != 2 || !strings.Contains(report.String(), household.CodeDuplicateNIK) ||
			strings.Contains(report.String(), registry.CodeOutOfScope) {
			t.Fatalf("summary %+v, report:\n%s", sum, report.String())
		}
	})
}
