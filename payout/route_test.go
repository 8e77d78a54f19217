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

func TestRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		c, err := program.ParseCatalog(strings.NewReader(testCatalog))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := program.Apply(pusatA, d, c); err != nil {
			t.Fatal(err)
		}
		_, err = payout.SetRoute(pusatA, d, "PKH", "32", "BCA")
		wantErr(t, err, tepat.EINVALID, "BANK_TIDAK_DIKENAL")
		_, err = payout.SetRoute(pusatA, d, "PKH", "99.99", "BRI")
		wantErr(t, err, tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL")
		_, err = payout.SetRoute(pusatA, d, "ZZZ", "32", "BRI")
		wantErr(t, err, tepat.ENOTFOUND, "PROGRAM_TIDAK_DITEMUKAN")
		for _, ctx := range []context.Context{dinsos, bri, auditor} {
			_, err = payout.SetRoute(ctx, d, "PKH", "32", "BRI")
			wantErr(t, err, tepat.EFORBIDDEN, "TIDAK_BERWENANG")
		}

		r, err := payout.SetRoute(pusatA, d, "PKH", "32.01", "BNI")
		if err != nil || r.Region != "32.01" || r.Name == "" || r.SetBy != "pusat-a" {
			t.Fatalf("%+v %v", r, err)
		}
		for _, s := range [][2]string{{"32", "MANDIRI"}, {"32", "BRI"}, {"3374", "BTN"}} {
			if _, err := payout.SetRoute(pusatA, d, "PKH", s[0], s[1]); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := payout.Routes(as("humas", tepat.RoleHumas), d, "PKH")
		if err != nil || len(rs) != 3 {
			t.Fatalf("%+v %v", rs, err)
		}
		got := ""
		for _, r := range rs {
			got += r.Region + "=" + r.Bank + " "
		}
		if got != "32=BRI 32.01=BNI 33.74=BTN " {
			t.Fatalf("routes %q", got)
		}
		if n := audited(t, d, "bank.route", "rute PKH"); n != 4 {
			t.Fatalf("%d bank.route entries", n)
		}
		if rs, _ := payout.Routes(sys, d, "BPNT"); len(rs) != 0 {
			t.Fatalf("other program: %+v", rs)
		}
	})
}
