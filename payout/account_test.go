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
)

// request returns the families of a bank's account-opening request.
func request(t *testing.T, ctx context.Context, d *db.DB, bank string) []payout.AccountRequest {
	t.Helper()
	var out []payout.AccountRequest
	if _, err := payout.RequestAccounts(ctx, d, bank, func(r payout.AccountRequest) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAccountRequest(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		routeAll(t, d, w.btn)
		_, err := payout.RequestAccounts(bri, d, "BNI", func(payout.AccountRequest) error { return nil })
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		_, err = payout.RequestAccounts(dinsos, d, "BRI", func(payout.AccountRequest) error { return nil })
		wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		_, err = payout.RequestAccounts(pusatA, d, "BCA", func(payout.AccountRequest) error { return nil })
		wantErr(t, err, tepat.EINVALID, "BANK_TIDAK_DIKENAL")

		for _, bank := range []string{"BRI", "BNI", "MANDIRI", "BTN"} {
			want := w.byBank(bank)
			got := request(t, pusatA, d, bank)
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("%s: %d families requested, %d routed", bank, len(got), len(want))
			}
			for i, r := range got {
				if r.FamilyID != want[i].family || r.NoKK != fmt.Sprint(want[i].kk) || len(r.NIKKepala) != 16 ||
					r.NamaKepala == "" || r.Alamat == "" || strings.ReplaceAll(r.KodeWilayah, ".", "") != want[i].code() {
					t.Fatalf("%s line %d: %+v, want %+v", bank, i, r, want[i])
				}
			}
		}
		// A family in a second live cycle is requested once; the bank
		// user gets their own bank's request, audited as an export.
		second := approved(t, d, 2)
		if second.Families == 0 {
			t.Fatal("no second cycle")
		}
		if got := request(t, bri, d, "BRI"); len(got) != len(w.byBank("BRI")) {
			t.Fatalf("two cycles: %d families, want %d", len(got), len(w.byBank("BRI")))
		}
		if n := audited(t, d, "data.export", "permintaan pembukaan rekening BRI"); n != 2 {
			t.Fatalf("%d data.export entries", n)
		}
		// Families with an account are no longer requested.
		opened := w.byBank("BRI")[:3]
		if _, err := payout.LoadAccounts(bri, d, "BRI", accountFile(t, "BRI", 1, opened...)); err != nil {
			t.Fatal(err)
		}
		got := request(t, bri, d, "BRI")
		if len(got) != len(w.byBank("BRI"))-3 || got[0].FamilyID == opened[0].family {
			t.Fatalf("after opening 3: %d families requested", len(got))
		}
	})
}

