package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/payout"
	"tepat/terminal"
)

var sys = tepat.WithActor(context.Background(), tepat.System)

func as(name string, role tepat.Role, regions ...string) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: name, Role: role, Regions: regions})
}

// clock is a settable test clock, in a day of February 2026 (WIB noon).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var noon = time.Date(2026, 2, 10, 5, 0, 0, 0, time.UTC) // 12:00 WIB

// shop is a funded world with one merchant in Jawa Barat and one terminal.
type shop struct {
	w        ledgertest.World
	d        *db.DB
	p        *ledger.Processor
	clk      *clock
	merchant ledger.Merchant
	term     ledger.Terminal
	key      ed25519.PrivateKey
	server   ed25519.PublicKey
	n        int
}

func open(t *testing.T, d *db.DB) *shop {
	t.Helper()
	s := &shop{d: d, clk: &clock{t: noon}}
	s.w = ledgertest.Fund(t, d, 12, "32.01")
	key, err := ledger.ServerKey(sys, d)
	if err != nil {
		t.Fatal(err)
	}
	s.server = key.Public().(ed25519.PublicKey)
	s.p = ledger.NewProcessor(d, key, ledger.Config{Clock: s.clk.Now})
	t.Cleanup(s.p.Close)
	s.merchant, s.term, s.key = s.addShop(t, "32.01.01.1001")
	return s
}

func (s *shop) addShop(t testing.TB, village string) (ledger.Merchant, ledger.Terminal, ed25519.PrivateKey) {
	t.Helper()
	m, err := ledger.AddMerchant(sys, s.d, ledger.NewMerchant{Name: "e-Warong Sejahtera " + village, Type: "EWARONG", Village: village, Bank: "BRI"})
	if err != nil {
		t.Fatal(err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	tm, err := ledger.RegisterTerminal(sys, s.d, m.ID, pub)
	if err != nil {
		t.Fatal(err)
	}
	return m, tm, key
}

// purchase builds a signed purchase body of items "category:qty:unit:price".
func (s *shop) purchase(tx, term string, key ed25519.PrivateKey, card string, items ...string) ([]byte, string) {
	p := terminal.Purchase{Tx: tx, Terminal: term, Card: card, Program: ledgertest.Program, Time: s.clk.Now()}
	for _, it := range items {
		var i terminal.Item
		parts := strings.Split(it, ":")
		fmt.Sscan(parts[1], &i.Quantity)
		fmt.Sscan(parts[3], &i.UnitPrice)
		i.Category, i.Unit = parts[0], parts[2]
		p.Items = append(p.Items, i)
		p.Total += i.Quantity * i.UnitPrice
	}
	body, _ := json.Marshal(p)
	return body, terminal.Sign(key, terminal.PurchasePrefix, body)
}

func (s *shop) buy(t *testing.T, card string, items ...string) (terminal.Receipt, []byte, error) {
	t.Helper()
	s.n++
	body, sig := s.purchase(fmt.Sprintf("tx-%d", s.n), s.term.ID, s.key, card, items...)
	return s.send(t, body, sig)
}

func (s *shop) send(t *testing.T, body []byte, sig string) (terminal.Receipt, []byte, error) {
	t.Helper()
	ans, err := s.p.Purchase(context.Background(), body, sig)
	if err != nil {
		return terminal.Receipt{}, nil, err
	}
	r, err := terminal.OpenReceipt(s.server, ans)
	if err != nil {
		t.Fatalf("receipt does not verify: %v", err)
	}
	return r, ans, nil
}

func (s *shop) void(t *testing.T, tx, of string) (terminal.Receipt, error) {
	t.Helper()
	body, _ := json.Marshal(terminal.Void{Tx: tx, Terminal: s.term.ID, VoidOf: of, Time: s.clk.Now()})
	ans, err := s.p.Void(context.Background(), body, terminal.Sign(s.key, terminal.VoidPrefix, body))
	if err != nil {
		return terminal.Receipt{}, err
	}
	return terminal.OpenReceipt(s.server, ans)
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if got := tepat.ErrorReason(err); got != reason {
		t.Fatalf("reason = %q (%v), want %s", got, err, reason)
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func checkOK(t *testing.T, d *db.DB) ledger.Report {
	t.Helper()
	r, err := ledger.Check(sys, d)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("ledger check: %v", r.Problems())
	}
	return r
}

func TestCreditCycleOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Fund(t, d, 10, "32.01")
		wallets := count(t, d, `SELECT COUNT(*) FROM ledger_account WHERE kind = 'WALLET' AND balance = $1`, ledgertest.Monthly)
		if wallets != int64(len(w.Cards)) || wallets == 0 {
			t.Fatalf("%d wallets of %d, want one per card (%d)", wallets, ledgertest.Monthly, len(w.Cards))
		}
		again, err := ledger.CreditCycle(sys, d, w.Cycle)
		if err != nil || again.Credited != 0 || again.Already != wallets {
			t.Fatalf("second credit: %+v %v", again, err)
		}
		r := checkOK(t, d)
		if r.Transactions != wallets {
			t.Fatalf("%d transactions, want %d", r.Transactions, wallets)
		}
		fund := count(t, d, `SELECT balance FROM ledger_account WHERE kind = 'FUND' AND program = $1`, ledgertest.Program)
		if fund != -wallets*ledgertest.Monthly {
			t.Fatalf("fund %d, want %d", fund, -wallets*ledgertest.Monthly)
		}
		if _, err := ledger.CreditCycle(as("dinsos", tepat.RoleDinsos, "32.01"), d, w.Cycle); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
			t.Fatalf("dinsos credit: %v", err)
		}
	})
}

