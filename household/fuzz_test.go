package household_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"tepat"
	"tepat/household"
)

func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(workbook(f))
	f.Add([]byte("no_kk;nik\n\"a;b\";\"\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := household.NewReader(bytes.NewReader(data), household.Options{Now: now})
		if err != nil {
			checkFileError(t, err)
			return
		}
		defer r.Close()
		rows := 0
		for r.Next() {
			fam := r.Family()
			if len(fam.Members) == 0 || fam.Line < 1 {
				t.Fatalf("empty family %+v", fam)
			}
			rows += len(fam.Members)
			for _, p := range fam.Problems {
				if p.Line < 1 || p.Code == "" || p.Message == "" || p.Severity == "" {
					t.Fatalf("malformed problem %+v", p)
				}
			}
			for _, m := range fam.Members {
				if m.NIK != "" && len(m.NIK) != 16 {
					t.Fatalf("accepted NIK of %d bytes", len(m.NIK))
				}
			}
		}
		if err := r.Err(); err != nil {
			checkFileError(t, err)
		}
		if s := r.Stats(); s.Rows < rows {
			t.Fatalf("Stats.Rows %d < %d members", s.Rows, rows)
		}
	})
}

// checkFileError asserts that a reader error on in-memory input is always a
// file-level problem, never an internal error.
func checkFileError(t *testing.T, err error) {
	t.Helper()
	if tepat.ErrorCode(err) != tepat.EINVALID || tepat.ErrorReason(err) == "" {
		t.Fatalf("error %v is not an EINVALID *tepat.Error", err)
	}
	if _, ok := household.FileProblem(err); !ok {
		t.Fatalf("error %v carries no Problem", err)
	}
}
