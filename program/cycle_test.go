package program_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/program"
	"tepat/region"
	"tepat/registry"
)

// entitlements reads a cycle's rows by family id.
type ent struct {
	village, amount, quantity int64
	members, desil, reserve   int
	components                string
}

func entitlements(t *testing.T, d *db.DB, cycle int64) map[int64]ent {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT family_id, village, desil, members, amount, quantity, paid, reserve FROM entitlement WHERE cycle_id = $1`, cycle)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]ent{}
	for rows.Next() {
		var id, paid int64
		var e ent
		if err := rows.Scan(&id, &e.village, &e.desil, &e.members, &e.amount, &e.quantity, &paid, &e.reserve); err != nil {
			t.Fatal(err)
		}
		e.components = program.PaidText(paid)
		out[id] = e
	}
	return out
}

func paidString(paid map[string]int) string {
	var s []string
	for _, c := range program.Components {
		if paid[c] > 0 {
			s = append(s, fmt.Sprintf("%s=%d", c, paid[c]))
		}
	}
	return strings.Join(s, " ")
}

func newCycle(t *testing.T, d *db.DB, code string, year, period int, snap string) program.Cycle {
	t.Helper()
	c, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: code, Year: year, Period: period, Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	c, err = program.GenerateCycle(pusatA, d, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGeneratedAmountsFollowTheRules holds the SQL of every benefit kind to
// the rules written in Go (Assess), family by family, on both engines.
func TestGeneratedAmountsFollowTheRules(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 400, "S1", "32.01", "33.74", "73.71")
		apply(t, d, testCatalog)
		for _, tc := range []struct {
			code   string
			period int
		}{{"PKH", 1}, {"PKH", 4}, {"KIP", 3}, {"PBI_JK", 12}, {"RASTRA", 5}} {
			t.Run(fmt.Sprintf("%s-%d", tc.code, tc.period), func(t *testing.T) {
				v, err := program.Latest(sys, d, tc.code, 2026)
				if err != nil {
					t.Fatal(err)
				}
				c := newCycle(t, d, tc.code, 2026, tc.period, "S1")
				got := entitlements(t, d, c.ID)
				ref := program.PeriodStart(2026, v.Program.PeriodsPerYear, tc.period)
				var eligible, total int64
				err = registry.EachFamilyAt(sys, d, c.SnapshotVersion, func(f registry.Family) error {
					var ms []program.Member
					for _, m := range f.Members {
						var y, mo, dd int
						fmt.Sscanf(m.TanggalLahir, "%d-%d-%d", &y, &mo, &dd)
						ms = append(ms, program.Member{Born: y*10000 + mo*100 + dd, Alive: m.Status == "HIDUP", Hamil: m.Hamil,
							DisabilitasBerat: m.DisabilitasBerat, Sekolah: m.Sekolah})
					}
					village, _ := region.VillageNumber(f.KodeWilayah)
					a := v.Program.Assess(f.Desil, village, ms, tc.period, ref)
					e, ok := got[f.ID]
					if ok != a.Eligible {
						return fmt.Errorf("family %d: eligible %v in SQL, %v in Go (facts %v)", f.ID, ok, a.Eligible, a.Facts)
					}
					if !ok {
						return nil
					}
					eligible++
					total += a.Amount
					if e.amount != a.Amount || e.quantity != a.Quantity || e.components != paidString(a.Paid) || int64(e.members) != a.Facts["members"] {
						return fmt.Errorf("family %d: SQL %+v, Go amount %d quantity %d paid %v facts %v", f.ID, e, a.Amount, a.Quantity, a.Paid, a.Facts)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if eligible == 0 || eligible != int64(len(got)) || c.Families != eligible || c.Amount != total {
					t.Fatalf("eligible %d (rows %d), cycle %+v, total %d", eligible, len(got), c, total)
				}
				// The preview says the same before any cycle exists.
				p, err := program.PreviewProgram(pusatA, d, program.PreviewRequest{Program: tc.code, Year: 2026, Period: tc.period, Snapshot: "S1"})
				if err != nil || p.Eligible != c.Families || p.Amount != c.Amount || p.Quantity != c.Quantity || p.Persons != c.Persons {
					t.Fatalf("preview %+v vs cycle %+v: %v", p, c, err)
				}
				if len(p.Samples) != min(program.PreviewSamples, int(eligible)) || strings.Count(p.Samples[0].NoKK, "*") != 8 {
					t.Fatalf("samples %+v", p.Samples)
				}
				var sum int64
				for _, a := range p.Provinces {
					sum += a.Families
				}
				if sum != p.Eligible {
					t.Fatalf("provinces add up to %d, not %d", sum, p.Eligible)
				}
				// Scoped previews: a regency scope reads the cube, a
				// district scope the registry; both agree with the cycle.
				for _, scope := range []string{"33.74", "32.01.01", "73"} {
					actor := as("dinsos-"+scope, tepat.RoleDinsos, scope)
					want, err := program.Summarize(actor, d, c.ID)
					if err != nil {
						t.Fatal(err)
					}
					p, err := program.PreviewProgram(actor, d, program.PreviewRequest{Program: tc.code, Year: 2026, Period: tc.period, Snapshot: "S1"})
					if err != nil || p.Eligible != want.Families || p.Amount != want.Amount || p.Persons != want.Persons {
						t.Fatalf("scope %s: preview %+v, cycle %+v: %v", scope, p, want.Cycle, err)
					}
					for _, s := range p.Samples {
						if !strings.HasPrefix(s.KodeWilayah, scope+".") {
							t.Fatalf("scope %s: sample %+v", scope, s)
						}
					}
				}
			})
		}
		// A what-if rule reads the same cube and agrees with the registry.
		rule := `desil <= 2 && (components >= 2 || lansia > 0) && !in_region("33")`
		wi, err := program.PreviewProgram(pusatA, d, program.PreviewRequest{Program: "PKH", Year: 2026, Period: 1, Snapshot: "S1", Eligibility: rule})
		if err != nil {
			t.Fatal(err)
		}
		wd, err := program.PreviewProgram(as("d", tepat.RoleDinsos, "32.01.01", "73.71"), d, program.PreviewRequest{Program: "PKH", Year: 2026, Period: 1, Snapshot: "S1", Eligibility: rule})
		if err != nil || wi.Eligible == 0 || wd.Eligible >= wi.Eligible || wd.Eligible == 0 {
			t.Fatalf("what-if %d, scoped %d: %v", wi.Eligible, wd.Eligible, err)
		}
		_, err = program.PreviewProgram(pusatA, d, program.PreviewRequest{Program: "PKH", Year: 2026, Snapshot: "S1", Eligibility: "desil <="})
		wantErr(t, err, tepat.EINVALID, "EKSPRESI_TIDAK_VALID")
		// One cube per program and period, reused by the scoped previews.
		var cubes int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM preview_cube WHERE groups > 0`).Scan(&cubes); err != nil || cubes != 5 {
			t.Fatalf("%d cubes: %v", cubes, err)
		}
	})
}

func TestCycleLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		load(t, d, 150, "S1", "32.01")
		apply(t, d, testCatalog)

		_, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 5, Snapshot: "S1"})
		wantErr(t, err, tepat.EINVALID, "PERIODE_TIDAK_VALID")
		_, err = program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 1, Snapshot: "NOPE"})
		wantErr(t, err, tepat.ENOTFOUND, "SNAPSHOT_TIDAK_DITEMUKAN")
		_, err = program.CreateCycle(pusatA, d, program.NewCycle{Program: "ZZZ", Year: 2026, Period: 1, Snapshot: "S1"})
		wantErr(t, err, tepat.ENOTFOUND, "PROGRAM_TIDAK_DITEMUKAN")
		_, err = program.CreateCycle(as("d", tepat.RoleDinsos, "32.01"), d, program.NewCycle{Program: "PKH", Year: 2026, Period: 1, Snapshot: "S1"})
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		_, err = program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 1, Snapshot: "S1", ReferenceDate: "2026-02-30"})
		wantErr(t, err, tepat.EINVALID, "TANGGAL_TIDAK_VALID")

		c, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 2, Snapshot: "S1"})
		if err != nil || c.State != program.StateDraft || c.ReferenceDate != "2026-04-01" || c.ProgramVersion != 1 {
			t.Fatalf("%+v %v", c, err)
		}
		_, err = program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 2, Snapshot: "S1"})
		wantErr(t, err, tepat.ECONFLICT, "SIKLUS_SUDAH_ADA")
		_, err = program.ApproveCycle(pusatB, d, c.ID)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		if !strings.Contains(tepat.ErrorMessage(err), "berstatus DRAFT") {
			t.Fatal(err)
		}

		// A new program version does not reach the cycle.
		apply(t, d, strings.Replace(testCatalog, "fixed_yearly: 550001", "fixed_yearly: 999999", 1))
		if v, _ := program.Latest(sys, d, "PKH", 2026); v.Version != 2 {
			t.Fatalf("version %d", v.Version)
		}
		g, err := program.GenerateCycle(pusatA, d, c.ID)
		if err != nil || g.State != program.StateGenerated || g.Families == 0 || g.GeneratedBy != "pusat-a" || g.ProgramVersion != 1 {
			t.Fatalf("%+v %v", g, err)
		}
		before := entitlements(t, d, c.ID)
		// The preview uses version 2: each family's period gets a quarter
		// of the difference of the fixed parts more (449,998 / 4, give or
		// take the rounding of each family's amount).
		pv, err := program.PreviewProgram(pusatA, d, program.PreviewRequest{Program: "PKH", Year: 2026, Period: 2, Snapshot: "S1"})
		if diff := pv.Amount - g.Amount; err != nil || pv.ProgramVersion != 2 || pv.Eligible != g.Families || diff < g.Families*112499 || diff > g.Families*112500 {
			t.Fatalf("preview %+v vs cycle %+v: %v", pv, g, err)
		}
		// Generating again gives the same rows.
		if g2, err := program.GenerateCycle(pusatA, d, c.ID); err != nil || g2.Amount != g.Amount || len(entitlements(t, d, c.ID)) != len(before) {
			t.Fatalf("regenerate: %+v %v", g2, err)
		}

		_, err = program.ApproveCycle(pusatA, d, c.ID)
		wantErr(t, err, tepat.EFORBIDDEN, "PERSETUJUAN_SENDIRI")
		_, err = program.ApproveCycle(pusatB, d, c.ID)
		wantErr(t, err, tepat.ECONFLICT, "PAGU_BELUM_ADA")
		if _, err := program.SetBudget(pusatA, d, "PKH", 2026, g.Amount-1); err != nil {
			t.Fatal(err)
		}
		_, err = program.ApproveCycle(pusatB, d, c.ID)
		wantErr(t, err, tepat.ECONFLICT, "PAGU_TERLAMPAUI")
		if msg := tepat.ErrorMessage(err); !strings.Contains(msg, program.Rupiah(g.Amount-1)) || !strings.Contains(msg, program.Rupiah(g.Amount)) {
			t.Fatalf("message names neither figure: %s", msg)
		}
		_, err = program.SetBudget(pusatA, d, "PKH", 2026, -1)
		wantErr(t, err, tepat.EINVALID, "PAGU_TIDAK_VALID")
		if _, err := program.SetBudget(pusatA, d, "PKH", 2026, g.Amount*4); err != nil {
			t.Fatal(err)
		}
		_, err = program.ApproveCycle(as("humas", tepat.RoleHumas), d, c.ID)
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		a, err := program.ApproveCycle(pusatB, d, c.ID)
		if err != nil || a.State != program.StateApproved || a.ApprovedBy != "pusat-b" {
			t.Fatalf("%+v %v", a, err)
		}
		_, err = program.ApproveCycle(pusatB, d, c.ID)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		_, err = program.GenerateCycle(pusatA, d, c.ID)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		if !strings.Contains(tepat.ErrorMessage(err), "berstatus APPROVED") {
			t.Fatal(err)
		}

		// Registry changes after approval change nothing.
		if _, err := d.Exec(ctx, `UPDATE family SET desil = 10`); err != nil {
			t.Fatal(err)
		}
		after := entitlements(t, d, c.ID)
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatal("entitlements changed after approval")
		}

		bs, err := program.Budgets(sys, d, "PKH", 2026)
		if err != nil || len(bs) != 1 || bs[0].Committed != g.Amount || bs[0].Remaining != g.Amount*3 {
			t.Fatalf("%+v %v", bs, err)
		}

		// Disbursing, then cancelling is refused; closing works.
		if err := d.InTx(pusatA, func(tx *db.Tx) error { _, err := program.StartDisbursing(pusatA, tx, c.ID); return err }); err != nil {
			t.Fatal(err)
		}
		_, err = program.CancelCycle(pusatA, d, c.ID)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		if cl, err := program.CloseCycle(pusatA, d, c.ID); err != nil || cl.State != program.StateClosed || cl.EndedBy != "pusat-a" {
			t.Fatalf("%+v %v", cl, err)
		}

		// A cancelled cycle frees its period.
		c3 := newCycle(t, d, "PKH", 2026, 3, "S1")
		if x, err := program.CancelCycle(pusatA, d, c3.ID); err != nil || x.State != program.StateCancelled {
			t.Fatalf("%+v %v", x, err)
		}
		if _, err := program.CreateCycle(pusatA, d, program.NewCycle{Program: "PKH", Year: 2026, Period: 3, Snapshot: "S1"}); err != nil {
			t.Fatal(err)
		}
		_, err = program.GetCycle(sys, d, 999999)
		wantErr(t, err, tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN")

		// Every step is audited.
		entries, err := audit.List(ctx, d, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			seen[e.Action] = true
		}
		for _, want := range []string{"program.apply", "cycle.create", "cycle.generate", "cycle.approve", "cycle.disburse", "cycle.close", "cycle.cancel", "budget.set"} {
			if !seen[want] {
				t.Errorf("no audit entry %s", want)
			}
		}
	})
}

