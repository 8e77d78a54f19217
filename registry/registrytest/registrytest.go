// Package registrytest fills a test database with a generated registry,
// for the tests of the capabilities built on it (programs, payouts).
package registrytest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/registry"
	"tepat/synth"
)

// Load imports families generated families into each region (seed i+1 for
// the i-th) as the system actor, then freezes the registry as snapshot
// label. Any rejection fails the test.
func Load(t testing.TB, d *db.DB, families int64, label string, regions ...string) {
	t.Helper()
	sys := tepat.WithActor(context.Background(), tepat.System)
	for i, code := range regions {
		var buf bytes.Buffer
		if _, err := synth.WriteHouseholds(&buf, synth.Options{Families: families, Seed: uint64(i + 1), Region: code}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "h.csv")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := registry.Import(sys, d, path, registry.ImportOptions{Now: synth.DefaultReference})
		if err != nil || st.FamiliesRejected != 0 {
			t.Fatalf("import %s: %+v %v", code, st, err)
		}
	}
	if _, err := registry.CreateSnapshot(sys, d, label); err != nil {
		t.Fatal(err)
	}
}
