package household_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/household"
)

// now is the reference date of the tests.
var now = time.Date(2024, 6, 15, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600))

var opts = household.Options{Now: now}

// readAll reads every family of r and fails the test on a reader error.
func readAll(t testing.TB, r *household.Reader) []household.Family {
	t.Helper()
	var fams []household.Family
	for r.Next() {
		fams = append(fams, r.Family())
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	return fams
}

// openTestdata opens testdata/name and closes it at the end of the test.
func openTestdata(t *testing.T, name string, o household.Options) *household.Reader {
	t.Helper()
	r, err := household.Open(filepath.Join("testdata", name), o)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// locs renders problems as "line:column:CODE" for comparison.
func locs(probs []household.Problem) []string {
	out := make([]string, len(probs))
	for i, p := range probs {
		out[i] = fmt.Sprintf("%d:%d:%s", p.Line, p.Column, p.Code)
	}
	return out
}

// allProblems returns the problems of all families, in file order.
func allProblems(fams []household.Family) []household.Problem {
	var out []household.Problem
	for _, f := range fams {
		out = append(out, f.Problems...)
	}
	return out
}

// fileError runs a whole read (Open, Next until false) and returns the
// file-level error from whichever step gave it.
func fileError(t *testing.T, open func() (*household.Reader, error)) error {
	t.Helper()
	r, err := open()
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
	}
	return r.Err()
}

// wantFileProblem checks that err is an EINVALID *tepat.Error with reason
// code whose Problem is at line and column.
func wantFileProblem(t *testing.T, err error, code string, line, column int, fragment string) {
	t.Helper()
	var e *tepat.Error
	if !errors.As(err, &e) || e.Code != tepat.EINVALID || e.Reason != code {
		t.Fatalf("error = %v, want EINVALID %s", err, code)
	}
	p, ok := household.FileProblem(err)
	if !ok {
		t.Fatalf("FileProblem(%v) found none", err)
	}
	if p.Line != line || p.Column != column || p.Code != code || p.Severity != household.SeverityError {
		t.Fatalf("problem = %+v, want line %d column %d", p, line, column)
	}
	if !strings.Contains(e.Message, fragment) {
		t.Fatalf("message %q does not contain %q", e.Message, fragment)
	}
}

// csvOf builds an in-memory canonical CSV from rows of cells.
func csvOf(rows ...[]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(household.Header, ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return b.String()
}

// validRow returns the cells of a valid KEPALA row; set overrides columns by name.
func validRow(set map[string]string) []string {
	row := map[string]string{
		"no_kk": "3201010101100001", "nik": "3201011205800001", "nama": "Budi Santoso",
		"jenis_kelamin": "L", "tanggal_lahir": "1980-05-12", "hubungan": "KEPALA",
		"kode_wilayah": "32.01.01.1001", "alamat": "Jl. Raya", "hamil": "0", "disabilitas_berat": "0",
		"sekolah": "TIDAK", "desil": "2", "status": "HIDUP",
	}
	for k, v := range set {
		row[k] = v
	}
	out := make([]string, len(household.Header))
	for i, h := range household.Header {
		out[i] = row[h]
	}
	return out
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
