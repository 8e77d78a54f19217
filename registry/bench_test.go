package registry_test

import (
	"bytes"
	"testing"

	"tepat/db/dbtest"
	"tepat/household"
	"tepat/registry"
	"tepat/synth"
)

// BenchmarkLoad measures the bulk path: read a generated household file
// and load its families on each engine, in chunks of 10,000 families.
func BenchmarkLoad(b *testing.B) {
	var buf bytes.Buffer
	st, _ := synth.WriteHouseholds(&buf, synth.Options{Families: 20000, Seed: 1})
	data := buf.Bytes()
	for _, e := range dbtest.Engines {
		b.Run(string(e), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				d := dbtest.Open(b, e)
				r, _ := household.NewReader(bytes.NewReader(data), household.Options{Now: synth.DefaultReference})
				b.StartTimer()
				got, err := registry.Load(sys, d, r, 10000)
				if err != nil || got.Persons != st.Persons {
					b.Fatal(got, err)
				}
			}
			b.ReportMetric(float64(st.Persons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
		})
	}
}