func TestAccountLoad(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		es := w.ents
		head := strings.Join(payout.AccountFileHeader, ",")
		accounts := func() int64 { return count(t, d, `SELECT COUNT(*) FROM account`) }

		// Every problem of the file, by line and code; nothing applied.
		bad := writeFile(t, "bad.csv", head,
			fmt.Sprintf("%d,1000000001,6013000001,2026-01-15", es[0].kk), // 2: fine
			"3201019999999999,1000000002,6013000002,2026-01-15",          // 3: unknown KK
			fmt.Sprintf("%d,1000000003,6013000003,2026-02-30", es[1].kk), // 4: no such day
			fmt.Sprintf("%d,,6013000004,2026-01-15", es[2].kk),           // 5: empty number
			fmt.Sprintf("%d,1000000001,6013000005,2026-01-15", es[3].kk), // 6: number of line 2's family
			fmt.Sprintf("%d,1000000006,6013000006,2026-01-15", es[0].kk), // 7: KK again
			fmt.Sprintf("%d,12ab,6013000007,15-01-2026", es[4].kk),       // 8: two problems
			fmt.Sprintf("%d,1000000008", es[5].kk),                       // 9: cut short
		)
		_, err := payout.LoadAccounts(pusatA, d, "BRI", bad)
		wantErr(t, err, tepat.EINVALID, "BERKAS_DITOLAK")
		want := "3:KK_TIDAK_DIKENAL 4:TANGGAL_TIDAK_VALID 5:NOMOR_REKENING_KOSONG 6:NOMOR_REKENING_DIPAKAI 7:BARIS_GANDA " +
			"8:NOMOR_REKENING_TIDAK_VALID 8:TANGGAL_TIDAK_VALID 9:JUMLAH_KOLOM_SALAH"
		if got := strings.Join(problemsOf(t, err), " "); got != want {
			t.Fatalf("problems\n got %s\nwant %s", got, want)
		}
		fe, _ := payout.FileProblems(err)
		if fe.Total != 8 || fe.Header || fe.Problems[1].Column != 4 || fe.Problems[1].Field != "tanggal_buka" {
			t.Fatalf("%+v", fe)
		}
		for _, p := range fe.Problems {
			if strings.Contains(p.Message, fmt.Sprint(es[0].kk)) || strings.Contains(p.String(), "1000000001") {
				t.Fatalf("problem repeats a number: %s", p)
			}
		}
		if n := accounts(); n != 0 {
			t.Fatalf("refused file applied %d accounts", n)
		}
		_, err = payout.LoadAccounts(pusatA, d, "BRI", writeFile(t, "h.csv", "no_kk,rekening,kartu,tanggal", fmt.Sprintf("%d,1000000001,6013000001,2026-01-15", es[0].kk)))
		wantErr(t, err, tepat.EINVALID, "HEADER_TIDAK_SESUAI")
		if fe, ok := payout.FileProblems(err); !ok || !fe.Header {
			t.Fatalf("header: %v", err)
		}

		// Permissions: bank users load their own bank's only.
		good := accountFile(t, "BRI", 1, es[:10]...)
		for _, ctx := range []context.Context{bni, dinsos, auditor} {
			_, err := payout.LoadAccounts(ctx, d, "BRI", good)
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		}
		l, err := payout.LoadAccounts(bri, d, "BRI", good)
		if err != nil || l.Lines != 10 || l.Opened != 10 || l.Closed != 0 || l.Unchanged != 0 {
			t.Fatalf("%+v %v", l, err)
		}
		// The same file again changes nothing.
		l, err = payout.LoadAccounts(bri, d, "BRI", good)
		if err != nil || l.Opened != 0 || l.Unchanged != 10 || accounts() != 10 {
			t.Fatalf("again: %+v %v", l, err)
		}
		// A new number closes the old account and keeps it; a new card
		// updates; another bank's numbers are its own.
		changed := []string{head,
			fmt.Sprintf("%d,%s,6013999,2026-02-01", es[0].kk, rekening("BRI", es[0].family, 2)),
			fmt.Sprintf("%d,%s,6013888,2026-01-15", es[1].kk, rekening("BRI", es[1].family, 1)),
		}
		l, err = payout.LoadAccounts(pusatA, d, "BRI", writeFile(t, "c.csv", changed...))
		if err != nil || l.Opened != 1 || l.Closed != 1 || l.Updated != 1 || l.Unchanged != 0 {
			t.Fatalf("changed: %+v %v", l, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM account WHERE family_id = $1 AND bank = 'BRI'`, es[0].family); n != 2 {
			t.Fatalf("history: %d accounts", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM account WHERE family_id = $1 AND status = 'AKTIF' AND nomor_rekening = $2`,
			es[0].family, rekening("BRI", es[0].family, 2)); n != 1 {
			t.Fatal("new account not AKTIF")
		}
		// The old number comes back: it is reopened, not duplicated.
		l, err = payout.LoadAccounts(pusatA, d, "BRI", accountFile(t, "BRI", 1, es[0]))
		if err != nil || l.Opened != 1 || l.Closed != 1 || accounts() != 11 {
			t.Fatalf("back: %+v %v (%d accounts)", l, err, accounts())
		}
		// A number another family holds at the bank is refused.
		_, err = payout.LoadAccounts(pusatA, d, "BRI", writeFile(t, "x.csv", head,
			fmt.Sprintf("%d,%s,6013777,2026-01-15", es[15].kk, rekening("BRI", es[3].family, 1))))
		if got := strings.Join(problemsOf(t, err), " "); got != "2:NOMOR_REKENING_DIPAKAI" {
			t.Fatalf("taken number: %s", got)
		}
		// The same number at another bank is another account.
		if _, err := payout.LoadAccounts(pusatA, d, "BNI", accountFile(t, "BRI", 1, es[3])); err != nil {
			t.Fatal(err)
		}
		if n := audited(t, d, "account.load", "rekening BRI"); n != 4 {
			t.Fatalf("%d account.load entries", n)
		}
	})
}
