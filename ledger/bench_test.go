package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/terminal"
)

// BenchmarkPurchase measures the processor alone (no HTTP): signed
// purchases from 64 goroutines on 2,000 cards, each durable before its
// answer. Run: go test ./ledger -run '^$' -bench Purchase -benchtime 20000x
func BenchmarkPurchase(b *testing.B) {
	for _, e := range dbtest.Engines {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			w := ledgertest.Fund(b, d, 2000, "32.01")
			key, err := ledger.ServerKey(sys, d)
			if err != nil {
				b.Fatal(err)
			}
			p := ledger.NewProcessor(d, key, ledger.Config{})
			defer p.Close()
			m, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: "Bench", Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
			if err != nil {
				b.Fatal(err)
			}
			pub, priv, _ := ed25519.GenerateKey(nil)
			tm, err := ledger.RegisterTerminal(sys, d, m.ID, pub)
			if err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					pu := terminal.Purchase{Tx: fmt.Sprintf("b-%d", i), Terminal: tm.ID, Card: w.Cards[int(i)%len(w.Cards)].Number,
						Program: ledgertest.Program, Items: []terminal.Item{{Category: "beras", Quantity: 1, Unit: "kg", UnitPrice: 100}},
						Total: 100, Time: time.Now().UTC()}
					body, _ := json.Marshal(pu)
					if _, err := p.Purchase(context.Background(), body, terminal.Sign(priv, terminal.PurchasePrefix, body)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "purchases/s")
			_ = db.SQLite
		})
	}
}