func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		first := apply(t, d, testCatalog)
		again := apply(t, d, testCatalog)
		for i := range first {
			if !first[i].Changed || again[i].Changed || again[i].Version != 1 {
				t.Fatalf("first %+v again %+v", first[i], again[i])
			}
		}
		vs, err := program.List(sys, d)
		if err != nil || len(vs) != 4 {
			t.Fatalf("%d %v", len(vs), err)
		}
		_, err = program.Apply(as("d", tepat.RoleDinsos, "32"), d, catalog(t, testCatalog))
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
	})
}

func TestQuotaRanksByDecile(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 300, "S1", "32.01", "32.02", "33.74")
		apply(t, d, testCatalog)
		free := newCycle(t, d, "PBI_JK", 2026, 1, "S1")
		all := entitlements(t, d, free.ID)
		in := func(code string) (n int64) {
			lo, hi, _ := region.VillageRange(code)
			for _, e := range all {
				if e.village >= lo && e.village <= hi {
					n++
				}
			}
			return n
		}
		n3201, n32 := in("32.01"), in("32")
		if _, err := program.SetQuota(pusatA, d, "PBI_JK", 2026, "32.01", 10); err != nil {
			t.Fatal(err)
		}
		if _, err := program.SetQuota(pusatA, d, "PBI_JK", 2026, "32", n32-n3201-5); err != nil { // the rest of the province
			t.Fatal(err)
		}
		_, err := program.SetQuota(pusatA, d, "PBI_JK", 2026, "99.99", 1)
		wantErr(t, err, tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL")
		_, err = program.SetQuota(pusatA, d, "PBI_JK", 2026, "32", -1)
		wantErr(t, err, tepat.EINVALID, "KUOTA_TIDAK_VALID")
		_, err = program.SetQuota(pusatA, d, "PBI_JK", 2027, "32", 1)
		wantErr(t, err, tepat.ENOTFOUND, "PROGRAM_TIDAK_DITEMUKAN")

		if _, err := program.CancelCycle(pusatA, d, free.ID); err != nil {
			t.Fatal(err)
		}
		c := newCycle(t, d, "PBI_JK", 2026, 1, "S1")
		got := entitlements(t, d, c.ID)
		if c.Reserve != n3201-10+5 || c.Families != int64(len(all))-c.Reserve {
			t.Fatalf("cycle %+v; 32.01 eligible %d, 32 eligible %d", c, n3201, n32)
		}
		// Within 32.01, every entitled family ranks before every reserve one.
		lo, hi, _ := region.VillageRange("32.01")
		type r struct {
			desil, members, reserve int
		}
		var rs []r
		for _, e := range got {
			if e.village >= lo && e.village <= hi {
				rs = append(rs, r{e.desil, e.members, e.reserve})
			}
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].reserve < rs[j].reserve })
		var entitled int
		for i, x := range rs {
			if x.reserve == 0 {
				entitled++
				continue
			}
			if x.reserve != i-9 && x.reserve != i+1-10 {
				t.Fatalf("reserve numbers not 1..n: %+v", rs)
			}
			for _, y := range rs[:10] {
				if y.desil > x.desil || y.desil == x.desil && y.members < x.members {
					t.Fatalf("entitled %+v ranks after reserve %+v", y, x)
				}
			}
		}
		if entitled != 10 {
			t.Fatalf("%d entitled in 32.01", entitled)
		}
		qs, err := program.Quotas(sys, d, "PBI_JK", 2026)
		if err != nil || len(qs) != 2 || qs[0].Region != "32" || qs[1].Region != "32.01" {
			t.Fatalf("%+v %v", qs, err)
		}
	})
}

