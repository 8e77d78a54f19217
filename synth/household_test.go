package synth_test

import (
	"bytes"
	"strings"
	"testing"

	"tepat/household"
	"tepat/synth"
)

// TestWriteHouseholdsPassesHouseholdReader checks the generated file against
// the importer's own validation: every family valid, no warning, nothing lost.
func TestWriteHouseholdsPassesHouseholdReader(t *testing.T) {
	t.Parallel()
	for _, opt := range []synth.Options{
		{Families: 1000, Seed: 1},
		{Families: 1000, Seed: 2, Region: "91"},
	} {
		data, st := generate(t, opt)
		if got, want := string(data[:bytes.IndexByte(data, '\n')]), strings.Join(household.Header, ","); got != want {
			t.Fatalf("header %q, want household.Header %q", got, want)
		}
		r, err := household.NewReader(bytes.NewReader(data), household.Options{Now: synth.DefaultReference})
		if err != nil {
			t.Fatal(err)
		}
		var families, persons int64
		for r.Next() {
			fam := r.Family()
			families++
			persons += int64(len(fam.Members))
			for _, p := range fam.Problems {
				t.Errorf("region %q: %s: %s", opt.Region, p.Code, p)
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		if w := r.Warnings(); len(w) > 0 {
			t.Errorf("file warnings: %v", w)
		}
		if families != st.Families || persons != st.Persons {
			t.Errorf("reader saw %d families and %d persons, generator wrote %d and %d",
				families, persons, st.Families, st.Persons)
		}
	}
}
