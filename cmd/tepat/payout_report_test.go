package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
)

// TestReissueRealizationCloseCLI runs a cycle from export to closing:
// returned funds, a re-issue, realization reports in every format, and
// closing once every outcome is final, with refusals and exit codes.
func TestReissueRealizationCloseCLI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			cli, id := approvedPKH(t, dbtest.DSN(t, e), 40, 30, "33.74")
			cli.ok("--as", "pusat1", "bank", "route", "set", "--program", "PKH", "--region", "32", "--bank", "BRI")
			cli.ok("--as", "pusat1", "bank", "route", "set", "--program", "PKH", "--region", "33", "--bank", "BRI")
			dir := t.TempDir()
			req := filepath.Join(dir, "req.csv")
			cli.ok("--as", "bri", "bank", "accounts", "request", "--bank", "BRI", "--out", req)
			recs := readCSVFile(t, req)[1:]
			kkOf := map[string]string{} // head's NIK → KK
			answer := []string{"no_kk,nomor_rekening,nomor_kartu,tanggal_buka"}
			for i, r := range recs {
				kkOf[r[1]] = r[0]
				if i > 0 { // the first family gets no account
					answer = append(answer, fmt.Sprintf("%s,%010d,60130000%08d,2019-10-01", r[0], 1000+i, i))
				}
			}
			cli.ok("--as", "bri", "bank", "accounts", "load", writeLines(t, dir, "bri.csv", answer...), "--bank", "BRI")
			cli.ok("--as", "pusat1", "payout", "export", "--cycle", id, "--out", filepath.Join(dir, "out"))
			paid := readCSVFile(t, filepath.Join(dir, "out", id+"-BRI.csv"))[1:]
			failed := paid[0]
			report := creditReport(paid, "REKENING_TUTUP")
			cli.ok("--as", "bri", "payout", "report", writeLines(t, dir, "r1.csv", report...), "--bank", "BRI")

			// Closing needs a stored reconciliation.
			cli.fail(1, "TIDAK_BERWENANG", "--as", "humas", "cycle", "close", id)
			cli.fail(1, "SIKLUS_BELUM_TUNTAS", "--as", "pusat1", "cycle", "close", id)
			cli.ok("--as", "pusat1", "reconcile", "--cycle", id)

			// The failed payment is returned money until the family has
			// another account.
			var ret payout.Returns
			json.Unmarshal([]byte(cli.ok("--as", "bri", "payout", "returns", "--cycle", id)), &ret)
			if len(ret.Banks) != 1 || ret.Banks[0].Failed.Count != 1 || ret.Banks[0].Returned.Count != 1 || !ret.Reconciled {
				t.Fatalf("returns %+v", ret)
			}
			cli.fail(2, "required flag", "payout", "returns")
			cli.ok("--as", "bri", "bank", "accounts", "load",
				writeLines(t, dir, "bri-2.csv", answer[0], kkOf[failed[2]]+",0099999999,6013009999999999,2019-11-10"), "--bank", "BRI")
			cli.fail(1, "SIKLUS_BELUM_TUNTAS", "--as", "pusat1", "cycle", "close", id)

			// The re-issue.
			u := filepath.Join(dir, "u")
			cli.fail(1, "TIDAK_BERWENANG", "--as", "dinsos", "payout", "reissue", "--cycle", id, "--out", u)
			cli.fail(2, "required flag", "payout", "reissue", "--cycle", id)
			cli.fail(2, "invalid argument", "payout", "reissue", "--cycle", id, "--out", u, "--family", "x")
			var r payout.Reissued
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "payout", "reissue", "--cycle", id, "--out", u)), &r)
			if !r.Created || r.Manifest.Batch != 1 || r.Manifest.Instructions != 1 {
				t.Fatalf("reissue %+v", r)
			}
			first := map[string][]byte{}
			for _, name := range []string{id + "-U1-BRI.csv", "manifest.json"} {
				first[name], _ = os.ReadFile(filepath.Join(u, name))
			}
			lines := readCSVFile(t, filepath.Join(u, id+"-U1-BRI.csv"))
			_, fam, _ := program.ParseReference(failed[0])
			if len(lines) != 2 || lines[1][0] != failed[0]+"-U1" || lines[1][1] != "0099999999" {
				t.Fatalf("re-issue file %v", lines)
			}
			code, out, stderr := cli.run("", "--as", "pusat1", "payout", "reissue", "--cycle", id, "--out", u)
			if code != 0 || !strings.Contains(stderr, "ditulis ulang") || !strings.Contains(out, `"created": false`) {
				t.Fatalf("again: %d %s %s", code, out, stderr)
			}
			for name, b := range first {
				if again, _ := os.ReadFile(filepath.Join(u, name)); len(b) == 0 || !bytes.Equal(again, b) {
					t.Fatalf("%s differs when written again", name)
				}
			}
			cli.fail(1, "PEMBAYARAN_ULANG_DITOLAK", "--as", "pusat1", "payout", "reissue", "--cycle", id, "--out", u, "--family", fmt.Sprint(fam))
			cli.fail(1, "menunggu laporan", "--as", "pusat1", "cycle", "close", id)

			// Realization reports.
			rep := filepath.Join(dir, "realisasi")
			var head payout.Realization
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "report", "realization", "--cycle", id, "--level", "regency", "--format", "csv", "--out", rep+".csv")), &head)
			rows := readCSVFile(t, rep+".csv")
			if len(rows) != 4 || rows[1][0] != "32.01" || rows[2][0] != "33.74" || rows[3][1] != "JUMLAH" || head.Regions != 2 || !head.Reconciled ||
				rows[3][3] != fmt.Sprint(head.Total.Families) {
				t.Fatalf("csv %v, heading %+v", rows, head)
			}
			cli.ok("--as", "pusat1", "report", "realization", "--cycle", id, "--level", "district", "--format", "xlsx", "--out", rep+".xlsx")
			book, err := excelize.OpenFile(rep + ".xlsx")
			if err != nil {
				t.Fatal(err)
			}
			sheet, _ := book.GetRows("Realisasi")
			book.Close()
			if len(sheet) < 7 || !strings.Contains(sheet[0][0], "Laporan Realisasi Penyaluran PKH 2019") {
				t.Fatalf("xlsx %v", sheet)
			}
			cli.ok("--as", "humas", "report", "realization", "--cycle", id, "--level", "village", "--region", "33.74", "--format", "pdf", "--out", rep+".pdf")
			if b, _ := os.ReadFile(rep + ".pdf"); !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatal("not a PDF")
			}
			json.Unmarshal([]byte(cli.ok("--as", "dinsos", "report", "realization", "--cycle", id, "--level", "regency", "--format", "csv", "--out", rep+"-d.csv")), &head)
			if head.Regions != 1 || len(readCSVFile(t, rep+"-d.csv")) != 3 {
				t.Fatalf("dinsos: %+v", head)
			}
			cli.fail(1, "KODE_WILAYAH_TIDAK_DIKENAL", "--as", "dinsos", "report", "realization", "--cycle", id, "--level", "regency", "--region", "32.01", "--format", "csv", "--out", rep+"-x.csv")
			cli.fail(2, "TINGKAT_TIDAK_VALID", "report", "realization", "--cycle", id, "--level", "kabupaten", "--format", "csv", "--out", rep+"-x.csv")
			cli.fail(2, "--format", "report", "realization", "--cycle", id, "--level", "regency", "--format", "docx", "--out", rep+"-x.csv")
			cli.fail(2, "required flag", "report", "realization", "--cycle", id, "--level", "regency", "--format", "csv")
			cli.fail(1, "TINGKAT_TIDAK_SESUAI", "report", "realization", "--cycle", id, "--level", "province", "--region", "32.01", "--format", "csv", "--out", rep+"-x.csv")
			cli.fail(1, "SIKLUS_TIDAK_DITEMUKAN", "report", "realization", "--cycle", "999", "--level", "regency", "--format", "csv", "--out", rep+"-x.csv")
			if _, err := os.Stat(rep + "-x.csv"); !os.IsNotExist(err) {
				t.Fatal("a refused report left a file")
			}

			// The bank credits the re-issue; after reconciling, the cycle
			// closes.
			cli.ok("--as", "bri", "payout", "report", writeLines(t, dir, "r2.csv", report[0],
				fmt.Sprintf("%s-U1,0099999999,%s,BERHASIL,,2019-11-20 10:00:00", failed[0], failed[4])), "--bank", "BRI")
			cli.fail(1, "laporan bank dimuat setelah rekonsiliasi", "--as", "pusat1", "cycle", "close", id)
			var rec payout.Reconciliation
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "reconcile", "--cycle", id)), &rec)
			if rec.Outcomes.Failed.Count != 0 || rec.Outcomes.Paid.Count != int64(len(paid)) {
				t.Fatalf("after the re-issue: %+v", rec.Outcomes)
			}
			var closed program.Cycle
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "cycle", "close", id)), &closed)
			if closed.State != program.StateClosed {
				t.Fatalf("closed: %+v", closed)
			}
			cli.fail(1, "STATUS_SIKLUS_TIDAK_SESUAI", "--as", "pusat1", "payout", "reissue", "--cycle", id, "--out", u)
			if out := cli.ok("audit", "list", "--action", "report."); !strings.Contains(out, "report.realization") {
				t.Fatalf("audit: %s", out)
			}
			if out := cli.ok("audit", "list", "--action", "payout.reissue"); !strings.Contains(out, "payout.reissue") {
				t.Fatalf("audit: %s", out)
			}
			cli.ok("audit", "verify")
		})
	}
}
