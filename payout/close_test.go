package payout_test

import (
	"context"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
)

// reportAll loads, per bank, a report crediting every payout of the world
// but those in skip, whose lines are given in extra instead.
func reportAll(t *testing.T, d *db.DB, w world, name string, skip map[int64]bool, extra map[string][]string) {
	t.Helper()
	for _, bank := range []string{"BRI", "BNI", "MANDIRI", "BTN"} {
		lines := []string{reportHead}
		for _, e := range paidBy(t, d, w, bank) {
			if !skip[e.family] {
				lines = append(lines, line(w.cycle.ID, e, bank))
			}
		}
		lines = append(lines, extra[bank]...)
		if _, err := payout.LoadReport(pusatA, d, bank, writeFile(t, name+"-"+bank+".csv", lines...)); err != nil {
			t.Fatal(err)
		}
	}
}

func wantNotDone(t *testing.T, ctx context.Context, d *db.DB, cycle int64, parts ...string) {
	t.Helper()
	_, err := payout.CloseCycle(ctx, d, cycle)
	wantErr(t, err, tepat.ECONFLICT, "SIKLUS_BELUM_TUNTAS")
	for _, p := range parts {
		if !strings.Contains(tepat.ErrorMessage(err), p) {
			t.Fatalf("refusal %q does not say %q", tepat.ErrorMessage(err), p)
		}
	}
}

func TestCloseCycle(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, without := disbursing(t, d)
		c := w.cycle.ID
		es := paidBy(t, d, w, "BRI")
		_, err := payout.CloseCycle(dinsos, d, c)
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		_, err = payout.CloseCycle(pusatA, d, 9999)
		wantErr(t, err, tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN")
		_, err = payout.CloseCycle(pusatA, d, approved(t, d, 2).ID)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		wantNotDone(t, pusatA, d, c, "belum ada rekonsiliasi")

		// es[0] and es[1] fail, es[2] is credited short, es[3] unreported.
		skip := map[int64]bool{es[0].family: true, es[1].family: true, es[2].family: true, es[3].family: true}
		reportAll(t, d, w, "r1", skip, map[string][]string{"BRI": {
			line(c, es[0], "BRI", "status=GAGAL", "reason=REKENING_TUTUP", "at="),
			line(c, es[1], "BRI", "status=GAGAL", "reason=REKENING_TIDAK_AKTIF", "at="),
			line(c, es[2], "BRI", "amount=1000"),
		}})
		reconcile(t, pusatA, d, c)
		cl, err := payout.CheckClose(pusatA, d, c)
		if err != nil || cl.Final() || cl.Unreported.Count != 1 || cl.AmountMismatch.Count != 1 || cl.Returned.Count != 2 || cl.Reissue.Count != 0 {
			t.Fatalf("check %+v: %v", cl, err)
		}
		wantNotDone(t, pusatA, d, c, "1 belum dilaporkan bank", "1 selisih jumlah")
		_, err = payout.CheckClose(auditor, d, c)
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")

		// The returned funds, per bank and in scope.
		ret, err := payout.ReturnedFunds(pusatA, d, c)
		if err != nil || !ret.Reconciled || len(ret.Banks) != 1 || ret.Banks[0].Bank != "BRI" || ret.Banks[0].Failed.Count != 2 ||
			ret.Banks[0].Returned.Amount != es[0].amount+es[1].amount || ret.Total.Failed != ret.Banks[0].Failed {
			t.Fatalf("returns %+v: %v", ret, err)
		}
		for _, ctx := range []context.Context{dinsos, bni} { // neither reaches BRI's families (32.03)
			if r, err := payout.ReturnedFunds(ctx, d, c); err != nil || len(r.Banks) != 0 || r.Total.Failed.Count != 0 {
				t.Fatalf("%s: %+v %v", tepat.ActorFrom(ctx).Username, r, err)
			}
		}
		if r, err := payout.ReturnedFunds(bri, d, c); err != nil || len(r.Banks) != 1 {
			t.Fatalf("bri: %+v %v", r, err)
		}
		if r, err := payout.ReturnedFunds(pusatA, d, approved(t, d, 3).ID); err != nil || r.Reconciled || len(r.Banks) != 0 {
			t.Fatalf("not reconciled: %+v %v", r, err)
		}

		// The bank settles es[2] and es[3]: the stored reconciliation is
		// then out of date until it runs again.
		if _, err := payout.LoadReport(bri, d, "BRI", writeFile(t, "r2.csv", reportHead, line(c, es[2], "BRI"), line(c, es[3], "BRI"))); err != nil {
			t.Fatal(err)
		}
		wantNotDone(t, pusatA, d, c, "1 laporan bank dimuat setelah rekonsiliasi")
		reconcile(t, pusatA, d, c)
		// es[0] now has another account: its money can go out again.
		if _, err := payout.LoadAccounts(pusatA, d, "BRI", accountFile(t, "BRI", 2, es[0])); err != nil {
			t.Fatal(err)
		}
		wantNotDone(t, pusatA, d, c, "1 gagal tetapi dapat atau sudah dibayar ulang")
		if r, _ := payout.ReturnedFunds(pusatA, d, c); r.Banks[0].Reissue.Count != 1 || r.Banks[0].Returned.Count != 1 ||
			r.Banks[0].Returned.Amount != es[1].amount {
			t.Fatalf("returns with a re-issue possible: %+v", r)
		}
		reissue(t, pusatA, d, c, payout.ReissueOptions{})
		wantNotDone(t, pusatA, d, c, "1 pembayaran ulang menunggu laporan bank")
		if _, err := payout.LoadReport(bri, d, "BRI", writeFile(t, "r3.csv", reportHead,
			relined(payout.ReissueReference(c, es[0].family, 1), line(c, es[0], "BRI", "rekening="+rekening("BRI", es[0].family, 2))))); err != nil {
			t.Fatal(err)
		}
		wantNotDone(t, pusatA, d, c, "laporan bank dimuat setelah")
		reconcile(t, pusatA, d, c)

		// Every outcome is final: paid, returned (es[1]) or never sent.
		cl, err = payout.CheckClose(pusatA, d, c)
		if err != nil || !cl.Final() || cl.Returned.Count != 1 || cl.Returned.Amount != es[1].amount || cl.NotExported.Count != int64(len(without)) ||
			cl.Paid.Count+cl.Returned.Count+cl.NotExported.Count != w.cycle.Families ||
			cl.Paid.Amount+cl.Returned.Amount+cl.NotExported.Amount != w.cycle.Amount {
			t.Fatalf("final check %+v: %v", cl, err)
		}
		closed, err := payout.CloseCycle(pusatA, d, c)
		if err != nil || closed.State != program.StateClosed || closed.EndedBy != "pusat-a" {
			t.Fatalf("close: %+v %v", closed, err)
		}
		if audited(t, d, "cycle.close", "DISBURSING → CLOSED") != 1 {
			t.Fatal("close not audited")
		}
		_, err = payout.CloseCycle(pusatA, d, c)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		_, err = payout.Reissue(pusatA, d, c, payout.ReissueOptions{}, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		// A closed cycle still reconciles; its stored figures stay final.
		addsUp(t, reconcile(t, pusatA, d, c), w.cycle)
	})
}
