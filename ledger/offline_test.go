package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/payout"
	"tepat/program"
	"tepat/terminal"
)

const cashCatalog = `
programs:
  - code: TUNAI
    year: 2026
    periods_per_year: 4
    eligibility: "desil <= 10"
    benefit: {kind: flat, yearly: 2400000}
`

// cashCycle makes an approved cash cycle (Rp600,000 a family) from S1.
func cashCycle(t testing.TB, d *db.DB) program.Cycle {
	t.Helper()
	pa, pb := as("pusat-a", tepat.RolePusat), as("pusat-b", tepat.RolePusat)
	c, err := program.ParseCatalog(strings.NewReader(cashCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(pa, d, c); err != nil {
		t.Fatal(err)
	}
	if _, err := program.SetBudget(pa, d, "TUNAI", 2026, 1e15); err != nil {
		t.Fatal(err)
	}
	cy, err := program.CreateCycle(pa, d, program.NewCycle{Program: "TUNAI", Year: 2026, Period: 4, Snapshot: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.GenerateCycle(pa, d, cy.ID); err != nil {
		t.Fatal(err)
	}
	if cy, err = program.ApproveCycle(pb, d, cy.ID); err != nil {
		t.Fatal(err)
	}
	return cy
}

// offlineTerm is a terminal's offline log as the tests write it.
type offlineTerm struct {
	id   string
	key  ed25519.PrivateKey
	seq  int64
	prev []byte
	log  []terminal.SignedEntry
}

func (o *offlineTerm) pay(manifest, kk string, amount int64, at time.Time, items ...terminal.Item) terminal.SignedEntry {
	o.seq++
	if o.prev == nil {
		o.prev = terminal.GenesisHash
	}
	se, h := terminal.SignEntry(o.key, terminal.Entry{Terminal: o.id, Seq: o.seq, Prev: terminal.HexHash(o.prev), Manifest: manifest,
		KK: kk, Amount: amount, Items: items, Time: at})
	o.prev = h
	o.log = append(o.log, se)
	return se
}

func codes(r terminal.SyncResult) string {
	var out []string
	for _, c := range r.Conflicts {
		out = append(out, fmt.Sprintf("%d:%s", c.Seq, c.Code))
	}
	return strings.Join(out, ",")
}

func TestOfflineCashManifestSyncAndReconcile(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		cy := cashCycle(t, d)
		key, _ := ledger.ServerKey(sys, d)
		body, info, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: s.term.ID, Cycle: cy.ID, Region: "32.01"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := terminal.OpenManifest(s.server, body)
		if err != nil || m.Kind != terminal.ManifestCash || len(m.Families) == 0 || int64(len(m.Families)) != info.Families {
			t.Fatalf("manifest %+v %v", info, err)
		}
		if !strings.Contains(m.Families[0].NIKKepala, "*") {
			t.Fatal("head NIK not masked")
		}
		// A second manifest for the same families: refused.
		_, tm2, _ := s.addShop(t, "32.01.01.1002")
		if _, _, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: tm2.ID, Cycle: cy.ID, Region: "32.01"}); tepat.ErrorReason(err) != terminal.ReasonReservedElse {
			t.Fatalf("double reservation: %v", err)
		}
		o := &offlineTerm{id: s.term.ID, key: s.key}
		f := m.Families
		at := noon.Add(-time.Hour)
		o.pay(m.ID, f[0].KK, f[0].Allowance, at)                  // 1 ok
		o.pay(m.ID, f[1].KK, f[1].Allowance/2, at)                // 2 ok, half
		o.pay(m.ID, f[1].KK, f[1].Allowance, at)                  // 3 beyond allowance
		o.pay(m.ID, "3201999999999999", 1000, at)                 // 4 not listed
		bad := o.pay(m.ID, f[2].KK, f[2].Allowance, at)           // 5 altered below
		o.pay(m.ID, f[3].KK, f[3].Allowance, at)                  // 6 ok (after an altered entry)
		o.pay(m.ID, f[4].KK, f[4].Allowance, noon.Add(time.Hour)) // 7 from the future
		raw, _ := base64.StdEncoding.DecodeString(bad.Body)
		o.log[4].Body = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), fmt.Sprint(f[2].Allowance), "1", 1)))

		cfg := ledger.SyncConfig{Clock: s.clk.Now}
		// Out of order and with a gap: entries 3..7 wait for 1..2.
		r, err := ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: o.log[2:]}, cfg)
		if err != nil || r.LastSeq != 0 || r.Pending != 5 || r.Applied != 0 {
			t.Fatalf("gap: %+v %v", r, err)
		}
		r, err = ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: []terminal.SignedEntry{o.log[1], o.log[0], o.log[3], o.log[2], o.log[4], o.log[6], o.log[5]}}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.LastSeq != 7 || r.Applied != 3 || codes(r) != "3:MELEBIHI_JATAH,4:BUKAN_DI_MANIFES,5:TANDA_TANGAN_TIDAK_SAH,7:WAKTU_MASA_DEPAN" {
			t.Fatalf("sync: %+v %s", r, codes(r))
		}
		// Everything again: duplicates, and the altered entry refused
		// again without being queued twice.
		r, err = ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: o.log}, cfg)
		if err != nil || r.Duplicates != 6 || r.Applied != 0 || codes(r) != "5:TANDA_TANGAN_TIDAK_SAH" {
			t.Fatalf("resend: %+v %v", r, err)
		}
		// The genuine entry 5 arrives later: its place was vouched for by
		// entry 6, so it is applied now.
		r, err = ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: []terminal.SignedEntry{bad}}, cfg)
		if err != nil || r.Applied != 1 || len(r.Conflicts) != 0 {
			t.Fatalf("genuine after altered: %+v %v", r, err)
		}
		// A forged entry (another key) for a number already held is
		// refused, not queued as a fork.
		_, forger, _ := ed25519.GenerateKey(nil)
		forged, _ := terminal.SignEntry(forger, terminal.Entry{Terminal: o.id, Seq: 1, Prev: strings.Repeat("0", 64), Manifest: m.ID, KK: f[0].KK, Amount: 9, Time: at})
		r, err = ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: []terminal.SignedEntry{forged}}, cfg)
		if err != nil || codes(r) != "1:TANDA_TANGAN_TIDAK_SAH" {
			t.Fatalf("forged: %+v %v", r, err)
		}
		// A fork: entry 2 again with other content.
		fork, _ := terminal.SignEntry(o.key, terminal.Entry{Terminal: o.id, Seq: 2, Prev: strings.Repeat("0", 64), Manifest: m.ID, KK: f[1].KK, Amount: 5, Time: at})
		r, err = ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: []terminal.SignedEntry{fork}}, cfg)
		if err != nil || codes(r) != "2:CABANG_GANDA" {
			t.Fatalf("fork: %+v %v", r, err)
		}
		conflicts, err := ledger.Conflicts(sys, d, false)
		if err != nil || len(conflicts) != 5 {
			t.Fatalf("queue: %d %v", len(conflicts), err)
		}
		if _, err := ledger.ResolveConflict(as("dinsos", tepat.RoleDinsos, "32.01"), d, conflicts[0].ID, "DITOLAK", "cabang dari perangkat rusak"); err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.ResolveConflict(as("dinsos", tepat.RoleDinsos, "33"), d, conflicts[1].ID, "DITOLAK", "x"); tepat.ErrorCode(err) != tepat.ENOTFOUND {
			t.Fatalf("other region resolves: %v", err)
		}
		// Reconciliation counts the offline cash: export first (no
		// accounts: nothing to the banks), then reconcile.
		if _, err := payout.SetRoute(sys, d, "TUNAI", "32", "BRI"); err != nil {
			t.Fatal(err)
		}
		if _, err := payout.Export(sys, d, cy.ID, func(_ string, fill func(io.Writer) error) error { return fill(io.Discard) }); err != nil {
			t.Fatal(err)
		}
		rec, err := payout.Reconcile(sys, d, cy.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		paid := rec.Outcomes.Paid
		if paid.Count != 3 || paid.Amount != f[0].Allowance+f[2].Allowance+f[3].Allowance || rec.Outcomes.AmountMismatch.Count != 1 {
			t.Fatalf("reconcile: %+v", rec.Outcomes)
		}
		checkOK(t, d)
		// Closing the manifest ends the reservations; a later entry is a
		// conflict.
		if _, err := ledger.ReleaseManifest(sys, d, m.ID, ledger.ManifestClosed); err != nil {
			t.Fatal(err)
		}
		o.pay(m.ID, f[5].KK, 1000, at)
		r, err = ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: o.log[7:]}, cfg)
		if err != nil || codes(r) != "8:MANIFES_DILEPAS" {
			t.Fatalf("after close: %+v %v", r, err)
		}
		checkOK(t, d)
	})
}