func TestSummaryAndExportAreScoped(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		load(t, d, 120, "S1", "32.01", "33.74")
		apply(t, d, testCatalog)
		c := newCycle(t, d, "PBI_JK", 2026, 1, "S1")
		s, err := program.Summarize(sys, d, c.ID)
		if err != nil || len(s.Provinces) != 2 || s.Provinces[0].Code != "32" || s.Families != c.Families {
			t.Fatalf("%+v %v", s, err)
		}
		dinsos := as("dinsos-3374", tepat.RoleDinsos, "33.74")
		s2, err := program.Summarize(dinsos, d, c.ID)
		if err != nil || len(s2.Provinces) != 1 || s2.Provinces[0].Code != "33" || s2.Families != s.Provinces[1].Families {
			t.Fatalf("%+v %v", s2, err)
		}
		// The head is the living KEPALA, else the living member with the
		// lowest NIK.
		var wrongHead int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM entitlement e WHERE e.cycle_id = $1 AND e.head_nik <> COALESCE(
				(SELECT MIN(p.nik) FROM person p WHERE p.family_id = e.family_id AND p.ver_to IS NULL AND p.status = 'HIDUP' AND p.hubungan = 'KEPALA'),
				(SELECT MIN(p.nik) FROM person p WHERE p.family_id = e.family_id AND p.ver_to IS NULL AND p.status = 'HIDUP'))`, c.ID).Scan(&wrongHead); err != nil || wrongHead != 0 {
			t.Fatalf("%d entitlements name another head: %v", wrongHead, err)
		}
		var lines []program.Line
		n, err := program.Export(dinsos, d, c.ID, func(l program.Line) error { lines = append(lines, l); return nil })
		if err != nil || n != s2.Families || len(lines) != int(n) {
			t.Fatalf("%d %v", n, err)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l.KodeWilayah, "33.74.") || len(l.NIKKepala) != 16 || l.NamaKepala == "" || l.Reference != program.Reference(c.ID, mustFamily(l.Reference)) {
				t.Fatalf("%+v", l)
			}
		}
		// An export cut short is audited with what went out.
		stop := fmt.Errorf("client gone")
		sent := 0
		if _, err := program.Export(sys, d, c.ID, func(program.Line) error {
			if sent == 2 {
				return stop
			}
			sent++
			return nil
		}); err != stop {
			t.Fatalf("cut short: %v", err)
		}
		es, _ := audit.List(context.Background(), d, audit.Filter{Action: "data.export", Limit: 1000})
		if last := es[len(es)-1]; !strings.Contains(last.Summary, "terputus setelah 2 baris") {
			t.Fatalf("audit %+v", last)
		}
		_, err = program.Export(as("humas", tepat.RoleHumas), d, c.ID, func(program.Line) error { return nil })
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		draft, _ := program.CreateCycle(pusatA, d, program.NewCycle{Program: "PBI_JK", Year: 2026, Period: 2, Snapshot: "S1"})
		_, err = program.Export(sys, d, draft.ID, func(program.Line) error { return nil })
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
	})
}

func mustFamily(ref string) int64 {
	_, f, _ := program.ParseReference(ref)
	return f
}
