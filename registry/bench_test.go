package registry_test

import (
	"os"
	"strconv"
	"testing"

	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

// BenchmarkImport measures the import of a generated household file into an
// empty registry on each engine: both passes, every validation, duplicate
// search, chunks of 5,000 families.
func BenchmarkImport(b *testing.B) {
	path := genFile(b, benchImportFamilies(), 1, "")
	for _, e := range dbtest.Engines {
		b.Run(string(e), func(b *testing.B) {
			var persons int64
			for b.Loop() {
				b.StopTimer()
				d := dbtest.Open(b, e)
				b.StartTimer()
				got, err := registry.Import(sys, d, path, registry.ImportOptions{Now: synth.DefaultReference})
				if err != nil || got.FamiliesRejected != 0 {
					b.Fatal(got, err)
				}
				persons = got.PersonsAccepted
			}
			b.ReportMetric(float64(persons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
		})
	}
}

// benchImportFamilies is the file size of BenchmarkImport
// (TEPAT_BENCH_FAMILIES, default 20,000 families).
func benchImportFamilies() int64 {
	if n, err := strconv.ParseInt(os.Getenv("TEPAT_BENCH_FAMILIES"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 20000
}
