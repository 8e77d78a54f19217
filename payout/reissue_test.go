package payout_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
	"tepat/region"
)

func TestParseReference(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string][3]int64{
		"12-34":      {12, 34, 0},
		"12-34-U1":   {12, 34, 1},
		"12-34-U123": {12, 34, 123},
	} {
		c, f, seq, ok := payout.ParseReference(ref)
		if !ok || c != want[0] || f != want[1] || int64(seq) != want[2] || payout.ReissueReference(c, f, seq) != ref {
			t.Errorf("ParseReference(%q) = %d %d %d %v", ref, c, f, seq, ok)
		}
	}
	for _, bad := range []string{"", "12", "12-34-", "12-34-U", "12-34-U0", "12-34-U01", "12-34-U+1", "12-34-U-1", "12-34-u1",
		"12-34-U1-U2", "12-34U1", "012-34-U1", "12-034", "12-34-U99999999999999999999"} {
		if _, _, _, ok := payout.ParseReference(bad); ok {
			t.Errorf("ParseReference(%q) accepted", bad)
		}
	}
}

// FuzzParseReference: whatever is parsed is written back the same.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"12-34", "12-34-U1", "1-1-U99", "12-34-U0", "-U1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		c, fam, seq, ok := payout.ParseReference(ref)
		if ok && (c <= 0 || fam <= 0 || seq < 0 || payout.ReissueReference(c, fam, seq) != ref) {
			t.Fatalf("%q parsed as %d %d %d", ref, c, fam, seq)
		}
	})
}

