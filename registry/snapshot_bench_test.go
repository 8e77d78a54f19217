package registry_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
)

// churn changes 2 % of h's families in place for the given month (1–12: a
// different 2 % each month): a decile, a member's name, or a member removed
// (a one-person family gets a new decile instead). It returns how many
// families it changed.
func (h *households) churn(month int) int {
	n := 0
	for i := range h.families {
		if (i+17*month)%50 != 0 {
			continue
		}
		n++
		fam := h.families[i]
		switch i / 50 % 3 {
		case 0:
			fam[len(fam)-1][h.col["nama"]] += " Baru"
		case 1:
			if len(fam) > 1 {
				h.families[i] = fam[:len(fam)-1]
				break
			}
			fallthrough
		default:
			h.setDesil(i)
		}
	}
	return n
}

// dbBytes is the size of a SQLite database: page_count × page_size.
func dbBytes(t testing.TB, d *db.DB) int64 {
	t.Helper()
	var pages, size int64
	ctx := context.Background()
	if err := d.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return pages * size
}

// monthlySnapshots imports families, then twelve times changes 2 % of them,
// imports the file again and takes a snapshot. It returns the database's
// size after the first snapshot and after the twelfth.
func monthlySnapshots(t testing.TB, d *db.DB, families int64) (first, last int64) {
	h := readHouseholds(t, genFile(t, families, 11, ""))
	importFile(t, sys, d, h.write(t, nil))
	for month := 1; month <= 12; month++ {
		changed := h.churn(month)
		st := importFile(t, sys, d, h.write(t, nil))
		if got := st.FamiliesAccepted - st.FamiliesUnchanged; got != int64(changed) {
			t.Fatalf("month %d: %d families changed, import saw %d", month, changed, got)
		}
		s, err := registry.CreateSnapshot(sys, d, fmt.Sprintf("2019-%02d", month))
		if err != nil {
			t.Fatal(err)
		}
		if *s.Families != families {
			t.Fatalf("month %d: %d families", month, *s.Families)
		}
		if month == 1 {
			first = dbBytes(t, d)
		}
	}
	return first, dbBytes(t, d)
}

// TestSnapshotStorageGrowsWithChanges holds the storage target of issue #4
// at test size: twelve monthly snapshots with 2 % monthly change take well
// under twice the space of one.
func TestSnapshotStorageGrowsWithChanges(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	first, last := monthlySnapshots(t, d, 3000)
	ratio := float64(last) / float64(first)
	t.Logf("3,000 families: %d bytes after the first snapshot, %d after twelve (×%.2f)", first, last, ratio)
	if ratio >= 1.5 {
		t.Fatalf("twelve snapshots take %.2f× the space of one", ratio)
	}
}

// BenchmarkSnapshotStorage measures the database size (SQLite) after the
// first of twelve monthly snapshots with 2 % monthly change and after the
// last, and the time to diff the first and the last snapshot (22 % of the
// families differ). TEPAT_BENCH_FAMILIES sets the registry size (default
// 20,000).
func BenchmarkSnapshotStorage(b *testing.B) {
	families := benchFamilies(b, 20000)
	var first, last int64
	var diffTime time.Duration
	for b.Loop() {
		b.StopTimer()
		d := dbtest.Open(b, db.SQLite)
		b.StartTimer()
		first, last = monthlySnapshots(b, d, families)
		start := time.Now()
		diff, err := registry.DiffSnapshots(sys, d, "2019-01", "2019-12", registry.DiffOptions{}, func(registry.DiffFamily) error { return nil })
		if err != nil || diff.Changed < families/5 {
			b.Fatal(diff, err)
		}
		diffTime = time.Since(start)
	}
	b.ReportMetric(float64(first), "bytes-first")
	b.ReportMetric(float64(last), "bytes-12th")
	b.ReportMetric(float64(last)/float64(first), "ratio")
	b.ReportMetric(float64(diffTime.Milliseconds()), "diff-ms")
}

// BenchmarkCreateSnapshot measures CreateSnapshot of a registry of about
// 100,000 persons (28,600 families; TEPAT_BENCH_FAMILIES overrides) on each
// engine, and the streaming of that snapshot's families (EachFamilyAt).
func BenchmarkCreateSnapshot(b *testing.B) {
	families := benchFamilies(b, 28600)
	path := genFile(b, families, 1, "")
	for _, e := range dbtest.Engines {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			st := importFile(b, sys, d, path)
			b.Run("Create", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					if _, err := registry.CreateSnapshot(sys, d, "b-"+strconv.Itoa(i)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(st.PersonsAccepted)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
			})
			b.Run("EachFamilyAt", func(b *testing.B) {
				v, _ := registry.CurrentVersion(context.Background(), d)
				for b.Loop() {
					persons := 0
					if err := registry.EachFamilyAt(sys, d, v, func(f registry.Family) error {
						persons += len(f.Members)
						return nil
					}); err != nil || int64(persons) != st.PersonsAccepted {
						b.Fatal(persons, err)
					}
				}
				b.ReportMetric(float64(st.PersonsAccepted)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
			})
		})
	}
}

func benchFamilies(b *testing.B, def int64) int64 {
	if s := os.Getenv("TEPAT_BENCH_FAMILIES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("TEPAT_BENCH_FAMILIES=%q", s)
		}
		return n
	}
	return def
}
