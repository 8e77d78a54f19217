package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"tepat"
	"tepat/db"
	"tepat/ledger"
	"tepat/programs"
	"tepat/region"
	"tepat/terminal"
)

// demoMerchants are the demo's e-Warong, one or two per demo region; the
// first is the ewarong demo user's shop (M000001).
var demoMerchants = []struct {
	Region, Name, Type, Bank string
}{
	{"32.01", "e-Warong KUBE Sejahtera", ledger.TypeEWarong, "BRI"},
	{"32.01", "RPK Bulog Cibinong", ledger.TypeRPK, "BRI"},
	{"33.74", "Agen BNI46 Semarang Tengah", ledger.TypeAgen, "BNI"},
	{"35.78", "e-Warong Arek Suroboyo", ledger.TypeEWarong, "MANDIRI"},
	{"73.71", "RPK Bulog Makassar", ledger.TypeRPK, "BRI"},
	{"53.71", "e-Warong Flobamora", ledger.TypeEWarong, "BNI"},
	{"91.71", "Agen BTN Jayapura", ledger.TypeAgen, "BTN"},
}

// Demo days: the first is settled, the second is still open.
var (
	demoDay1 = time.Date(2019, 11, 4, 1, 0, 0, 0, time.UTC) // 08:00 WIB
	demoDay2 = time.Date(2019, 11, 5, 1, 0, 0, 0, time.UTC)
)

