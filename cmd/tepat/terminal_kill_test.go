package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/terminal"
)

// TestPurchasesSurviveServerKill sends signed purchases to a server in a
// child process, kills it with SIGKILL while requests are in flight,
// restarts it and sends every purchase again: each acknowledged purchase
// must come back with the very same receipt, every purchase must be
// applied exactly once, and `tepat ledger check` must pass.
func TestPurchasesSurviveServerKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			sys := tepat.WithActor(context.Background(), tepat.System)
			w := ledgertest.Fund(t, d, 40, "32.01")
			m, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: "e-Warong Uji", Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
			if err != nil {
				t.Fatal(err)
			}
			pub, key, _ := ed25519.GenerateKey(nil)
			term, err := ledger.RegisterTerminal(sys, d, m.ID, pub)
			if err != nil {
				t.Fatal(err)
			}
			server, err := ledger.ServerKey(sys, d)
			if err != nil {
				t.Fatal(err)
			}
			serverPub := server.Public().(ed25519.PublicKey)

			// Every purchase the test will ever send: Rp2,000 each, so no
			// wallet (Rp150,000) runs out.
			const total = 1500
			type sent struct {
				body, sig string
				card      string
			}
			all := make([]sent, total)
			for i := range all {
				card := w.Cards[i%len(w.Cards)].Number
				p := terminal.Purchase{Tx: fmt.Sprintf("k-%d", i), Terminal: term.ID, Card: card, Program: ledgertest.Program,
					Items: []terminal.Item{{Category: "telur", Quantity: 1, Unit: "butir", UnitPrice: 2000}}, Total: 2000, Time: time.Now().UTC()}
				b, _ := json.Marshal(p)
				all[i] = sent{string(b), terminal.Sign(key, terminal.PurchasePrefix, b), card}
			}
			post := func(url string, s sent) ([]byte, int, error) {
				req, _ := http.NewRequest("POST", url+terminal.PathPurchase, bytes.NewReader([]byte(s.body)))
				req.Header.Set(terminal.SignatureHeader, s.sig)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return nil, 0, err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return b, resp.StatusCode, err
			}

			start := func() (*exec.Cmd, string) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr := ln.Addr().String()
				ln.Close()
				child := exec.Command(os.Args[0], "serve", "--db", dsn, "--addr", addr, "--log-level", "error")
				child.Env = append(os.Environ(), "TEPAT_TEST_MAIN=1")
				if err := child.Start(); err != nil {
					t.Fatal(err)
				}
				url := "http://" + addr
				for i := 0; ; i++ {
					if resp, err := http.Get(url + "/healthz"); err == nil {
						resp.Body.Close()
						break
					}
					if i > 600 {
						child.Process.Kill()
						t.Fatal("server did not start")
					}
					time.Sleep(50 * time.Millisecond)
				}
				return child, url
			}

			// First run: eight senders until SIGKILL.
			child, url := start()
			var mu sync.Mutex
			acked := map[int][]byte{}
			var wg sync.WaitGroup
			next := make(chan int)
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						body, status, err := post(url, all[i])
						if err == nil && status == http.StatusOK {
							if _, err := terminal.OpenReceipt(serverPub, body); err != nil {
								t.Errorf("receipt %d does not verify: %v", i, err)
							}
							mu.Lock()
							acked[i] = body
							mu.Unlock()
						} else if err == nil {
							t.Errorf("purchase %d refused: %d %s", i, status, body)
						}
					}
				}()
			}
			killed := false
			for i := 0; i < total; i++ {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 300 && !killed {
					child.Process.Signal(syscall.SIGKILL)
					killed = true
				}
				next <- i
			}
			close(next)
			wg.Wait()
			child.Wait()
			if !killed || len(acked) < 300 || len(acked) >= total {
				t.Fatalf("acknowledged %d of %d before the kill", len(acked), total)
			}

			// Second run: send everything again.
			child, url = start()
			defer func() { child.Process.Signal(syscall.SIGTERM); child.Wait() }()
			for i, s := range all {
				body, status, err := post(url, s)
				if err != nil || status != http.StatusOK {
					t.Fatalf("resend %d: %d %v %s", i, status, err, body)
				}
				if first, ok := acked[i]; ok && !bytes.Equal(first, body) {
					t.Fatalf("purchase %d acknowledged before the kill answers differently now:\n%s\n%s", i, first, body)
				}
			}
			var n, spent int64
			d.QueryRow(context.Background(), `SELECT COUNT(*), COALESCE(SUM(total), 0) FROM purchase`).Scan(&n, &spent)
			if n != total || spent != total*2000 {
				t.Fatalf("%d purchases for Rp%d stored, want %d for Rp%d", n, spent, total, total*2000)
			}
			var out bytes.Buffer
			if code := Main(context.Background(), []string{"ledger", "check", "--db", dsn}, nil, &out, &out); code != 0 {
				t.Fatalf("ledger check: exit %d\n%s", code, out.String())
			}
			t.Logf("acknowledged before the kill: %d of %d", len(acked), total)
		})
	}
}
