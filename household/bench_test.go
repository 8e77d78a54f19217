package household_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"tepat/household"
	"tepat/nik"
)

var villages = []string{"32.01.01.1001", "32.01.01.1002", "32.01.01.1003", "32.01.01.1004", "32.01.01.1005"}

// person returns member m of synthetic family f; all NIKs are distinct for
// f*4+m below about 10 million.
func person(f, m int) household.Person {
	i := f*4 + m
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/9999)
	female := m%2 == 1
	sex := byte('L')
	if female {
		sex = 'P'
	}
	rel := household.Anak
	switch m {
	case 0:
		rel = household.Kepala
	case 1:
		rel = household.Pasangan
	}
	return household.Person{
		NoKK: fmt.Sprintf("3201%012d", f+1), NIK: nik.Build("320101", birth, female, i%9999+1),
		Nama: "Nama Anggota Keluarga", JenisKelamin: sex, TanggalLahir: birth, Hubungan: rel,
		KodeWilayah: villages[f%len(villages)], Alamat: "Jl. Raya Bogor No. 1, RT 01/RW 02",
		Sekolah: household.SchoolNone, Desil: f%10 + 1, Status: household.Hidup,
	}
}

// generate returns a canonical CSV of families of four, n persons in all.
func generate(tb testing.TB, n int) []byte {
	var buf bytes.Buffer
	w := household.NewWriter(&buf)
	for i := range n {
		p := person(i/4, i%4)
		if err := w.Write(&p); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestGeneratedFileIsValid(t *testing.T) {
	t.Parallel()
	r, err := household.NewReader(bytes.NewReader(generate(t, 4000)), opts)
	if err != nil {
		t.Fatal(err)
	}
	fams := readAll(t, r)
	if s := r.Stats(); s.Rows != 4000 || s.Families != 1000 || s.InvalidFamilies != 0 {
		t.Fatalf("Stats = %+v; first problems %v", s, locs(fams[0].Problems))
	}
}

func BenchmarkReader(b *testing.B) {
	const n = 100_000
	data := generate(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := household.NewReader(bytes.NewReader(data), opts)
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
			if f := r.Family(); !f.Valid() {
				b.Fatalf("invalid family %v", locs(f.Problems))
			}
		}
		if err := r.Err(); err != nil || r.Stats().Rows != n {
			b.Fatal(err, r.Stats())
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "persons/s")
}

func BenchmarkWriter(b *testing.B) {
	people := make([]household.Person, 1000)
	for i := range people {
		people[i] = person(i/4, i%4)
	}
	w := household.NewWriter(discard{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Write(&people[i%len(people)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "persons/s")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
