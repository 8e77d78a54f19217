package synth_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/nik"
	"tepat/region"
	"tepat/synth"
)

// generate runs WriteHouseholds into memory and fails the test on error.
func generate(t testing.TB, opt synth.Options) ([]byte, synth.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := synth.WriteHouseholds(&buf, opt)
	if err != nil {
		t.Fatalf("WriteHouseholds(%+v): %v", opt, err)
	}
	return buf.Bytes(), st
}

// row is one parsed data row, by column name.
type row map[string]string

// rows parses a generated file, checking its header and that every row has
// all columns.
func rows(t testing.TB, data []byte) []row {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var out []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		m := make(row, len(head))
		for i, h := range head {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
}

func TestWriteHouseholds(t *testing.T) {
	t.Parallel()

	t.Run("SameSeedSameBytes", func(t *testing.T) {
		t.Parallel()
		a, sa := generate(t, synth.Options{Families: 3000, Seed: 7})
		b, sb := generate(t, synth.Options{Families: 3000, Seed: 7})
		if !bytes.Equal(a, b) || sa != sb {
			t.Fatal("two runs with the same options differ")
		}
		if sa.Families != 3000 || sa.Persons < 3000 {
			t.Fatalf("stats = %+v", sa)
		}
		if n := int64(bytes.Count(a, []byte{'\n'})) - 1; n != sa.Persons {
			t.Fatalf("file has %d rows, stats say %d persons", n, sa.Persons)
		}
	})

	t.Run("DifferentSeedDifferentBytes", func(t *testing.T) {
		t.Parallel()
		a, _ := generate(t, synth.Options{Families: 100, Seed: 1})
		b, _ := generate(t, synth.Options{Families: 100, Seed: 2})
		if bytes.Equal(a, b) {
			t.Fatal("seeds 1 and 2 gave the same output")
		}
	})

	t.Run("PrefixOfLargerRunIsSmallerRun", func(t *testing.T) {
		t.Parallel()
		small, _ := generate(t, synth.Options{Families: 50, Seed: 3})
		large, _ := generate(t, synth.Options{Families: 80, Seed: 3})
		if !bytes.HasPrefix(large, small) {
			t.Fatal("the first 50 families of an 80-family run differ from a 50-family run")
		}
	})

	t.Run("ZeroFamiliesWritesHeader", func(t *testing.T) {
		t.Parallel()
		data, st := generate(t, synth.Options{})
		want := "no_kk,nik,nama,jenis_kelamin,tanggal_lahir,hubungan,kode_wilayah,alamat," +
			"hamil,disabilitas_berat,sekolah,desil,status\n"
		if string(data) != want || st != (synth.Stats{}) {
			t.Fatalf("got %q, %+v", data, st)
		}
	})

	t.Run("ReportsProgress", func(t *testing.T) {
		t.Parallel()
		var calls []int64
		generate(t, synth.Options{Families: 25000, Seed: 1, Progress: func(n int64) { calls = append(calls, n) }})
		if want := []int64{10000, 20000, 25000}; !equalInts(calls, want) {
			t.Fatalf("progress calls = %v, want %v", calls, want)
		}
	})

	t.Run("RejectsBadOptions", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name string
			opt  synth.Options
			code string
		}{
			{"NegativeFamilies", synth.Options{Families: -1}, tepat.EINVALID},
			{"UnknownRegion", synth.Options{Families: 1, Region: "99"}, tepat.ENOTFOUND},
			{"UnknownDistrict", synth.Options{Families: 1, Region: "32.01.99"}, tepat.ENOTFOUND},
			{"MalformedRegion", synth.Options{Families: 1, Region: "3.2"}, tepat.EINVALID},
			{"AncientReference", synth.Options{Families: 1, Reference: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}, tepat.EINVALID},
		} {
			var buf bytes.Buffer
			_, err := synth.WriteHouseholds(&buf, tc.opt)
			if got := tepat.ErrorCode(err); got != tc.code {
				t.Errorf("%s: error %v has code %q, want %q", tc.name, err, got, tc.code)
			}
			if buf.Len() != 0 {
				t.Errorf("%s: wrote %d bytes before failing", tc.name, buf.Len())
			}
		}
	})

	t.Run("ReturnsWriterError", func(t *testing.T) {
		t.Parallel()
		_, err := synth.WriteHouseholds(failWriter{}, synth.Options{Families: 20000, Seed: 1})
		if err != errWrite {
			t.Fatalf("err = %v, want the writer's error", err)
		}
	})
}

func TestWriteHouseholdsRegion(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"51", "3201", "32.01.01", "9401", "3273011001"} {
		t.Run("LimitsTo"+code, func(t *testing.T) {
			t.Parallel()
			scope, err := region.Lookup(code)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := generate(t, synth.Options{Families: 500, Seed: 5, Region: code})
			for _, r := range rows(t, data) {
				if !region.Within(r["kode_wilayah"], scope.Code) {
					t.Fatalf("kode_wilayah %s is outside %s", r["kode_wilayah"], scope.Code)
				}
				if r["nik"][:2] != scope.Code[:2] {
					t.Fatalf("NIK registered in province %s, outside %s", r["nik"][:2], scope.Code[:2])
				}
			}
		})
	}
}

// TestWriteHouseholdsUniqueNumbers checks, over 200,000 families, that every
// NIK and KK number is valid and issued once, and that each NIK encodes the
// row's birth date and sex.
func TestWriteHouseholdsUniqueNumbers(t *testing.T) {
	t.Parallel()
	families := 200_000
	if testing.Short() {
		families = 20_000
	}
	var buf bytes.Buffer
	st, err := synth.WriteHouseholds(&buf, synth.Options{Families: int64(families), Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	ref := synth.DefaultReference
	niks := make(map[string]struct{}, st.Persons)
	kks := make(map[string]struct{}, families)
	lastKK := ""
	data := buf.Bytes()
	data = data[bytes.IndexByte(data, '\n')+1:]
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		line := string(data[:end])
		data = data[end+1:]
		f := strings.Split(line, ",")
		kk, id, sex, birth := f[0], f[1], f[3], f[4]
		if kk != lastKK {
			if _, dup := kks[kk]; dup {
				t.Fatalf("KK number %s issued twice", nik.Mask(kk))
			}
			if err := nik.ParseKK(kk); err != nil {
				t.Fatalf("KK number %s: %v", nik.Mask(kk), err)
			}
			kks[kk] = struct{}{}
			lastKK = kk
		}
		if _, dup := niks[id]; dup {
			t.Fatalf("NIK %s issued twice", nik.Mask(id))
		}
		niks[id] = struct{}{}
		n, err := nik.ParseAt(id, ref)
		if err != nil {
			t.Fatalf("NIK %s: %v", nik.Mask(id), err)
		}
		if got := n.BirthDate.Format(time.DateOnly); got != birth || n.Female != (sex == "P") {
			t.Fatalf("NIK %s encodes %s female=%v, row says %s %s", nik.Mask(id), got, n.Female, birth, sex)
		}
	}
	if int64(len(niks)) != st.Persons || len(kks) != families {
		t.Fatalf("%d NIKs for %d persons, %d KKs for %d families", len(niks), st.Persons, len(kks), families)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var errWrite = tepat.Errorf(tepat.EINTERNAL, "disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
