package ledger_test

import (
	"context"
	"crypto/ed25519"
	"os"
	"strconv"
	"testing"
	"time"

	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/registry/registrytest"
	"tepat/terminal"
)

// benchFamilies is the registry size of the offline benchmarks
// (TEPAT_BENCH_FAMILIES, default 100,000).
func benchFamilies() int64 {
	if n, err := strconv.ParseInt(os.Getenv("TEPAT_BENCH_FAMILIES"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 100000
}

// BenchmarkManifest times one manifest of every entitled family of a
// regency (target: 100,000 families in under 5 s).
//
//	go test ./ledger -run '^$' -bench Manifest -benchtime 1x
func BenchmarkManifest(b *testing.B) {
	for _, e := range dbtest.Engines {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			registrytest.Load(b, d, benchFamilies(), "S1", "32.01")
			cy := cashCycle(b, d).ID
			s := &shop{d: d, clk: &clock{t: time.Now()}}
			_, tm, _ := s.addShop(b, "32.01.01.1001")
			key, _ := ledger.ServerKey(sys, d)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				body, info, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: tm.ID, Cycle: cy, Region: "32.01"})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(info.Families), "families")
				b.ReportMetric(time.Since(start).Seconds(), "s/manifest")
				b.ReportMetric(float64(len(body))/1e6, "MB")
				b.StopTimer()
				if _, err := ledger.ReleaseManifest(sys, d, info.ID, ledger.ManifestClosed); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkSync times the ingest of signed offline entries in uploads of
// terminal.MaxSyncEntries (target: 20,000 entries/s on SQLite, at least
// 0.4 × the two-core Ed25519 verification rate of BenchmarkVerify).
//
//	go test ./ledger -run '^$' -bench 'Sync|Verify' -benchtime 1x
func BenchmarkSync(b *testing.B) {
	for _, e := range dbtest.Engines {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			families := benchFamilies()
			registrytest.Load(b, d, families, "S1", "32.01")
			cy := cashCycle(b, d).ID
			s := &shop{d: d, clk: &clock{t: time.Now()}}
			_, tm, k := s.addShop(b, "32.01.01.1001")
			key, _ := ledger.ServerKey(sys, d)
			body, _, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: tm.ID, Cycle: cy, Region: "32.01"})
			if err != nil {
				b.Fatal(err)
			}
			m, _ := terminal.OpenManifest(key.Public().(ed25519.PublicKey), body)
			// Entries: each family paid in four parts (allowance / 4).
			o := &offlineTerm{id: tm.ID, key: k}
			at := time.Now().Add(-time.Hour)
			n := 4 * len(m.Families)
			for i := 0; i < n; i++ {
				f := m.Families[i%len(m.Families)]
				o.pay(m.ID, f.KK, f.Allowance/4, at)
			}
			b.ResetTimer()
			start := time.Now()
			for off := 0; off < len(o.log); off += terminal.MaxSyncEntries {
				end := min(off+terminal.MaxSyncEntries, len(o.log))
				r, err := ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: o.log[off:end]}, ledger.SyncConfig{})
				if err != nil || r.Applied != end-off {
					b.Fatalf("sync: %+v %v", r, err)
				}
			}
			el := time.Since(start)
			b.ReportMetric(float64(len(o.log))/el.Seconds(), "entries/s")
			b.ReportMetric(float64(len(o.log)), "entries")
		})
	}
}

// BenchmarkVerify is the bare Ed25519 verification rate on all cores,
// the peer of BenchmarkSync.
func BenchmarkVerify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 200)
	sig := ed25519.Sign(priv, msg)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Error("verify")
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}
