// Package ledgertest builds funded food wallets for tests and benchmarks
// the way production does: a registry, a wallet program cycle approved by
// two people, KKS accounts opened by the bank, a payout export, a bank
// report crediting every family, a reconciliation and the ledger credit.
package ledgertest

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/ledger"
	"tepat/payout"
	"tepat/program"
	"tepat/registry/registrytest"
)

// Program is the test wallet program: every family, Rp150,000 a month,
// rice, eggs and vegetables.
const Program = "PANGAN"

// Catalog defines Program for 2026.
const Catalog = `
programs:
  - code: PANGAN
    year: 2026
    periods_per_year: 12
    eligibility: "desil <= 10"
    benefit: {kind: flat, yearly: 1800000}
    foods: [beras, telur, sayur]
`

// Monthly is what one cycle of Program credits a family.
const Monthly = 150000

// Card is a funded family's KKS card.
type Card struct {
	Number string
	Family int64
}

// World is what Fund made.
type World struct {
	Cycle int64
	Cards []Card
}

func as(name string, role tepat.Role) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: name, Role: role})
}

// Fund loads families into each region, and credits each family's
// Program wallet with Monthly through a reconciled cycle of period 1.
// Every family is routed to BRI.
func Fund(t testing.TB, d *db.DB, families int64, regions ...string) World {
	t.Helper()
	registrytest.Load(t, d, families, "S1", regions...)
	return FundCycle(t, d, "S1", 1, regions...)
}

// FundCycle credits Program wallets once more, through a cycle of period
// from snapshot label; the registry and its snapshot must exist.
func FundCycle(t testing.TB, d *db.DB, label string, period int, regions ...string) World {
	t.Helper()
	pusatA, pusatB := as("pusat-a", tepat.RolePusat), as("pusat-b", tepat.RolePusat)
	sys := tepat.WithActor(context.Background(), tepat.System)
	c, err := program.ParseCatalog(strings.NewReader(Catalog))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(pusatA, d, c); err != nil {
		t.Fatal(err)
	}
	if _, err := program.SetBudget(pusatA, d, Program, 2026, 1e15); err != nil {
		t.Fatal(err)
	}
	cy, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: Program, Year: 2026, Period: period, Snapshot: label})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.GenerateCycle(pusatA, d, cy.ID); err != nil {
		t.Fatal(err)
	}
	if cy, err = program.ApproveCycle(pusatB, d, cy.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		if _, err := payout.SetRoute(sys, d, Program, r[:2], "BRI"); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	// The bank opens an account for every family that lacks one.
	accounts := filepath.Join(dir, "rekening.csv")
	var lines []string
	if _, err := payout.RequestAccounts(sys, d, "BRI", func(r payout.AccountRequest) error {
		no := fmt.Sprintf("%012d", r.FamilyID)
		lines = append(lines, fmt.Sprintf("%s,%s,6013%s,2026-01-02", r.NoKK, no, no))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(lines) > 0 {
		write(t, accounts, strings.Join(payout.AccountFileHeader, ","), lines)
		if _, err := payout.LoadAccounts(sys, d, "BRI", accounts); err != nil {
			t.Fatal(err)
		}
	}
	sink := func(name string, fill func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		return fill(f)
	}
	if _, err := payout.Export(sys, d, cy.ID, sink); err != nil {
		t.Fatal(err)
	}
	// The bank credits everyone.
	f, err := os.Open(filepath.Join(dir, payout.FileName(cy.ID, "BRI")))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	lines = lines[:0]
	for _, r := range recs[1:] {
		lines = append(lines, fmt.Sprintf("%s,%s,%s,BERHASIL,,2026-01-20T03:00:00Z", r[0], r[1], r[4]))
	}
	report := filepath.Join(dir, "laporan.csv")
	write(t, report, strings.Join(payout.ReportHeader, ","), lines)
	if _, err := payout.LoadReport(sys, d, "BRI", report); err != nil {
		t.Fatal(err)
	}
	if _, err := payout.Reconcile(sys, d, cy.ID, nil); err != nil {
		t.Fatal(err)
	}
	cr, err := ledger.CreditCycle(sys, d, cy.ID)
	if err != nil || cr.Credited == 0 {
		t.Fatalf("credit: %+v %v", cr, err)
	}
	w := World{Cycle: cy.ID}
	rows, err := d.Query(context.Background(), `SELECT a.nomor_kartu, a.family_id FROM account a WHERE a.status = 'AKTIF' ORDER BY a.family_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Card
		if err := rows.Scan(&c.Number, &c.Family); err != nil {
			t.Fatal(err)
		}
		w.Cards = append(w.Cards, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return w
}

func write(t testing.TB, path, header string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(header+"\n"+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
