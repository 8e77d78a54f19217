package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/db"
	"tepat/ledger"
	"tepat/payout"
)

// demoBanks route the demo provinces' cash programs to the four banks.
var demoBanks = map[string]string{"32": "BRI", "33": "BNI", "35": "MANDIRI", "73": "BRI", "53": "BNI", "91": "BTN"}

// loadDemoPayouts gives the demo's cash cycles real payouts: routes, KKS
// accounts for all but one family in 25 (they stay NOT_EXPORTED), and for
// each approved cycle given an export, a bank report per bank and a
// stored reconciliation. closed cycles get a whole report (every 40th line
// GAGAL: returned funds) and are closed; open ones get a partial report
// with every kind of finding and stay DISBURSING.
func loadDemoPayouts(ctx context.Context, d *db.DB, dir string, closed, open []int64) error {
	sys := tepat.WithActor(ctx, tepat.System)
	for _, code := range []string{"PKH", "BPNT", "SEMBAKO", "KIP", "PBI_JK"} {
		for prov, bank := range demoBanks {
			if _, err := payout.SetRoute(sys, d, code, prov, bank); err != nil {
				return fmt.Errorf("demo route: %w", err)
			}
		}
	}
	for _, bank := range []string{"BRI", "BNI", "MANDIRI", "BTN"} {
		path := filepath.Join(dir, "rekening-"+bank+".csv")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		w := csv.NewWriter(f)
		w.Write(payout.AccountFileHeader)
		n := 0
		_, err = payout.RequestAccounts(sys, d, bank, func(r payout.AccountRequest) error {
			n++
			if n%25 == 0 {
				return nil // the bank has not opened this one yet
			}
			return w.Write([]string{r.NoKK, fmt.Sprintf("%04d%010d", 1000+len(bank), r.FamilyID), fmt.Sprintf("6013%012d", r.FamilyID), "2019-07-15"})
		})
		w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			_, err = payout.LoadAccounts(sys, d, bank, path)
		}
		if err != nil {
			return fmt.Errorf("demo accounts %s: %w", bank, err)
		}
	}
	for _, id := range slices.Concat(closed, open) {
		out := filepath.Join(dir, "cycle-"+strconv.FormatInt(id, 10))
		sink, err := dirSink(out)
		if err != nil {
			return err
		}
		m, err := payout.Export(sys, d, id, sink)
		if err != nil {
			return fmt.Errorf("demo export %d: %w", id, err)
		}
		partial := !slices.Contains(closed, id)
		for _, mf := range m.Files {
			if mf.Bank == payout.WithoutAccount {
				continue
			}
			report, err := demoReport(filepath.Join(out, mf.Name), partial)
			if err != nil {
				return err
			}
			if _, err := payout.LoadReport(sys, d, mf.Bank, report); err != nil {
				return fmt.Errorf("demo report %s: %w", mf.Name, err)
			}
		}
		if _, _, err := ledger.Reconcile(sys, d, id, nil); err != nil {
			return fmt.Errorf("demo reconcile %d: %w", id, err)
		}
		if !partial {
			if _, err := payout.CloseCycle(sys, d, id); err != nil {
				return fmt.Errorf("demo close %d: %w", id, err)
			}
		}
	}
	return nil
}

// demoReport writes a bank's crediting report for a payout file: every
// line credited, but every 40th failed; a partial report stops at two
// thirds and adds a short credit, a double credit, a credit to another
// account and an unknown reference.
func demoReport(payoutFile string, partial bool) (string, error) {
	f, err := os.Open(payoutFile)
	if err != nil {
		return "", err
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return "", err
	}
	path := payoutFile + ".laporan.csv"
	out, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer out.Close()
	w := csv.NewWriter(out)
	w.Write(payout.ReportHeader)
	at := time.Date(2019, 7, 20, 3, 0, 0, 0, time.UTC).Format(time.RFC3339)
	lines := recs[1:]
	if partial {
		lines = lines[:len(lines)*2/3]
	}
	for i, r := range lines {
		ref, rek, amount := r[0], r[1], r[4]
		switch {
		case i%40 == 39:
			w.Write([]string{ref, rek, amount, "GAGAL", "REKENING_TIDAK_AKTIF", at})
		case partial && i == 0:
			n, _ := strconv.ParseInt(amount, 10, 64)
			w.Write([]string{ref, rek, strconv.FormatInt(n-50000, 10), "BERHASIL", "", at})
		case partial && i == 1:
			w.Write([]string{ref, rek, amount, "BERHASIL", "", at})
			w.Write([]string{ref, rek, amount, "BERHASIL", "", at})
		case partial && i == 2:
			w.Write([]string{ref, "99" + rek[2:], amount, "BERHASIL", "", at})
		default:
			w.Write([]string{ref, rek, amount, "BERHASIL", "", at})
		}
	}
	if partial && len(lines) > 0 {
		cycle, _, _ := strings.Cut(lines[0][0], "-")
		w.Write([]string{cycle + "-999999999", lines[0][1], "100000", "BERHASIL", "", at}) // no such family
	}
	w.Flush()
	return path, w.Error()
}
