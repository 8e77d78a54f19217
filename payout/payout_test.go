package payout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/payout"
	"tepat/program"
	"tepat/region"
	"tepat/registry/registrytest"
)

var sys = tepat.WithActor(context.Background(), tepat.System)

func as(name string, role tepat.Role, regions ...string) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: name, Role: role, Regions: regions})
}

func asBank(name, bank string) context.Context {
	return tepat.WithActor(context.Background(), &tepat.Actor{Username: name, Role: tepat.RoleBank, Bank: bank})
}

var (
	pusatA  = as("pusat-a", tepat.RolePusat)
	pusatB  = as("pusat-b", tepat.RolePusat)
	dinsos  = as("dinsos-3201", tepat.RoleDinsos, "32.01")
	auditor = as("auditor", tepat.RoleAuditor)
	bri     = asBank("bank-bri", "BRI")
	bni     = asBank("bank-bni", "BNI")
)

const testCatalog = `
programs:
  - code: PKH
    year: 2026
    periods_per_year: 4
    eligibility: "desil <= 6 && components > 0"
    benefit:
      kind: components
      fixed_yearly: 550000
      components: {ibu_hamil: 2400000, anak_usia_dini: 2400000, sd: 900000, smp: 1500000, sma: 2000000, disabilitas_berat: 2400000, lansia: 2400000}
`

// load imports generated families into each region and freezes the
// registry as snapshot label.
func load(t *testing.T, d *db.DB, families int64, label string, regions ...string) {
	registrytest.Load(t, d, families, label, regions...)
}

// approved applies the test catalog (once) and returns an APPROVED PKH 2026
// cycle of the period from snapshot S1, generated and approved by two
// different pusat users.
func approved(t *testing.T, d *db.DB, period int) program.Cycle {
	t.Helper()
	c, err := program.ParseCatalog(strings.NewReader(testCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(pusatA, d, c); err != nil {
		t.Fatal(err)
	}
	if _, err := program.SetBudget(pusatA, d, "PKH", 2026, 1e15); err != nil {
		t.Fatal(err)
	}
	cy, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: period, Snapshot: "S1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.GenerateCycle(pusatA, d, cy.ID); err != nil {
		t.Fatal(err)
	}
	cy, err = program.ApproveCycle(pusatB, d, cy.ID)
	if err != nil || cy.Families == 0 {
		t.Fatalf("approve: %+v %v", cy, err)
	}
	return cy
}

// ent is an entitlement as the tests need it.
type ent struct {
	family, kk, village, amount int64
}

func (e ent) code() string     { return fmt.Sprintf("%d", e.village) }
func (e ent) in(p string) bool { return strings.HasPrefix(e.code(), p) }

// entitled returns the cycle's entitlements (not reserve) by family id.
func entitled(t *testing.T, d *db.DB, cycle int64) []ent {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT family_id, no_kk, village, amount FROM entitlement
		WHERE cycle_id = $1 AND reserve = 0 ORDER BY family_id`, cycle)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []ent
	for rows.Next() {
		var e ent
		if err := rows.Scan(&e.family, &e.kk, &e.village, &e.amount); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// routeAll sets the test routes: Jawa Barat by BRI except Kabupaten Bogor
// by BNI, Jawa Tengah by MANDIRI except one village by BTN.
func routeAll(t *testing.T, d *db.DB, btnVillage string) {
	t.Helper()
	for _, r := range [][2]string{{"32", "BRI"}, {"32.01", "BNI"}, {"33", "MANDIRI"}, {btnVillage, "BTN"}} {
		if _, err := payout.SetRoute(pusatA, d, "PKH", r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
}

// bankOf is the routing rule of routeAll, written out.
func bankOf(e ent, btnVillage string) string {
	switch {
	case e.code() == strings.ReplaceAll(btnVillage, ".", ""):
		return "BTN"
	case e.in("3201"):
		return "BNI"
	case e.in("32"):
		return "BRI"
	}
	return "MANDIRI"
}

// rekening is the account number the tests give a family at a bank.
func rekening(bank string, family int64, version int) string {
	return fmt.Sprintf("%d%02d%010d", len(bank), version, family)
}

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// accountFile writes a bank's account file for the families.
func accountFile(t *testing.T, bank string, version int, es ...ent) string {
	t.Helper()
	lines := []string{strings.Join(payout.AccountFileHeader, ",")}
	for _, e := range es {
		lines = append(lines, fmt.Sprintf("%d,%s,%s,2026-01-15", e.kk, rekening(bank, e.family, version), "6013"+rekening(bank, e.family, version)))
	}
	return writeFile(t, bank+".csv", lines...)
}

// memSink keeps exported files in memory; failAt makes the sink fail on
// that file.
type memSink struct {
	mu     sync.Mutex
	files  map[string][]byte
	order  []string
	failAt string
}

func (m *memSink) sink(name string, fill func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := fill(&buf); err != nil {
		return err
	}
	if name == m.failAt {
		return errors.New("disk full")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[name] = buf.Bytes()
	m.order = append(m.order, name)
	return nil
}

func wantErr(t *testing.T, err error, code, reason string) {
	t.Helper()
	if err == nil || tepat.ErrorCode(err) != code || tepat.ErrorReason(err) != reason {
		t.Fatalf("want %s/%s, got %v (%s/%s)", code, reason, err, tepat.ErrorCode(err), tepat.ErrorReason(err))
	}
}

// audited counts the audit entries of an action, and of them those whose
// summary contains part.
func audited(t *testing.T, d *db.DB, action, part string) int {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if strings.Contains(e.Summary, part) {
			n++
		}
	}
	return n
}

// count runs a COUNT query.
func count(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// problemsOf returns "line:code" for each problem of a refused file.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := payout.FileProblems(err)
	if !ok {
		t.Fatalf("not a file refusal: %v", err)
	}
	var out []string
	for _, p := range fe.Problems {
		out = append(out, fmt.Sprintf("%d:%s", p.Line, p.Code))
	}
	return out
}

// world is the common fixture: families in Kabupaten Bogor (32.01),
// Kabupaten Cianjur (32.03) and Kota Semarang (33.74), an APPROVED PKH
// cycle, and the village of its first family in 33.74 (routed to BTN).
type world struct {
	cycle program.Cycle
	ents  []ent
	btn   string
}

func setup(t *testing.T, d *db.DB) world {
	t.Helper()
	load(t, d, 40, "S1", "32.01", "32.03", "33.74")
	w := world{cycle: approved(t, d, 1)}
	w.ents = entitled(t, d, w.cycle.ID)
	for _, e := range w.ents {
		if e.in("3374") {
			w.btn = region.VillageCode(e.village)
			break
		}
	}
	if w.btn == "" || len(w.ents) < 20 {
		t.Fatalf("fixture: %d entitlements, btn village %q", len(w.ents), w.btn)
	}
	return w
}

// byBank returns the world's entitlements routed to bank.
func (w world) byBank(bank string) []ent {
	var out []ent
	for _, e := range w.ents {
		if bankOf(e, w.btn) == bank {
			out = append(out, e)
		}
	}
	return out
}
