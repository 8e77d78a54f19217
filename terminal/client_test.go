package terminal_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/terminal"
	"tepat/web"
)

var sys = tepat.WithActor(context.Background(), tepat.System)

// shop is a funded world served over HTTP: one merchant with terminals
// whose key files the client uses.
type shop struct {
	d      *db.DB
	url    string
	cards  []string
	keys   []terminal.KeyFile
	server ed25519.PublicKey
}

// openShop funds 12 families in 32.01 (Rp150,000 of PANGAN each), starts
// the web server and registers n terminals of one e-Warong.
func openShop(t *testing.T, d *db.DB, n int) *shop {
	t.Helper()
	w := ledgertest.Fund(t, d, 12, "32.01")
	srv := web.New(d, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	key, err := ledger.ServerKey(sys, d)
	if err != nil {
		t.Fatal(err)
	}
	s := &shop{d: d, url: ts.URL, server: key.Public().(ed25519.PublicKey)}
	for _, c := range w.Cards {
		s.cards = append(s.cards, c.Number)
	}
	m, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: "e-Warong Sejahtera", Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		kf, pub, err := terminal.NewKeyFile("", m.ID, s.server)
		if err != nil {
			t.Fatal(err)
		}
		tm, err := ledger.RegisterTerminal(sys, d, m.ID, pub)
		if err != nil {
			t.Fatal(err)
		}
		kf.Terminal = tm.ID
		s.keys = append(s.keys, kf)
	}
	return s
}

func (s *shop) client(i int) *terminal.Client {
	return &terminal.Client{Server: s.url, Key: s.keys[i]}
}

// purchase builds a purchase of items "category:qty:unit:price".
func purchase(t *testing.T, tx, card string, items ...string) terminal.Purchase {
	t.Helper()
	p := terminal.Purchase{Tx: tx, Card: card, Program: ledgertest.Program}
	for _, s := range items {
		it, err := terminal.ParseItem(s)
		if err != nil {
			t.Fatal(err)
		}
		p.Items = append(p.Items, it)
	}
	total, err := terminal.SumItems(p.Items)
	if err != nil {
		t.Fatal(err)
	}
	p.Total = total
	return p
}

func wantRefusal(t *testing.T, err error, code, reason string) {
	t.Helper()
	wantReason(t, err, reason)
	if got := tepat.ErrorCode(err); got != code {
		t.Fatalf("code = %s, want %s (%v)", got, code, err)
	}
	if tepat.ErrorMessage(err) == "" {
		t.Fatal("refusal without the server's detail")
	}
}

func checkLedger(t *testing.T, d *db.DB) {
	t.Helper()
	r, err := ledger.Check(sys, d)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("ledger check: %+v", r)
	}
}