// loadDemoEWarong gives the demo merchants, terminals (key files written
// to keyDir for `tepat terminal pay`), the 2019 reference prices, and two
// days of purchases from the BPNT wallets credited by the reconciled BPNT
// cycle: the first day settled, the second with a void and overpriced
// lines still open.
func loadDemoEWarong(ctx context.Context, d *db.DB, keyDir string) error {
	sys := tepat.WithActor(ctx, tepat.System)
	f, err := programs.FS.Open("harga-acuan-2019.csv")
	if err != nil {
		return err
	}
	_, err = ledger.LoadPrices(sys, d, "harga-acuan-2019.csv", f)
	f.Close()
	if err != nil {
		return fmt.Errorf("demo prices: %w", err)
	}
	key, err := ledger.ServerKey(ctx, d)
	if err != nil {
		return err
	}
	type shop struct { // a terminal and its key
		term string
		key  ed25519.PrivateKey
	}
	byRegency := map[string][]shop{}
	for i, dm := range demoMerchants {
		villages := region.Villages(dm.Region)
		m, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: dm.Name, Type: dm.Type, Village: villages[(i*7)%len(villages)].Code, Bank: dm.Bank})
		if err != nil {
			return fmt.Errorf("demo merchant: %w", err)
		}
		terminals := 1
		if i == 0 {
			terminals = 2
		}
		for j := 0; j < terminals; j++ {
			kf, pub, err := terminal.NewKeyFile("", m.ID, key.Public().(ed25519.PublicKey))
			if err != nil {
				return err
			}
			t, err := ledger.RegisterTerminal(sys, d, m.ID, pub)
			if err != nil {
				return err
			}
			kf.Terminal = t.ID
			if err := terminal.WriteKeyFile(filepath.Join(keyDir, t.ID+".key"), kf); err != nil {
				return err
			}
			priv, _ := kf.Key()
			byRegency[dm.Region] = append(byRegency[dm.Region], shop{term: t.ID, key: priv})
		}
	}
	// The cards of the credited BPNT wallets, by regency.
	rows, err := d.Query(ctx, `SELECT a.nomor_kartu, f.village FROM ledger_account w
		JOIN account a ON a.family_id = w.family_id AND a.status = 'AKTIF'
		JOIN family f ON f.id = w.family_id AND f.ver_to IS NULL
		WHERE w.kind = 'WALLET' AND w.program = 'BPNT' ORDER BY w.family_id`)
	if err != nil {
		return err
	}
	type buyer struct{ card, regency string }
	var buyers []buyer
	for rows.Next() {
		var b buyer
		var village int64
		if err := rows.Scan(&b.card, &village); err != nil {
			rows.Close()
			return err
		}
		b.regency = region.VillageCode(village)[:5]
		buyers = append(buyers, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var mu sync.Mutex
	now := demoDay1
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := ledger.NewProcessor(d, key, ledger.Config{Clock: clock})
	defer p.Close()
	pay := func(s shop, tx, card string, items []terminal.Item) error {
		total, err := terminal.SumItems(items)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(terminal.Purchase{Tx: tx, Terminal: s.term, Card: card, Program: "BPNT", Items: items, Total: total, Time: clock()})
		_, err = p.Purchase(ctx, body, terminal.Sign(s.key, terminal.PurchasePrefix, body))
		if tepat.ErrorReason(err) == terminal.ReasonBalance {
			return nil
		}
		return err
	}
	day := func(start time.Time, every int, overprice bool) error {
		mu.Lock()
		now = start
		mu.Unlock()
		var wg sync.WaitGroup
		errs := make(chan error, len(buyers))
		sem := make(chan struct{}, 8)
		for i, b := range buyers {
			shops := byRegency[b.regency]
			if len(shops) == 0 || i%every != 0 {
				continue
			}
			s := shops[i%len(shops)]
			rice := int64(9450)
			if overprice && i%5 == 0 {
				rice = 11000 // above reference + 10 %: flagged
			}
			kg := 3 + int64(i%4)
			if overprice {
				kg = 2
			}
			items := []terminal.Item{{Category: "beras", Quantity: kg, Unit: "kg", UnitPrice: rice}}
			if i%3 == 0 {
				items = append(items, terminal.Item{Category: "telur", Quantity: 10, Unit: "butir", UnitPrice: 1500})
			}
			wg.Add(1)
			sem <- struct{}{}
			go func(tx string) {
				defer wg.Done()
				defer func() { <-sem }()
				if err := pay(s, tx, b.card, items); err != nil {
					errs <- err
				}
			}(fmt.Sprintf("%s-%d", start.Format("20060102"), i))
			mu.Lock()
			now = now.Add(20 * time.Second)
			mu.Unlock()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	if err := day(demoDay1, 1, false); err != nil {
		return fmt.Errorf("demo purchases: %w", err)
	}
	if _, err := ledger.Settle(sys, d, 20191104, "", func() time.Time { return demoDay2 }); err != nil {
		return fmt.Errorf("demo settle: %w", err)
	}
	if err := day(demoDay2, 4, true); err != nil {
		return fmt.Errorf("demo purchases: %w", err)
	}
	bogor := byRegency["32.01"]
	last := bogor[len(bogor)-1]
	if err := demoOffline(ctx, d, key, last.term, last.key); err != nil {
		return fmt.Errorf("demo offline: %w", err)
	}
	// One purchase of the open day is voided by its terminal.
	first := bogor[0]
	var of string
	if err := d.QueryRow(ctx, `SELECT tx FROM purchase WHERE terminal_id = $1 AND day = 20191105 ORDER BY id LIMIT 1`, first.term).Scan(&of); err == nil {
		v, _ := json.Marshal(terminal.Void{Tx: "void-" + of, Terminal: first.term, VoidOf: of, Time: clock()})
		if _, err := p.Void(ctx, v, terminal.Sign(first.key, terminal.VoidPrefix, v)); err != nil {
			return fmt.Errorf("demo void: %w", err)
		}
	}
	return nil
}

// demoOffline takes the approved PKH tahap IV cycle offline in one
// district of Bogor: a manifest for the RPK's terminal, cash paid to most
// of its families, one entry beyond a family's allowance, synced.
func demoOffline(ctx context.Context, d *db.DB, key ed25519.PrivateKey, term string, tkey ed25519.PrivateKey) error {
	sys := tepat.WithActor(ctx, tepat.System)
	var cycle int64
	if err := d.QueryRow(ctx, `SELECT id FROM cycle WHERE program = 'PKH' AND period = 4 AND state = 'APPROVED'`).Scan(&cycle); err != nil {
		return err
	}
	var village int64
	if err := d.QueryRow(ctx, `SELECT MIN(village) FROM entitlement WHERE cycle_id = $1 AND reserve = 0 AND village / 1000000 = 3201`, cycle).Scan(&village); err != nil {
		return err
	}
	district := region.VillageCode(village)[:8]
	body, _, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: term, Cycle: cycle, Region: district,
		ValidUntil: time.Now().Add(14 * 24 * time.Hour)})
	if err != nil {
		return err
	}
	m, err := terminal.OpenManifest(key.Public().(ed25519.PublicKey), body)
	if err != nil {
		return err
	}
	var log []terminal.SignedEntry
	prev := terminal.GenesisHash
	at := time.Now().Add(-2 * time.Hour)
	pay := func(f terminal.ManifestFamily, amount int64) {
		se, h := terminal.SignEntry(tkey, terminal.Entry{Terminal: term, Seq: int64(len(log) + 1), Prev: terminal.HexHash(prev),
			Manifest: m.ID, KK: f.KK, Amount: amount, Time: at.Add(time.Duration(len(log)) * time.Minute)})
		log, prev = append(log, se), h
	}
	for i, f := range m.Families {
		if i%4 != 3 { // one in four not met yet
			pay(f, f.Allowance)
		}
	}
	if len(m.Families) > 0 {
		pay(m.Families[0], 50000) // paid twice: beyond the allowance
	}
	_, err = ledger.Sync(ctx, d, terminal.Upload{Terminal: term, Entries: log}, ledger.SyncConfig{})
	return err
}
