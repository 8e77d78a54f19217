package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/payout"
	"tepat/region"
	"tepat/terminal"
)

// TestOfflineChaos runs several offline terminals against one cash cycle:
// they pay at random (some entries beyond the allowance), lose uploads
// half way ("crash between writing and syncing"), sync twice, sync out of
// order; one is revoked mid-way, one has an entry altered on its way.
// Afterwards every entry the model says is valid is applied exactly
// once, every other is in the conflict queue with the code the model
// expects, the ledger check passes, and the cycle's reconciliation counts
// exactly the cash paid offline.
func TestOfflineChaos(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(7, 11))
		s := &shop{d: d, clk: &clock{t: noon}}
		s.w = ledgertest.Fund(t, d, 60, "32.01")
		key, _ := ledger.ServerKey(sys, d)
		s.server = key.Public().(ed25519.PublicKey)
		cy := cashCycle(t, d)

		// The districts with entitled families, shared out among the
		// terminals: each district's families go to one manifest.
		rows, err := d.Query(ctx, `SELECT DISTINCT village / 10000 FROM entitlement WHERE cycle_id = $1 ORDER BY 1`, cy.ID)
		if err != nil {
			t.Fatal(err)
		}
		var districts []string
		for rows.Next() {
			var n int64
			rows.Scan(&n)
			districts = append(districts, region.VillageCode(n * 10000)[:8])
		}
		rows.Close()
		const terms = 5
		type simTerm struct {
			offlineTerm
			manifests []terminal.Manifest
			revokeAt  int // entries signed from this index on come after the revocation
		}
		sims := make([]*simTerm, terms)
		for i := range sims {
			_, tm, k := s.addShop(t, region.Villages(districts[i%len(districts)])[0].Code)
			sims[i] = &simTerm{offlineTerm: offlineTerm{id: tm.ID, key: k}, revokeAt: -1}
		}
		for j, dc := range districts {
			sim := sims[j%terms]
			body, _, err := ledger.CreateManifest(sys, d, key, ledger.ManifestSpec{Terminal: sim.id, Cycle: cy.ID, Region: dc})
			if err != nil {
				t.Fatal(err)
			}
			m, err := terminal.OpenManifest(s.server, body)
			if err != nil {
				t.Fatal(err)
			}
			sim.manifests = append(sim.manifests, m)
		}

		// The model: what each entry should become.
		type expect struct {
			code   string // "" applied
			amount int64
			kk     string
		}
		want := map[string]expect{} // terminal/seq
		spent := map[string]int64{} // manifest/kk as the server will count it
		revokedSim, alteredSim := sims[1], sims[2]
		// Real time: revocation is stamped with the real clock.
		at := time.Now().Add(-3 * time.Hour)
		afterRevocation := time.Now().Add(time.Minute)
		for _, sim := range sims {
			n := 20 + rng.IntN(20)
			if sim == revokedSim {
				sim.revokeAt = n / 2
			}
			for e := 0; e < n; e++ {
				if len(sim.manifests) == 0 {
					break
				}
				m := sim.manifests[rng.IntN(len(sim.manifests))]
				f := m.Families[rng.IntN(len(m.Families))]
				amount := int64(1+rng.IntN(4)) * f.Allowance / 4
				if rng.IntN(10) == 0 {
					amount = f.Allowance + 1000 // a buggy or dishonest terminal
				}
				when := at.Add(time.Duration(e) * time.Minute)
				if sim.revokeAt >= 0 && e >= sim.revokeAt {
					when = afterRevocation // after the revocation below
				}
				sim.pay(m.ID, f.KK, amount, when)
				k := fmt.Sprintf("%s/%d", sim.id, sim.seq)
				key := m.ID + "/" + f.KK
				switch {
				case sim.revokeAt >= 0 && e >= sim.revokeAt:
					want[k] = expect{code: terminal.ConflictRevoked}
				case spent[key]+amount > f.Allowance:
					want[k] = expect{code: terminal.ConflictAllowance}
				default:
					spent[key] += amount
					want[k] = expect{amount: amount, kk: f.KK}
				}
			}
		}
		// One entry altered in the log of alteredSim (its amount): its
		// signature fails; it spent nothing.
		victim := int64(3)
		raw, _ := base64.StdEncoding.DecodeString(alteredSim.log[victim-1].Body)
		e, _ := terminal.DecodeEntry(raw)
		mutated := strings.Replace(string(raw), fmt.Sprintf(`"amount":%d`, e.Amount), fmt.Sprintf(`"amount":%d`, e.Amount+1), 1)
		alteredSim.log[victim-1].Body = base64.StdEncoding.EncodeToString([]byte(mutated))
		k := fmt.Sprintf("%s/%d", alteredSim.id, victim)
		want[k] = expect{code: terminal.ConflictSignature}
		// Recompute alteredSim's expectations in order with the victim out.
		recompute := func(sim *simTerm) {
			local := map[string]int64{}
			for i, se := range sim.log {
				seq := int64(i + 1)
				kk := fmt.Sprintf("%s/%d", sim.id, seq)
				if sim == alteredSim && seq == victim {
					continue
				}
				body, _ := base64.StdEncoding.DecodeString(se.Body)
				en, _ := terminal.DecodeEntry(body)
				if want[kk].code == terminal.ConflictRevoked {
					continue
				}
				var allow int64
				for _, m := range sim.manifests {
					for _, f := range m.Families {
						if m.ID == en.Manifest && f.KK == en.KK {
							allow = f.Allowance
						}
					}
				}
				mk := en.Manifest + "/" + en.KK
				if local[mk]+en.Amount > allow {
					want[kk] = expect{code: terminal.ConflictAllowance}
				} else {
					local[mk] += en.Amount
					want[kk] = expect{amount: en.Amount, kk: en.KK}
				}
			}
		}
		recompute(alteredSim)

		cfg := ledger.SyncConfig{}
		upload := func(sim *simTerm, entries []terminal.SignedEntry) terminal.SyncResult {
			t.Helper()
			if len(entries) == 0 {
				return terminal.SyncResult{}
			}
			r, err := ledger.Sync(ctx, d, terminal.Upload{Terminal: sim.id, Entries: entries}, cfg)
			if err != nil {
				t.Fatalf("sync %s: %v", sim.id, err)
			}
			return r
		}
		// Round one: every terminal does something different.
		for i, sim := range sims {
			log := append([]terminal.SignedEntry(nil), sim.log...)
			switch i % 5 {
			case 0: // all at once, then all again
				upload(sim, log)
				upload(sim, log)
			case 1: // half, then "crash": the rest waits for round two
				upload(sim, log[:len(log)/2])
			case 2: // out of order, in three slices, the middle first
				rng.Shuffle(len(log), func(a, b int) { log[a], log[b] = log[b], log[a] })
				third := len(log) / 3
				upload(sim, log[third:2*third])
				upload(sim, log[:third])
				upload(sim, log[2*third:])
			case 3: // every other entry lost in transit, resent later
				var odd []terminal.SignedEntry
				for j := 0; j < len(log); j += 2 {
					odd = append(odd, log[j])
				}
				upload(sim, odd)
			case 4: // nothing yet (no signal)
			}
		}
		// The revoked terminal is revoked "now"; its later entries were
		// signed after that.
		if _, err := ledger.RevokeTerminal(sys, d, revokedSim.id); err != nil {
			t.Fatal(err)
		}
		// Round two: everyone resends everything, in random order, twice.
		for _, sim := range sims {
			for range 2 {
				log := append([]terminal.SignedEntry(nil), sim.log...)
				rng.Shuffle(len(log), func(a, b int) { log[a], log[b] = log[b], log[a] })
				r := upload(sim, log)
				if r.LastSeq != sim.seq {
					t.Fatalf("%s: last seq %d of %d after a full resend", sim.id, r.LastSeq, sim.seq)
				}
			}
		}

		// Every entry taken once, as the model says.
		got := map[string]string{}
		rows, err = d.Query(ctx, `SELECT terminal_id, seq, status, code FROM offline_entry`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var term, status, code string
			var seq int64
			rows.Scan(&term, &seq, &status, &code)
			got[fmt.Sprintf("%s/%d", term, seq)] = code
		}
		rows.Close()
		var applied, total int64
		conflicts := map[string]int{}
		for k, w := range want {
			code, ok := got[k]
			if !ok {
				t.Errorf("entry %s never taken", k)
				continue
			}
			if code != w.code {
				t.Errorf("entry %s: %q, want %q", k, code, w.code)
			}
			if w.code == "" {
				applied++
				total += w.amount
			} else {
				conflicts[w.code]++
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d entries taken, %d made", len(got), len(want))
		}
		var txns, posted int64
		d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM ledger_txn WHERE kind = 'OFFLINE'`).Scan(&txns, &posted)
		if txns != applied || posted != total {
			t.Fatalf("ledger: %d offline transactions for Rp%d, want %d for Rp%d", txns, posted, applied, total)
		}
		for code, n := range conflicts {
			var q int
			d.QueryRow(ctx, `SELECT COUNT(*) FROM offline_conflict WHERE code = $1`, code).Scan(&q)
			if q != n {
				t.Errorf("conflict queue holds %d %s, want %d", q, code, n)
			}
		}
		if conflicts[terminal.ConflictRevoked] == 0 || conflicts[terminal.ConflictSignature] != 1 || conflicts[terminal.ConflictAllowance] == 0 {
			t.Fatalf("the chaos lacked a kind of conflict: %v", conflicts)
		}
		checkOK(t, d)

		// Reconciliation counts the offline cash.
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
		credited := rec.Outcomes.Paid.Credited + rec.Outcomes.AmountMismatch.Credited
		if credited != total || rec.Outcomes.Paid.Count == 0 {
			t.Fatalf("reconciliation credits Rp%d offline (%+v), want Rp%d", credited, rec.Outcomes, total)
		}
		t.Logf("%d entries: %d applied (Rp%d), conflicts %v; reconciliation PAID %d", len(want), applied, total, conflicts, rec.Outcomes.Paid.Count)
	})
}