func TestPurchaseDebitsWalletAndSignsReceipt(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		card := s.w.Cards[0]
		r, ans, err := s.buy(t, card.Number, "beras:10:kg:12000", "telur:10:butir:2000")
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != 140000 || r.Balance != ledgertest.Monthly-140000 || r.Merchant != s.merchant.ID || r.Kind != terminal.KindPurchase {
			t.Fatalf("receipt %+v", r)
		}
		if strings.Contains(string(ans), card.Number) {
			t.Fatal("receipt shows the full card number")
		}
		// The same request again: the same receipt, nothing posted twice.
		body, sig := s.purchase("tx-1", s.term.ID, s.key, card.Number, "beras:10:kg:12000", "telur:10:butir:2000")
		_, again, err := s.send(t, body, sig)
		if err != nil || string(again) != string(ans) {
			t.Fatalf("repeat: %v\n%s\n%s", err, again, ans)
		}
		// Same id, other content: conflict.
		body, sig = s.purchase("tx-1", s.term.ID, s.key, card.Number, "beras:1:kg:12000")
		_, _, err = s.send(t, body, sig)
		wantReason(t, err, terminal.ReasonConflict)
		if n := count(t, d, `SELECT COUNT(*) FROM purchase`); n != 1 {
			t.Fatalf("%d purchases stored, want 1", n)
		}
		checkOK(t, d)
		bal := count(t, d, `SELECT balance FROM ledger_account WHERE kind = 'MERCHANT' AND merchant_id = $1`, s.merchant.ID)
		if bal != 140000 {
			t.Fatalf("merchant balance %d", bal)
		}
	})
}

func TestPurchaseRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		card := s.w.Cards[0].Number
		_, otherKey, _ := ed25519.GenerateKey(nil)
		good, goodSig := s.purchase("ok-1", s.term.ID, s.key, card, "beras:1:kg:12000")
		cases := []struct {
			name, reason string
			body         func() ([]byte, string)
		}{
			{"InsufficientBalance", terminal.ReasonBalance, func() ([]byte, string) {
				return s.purchase("r1", s.term.ID, s.key, card, "beras:20:kg:12000")
			}},
			{"ForbiddenItem", terminal.ReasonForbiddenItem, func() ([]byte, string) {
				return s.purchase("r2", s.term.ID, s.key, card, "rokok:1:bungkus:25000")
			}},
			{"NotPermittedFood", terminal.ReasonForbiddenItem, func() ([]byte, string) {
				return s.purchase("r2b", s.term.ID, s.key, card, "daging_sapi:1:kg:120000")
			}},
			{"UnknownCategory", terminal.ReasonUnknownItem, func() ([]byte, string) {
				return s.purchase("r3", s.term.ID, s.key, card, "sabun:1:kg:5000")
			}},
			{"UnknownCard", terminal.ReasonUnknownCard, func() ([]byte, string) {
				return s.purchase("r4", s.term.ID, s.key, "6013999999999999", "beras:1:kg:12000")
			}},
			{"BadSignature", terminal.ReasonBadSignature, func() ([]byte, string) {
				return s.purchase("r5", s.term.ID, otherKey, card, "beras:1:kg:12000")
			}},
			{"TruncatedSignature", terminal.ReasonBadSignature, func() ([]byte, string) { return good, goodSig[:40] }},
			{"AlteredBody", terminal.ReasonBadSignature, func() ([]byte, string) {
				return []byte(strings.Replace(string(good), `"quantity":1`, `"quantity":2`, 1)), goodSig
			}},
			{"TotalMismatch", terminal.ReasonTotal, func() ([]byte, string) {
				b := []byte(strings.Replace(string(good), `"total":12000`, `"total":11000`, 1))
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"Overflow", terminal.ReasonBadNumber, func() ([]byte, string) {
				b := []byte(strings.Replace(string(good), `"unit_price":12000`, `"unit_price":99999999999999999999`, 1))
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"ProductOverflow", terminal.ReasonBadNumber, func() ([]byte, string) {
				return s.purchase("r6", s.term.ID, s.key, card, "beras:9223372036854775807:kg:2")
			}},
			{"NegativeQuantity", terminal.ReasonBadNumber, func() ([]byte, string) {
				b := []byte(strings.Replace(string(good), `"quantity":1`, `"quantity":-1`, 1))
				b = []byte(strings.Replace(string(b), `"total":12000`, `"total":-12000`, 1))
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"MalformedJSON", terminal.ReasonBadJSON, func() ([]byte, string) { return good[:len(good)-5], goodSig }},
			{"UnknownField", terminal.ReasonBadJSON, func() ([]byte, string) {
				b := []byte(strings.Replace(string(good), `{`, `{"extra":1,`, 1))
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"MissingCard", terminal.ReasonMissing, func() ([]byte, string) {
				b := []byte(strings.Replace(string(good), card, "", 1))
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"HugeBody", terminal.ReasonTooLarge, func() ([]byte, string) {
				b := append([]byte(nil), good...)
				b = append(b[:len(b)-1], []byte(`,"pad":"`+strings.Repeat("x", terminal.MaxBody)+`"}`)...)
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"UnknownTerminal", terminal.ReasonUnknownTerm, func() ([]byte, string) {
				return s.purchase("r7", "T999999", s.key, card, "beras:1:kg:12000")
			}},
			{"StaleTime", terminal.ReasonStaleTime, func() ([]byte, string) {
				p := terminal.Purchase{Tx: "r8", Terminal: s.term.ID, Card: card, Program: ledgertest.Program,
					Items: []terminal.Item{{Category: "beras", Quantity: 1, Unit: "kg", UnitPrice: 12000}}, Total: 12000, Time: noon.Add(-time.Hour)}
				b, _ := json.Marshal(p)
				return b, terminal.Sign(s.key, terminal.PurchasePrefix, b)
			}},
			{"VoidSignatureOnPurchase", terminal.ReasonBadSignature, func() ([]byte, string) {
				return good, terminal.Sign(s.key, terminal.VoidPrefix, good)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body, sig := c.body()
				_, _, err := s.send(t, body, sig)
				wantReason(t, err, c.reason)
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM purchase`); n != 0 {
			t.Fatalf("%d purchases stored after refusals", n)
		}
		t.Run("BlockedCard", func(t *testing.T) {
			if err := ledger.BlockCard(sys, d, card, "kartu hilang", false); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.buy(t, card, "beras:1:kg:12000")
			wantReason(t, err, terminal.ReasonBlockedCard)
			if err := ledger.BlockCard(sys, d, card, "", true); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.buy(t, card, "beras:1:kg:12000"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("RevokedTerminal", func(t *testing.T) {
			if _, err := ledger.RevokeTerminal(sys, d, s.term.ID); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.buy(t, card, "beras:1:kg:12000")
			wantReason(t, err, terminal.ReasonRevoked)
		})
		t.Run("DisabledMerchant", func(t *testing.T) {
			m, tm, key := s.addShop(t, "32.01.01.1002")
			if _, err := ledger.DisableMerchant(sys, d, m.ID); err != nil {
				t.Fatal(err)
			}
			body, sig := s.purchase("dm-1", tm.ID, key, card, "beras:1:kg:12000")
			_, _, err := s.send(t, body, sig)
			wantReason(t, err, terminal.ReasonMerchantOff)
		})
		checkOK(t, d)
	})
}

func TestConcurrentPurchasesNeverOverspend(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		card := s.w.Cards[0].Number
		const tries = 40 // 40 × Rp10,000 against Rp150,000
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, short := 0, 0
		for i := 0; i < tries; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body, sig := s.purchase(fmt.Sprintf("c-%d", i), s.term.ID, s.key, card, "telur:5:butir:2000")
				_, err := s.p.Purchase(context.Background(), body, sig)
				mu.Lock()
				defer mu.Unlock()
				switch tepat.ErrorReason(err) {
				case "":
					ok++
				case terminal.ReasonBalance:
					short++
				default:
					t.Errorf("purchase %d: %v", i, err)
				}
			}(i)
		}
		wg.Wait()
		if ok != 15 || short != tries-15 {
			t.Fatalf("%d accepted, %d refused; want 15 and %d", ok, short, tries-15)
		}
		if b := count(t, d, `SELECT w.balance FROM ledger_account w JOIN account a ON a.family_id = w.family_id
			WHERE a.nomor_kartu = $1 AND w.kind = 'WALLET'`, card); b != 0 {
			t.Fatalf("balance %d, want 0", b)
		}
		checkOK(t, d)
	})
}

func TestVoidSameDayOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		card := s.w.Cards[1].Number
		if _, _, err := s.buy(t, card, "beras:5:kg:12000"); err != nil {
			t.Fatal(err)
		}
		r, err := s.void(t, "v-1", "tx-1")
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != terminal.KindVoid || r.Total != 60000 || r.Balance != ledgertest.Monthly || r.VoidOf != "tx-1" {
			t.Fatalf("void receipt %+v", r)
		}
		_, err = s.void(t, "v-2", "tx-1")
		wantReason(t, err, terminal.ReasonVoidTwice)
		_, err = s.void(t, "v-3", "no-such")
		wantReason(t, err, terminal.ReasonVoidUnknown)
		if _, _, err := s.buy(t, card, "beras:5:kg:12000"); err != nil { // tx-2
			t.Fatal(err)
		}
		s.clk.Set(noon.Add(24 * time.Hour))
		_, err = s.void(t, "v-4", "tx-2")
		wantReason(t, err, terminal.ReasonVoidLate)
		checkOK(t, d)
	})
}

func TestPriceFlagsAndPriceFile(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		bad := "provinsi,kategori,satuan,harga\n32,beras,kg,12000\n99,beras,kg,1\n32,rokok2,kg,10\n32,telur,liter,10\n32,beras,kg,x\n"
		_, err := ledger.LoadPrices(sys, d, "harga.csv", strings.NewReader(bad))
		wantReason(t, err, "BERKAS_DITOLAK")
		for _, want := range []string{"baris 3, kolom 1", "baris 4, kolom 2", "baris 5, kolom 3", "baris 6, kolom 4"} {
			if !strings.Contains(problems(err), want) {
				t.Errorf("problems %q lack %q", problems(err), want)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM price_reference`); n != 0 {
			t.Fatalf("%d prices stored from a refused file", n)
		}
		n, err := ledger.LoadPrices(sys, d, "harga.csv", strings.NewReader("provinsi,kategori,satuan,harga\n32,beras,kg,12000\n32,telur,butir,2000\n"))
		if err != nil || n != 2 {
			t.Fatal(n, err)
		}
		s.p.Invalidate()
		card := s.w.Cards[2].Number
		// 13,200 is exactly reference + 10 %: not flagged; 13,500 is.
		if _, _, err := s.buy(t, card, "beras:2:kg:13200", "telur:10:butir:2000"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.buy(t, card, "telur:4:butir:2000", "beras:3:kg:13500"); err != nil {
			t.Fatal(err)
		}
		flags, err := ledger.PriceFlags(sys, d, "", 10)
		if err != nil || len(flags) != 1 {
			t.Fatalf("flags %+v %v", flags, err)
		}
		if f := flags[0]; f.Line != 2 || f.Excess != 4500 || f.Reference != 12000 || f.Merchant != s.merchant.ID {
			t.Fatalf("flag %+v", f)
		}
	})
}

func problems(err error) string {
	out, _ := payoutProblems(err)
	return strings.Join(out, "; ")
}

func TestSettleDayOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		m2, t2, k2 := s.addShop(t, "32.01.01.1003")
		c := s.w.Cards
		for i := 0; i < 3; i++ {
			if _, _, err := s.buy(t, c[i].Number, "beras:5:kg:12000"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.void(t, "v-1", "tx-2"); err != nil {
			t.Fatal(err)
		}
		body, sig := s.purchase("m2-1", t2.ID, k2, c[3].Number, "telur:10:butir:2000")
		if _, _, err := s.send(t, body, sig); err != nil {
			t.Fatal(err)
		}
		day := 20260210
		dir := t.TempDir()
		_, err := ledger.Settle(sys, d, day, dir, s.clk.Now)
		wantReason(t, err, "HARI_BELUM_SELESAI")
		after := func() time.Time { return time.Date(2026, 2, 11, 0, 10, 0, 0, time.FixedZone("WIB", 7*3600)) }
		res, err := ledger.Settle(sys, d, day, dir, after)
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 2 || res.Banks["BRI"].Count != 2 || res.Banks["BRI"].Amount != 3*60000-60000+20000 {
			t.Fatalf("settle %+v", res)
		}
		list, _ := ledger.Settlements(sys, d, day, s.merchant.ID, 0)
		if len(list) != 1 || list[0].Purchases != 3 || list[0].Voids != 1 || list[0].Net != 120000 {
			t.Fatalf("settlement %+v", list)
		}
		file := filepath.Join(dir, fmt.Sprintf("settlement-%d-BRI.csv", day))
		first, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		txns := count(t, d, `SELECT COUNT(*) FROM ledger_txn`)
		res, err = ledger.Settle(sys, d, day, dir, after)
		if err != nil || res.New != 0 || res.Already != 2 {
			t.Fatalf("second settle %+v %v", res, err)
		}
		second, _ := os.ReadFile(file)
		if string(first) != string(second) || count(t, d, `SELECT COUNT(*) FROM ledger_txn`) != txns {
			t.Fatal("a second settlement of the day changed something")
		}
		for _, m := range []string{s.merchant.ID, m2.ID} {
			if b := count(t, d, `SELECT balance FROM ledger_account WHERE kind = 'MERCHANT' AND merchant_id = $1`, m); b != 0 {
				t.Fatalf("merchant %s still owed %d after settlement", m, b)
			}
		}
		if b := count(t, d, `SELECT balance FROM ledger_account WHERE kind = 'SETTLEMENT' AND bank = 'BRI'`); b != 140000 {
			t.Fatalf("BRI settled %d", b)
		}
		checkOK(t, d)
	})
}

func TestExpireOldUnspentBalance(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		card := s.w.Cards[0].Number
		if _, _, err := s.buy(t, card, "beras:5:kg:12000"); err != nil { // 90,000 left
			t.Fatal(err)
		}
		// Nothing is older than three months yet.
		res, err := ledger.Expire(sys, d, ledgertest.Program, 3, time.Now())
		if err != nil || res.Wallets != 0 {
			t.Fatalf("early expiry %+v %v", res, err)
		}
		later := time.Now().AddDate(0, 4, 0)
		res, err = ledger.Expire(sys, d, ledgertest.Program, 3, later)
		wallets := int64(len(s.w.Cards))
		if err != nil || res.Wallets != wallets || res.Amount != (wallets-1)*ledgertest.Monthly+90000 {
			t.Fatalf("expiry %+v %v", res, err)
		}
		if again, err := ledger.Expire(sys, d, ledgertest.Program, 3, later); err != nil || again.Wallets != 0 {
			t.Fatalf("second expiry %+v %v", again, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM ledger_account WHERE kind = 'WALLET' AND balance <> 0`); n != 0 {
			t.Fatalf("%d wallets still hold money", n)
		}
		checkOK(t, d)
	})
}

func TestCheckNamesWhatIsBroken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ledgertest.Fund(t, d, 5, "32.01")
		ctx := context.Background()
		if _, err := d.Exec(ctx, `UPDATE ledger_account SET balance = balance + 1 WHERE id = (SELECT MIN(id) FROM ledger_account WHERE kind = 'WALLET')`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE ledger_posting SET amount = amount - 7 WHERE txn_id = (SELECT MAX(id) FROM ledger_txn) AND amount > 0`); err != nil {
			t.Fatal(err)
		}
		r, err := ledger.Check(sys, d)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK || len(r.Unbalanced) != 1 || len(r.Mismatched) != 2 || r.Total == 0 {
			t.Fatalf("check %+v", r)
		}
		if _, err := d.Exec(ctx, `UPDATE ledger_account SET balance = -5 WHERE id = (SELECT MAX(id) FROM ledger_account WHERE kind = 'WALLET')`); err == nil {
			t.Fatal("the database accepted a negative wallet")
		}
	})
}

func TestMerchantScopes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		a, err := ledger.AddMerchant(as("dinsos-3201", tepat.RoleDinsos, "32.01"), d, ledger.NewMerchant{Name: "A", Type: "RPK", Village: "32.01.01.1001", Bank: "BRI"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.AddMerchant(as("dinsos-3201", tepat.RoleDinsos, "32.01"), d, ledger.NewMerchant{Name: "B", Type: "AGEN", Village: "33.74.01.1001", Bank: "BNI"}); tepat.ErrorReason(err) != "DI_LUAR_WILAYAH" {
			t.Fatalf("outside region: %v", err)
		}
		b, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: "B", Type: "AGEN", Village: "33.74.01.1001", Bank: "BNI"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			ctx  context.Context
			want string
		}{
			{"Dinsos", as("dinsos-3201", tepat.RoleDinsos, "32.01"), a.ID},
			{"EWarong", tepat.WithActor(context.Background(), &tepat.Actor{Username: "toko", Role: tepat.RoleEWarong, Merchants: []string{b.ID}}), b.ID},
			{"Bank", tepat.WithActor(context.Background(), &tepat.Actor{Username: "bri", Role: tepat.RoleBank, Bank: "BRI"}), a.ID},
			{"Pusat", as("pusat", tepat.RolePusat), a.ID + "," + b.ID},
		} {
			t.Run(c.name, func(t *testing.T) {
				list, err := ledger.Merchants(c.ctx, d, "")
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, m := range list {
					ids = append(ids, m.ID)
				}
				if strings.Join(ids, ",") != c.want {
					t.Fatalf("sees %v, want %s", ids, c.want)
				}
			})
		}
		if _, err := ledger.GetMerchant(as("dinsos-3201", tepat.RoleDinsos, "32.01"), d, b.ID); tepat.ErrorCode(err) != tepat.ENOTFOUND {
			t.Fatalf("other region's merchant: %v", err)
		}
		if _, err := ledger.AddMerchant(as("humas", tepat.RoleHumas), d, ledger.NewMerchant{Name: "C", Type: "RPK", Village: "32.01.01.1001", Bank: "BRI"}); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
			t.Fatalf("humas: %v", err)
		}
	})
}

func payoutProblems(err error) ([]string, bool) {
	fe, ok := payout.FileProblems(err)
	if !ok {
		return nil, false
	}
	var out []string
	for _, p := range fe.Problems {
		out = append(out, p.String())
	}
	return out, true
}
