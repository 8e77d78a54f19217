package payout_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
)

// disbursing is the world with routes, accounts and the cycle exported.
func disbursing(t *testing.T, d *db.DB) (world, []ent) {
	t.Helper()
	w := setup(t, d)
	routeAll(t, d, w.btn)
	without := openAccounts(t, d, w)
	exported(t, pusatA, d, w.cycle.ID)
	return w, without
}

// paidBy returns the world's families with an instruction to bank.
func paidBy(t *testing.T, d *db.DB, w world, bank string) []ent {
	t.Helper()
	var out []ent
	for _, e := range w.byBank(bank) {
		if count(t, d, `SELECT COUNT(*) FROM payout WHERE cycle_id = $1 AND family_id = $2`, w.cycle.ID, e.family) == 1 {
			out = append(out, e)
		}
	}
	return out
}

// line is a report line for a family of cycle c: BERHASIL for amount into
// the family's version-1 account at bank unless changed by opts.
func line(c int64, e ent, bank string, opts ...string) string {
	f := map[string]string{"rekening": rekening(bank, e.family, 1), "amount": fmt.Sprint(e.amount), "status": "BERHASIL",
		"reason": "", "at": "2026-01-20 10:00:00"}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		f[k] = v
	}
	return strings.Join([]string{program.Reference(c, e.family), f["rekening"], f["amount"], f["status"], f["reason"], f["at"]}, ",")
}

var reportHead = strings.Join(payout.ReportHeader, ",")

func TestReportLoad(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, _ := disbursing(t, d)
		c := w.cycle.ID
		es := paidBy(t, d, w, "BRI")
		lines := func() int64 { return count(t, d, `SELECT COUNT(*) FROM bank_line`) }

		// Every bad line, by line and code; nothing loaded.
		bad := writeFile(t, "bad.csv", reportHead,
			line(c, es[0], "BRI"),                                   // 2: fine
			"12-x,1234567,100,BERHASIL,,2026-01-20 10:00:00",        // 3: reference
			line(c, es[1], "BRI", "rekening="),                      // 4: empty account
			line(c, es[2], "BRI", "amount=-5"),                      // 5: negative
			line(c, es[3], "BRI", "status=SUKSES"),                  // 6: status
			line(c, es[4], "BRI", "status=GAGAL", "at="),            // 7: GAGAL without reason
			line(c, es[5], "BRI", "reason=SALDO_KURANG"),            // 8: unknown reason
			line(c, es[6], "BRI", "at=20-01-2026"),                  // 9: time
			line(c, es[7], "BRI", "at="),                            // 10: BERHASIL without time
			line(c, es[8], "BRI", "amount=1.000", "reason=LAINNYA"), // 11: amount with a separator
			fmt.Sprintf("%s,%s,%d,BERH", program.Reference(c, es[9].family), rekening("BRI", es[9].family, 1), es[9].amount), // 12: cut short
		)
		_, err := payout.LoadReport(bri, d, "BRI", bad)
		wantErr(t, err, tepat.EINVALID, "BERKAS_DITOLAK")
		want := "3:REFERENSI_TIDAK_VALID 4:NOMOR_REKENING_KOSONG 5:JUMLAH_TIDAK_VALID 6:STATUS_TIDAK_VALID 7:ALASAN_WAJIB " +
			"8:ALASAN_TIDAK_VALID 9:WAKTU_TIDAK_VALID 10:WAKTU_WAJIB 11:JUMLAH_TIDAK_VALID 12:JUMLAH_KOLOM_SALAH"
		if got := strings.Join(problemsOf(t, err), " "); got != want {
			t.Fatalf("problems\n got %s\nwant %s", got, want)
		}
		if lines() != 0 || count(t, d, `SELECT COUNT(*) FROM bank_report`) != 0 {
			t.Fatal("a refused report was loaded")
		}
		_, err = payout.LoadReport(bri, d, "BRI", writeFile(t, "h.csv", "reference,rekening,amount,status,reason,credited_at", line(c, es[0], "BRI")))
		wantErr(t, err, tepat.EINVALID, "HEADER_TIDAK_SESUAI")
		_, err = payout.LoadReport(bri, d, "BRI", writeFile(t, "e.csv"))
		wantErr(t, err, tepat.EINVALID, "HEADER_TIDAK_SESUAI")

		// A line of another bank's payout refuses the whole file.
		other := paidBy(t, d, w, "BNI")[0]
		mixed := writeFile(t, "mixed.csv", reportHead, line(c, es[0], "BRI"), line(c, other, "BNI"))
		_, err = payout.LoadReport(pusatA, d, "BRI", mixed)
		if got := strings.Join(problemsOf(t, err), " "); got != "3:BANK_TIDAK_SESUAI" || lines() != 0 {
			t.Fatalf("mixed: %s", got)
		}

		// Permissions: a bank loads its own reports only.
		good := writeFile(t, "bri-1.csv", reportHead,
			line(c, es[0], "BRI"),
			line(c, es[1], "BRI", "status=GAGAL", "reason=REKENING_TUTUP", "at="),
			line(c, es[2], "BRI", "at=2026-01-20T03:00:00Z"),
			fmt.Sprintf("%d-999999999,1234567890,5000,BERHASIL,,2026-01-20 10:00:00", c), // unknown: loaded
		)
		for _, ctx := range []context.Context{bni, dinsos, auditor} {
			_, err := payout.LoadReport(ctx, d, "BRI", good)
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		}
		r, err := payout.LoadReport(bri, d, "BRI", good)
		if err != nil || r.AlreadyLoaded || r.Lines != 4 || r.Credited != 3 || r.Failed != 1 || r.Unknown != 1 || r.File != "bri-1.csv" || len(r.SHA256) != 64 {
			t.Fatalf("%+v %v", r, err)
		}
		// Times are stored in UTC: 10:00 WIB is 03:00 UTC.
		var at1, at3 string
		d.QueryRow(context.Background(), `SELECT CAST(credited_at AS TEXT) FROM bank_line WHERE report_id = $1 AND line = 2`, r.ID).Scan(&at1)
		d.QueryRow(context.Background(), `SELECT CAST(credited_at AS TEXT) FROM bank_line WHERE report_id = $1 AND line = 4`, r.ID).Scan(&at3)
		if at1 != at3 || at1 == "" || count(t, d, `SELECT COUNT(*) FROM bank_line WHERE report_id = $1 AND line = 3 AND credited_at IS NULL`, r.ID) != 1 {
			t.Fatalf("credited_at %q and %q", at1, at3)
		}
		// The same file again changes nothing, and says so.
		again, err := payout.LoadReport(pusatA, d, "BRI", good)
		if err != nil || !again.AlreadyLoaded || again.ID != r.ID || again.Lines != 4 || lines() != 4 {
			t.Fatalf("again: %+v %v", again, err)
		}
		if n := audited(t, d, "payout.report", "laporan bank BRI"); n != 1 {
			t.Fatalf("%d payout.report entries", n)
		}
	})
}