func TestClient(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := openShop(t, d, 2)
		ctx := context.Background()
		c := s.client(0)

		t.Run("ServerKeyMatchesKeyFile", func(t *testing.T) {
			k, err := c.ServerKey(ctx)
			if err != nil || !k.Equal(s.server) {
				t.Fatalf("%v %v", k, err)
			}
		})
		t.Run("PayReturnsVerifiedReceipt", func(t *testing.T) {
			p := purchase(t, "pay-1", s.cards[0], "beras:10:kg:12000")
			p.Time = time.Now() // a retry repeats the time: it is part of the content
			r, err := c.Pay(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != terminal.KindPurchase || r.Tx != "pay-1" || r.Terminal != s.keys[0].Terminal || r.Total != 120000 ||
				r.Balance != ledgertest.Monthly-120000 || r.Card != terminal.MaskCard(s.cards[0]) || r.Merchant != s.keys[0].Merchant {
				t.Fatalf("receipt %+v", r)
			}
			again, err := c.Pay(ctx, p)
			if err != nil || again != r {
				t.Fatalf("repeat: %+v %v, want the first receipt", again, err)
			}
			p.Items[0].Quantity, p.Total = 9, 108000
			_, err = c.Pay(ctx, p)
			wantRefusal(t, err, tepat.ECONFLICT, terminal.ReasonConflict)
			p.Items[0].Quantity, p.Total, p.Time = 10, 120000, time.Time{}
			_, err = c.Pay(ctx, p)
			wantRefusal(t, err, tepat.ECONFLICT, terminal.ReasonConflict)
		})
		t.Run("RefusesInsufficientBalance", func(t *testing.T) {
			if _, err := c.Pay(ctx, purchase(t, "bal-1", s.cards[1], "beras:10:kg:10000")); err != nil {
				t.Fatal(err)
			}
			_, err := c.Pay(ctx, purchase(t, "bal-2", s.cards[1], "beras:6:kg:10000"))
			wantRefusal(t, err, tepat.ECONFLICT, terminal.ReasonBalance)
			if !strings.Contains(tepat.ErrorMessage(err), "saldo tidak cukup") {
				t.Fatalf("message %q", tepat.ErrorMessage(err))
			}
		})
		t.Run("RefusesForbiddenItem", func(t *testing.T) {
			_, err := c.Pay(ctx, purchase(t, "rokok-1", s.cards[2], "beras:1:kg:12000", "rokok:1:bungkus:25000"))
			wantRefusal(t, err, tepat.EFORBIDDEN, terminal.ReasonForbiddenItem)
		})
		t.Run("RefusesUnknownProgram", func(t *testing.T) {
			p := purchase(t, "prog-1", s.cards[2], "beras:1:kg:12000")
			p.Program = "SEMBAKO"
			_, err := c.Pay(ctx, p)
			wantRefusal(t, err, tepat.EINVALID, terminal.ReasonUnknownProgram)
		})
		t.Run("RefusesUnknownCard", func(t *testing.T) {
			_, err := c.Pay(ctx, purchase(t, "card-1", "9999000011112222", "beras:1:kg:12000"))
			wantRefusal(t, err, tepat.ENOTFOUND, terminal.ReasonUnknownCard)
		})
		t.Run("RefusesBadSignature", func(t *testing.T) {
			other, _, err := terminal.NewKeyFile(s.keys[0].Terminal, s.keys[0].Merchant, s.server)
			if err != nil {
				t.Fatal(err)
			}
			forger := &terminal.Client{Server: s.url, Key: other}
			_, err = forger.Pay(ctx, purchase(t, "forged-1", s.cards[2], "beras:1:kg:12000"))
			wantRefusal(t, err, tepat.EUNAUTHORIZED, terminal.ReasonBadSignature)
			// Another terminal's key is no better.
			other.PrivateKey = s.keys[1].PrivateKey
			_, err = forger.Pay(ctx, purchase(t, "forged-2", s.cards[2], "beras:1:kg:12000"))
			wantRefusal(t, err, tepat.EUNAUTHORIZED, terminal.ReasonBadSignature)
		})
		t.Run("RefusesUnknownTerminal", func(t *testing.T) {
			k := s.keys[0]
			k.Terminal = "T999999"
			_, err := (&terminal.Client{Server: s.url, Key: k}).Pay(ctx, purchase(t, "unk-1", s.cards[2], "beras:1:kg:12000"))
			wantRefusal(t, err, tepat.EUNAUTHORIZED, terminal.ReasonUnknownTerm)
		})
		t.Run("RefusesStaleClock", func(t *testing.T) {
			p := purchase(t, "stale-1", s.cards[2], "beras:1:kg:12000")
			p.Time = time.Now().Add(-time.Hour)
			_, err := c.Pay(ctx, p)
			wantRefusal(t, err, tepat.EINVALID, terminal.ReasonStaleTime)
		})
		t.Run("RejectsReceiptOfOtherServerKey", func(t *testing.T) {
			k := s.keys[1]
			pub, _, _ := ed25519.GenerateKey(nil)
			k.ServerPublicKey = base64.StdEncoding.EncodeToString(pub)
			_, err := (&terminal.Client{Server: s.url, Key: k}).Pay(ctx, purchase(t, "mitm-1", s.cards[3], "beras:1:kg:12000"))
			wantReason(t, err, terminal.ReasonBadReceipt)
		})
		t.Run("VoidRestoresBalance", func(t *testing.T) {
			p := purchase(t, "void-me", s.cards[4], "telur:10:butir:2500")
			if _, err := c.Pay(ctx, p); err != nil {
				t.Fatal(err)
			}
			r, err := c.Void(ctx, terminal.Void{Tx: "void-1", VoidOf: "void-me"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != terminal.KindVoid || r.VoidOf != "void-me" || r.Total != 25000 || r.Balance != ledgertest.Monthly {
				t.Fatalf("void receipt %+v", r)
			}
			_, err = c.Void(ctx, terminal.Void{Tx: "void-2", VoidOf: "void-me"})
			wantRefusal(t, err, tepat.ECONFLICT, terminal.ReasonVoidTwice)
			_, err = s.client(1).Void(ctx, terminal.Void{Tx: "void-3", VoidOf: "pay-1"})
			wantRefusal(t, err, tepat.ENOTFOUND, terminal.ReasonVoidUnknown)
		})
		t.Run("ReportsUnreachableServer", func(t *testing.T) {
			dead := &terminal.Client{Server: closedURL(t), Key: s.keys[0]}
			_, err := dead.Pay(ctx, purchase(t, "net-1", s.cards[5], "beras:1:kg:12000"))
			wantReason(t, err, terminal.ReasonNetwork)
		})
		t.Run("RefusesBadKeyFile", func(t *testing.T) {
			k := s.keys[0]
			k.PrivateKey = "c2hvcnQ="
			_, err := (&terminal.Client{Server: s.url, Key: k}).Pay(ctx, purchase(t, "key-1", s.cards[5], "beras:1:kg:12000"))
			wantReason(t, err, "KUNCI_TIDAK_VALID")
		})
		checkLedger(t, d)
	})
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := openShop(t, d, 4)
		ctx := context.Background()
		item := terminal.Item{Category: "beras", Quantity: 1, Unit: "kg", UnitPrice: 10000}
		// 200 purchases of Rp10,000 over 12 cards of Rp150,000: each card
		// is asked 16 or 17 times and can pay 15, whatever the order.
		r, err := terminal.Load(ctx, terminal.LoadOptions{Server: s.url, Keys: s.keys, Cards: s.cards,
			Terminals: 4, CardCount: 12, Tx: 200, Concurrency: 8, Program: ledgertest.Program, Items: []terminal.Item{item}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Sent != 200 || r.Codes[terminal.CodeOK] != 180 || r.Codes[terminal.ReasonBalance] != 20 || len(r.Codes) != 2 {
			t.Fatalf("result %+v", r)
		}
		if r.Seconds <= 0 || r.Throughput <= 0 || r.Latency.P50 <= 0 ||
			r.Latency.P50 > r.Latency.P90 || r.Latency.P90 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max {
			t.Fatalf("measures %+v", r)
		}
		checkLedger(t, d)
		var sold int64
		if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(total), 0) FROM purchase WHERE kind = 'PURCHASE'`).Scan(&sold); err != nil {
			t.Fatal(err)
		}
		if sold != 180*10000 {
			t.Fatalf("sold %d", sold)
		}

		t.Run("PacesAtRate", func(t *testing.T) {
			// Every wallet is empty now: all refused, but paced.
			r, err := terminal.Load(ctx, terminal.LoadOptions{Server: s.url, Keys: s.keys, Cards: s.cards,
				Tx: 20, Concurrency: 2, Rate: 200, Program: ledgertest.Program})
			if err != nil {
				t.Fatal(err)
			}
			// Items default to beras:1:kg:1000; request 19 is due at 95 ms.
			if r.Sent != 20 || r.Codes[terminal.ReasonBalance] != 20 || r.Seconds < 0.095 {
				t.Fatalf("result %+v", r)
			}
		})
		t.Run("CountsNetworkFailures", func(t *testing.T) {
			r, err := terminal.Load(ctx, terminal.LoadOptions{Server: closedURL(t), Keys: s.keys, Cards: s.cards,
				Tx: 5, Concurrency: 2})
			if err != nil || r.Sent != 5 || r.Codes[terminal.CodeNetwork] != 5 {
				t.Fatalf("%+v %v", r, err)
			}
		})
		checkLedger(t, d)
	})
}

func TestLoadRefusesBadOptions(t *testing.T) {
	t.Parallel()
	kf, _, err := terminal.NewKeyFile("T000001", "M000001", make(ed25519.PublicKey, ed25519.PublicKeySize))
	if err != nil {
		t.Fatal(err)
	}
	keys, cards := []terminal.KeyFile{kf}, []string{"6013010012345678"}
	for name, o := range map[string]terminal.LoadOptions{
		"NoServer":       {Keys: keys, Cards: cards, Tx: 1},
		"NoKeys":         {Server: "http://x", Cards: cards, Tx: 1},
		"TooManyTerms":   {Server: "http://x", Keys: keys, Cards: cards, Terminals: 2, Tx: 1},
		"TooManyCards":   {Server: "http://x", Keys: keys, Cards: cards, CardCount: 2, Tx: 1},
		"NoTransactions": {Server: "http://x", Keys: keys, Cards: cards},
		"NegativeRate":   {Server: "http://x", Keys: keys, Cards: cards, Tx: 1, Rate: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := terminal.Load(context.Background(), o)
			wantReason(t, err, "OPSI_BEBAN_TIDAK_VALID")
		})
	}
}

func TestClientParseItem(t *testing.T) {
	t.Parallel()
	it, err := terminal.ParseItem("beras:10:kg:12000")
	if err != nil || it != (terminal.Item{Category: "beras", Quantity: 10, Unit: "kg", UnitPrice: 12000}) {
		t.Fatalf("%+v %v", it, err)
	}
	if it, err := terminal.ParseItem("sayur:2:ikat:0"); err != nil || it.UnitPrice != 0 {
		t.Fatalf("free item: %+v %v", it, err)
	}
	for _, s := range []string{"", "beras", "beras:10:kg", "beras:10:kg:12000:1", "beras:0:kg:12000", "beras:-1:kg:12000",
		"beras:1.5:kg:12000", "beras:10:kg:-1", "beras:10:kg:12.000", "Beras:10:kg:12000", "beras:10::12000",
		"beras:9223372036854775807:kg:2", "beras:99999999999999999999:kg:1"} {
		if _, err := terminal.ParseItem(s); tepat.ErrorReason(err) != terminal.ReasonBadItem {
			t.Errorf("ParseItem(%q) = %v, want %s", s, err, terminal.ReasonBadItem)
		}
	}
}

func TestClientSumItems(t *testing.T) {
	t.Parallel()
	items := []terminal.Item{{Category: "beras", Quantity: 10, Unit: "kg", UnitPrice: 12000}, {Category: "telur", Quantity: 1, Unit: "kg", UnitPrice: 28000}}
	if sum, err := terminal.SumItems(items); err != nil || sum != 148000 {
		t.Fatalf("%d %v", sum, err)
	}
	items[1].UnitPrice = 1<<63 - 1
	if _, err := terminal.SumItems(items); tepat.ErrorReason(err) != terminal.ReasonBadNumber {
		t.Fatalf("overflow: %v", err)
	}
	if id := terminal.NewTxID(); len(id) != 19 || id == terminal.NewTxID() {
		t.Fatalf("tx id %q", id)
	}
}
