package payout_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
)

// expect builds the reconciliation a test expects, family by family.
type expect struct {
	outcome map[int64]string
	reason  map[int64]string
	credit  map[int64]int64
}

func (x expect) tally(es []ent, keep func(ent) bool) payout.Outcomes {
	var o payout.Outcomes
	for _, e := range es {
		if !keep(e) {
			continue
		}
		var t *payout.Tally
		switch x.outcome[e.family] {
		case payout.OutcomePaid:
			t = &o.Paid
		case payout.OutcomeFailed:
			t = &o.Failed
		case payout.OutcomeAmountMismatch:
			t = &o.AmountMismatch
		case payout.OutcomeNotExported:
			t = &o.NotExported
		default:
			t = &o.Unreported
		}
		t.Count++
		t.Amount += e.amount
		t.Credited += x.credit[e.family]
	}
	return o
}

func reconcile(t *testing.T, ctx context.Context, d *db.DB, cycle int64) payout.Reconciliation {
	t.Helper()
	r, err := payout.Reconcile(ctx, d, cycle, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, without := disbursing(t, d)
		c := w.cycle.ID
		es, fs := paidBy(t, d, w, "BRI"), paidBy(t, d, w, "BNI")
		if len(es) < 8 || len(fs) < 3 || len(without) == 0 {
			t.Fatalf("fixture: %d BRI, %d BNI payouts, %d without account", len(es), len(fs), len(without))
		}
		pending := approved(t, d, 2)
		_, err := payout.Reconcile(pusatA, d, pending.ID, nil)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		for _, ctx := range []context.Context{as("humas", tepat.RoleHumas), as("p", tepat.RolePendamping, "32.01.01"), as("satgas", tepat.RoleSatgas)} {
			_, err := payout.Reconcile(ctx, d, c, nil)
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		}

		// Reports crafted to give every outcome and every flag.
		unknown := fmt.Sprintf("%d-999999999,1234567890,5000,BERHASIL,,2026-01-20 10:00:00", c)
		bri1 := writeFile(t, "bri-1.csv", reportHead,
			line(c, es[0], "BRI"), // PAID
			line(c, es[1], "BRI", "status=GAGAL", "reason=REKENING_TUTUP", "at="),       // FAILED
			line(c, es[2], "BRI", fmt.Sprintf("amount=%d", es[2].amount-1)),             // AMOUNT_MISMATCH
			line(c, es[4], "BRI", "status=GAGAL", "reason=REKENING_TIDAK_AKTIF", "at="), // superseded by report 2
			line(c, es[5], "BRI"),                      // PAID, then again in report 2
			line(c, es[6], "BRI", "rekening=99999999"), // ACCOUNT_MISMATCH: stays UNREPORTED
			line(c, es[7], "BRI"),                      // superseded by the next line
			line(c, es[7], "BRI", "status=GAGAL", "reason=DATA_TIDAK_SESUAI", "amount=0", "at="), // FAILED
			unknown, // UNKNOWN_REFERENCE
		)
		bri2 := writeFile(t, "bri-2.csv", reportHead,
			line(c, es[4], "BRI", "at=2026-01-25 09:00:00"), // PAID: a later report supersedes
			line(c, es[5], "BRI", "at=2026-01-25 09:00:00"), // DUPLICATE
		)
		bni1 := writeFile(t, "bni-1.csv", reportHead,
			line(c, fs[0], "BNI"),
			line(c, fs[1], "BNI", "status=GAGAL", "reason=REKENING_TIDAK_AKTIF", "at="),
			line(c, fs[2], "BNI"),
			line(c, fs[2], "BNI", "at=2026-01-20 11:00:00"), // DUPLICATE in the same report
		)
		for _, l := range []struct {
			ctx        context.Context
			bank, path string
		}{{bri, "BRI", bri1}, {bri, "BRI", bri2}, {bni, "BNI", bni1}} {
			if _, err := payout.LoadReport(l.ctx, d, l.bank, l.path); err != nil {
				t.Fatal(err)
			}
		}
		x := expect{outcome: map[int64]string{}, reason: map[int64]string{}, credit: map[int64]int64{}}
		for _, e := range without {
			x.outcome[e.family] = payout.OutcomeNotExported
		}
		for _, e := range []ent{es[0], es[4], es[5], fs[0], fs[2]} {
			x.outcome[e.family], x.credit[e.family] = payout.OutcomePaid, e.amount
		}
		for e, reason := range map[ent]string{es[1]: "REKENING_TUTUP", es[7]: "DATA_TIDAK_SESUAI", fs[1]: "REKENING_TIDAK_AKTIF"} {
			x.outcome[e.family], x.reason[e.family] = payout.OutcomeFailed, reason
		}
		x.outcome[es[2].family], x.credit[es[2].family] = payout.OutcomeAmountMismatch, es[2].amount-1
		all := func(ent) bool { return true }

		// National, stored.
		r := reconcile(t, pusatA, d, c)
		if want := x.tally(w.ents, all); r.Outcomes != want {
			t.Fatalf("outcomes\n got %+v\nwant %+v", r.Outcomes, want)
		}
		flags := payout.Flags{
			UnknownReference: payout.Tally{Count: 1, Amount: 5000, Credited: 5000},
			Duplicate:        payout.Tally{Count: 2, Amount: es[5].amount + fs[2].amount, Credited: es[5].amount + fs[2].amount},
			AccountMismatch:  payout.Tally{Count: 1, Amount: es[6].amount, Credited: es[6].amount},
		}
		if r.BankLines != flags || !r.Stored || r.Entitlements != w.cycle.Families || r.Amount != w.cycle.Amount || r.Scope != "nasional" {
			t.Fatalf("reconciliation %+v\nwant lines %+v", r, flags)
		}
		o := r.Outcomes
		if o.Paid.Count+o.Failed.Count+o.AmountMismatch.Count+o.Unreported.Count+o.NotExported.Count != w.cycle.Families ||
			o.Paid.Amount+o.Failed.Amount+o.AmountMismatch.Amount+o.Unreported.Amount+o.NotExported.Amount != w.cycle.Amount {
			t.Fatal("outcomes do not add up to the cycle")
		}
		// Superseded lines stay.
		if n := count(t, d, `SELECT COUNT(*) FROM bank_line WHERE cycle_id = $1 AND family_id = $2`, c, es[4].family); n != 2 {
			t.Fatalf("%d lines kept for a superseded reference", n)
		}
		// The stored outcomes, family by family.
		rows, err := d.Query(context.Background(), `SELECT family_id, reference, outcome, reason, credited, report_id FROM reconciliation WHERE cycle_id = $1`, c)
		if err != nil {
			t.Fatal(err)
		}
		stored := 0
		for rows.Next() {
			var fam, credited int64
			var ref, outcome, reason string
			var report *int64
			rows.Scan(&fam, &ref, &outcome, &reason, &credited, &report)
			want := x.outcome[fam]
			if want == "" {
				want = payout.OutcomeUnreported
			}
			if outcome != want || reason != x.reason[fam] || credited != x.credit[fam] || ref != fmt.Sprintf("%d-%d", c, fam) ||
				(report == nil) != (want == payout.OutcomeUnreported || want == payout.OutcomeNotExported) {
				t.Fatalf("family %d: %s %q %d, want %s %q %d", fam, outcome, reason, credited, want, x.reason[fam], x.credit[fam])
			}
			stored++
		}
		rows.Close()
		if int64(stored) != w.cycle.Families {
			t.Fatalf("%d outcomes stored", stored)
		}
		realized, err := payout.Realized(pusatA, d, "PKH", 2026)
		if err != nil || realized != o.Paid.Amount || realized == 0 {
			t.Fatalf("realized %d, paid %d: %v", realized, o.Paid.Amount, err)
		}
		if bs, err := payout.Budgets(pusatA, d, "PKH", 2026); err != nil || len(bs) != 1 || bs[0].Realized != realized {
			t.Fatalf("budgets %+v: %v", bs, err)
		}
		if audited(t, d, "payout.reconcile", fmt.Sprintf("%d dibayar", o.Paid.Count)) != 1 {
			t.Fatal("reconciliation not audited")
		}

		// Scoped readers see their part; nothing is stored.
		in3201 := func(e ent) bool { return e.in("3201") }
		r = reconcile(t, dinsos, d, c)
		if want := x.tally(w.ents, in3201); r.Outcomes != want || r.Stored ||
			r.BankLines != (payout.Flags{Duplicate: payout.Tally{Count: 1, Amount: fs[2].amount, Credited: fs[2].amount}}) {
			t.Fatalf("dinsos: %+v\nwant %+v", r, want)
		}
		paidByBRI := map[int64]bool{}
		for _, e := range es {
			paidByBRI[e.family] = true
		}
		r = reconcile(t, bri, d, c)
		if want := x.tally(w.ents, func(e ent) bool { return paidByBRI[e.family] }); r.Outcomes != want || r.Stored || r.Entitlements != int64(len(es)) ||
			r.BankLines.Duplicate.Count != 1 || r.BankLines.UnknownReference.Count != 1 || r.BankLines.AccountMismatch.Count != 1 {
			t.Fatalf("bank: %+v\nwant %+v", r, want)
		}
		r = reconcile(t, auditor, d, c)
		if r.Outcomes != x.tally(w.ents, all) || r.Stored || r.BankLines != flags {
			t.Fatalf("auditor: %+v", r)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM reconciliation_run WHERE reconciled_by = 'pusat-a'`); n != 1 {
			t.Fatal("a scoped reconciliation replaced the stored one")
		}

		// The exceptions: every entitlement not paid, every flagged line,
		// as CSV and XLSX; KK numbers masked for a bank.
		for _, tc := range []struct {
			ctx    context.Context
			lines  int64
			masked bool
		}{
			{pusatA, w.cycle.Families - o.Paid.Count + 4, false},
			{bri, int64(len(es)) - 3 + 3, true},
		} {
			s := &memSink{}
			r, err := payout.Reconcile(tc.ctx, d, c, s.sink)
			if err != nil {
				t.Fatal(err)
			}
			base := fmt.Sprintf("%d-rekonsiliasi", c)
			recs := readCSV(t, s.files[base+".csv"])
			if strings.Join(recs[0], ",") != strings.Join(payout.ExceptionsHeader, ",") || int64(len(recs)-1) != tc.lines {
				t.Fatalf("%s: %d exceptions, want %d", r.Scope, len(recs)-1, tc.lines)
			}
			findings := map[string]int{}
			for _, rec := range recs[1:] {
				findings[rec[4]]++
				if rec[1] != "" && strings.Contains(rec[1], "*") != tc.masked {
					t.Fatalf("%s: KK %q", r.Scope, rec[1])
				}
				if rec[4] == payout.OutcomePaid {
					t.Fatalf("PAID among the exceptions: %v", rec)
				}
			}
			if findings[payout.FlagDuplicate] != int(r.BankLines.Duplicate.Count) || findings[payout.OutcomeFailed] != int(r.Outcomes.Failed.Count) {
				t.Fatalf("%s: findings %v", r.Scope, findings)
			}
			book, err := excelize.OpenReader(bytes.NewReader(s.files[base+".xlsx"]))
			if err != nil {
				t.Fatal(err)
			}
			sheet, err := book.GetRows("Rekonsiliasi")
			book.Close()
			if err != nil || len(sheet) != len(recs) || sheet[1][0] != recs[1][0] {
				t.Fatalf("xlsx: %d rows, csv %d: %v", len(sheet), len(recs), err)
			}
		}
		if audited(t, d, "data.export", "pengecualian rekonsiliasi") != 2 {
			t.Fatal("exceptions not audited")
		}

		// A later report pays the failed one: the next run replaces the
		// stored outcomes, and realization follows.
		bri3 := writeFile(t, "bri-3.csv", reportHead, line(c, es[1], "BRI"))
		if _, err := payout.LoadReport(bri, d, "BRI", bri3); err != nil {
			t.Fatal(err)
		}
		r = reconcile(t, pusatA, d, c)
		if r.Outcomes.Paid.Count != o.Paid.Count+1 || r.Outcomes.Failed.Count != o.Failed.Count-1 ||
			count(t, d, `SELECT COUNT(*) FROM reconciliation WHERE cycle_id = $1`, c) != w.cycle.Families {
			t.Fatalf("after report 3: %+v", r.Outcomes)
		}
		if realized, _ := payout.Realized(pusatA, d, "PKH", 2026); realized != o.Paid.Amount+es[1].amount {
			t.Fatalf("realized %d", realized)
		}
	})
}
