package household_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"tepat/household"
)

func TestWriterWritesCanonicalCSV(t *testing.T) {
	t.Parallel()
	// good_comma.csv is canonical, so reading and writing it gives it back.
	want := readFile(t, "good_comma.csv")
	r, err := household.NewReader(bytes.NewReader(want), opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := household.NewWriter(&buf)
	for _, f := range readAll(t, r) {
		for i := range f.Members {
			if err := w.Write(&f.Members[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Fatalf("written:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriterNormalizesInput(t *testing.T) {
	t.Parallel()
	in := readFile(t, "good_semicolon_crlf_bom.csv")
	r, err := household.NewReader(bytes.NewReader(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := household.NewWriter(&buf)
	for _, f := range readAll(t, r) {
		for i := range f.Members {
			w.Write(&f.Members[i])
		}
	}
	w.Flush()
	lines := strings.Split(buf.String(), "\n")
	if lines[0] != strings.Join(household.Header, ",") {
		t.Fatalf("header = %q", lines[0])
	}
	want := `3201010101100001,3201011205800001,Budi Santoso,L,1980-05-12,KEPALA,32.01.01.1001,"Jl. Raya Bogor No. 1, Cibinong",0,0,TIDAK,2,HIDUP`
	if lines[1] != want {
		t.Fatalf("row = %q, want %q", lines[1], want)
	}
}

func TestWriterFlushWritesHeaderOnly(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := household.NewWriter(&buf).Flush(); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != strings.Join(household.Header, ",")+"\n" {
		t.Fatalf("got %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterReportsWriteError(t *testing.T) {
	t.Parallel()
	w := household.NewWriter(failWriter{})
	p := person(0, 0)
	w.Write(&p)
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush = %v, want the writer's error", err)
	}
}
