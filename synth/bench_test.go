package synth_test

import (
	"io"
	"testing"

	"tepat/synth"
)

// BenchmarkWriteHouseholds measures generation speed: one iteration writes
// 100,000 families to io.Discard. The persons/s metric is the figure to
// compare with the target of one million persons per second.
func BenchmarkWriteHouseholds(b *testing.B) {
	const families = 100_000
	var persons, bytes int64
	cw := &countWriter{}
	b.ReportAllocs()
	for b.Loop() {
		cw.n = 0
		st, err := synth.WriteHouseholds(cw, synth.Options{Families: families, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		persons += st.Persons
		bytes += cw.n
	}
	b.ReportMetric(float64(persons)/b.Elapsed().Seconds(), "persons/s")
	b.ReportMetric(float64(bytes)/float64(persons), "B/person")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return io.Discard.Write(p)
}
