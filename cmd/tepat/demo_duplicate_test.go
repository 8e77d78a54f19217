package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

func TestDemoDuplicatesAreQueuedAndDeterministic(t *testing.T) {
	t.Parallel()
	var files [][]byte
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		sys := tepat.WithActor(context.Background(), tepat.System)
		dir := t.TempDir()
		path := filepath.Join(dir, "demo-32.01.csv")
		var buf bytes.Buffer
		if _, err := synth.WriteHouseholds(&buf, synth.Options{Families: 100, Seed: 2019, Region: "32.01"}); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path, buf.Bytes(), 0o644)
		if _, err := registry.Import(sys, d, path, registry.ImportOptions{Now: synth.DefaultReference}); err != nil {
			t.Fatal(err)
		}
		before, _ := registry.ListDuplicates(sys, d, registry.DuplicateFilter{Limit: 500})
		n, err := loadDemoDuplicates(sys, d, dir)
		if err != nil {
			t.Fatal(err)
		}
		// 5 repeated heads, a child repeated twice (2 pairs with the original,
		// 1 within the new family).
		if n < 8 {
			t.Fatalf("%d possible duplicates queued, want at least 8", n)
		}
		dups, _ := registry.ListDuplicates(sys, d, registry.DuplicateFilter{Limit: 500})
		kinds := map[string]int{}
		for _, x := range dups[len(before):] {
			kinds[x.Kind]++
		}
		if kinds[registry.KindInFamily] < 1 || kinds[registry.KindSameNameDate] < 7 {
			t.Fatalf("%v", kinds)
		}
		b, err := os.ReadFile(filepath.Join(dir, "demo-32.01-ganda.csv"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	})
	if len(files) == 2 && !bytes.Equal(files[0], files[1]) {
		t.Fatal("the demo's duplicate file differs between runs")
	}
}
