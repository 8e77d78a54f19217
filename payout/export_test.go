package payout_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
)

// openAccounts gives every routed family but every fifth an account at its
// bank, and returns the families left without one.
func openAccounts(t *testing.T, d *db.DB, w world) (without []ent) {
	t.Helper()
	for _, bank := range []string{"BRI", "BNI", "MANDIRI", "BTN"} {
		var with []ent
		for i, e := range w.byBank(bank) {
			if i%5 == 4 {
				without = append(without, e)
			} else {
				with = append(with, e)
			}
		}
		if len(with) == 0 {
			continue
		}
		if _, err := payout.LoadAccounts(pusatA, d, bank, accountFile(t, bank, 1, with...)); err != nil {
			t.Fatal(err)
		}
	}
	return without
}

// exported runs an export into memory.
func exported(t *testing.T, ctx context.Context, d *db.DB, cycle int64) (*memSink, payout.Manifest) {
	t.Helper()
	s := &memSink{}
	m, err := payout.Export(ctx, d, cycle, s.sink)
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestExport(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		_, err := payout.Export(pusatA, d, w.cycle.ID, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "RUTE_BANK_BELUM_ADA")
		routeAll(t, d, w.btn)
		without := openAccounts(t, d, w)
		for _, ctx := range []context.Context{dinsos, bri, auditor} {
			_, err := payout.Export(ctx, d, w.cycle.ID, (&memSink{}).sink)
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		}
		_, err = payout.Export(pusatA, d, 9999, (&memSink{}).sink)
		wantErr(t, err, tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN")
		draft, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 3, Snapshot: "S1"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = payout.Export(pusatA, d, draft.ID, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")

		s, m := exported(t, pusatA, d, w.cycle.ID)
		id := w.cycle.ID
		names := fmt.Sprintf("%[1]d-BRI.csv %[1]d-BNI.csv %[1]d-MANDIRI.csv %[1]d-BTN.csv %[1]d-TANPA_REKENING.csv manifest.json", id)
		if strings.Join(s.order, " ") != names {
			t.Fatalf("files %v", s.order)
		}
		// Each line is the family's entitlement, paid into its account at
		// the bank of its most specific route.
		noAccount := map[int64]bool{}
		for _, e := range without {
			noAccount[e.family] = true
		}
		byFamily := map[int64]ent{}
		for _, e := range w.ents {
			byFamily[e.family] = e
		}
		seen := map[int64]bool{}
		var rows, total int64
		for _, f := range m.Files {
			recs := readCSV(t, s.files[f.Name])
			if strings.Join(recs[0], ",") != "reference,nomor_rekening,nik_kepala,nama_kepala,amount" || int64(len(recs)-1) != f.Rows {
				t.Fatalf("%s: header %v, %d lines, manifest %d", f.Name, recs[0], len(recs)-1, f.Rows)
			}
			sum := sha256.Sum256(s.files[f.Name])
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Fatalf("%s: checksum differs from the manifest", f.Name)
			}
			var last, amount int64
			for _, r := range recs[1:] {
				cyc, fam, ok := program.ParseReference(r[0])
				e := byFamily[fam]
				n, _ := strconv.ParseInt(r[4], 10, 64)
				if !ok || cyc != id || fam <= last || seen[fam] || n != e.amount || len(r[2]) != 16 || r[3] == "" {
					t.Fatalf("%s: line %v (entitlement %+v)", f.Name, r, e)
				}
				if f.Bank == payout.WithoutAccount {
					if r[1] != "" || !noAccount[fam] {
						t.Fatalf("%s: %v", f.Name, r)
					}
				} else if bankOf(e, w.btn) != f.Bank || r[1] != rekening(f.Bank, fam, 1) || noAccount[fam] {
					t.Fatalf("%s: %v routed to %s", f.Name, r, bankOf(e, w.btn))
				}
				last, seen[fam] = fam, true
				amount += n
			}
			if amount != f.Amount {
				t.Fatalf("%s: lines add up to %d, manifest %d", f.Name, amount, f.Amount)
			}
			rows += f.Rows
			total += f.Amount
		}
		if rows != w.cycle.Families || total != w.cycle.Amount || m.Entitlements != rows || m.Amount != total ||
			m.WithoutAccount != int64(len(without)) || m.Instructions+m.WithoutAccount != rows || m.ExportedBy != "pusat-a" {
			t.Fatalf("manifest %+v; files %d lines Rp%d, cycle %+v", m, rows, total, w.cycle)
		}
		var onDisk payout.Manifest
		if err := json.Unmarshal(s.files["manifest.json"], &onDisk); err != nil || onDisk.Files[0].SHA256 != m.Files[0].SHA256 || onDisk.Cycle != id {
			t.Fatalf("manifest.json: %v %+v", err, onDisk)
		}
		// The instructions are recorded under program.Reference, and the
		// cycle is disbursing.
		if n := count(t, d, `SELECT COUNT(*) FROM payout WHERE cycle_id = $1`, id); n != m.Instructions {
			t.Fatalf("%d instructions recorded, manifest %d", n, m.Instructions)
		}
		refs, err := d.Query(ctx, `SELECT reference, cycle_id, family_id FROM payout WHERE cycle_id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		for refs.Next() {
			var ref string
			var c, f int64
			refs.Scan(&ref, &c, &f)
			if ref != program.Reference(c, f) {
				t.Fatalf("stored reference %q for %d-%d", ref, c, f)
			}
		}
		refs.Close()
		if c, _ := program.GetCycle(sys, d, id); c.State != program.StateDisbursing {
			t.Fatalf("state %s", c.State)
		}
		if audited(t, d, "payout.export", "instruksi pembayaran") != 1 || audited(t, d, "cycle.disburse", "DISBURSING") != 1 ||
			audited(t, d, "data.export", "ekspor pembayaran siklus") != 1 {
			t.Fatal("export not audited")
		}

		// Accounts and routes change; a second export repeats what was
		// sent, byte for byte.
		changed := w.byBank("BRI")[0]
		if _, err := payout.LoadAccounts(pusatA, d, "BRI", accountFile(t, "BRI", 2, append(without[:1:1], changed)...)); err != nil {
			t.Fatal(err)
		}
		if _, err := payout.SetRoute(pusatA, d, "PKH", "32.03", "BTN"); err != nil {
			t.Fatal(err)
		}
		again, m2 := exported(t, pusatA, d, id)
		for _, name := range s.order {
			if !bytes.Equal(again.files[name], s.files[name]) {
				t.Fatalf("%s differs on the second export", name)
			}
		}
		if m2.ExportedAt != m.ExportedAt || audited(t, d, "payout.export", "") != 1 || audited(t, d, "data.export", "ekspor pembayaran siklus") != 2 {
			t.Fatalf("second export: %+v", m2)
		}
		// A sink that fails leaves no manifest and is audited as cut short.
		broken := &memSink{failAt: fmt.Sprintf("%d-MANDIRI.csv", id)}
		_, err = payout.Export(pusatA, d, id, broken.sink)
		if err == nil || broken.files["manifest.json"] != nil || audited(t, d, "data.export", "terputus setelah 2 file") != 1 {
			t.Fatalf("broken sink: %v, files %v", err, broken.order)
		}
	})
}

// TestExportNamesRegionsWithoutRoute: an export refuses a cycle whose
// families lie where no route reaches, naming at most 20 regencies and
// counting the rest.
func TestExportNamesRegionsWithoutRoute(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 200, "S1", "32")
		c := approved(t, d, 1)
		var regencies []string
		rows, err := d.Query(context.Background(), `SELECT DISTINCT village / 1000000 FROM entitlement WHERE cycle_id = $1 AND reserve = 0 ORDER BY 1`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r int64
			rows.Scan(&r)
			regencies = append(regencies, fmt.Sprintf("%02d.%02d", r/100, r%100))
		}
		rows.Close()
		if len(regencies) <= 21 {
			t.Fatalf("fixture reaches only %d regencies", len(regencies))
		}
		// A route for the first regency takes it off the list.
		if _, err := payout.SetRoute(pusatA, d, "PKH", regencies[0], "BRI"); err != nil {
			t.Fatal(err)
		}
		_, err = payout.Export(pusatA, d, c.ID, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "RUTE_BANK_BELUM_ADA")
		msg := tepat.ErrorMessage(err)
		listed := strings.Join(regencies[1:21], ", ") + fmt.Sprintf(" dan %d lainnya", len(regencies)-21)
		if !strings.Contains(msg, listed) || strings.Contains(msg, regencies[0]+",") || !strings.Contains(msg, fmt.Sprintf("di %d kabupaten/kota", len(regencies)-1)) {
			t.Fatalf("message %q, want the list %q", msg, listed)
		}
		if c, _ := program.GetCycle(sys, d, c.ID); c.State != program.StateApproved || count(t, d, `SELECT COUNT(*) FROM payout`) != 0 {
			t.Fatalf("a refused export changed the cycle: %s", c.State)
		}
		// Once the province is routed, the cycle exports; nobody has an
		// account, so every family is listed without one.
		if _, err := payout.SetRoute(pusatA, d, "PKH", "32", "MANDIRI"); err != nil {
			t.Fatal(err)
		}
		s, m := exported(t, pusatA, d, c.ID)
		if len(m.Files) != 1 || m.Files[0].Rows != c.Families || m.Instructions != 0 || len(s.files) != 2 {
			t.Fatalf("manifest %+v", m)
		}
	})
}