// reissue runs Reissue into memory.
func reissue(t *testing.T, ctx context.Context, d *db.DB, cycle int64, opt payout.ReissueOptions) (*memSink, payout.Reissued) {
	t.Helper()
	s := &memSink{}
	r, err := payout.Reissue(ctx, d, cycle, opt, s.sink)
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

// relined is a report line of line's making with another reference.
func relined(ref, l string) string { return ref + l[strings.Index(l, ","):] }

// stored returns an entitlement's stored outcome and bank.
func stored(t *testing.T, d *db.DB, cycle int64, e ent) (outcome, bank string) {
	t.Helper()
	if err := d.QueryRow(context.Background(), `SELECT outcome, bank FROM reconciliation WHERE cycle_id = $1 AND family_id = $2`, cycle, e.family).
		Scan(&outcome, &bank); err != nil {
		t.Fatal(err)
	}
	return outcome, bank
}

// addsUp fails unless the outcomes count every entitlement of the cycle
// once, with its money.
func addsUp(t *testing.T, r payout.Reconciliation, c program.Cycle) {
	t.Helper()
	o := r.Outcomes
	if o.Paid.Count+o.Failed.Count+o.AmountMismatch.Count+o.Unreported.Count+o.NotExported.Count != c.Families ||
		o.Paid.Amount+o.Failed.Amount+o.AmountMismatch.Amount+o.Unreported.Amount+o.NotExported.Amount != c.Amount ||
		r.Entitlements != c.Families || r.Amount != c.Amount {
		t.Fatalf("outcomes do not add up to the cycle: %+v", r)
	}
}

func TestReissue(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, without := disbursing(t, d)
		c := w.cycle.ID
		es := paidBy(t, d, w, "BRI")
		if len(es) < 6 {
			t.Fatalf("fixture: %d BRI payouts", len(es))
		}
		// es[0] paid, es[1] es[2] es[3] failed, es[4] not reported yet.
		if _, err := payout.LoadReport(bri, d, "BRI", writeFile(t, "bri-1.csv", reportHead,
			line(c, es[0], "BRI"),
			line(c, es[1], "BRI", "status=GAGAL", "reason=REKENING_TUTUP", "at="),
			line(c, es[2], "BRI", "status=GAGAL", "reason=REKENING_TIDAK_AKTIF", "at="),
			line(c, es[3], "BRI", "status=GAGAL", "reason=DATA_TIDAK_SESUAI", "at="),
		)); err != nil {
			t.Fatal(err)
		}
		for _, ctx := range []context.Context{dinsos, bri, auditor} {
			_, err := payout.Reissue(ctx, d, c, payout.ReissueOptions{}, (&memSink{}).sink)
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		}
		pending := approved(t, d, 2)
		_, err := payout.Reissue(pusatA, d, pending.ID, payout.ReissueOptions{}, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI")
		// Nobody has another account yet.
		_, err = payout.Reissue(pusatA, d, c, payout.ReissueOptions{}, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "TIDAK_ADA_PEMBAYARAN_ULANG")

		// es[1] gets another BRI account; es[2]'s village is now paid by
		// BTN, where it has one; es[0] (paid) and es[4] (unreported) get
		// new accounts too, es[3] none.
		if _, err := payout.LoadAccounts(pusatA, d, "BRI", accountFile(t, "BRI", 2, es[0], es[1], es[4])); err != nil {
			t.Fatal(err)
		}
		if _, err := payout.SetRoute(pusatA, d, "PKH", region.VillageCode(es[2].village), "BTN"); err != nil {
			t.Fatal(err)
		}
		if _, err := payout.LoadAccounts(pusatA, d, "BTN", accountFile(t, "BTN", 1, es[2])); err != nil {
			t.Fatal(err)
		}

		// Named: every family that cannot be re-issued refuses the batch.
		for _, tc := range []struct {
			families []int64
			reason   string
		}{
			{[]int64{es[0].family}, "SUDAH_DIKREDITKAN"},
			{[]int64{es[4].family}, "MENUNGGU_LAPORAN"},
			{[]int64{es[3].family}, "BELUM_ADA_REKENING_BARU"},
			{[]int64{without[0].family}, "TIDAK_DIEKSPOR"},
			{[]int64{999999999}, "BUKAN_PENERIMA"},
			{[]int64{es[1].family, es[0].family}, "keluarga " + fmt.Sprint(es[0].family)},
		} {
			_, err := payout.Reissue(pusatA, d, c, payout.ReissueOptions{Families: tc.families}, (&memSink{}).sink)
			wantErr(t, err, tepat.ECONFLICT, "PEMBAYARAN_ULANG_DITOLAK")
			if !strings.Contains(tepat.ErrorMessage(err), tc.reason) {
				t.Fatalf("%v: %s", tc.families, tepat.ErrorMessage(err))
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM payout_reissue`); n != 0 {
			t.Fatalf("a refused batch recorded %d re-issues", n)
		}

		// The batch: es[1] to its new BRI account, es[2] to BTN.
		s, r := reissue(t, pusatA, d, c, payout.ReissueOptions{})
		m := r.Manifest
		names := fmt.Sprintf("%[1]d-U1-BRI.csv %[1]d-U1-BTN.csv manifest.json", c)
		if !r.Created || m.Batch != 1 || m.Instructions != 2 || m.Amount != es[1].amount+es[2].amount || strings.Join(s.order, " ") != names {
			t.Fatalf("batch %+v, files %v", r, s.order)
		}
		for _, f := range m.Files {
			sum := sha256.Sum256(s.files[f.Name])
			recs := readCSV(t, s.files[f.Name])
			if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(recs)-1) != f.Rows || strings.Join(recs[0], ",") != strings.Join(payout.PayoutHeader, ",") {
				t.Fatalf("%s: %v", f.Name, recs)
			}
			e, acct := es[1], rekening("BRI", es[1].family, 2)
			if f.Bank == "BTN" {
				e, acct = es[2], rekening("BTN", es[2].family, 1)
			}
			if r := recs[1]; r[0] != payout.ReissueReference(c, e.family, 1) || r[1] != acct || r[4] != fmt.Sprint(e.amount) || len(r[2]) != 16 || r[3] == "" {
				t.Fatalf("%s: %v", f.Name, r)
			}
		}
		var onDisk payout.ReissueManifest
		if err := json.Unmarshal(s.files["manifest.json"], &onDisk); err != nil || onDisk.Batch != 1 || len(onDisk.Files) != 2 {
			t.Fatalf("manifest.json: %v %+v", err, onDisk)
		}
		var of string
		if err := d.QueryRow(context.Background(), `SELECT reissue_of FROM payout_reissue WHERE reference = $1`,
			payout.ReissueReference(c, es[2].family, 1)).Scan(&of); err != nil || of != program.Reference(c, es[2].family) {
			t.Fatalf("reissue_of %q: %v", of, err)
		}
		if audited(t, d, "payout.reissue", "batch U1: 2 keluarga") != 1 || audited(t, d, "data.export", "pembayaran ulang siklus") != 1 {
			t.Fatal("re-issue not audited")
		}

		// Again: nothing new can be re-issued, so the same batch comes
		// back byte for byte; a pending re-issue cannot be re-issued.
		again, r2 := reissue(t, pusatA, d, c, payout.ReissueOptions{})
		if r2.Created || r2.Manifest.Batch != 1 || len(again.files) != len(s.files) {
			t.Fatalf("again: %+v", r2)
		}
		for name, b := range s.files {
			if !bytes.Equal(again.files[name], b) {
				t.Fatalf("%s differs when written again", name)
			}
		}
		_, err = payout.Reissue(pusatA, d, c, payout.ReissueOptions{Families: []int64{es[1].family}}, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "PEMBAYARAN_ULANG_DITOLAK")
		if !strings.Contains(tepat.ErrorMessage(err), "MENUNGGU_LAPORAN") || audited(t, d, "payout.reissue", "") != 1 {
			t.Fatalf("a second re-issue: %v", err)
		}

		// Reconciliation follows the latest instruction: pending.
		rec := reconcile(t, pusatA, d, c)
		addsUp(t, rec, w.cycle)
		if o, b := stored(t, d, c, es[2]); o != payout.OutcomeUnreported || b != "BTN" {
			t.Fatalf("es[2] %s at %s", o, b)
		}
		if o, b := stored(t, d, c, es[1]); o != payout.OutcomeUnreported || b != "BRI" {
			t.Fatalf("es[1] %s at %s", o, b)
		}

		// The banks report the re-issues; BRI cannot report BTN's.
		u1, u2 := payout.ReissueReference(c, es[1].family, 1), payout.ReissueReference(c, es[2].family, 1)
		_, err = payout.LoadReport(bri, d, "BRI", writeFile(t, "bri-x.csv", reportHead, relined(u2, line(c, es[2], "BRI", "rekening="+rekening("BTN", es[2].family, 1)))))
		wantErr(t, err, tepat.EINVALID, "BERKAS_DITOLAK")
		if got := strings.Join(problemsOf(t, err), " "); got != "2:BANK_TIDAK_SESUAI" {
			t.Fatalf("problems %s", got)
		}
		rep, err := payout.LoadReport(bri, d, "BRI", writeFile(t, "bri-2.csv", reportHead,
			relined(u1, line(c, es[1], "BRI", "rekening="+rekening("BRI", es[1].family, 2), "at=2026-02-01 10:00:00")),
			relined(payout.ReissueReference(c, es[3].family, 7), line(c, es[3], "BRI")), // never issued
		))
		if err != nil || rep.Unknown != 1 || rep.Credited != 2 {
			t.Fatalf("report of re-issues: %+v %v", rep, err)
		}
		if _, err := payout.LoadReport(asBank("bank-btn", "BTN"), d, "BTN", writeFile(t, "btn-1.csv", reportHead,
			relined(u2, line(c, es[2], "BTN", "status=GAGAL", "reason=REKENING_TIDAK_AKTIF", "at=")))); err != nil {
			t.Fatal(err)
		}
		before := reconcile(t, pusatA, d, c)
		addsUp(t, before, w.cycle)
		if o, _ := stored(t, d, c, es[1]); o != payout.OutcomePaid {
			t.Fatalf("es[1] %s after its re-issue was credited", o)
		}
		if o, b := stored(t, d, c, es[2]); o != payout.OutcomeFailed || b != "BTN" {
			t.Fatalf("es[2] %s at %s", o, b)
		}
		if before.BankLines.UnknownReference.Count != 1 || before.BankLines.Duplicate.Count != 0 ||
			before.Outcomes.Paid.Count != rec.Outcomes.Paid.Count+1 {
			t.Fatalf("after the reports: %+v", before)
		}
		// Scoped: BTN's user sees es[2], BRI's no longer does.
		btnScope := reconcile(t, asBank("bank-btn", "BTN"), d, c)
		briScope := reconcile(t, bri, d, c)
		if btnScope.Outcomes.Failed.Count != 1 || briScope.Entitlements != int64(len(es))-1 {
			t.Fatalf("bank scopes: BTN %+v, BRI %d of %d", btnScope.Outcomes, briScope.Entitlements, len(es))
		}

		// BRI credits the original of es[1] after all: a double payment,
		// flagged; the entitlement stays paid and is never re-issued.
		if _, err := payout.LoadReport(bri, d, "BRI", writeFile(t, "bri-3.csv", reportHead, line(c, es[1], "BRI", "at=2026-02-02 10:00:00"))); err != nil {
			t.Fatal(err)
		}
		after := reconcile(t, pusatA, d, c)
		addsUp(t, after, w.cycle)
		if after.Outcomes != before.Outcomes || after.BankLines.Duplicate.Count != 1 || after.BankLines.Duplicate.Amount != es[1].amount {
			t.Fatalf("double payment: %+v", after)
		}
		_, err = payout.Reissue(pusatA, d, c, payout.ReissueOptions{Families: []int64{es[1].family}}, (&memSink{}).sink)
		wantErr(t, err, tepat.ECONFLICT, "PEMBAYARAN_ULANG_DITOLAK")
		if !strings.Contains(tepat.ErrorMessage(err), "SUDAH_DIKREDITKAN") {
			t.Fatal(tepat.ErrorMessage(err))
		}

		// es[2] failed at BTN too; another BTN account makes batch 2,
		// following U1. Batch 1 can still be written again.
		if _, r := reissue(t, pusatA, d, c, payout.ReissueOptions{}); r.Created {
			t.Fatalf("nothing new, yet %+v", r)
		}
		if _, err := payout.LoadAccounts(pusatA, d, "BTN", accountFile(t, "BTN", 2, es[2])); err != nil {
			t.Fatal(err)
		}
		s2, r3 := reissue(t, pusatA, d, c, payout.ReissueOptions{Families: []int64{es[2].family}})
		if !r3.Created || r3.Manifest.Batch != 2 || r3.Manifest.Instructions != 1 {
			t.Fatalf("batch 2: %+v", r3)
		}
		if recs := readCSV(t, s2.files[fmt.Sprintf("%d-U2-BTN.csv", c)]); recs[1][0] != payout.ReissueReference(c, es[2].family, 2) {
			t.Fatalf("batch 2: %v", recs)
		}
		if err := d.QueryRow(context.Background(), `SELECT reissue_of FROM payout_reissue WHERE reference = $1`,
			payout.ReissueReference(c, es[2].family, 2)).Scan(&of); err != nil || of != u2 {
			t.Fatalf("reissue_of %q: %v", of, err)
		}
		old, r4 := reissue(t, pusatA, d, c, payout.ReissueOptions{Batch: 1})
		if r4.Created || r4.Manifest.Batch != 1 || !bytes.Equal(old.files["manifest.json"], s.files["manifest.json"]) {
			t.Fatalf("batch 1 again: %+v", r4)
		}
		_, err = payout.Reissue(pusatA, d, c, payout.ReissueOptions{Batch: 9}, (&memSink{}).sink)
		wantErr(t, err, tepat.ENOTFOUND, "BATCH_TIDAK_DITEMUKAN")
		addsUp(t, reconcile(t, pusatA, d, c), w.cycle)
		if o, b := stored(t, d, c, es[2]); o != payout.OutcomeUnreported || b != "BTN" {
			t.Fatalf("es[2] after U2: %s at %s", o, b)
		}
	})
}

// TestReissueConcurrent: two operators re-issuing at once send each
// payment once.
func TestReissueConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, _ := disbursing(t, d)
		c := w.cycle.ID
		es := paidBy(t, d, w, "BRI")[:3]
		var lines []string
		for _, e := range es {
			lines = append(lines, line(c, e, "BRI", "status=GAGAL", "reason=REKENING_TUTUP", "at="))
		}
		if _, err := payout.LoadReport(bri, d, "BRI", writeFile(t, "bri.csv", append([]string{reportHead}, lines...)...)); err != nil {
			t.Fatal(err)
		}
		if _, err := payout.LoadAccounts(pusatA, d, "BRI", accountFile(t, "BRI", 2, es...)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		created := make([]bool, 4)
		errs := make([]error, 4)
		for i := range created {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := pusatA
				if i%2 == 1 {
					ctx = pusatB
				}
				r, err := payout.Reissue(ctx, d, c, payout.ReissueOptions{}, (&memSink{}).sink)
				created[i], errs[i] = r.Created, err
			}()
		}
		wg.Wait()
		n := 0
		for i := range created {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if created[i] {
				n++
			}
		}
		if n != 1 || count(t, d, `SELECT COUNT(*) FROM payout_reissue`) != 3 || count(t, d, `SELECT COUNT(*) FROM reissue_batch`) != 1 {
			t.Fatalf("%d batches made, %d re-issues", n, count(t, d, `SELECT COUNT(*) FROM payout_reissue`))
		}
	})
}