func TestOfflineWalletReservationIsNotSpendableOnline(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		key, _ := ledger.ServerKey(sys, d)
		body, info, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: s.term.ID, Cycle: s.w.Cycle, Region: "32.01"})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := terminal.OpenManifest(s.server, body)
		if m.Kind != terminal.ManifestWallet || info.Amount != info.Families*ledgertest.Monthly {
			t.Fatalf("manifest %+v", info)
		}
		// No second terminal gets the same wallets.
		_, tm2, _ := s.addShop(t, "32.01.01.1002")
		_, _, err = ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: tm2.ID, Cycle: s.w.Cycle, Region: "32.01"})
		wantReason(t, err, terminal.ReasonReservedElse)
		// Online, the reserved money is not there.
		_, _, err = s.buy(t, s.w.Cards[0].Number, "beras:1:kg:12000")
		wantReason(t, err, terminal.ReasonBalance)
		o := &offlineTerm{id: s.term.ID, key: s.key}
		at := noon.Add(-time.Minute)
		o.pay(m.ID, m.Families[0].KK, 24000, at, terminal.Item{Category: "beras", Quantity: 2, Unit: "kg", UnitPrice: 12000})
		o.pay(m.ID, m.Families[1].KK, 25000, at, terminal.Item{Category: "rokok", Quantity: 1, Unit: "bungkus", UnitPrice: 25000})
		r, err := ledger.Sync(context.Background(), d, terminal.Upload{Terminal: o.id, Entries: o.log}, ledger.SyncConfig{Clock: s.clk.Now})
		if err != nil || r.Applied != 1 || codes(r) != "2:BARANG_TIDAK_DIIZINKAN" {
			t.Fatalf("sync %+v %v", r, err)
		}
		checkOK(t, d)
		if _, err := ledger.ReleaseManifest(sys, d, m.ID, ledger.ManifestClosed); err != nil {
			t.Fatal(err)
		}
		// The rest is back in the wallets.
		var sum int64
		d.QueryRow(context.Background(), `SELECT COALESCE(SUM(balance), 0) FROM ledger_account WHERE kind = 'WALLET'`).Scan(&sum)
		if want := int64(len(s.w.Cards))*ledgertest.Monthly - 24000; sum != want {
			t.Fatalf("wallets hold %d, want %d", sum, want)
		}
		if _, _, err := s.buy(t, s.w.Cards[0].Number, "beras:1:kg:12000"); err != nil {
			t.Fatal(err)
		}
		checkOK(t, d)
	})
}

func TestManifestRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := open(t, d)
		key, _ := ledger.ServerKey(sys, d)
		pa := as("pusat-a", tepat.RolePusat)
		c, _ := program.ParseCatalog(strings.NewReader(cashCatalog))
		program.Apply(pa, d, c)
		draft, err := program.CreateCycle(pa, d, program.NewCycle{Program: "TUNAI", Year: 2026, Period: 1, Snapshot: "S1"})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: s.term.ID, Cycle: draft.ID})
		wantReason(t, err, terminal.ReasonNotApproved)
		_, _, err = ledger.CreateManifest(as("dinsos", tepat.RoleDinsos, "33"), d, key, ledger.ManifestSpec{Terminal: s.term.ID, Cycle: s.w.Cycle, Region: "32.01"})
		if tepat.ErrorCode(err) != tepat.ENOTFOUND {
			t.Fatalf("other region's terminal: %v", err)
		}
		ledger.RevokeTerminal(sys, d, s.term.ID)
		_, _, err = ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: s.term.ID, Cycle: s.w.Cycle})
		wantReason(t, err, terminal.ReasonRevoked)
	})
}
