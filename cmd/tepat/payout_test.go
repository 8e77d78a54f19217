package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat/db/dbtest"
	"tepat/payout"
)

// TestPayoutCLI runs routes, accounts, the payout export, bank reports and
// reconciliation end to end, with their refusals and exit codes.
func TestPayoutCLI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			cli, id := approvedPKH(t, dbtest.DSN(t, e), 60, 40, "32.01")
			dir := t.TempDir()

			// Routes.
			cli.fail(2, "required flag", "bank", "route", "set", "--program", "PKH")
			cli.fail(1, "TIDAK_BERWENANG", "--as", "bri", "bank", "route", "set", "--program", "PKH", "--region", "32", "--bank", "BRI")
			cli.fail(1, "BANK_TIDAK_DIKENAL", "bank", "route", "set", "--program", "PKH", "--region", "32", "--bank", "BCA")
			cli.ok("--as", "pusat1", "bank", "route", "set", "--program", "PKH", "--region", "32.01", "--bank", "BRI")
			out := filepath.Join(dir, "out")
			cli.fail(1, "RUTE_BANK_BELUM_ADA", "--as", "pusat1", "payout", "export", "--cycle", id, "--out", out)
			cli.ok("--as", "pusat1", "bank", "route", "set", "--program", "PKH", "--region", "33", "--bank", "BNI")
			var routes []payout.Route
			json.Unmarshal([]byte(cli.ok("bank", "route", "list")), &routes)
			if len(routes) != 2 || routes[1].Bank != "BNI" {
				t.Fatalf("routes %+v", routes)
			}

			// Accounts: the request, then the bank's answer.
			req := filepath.Join(dir, "req.csv")
			cli.fail(1, "TIDAK_BERWENANG", "--as", "bri", "bank", "accounts", "request", "--bank", "BNI", "--out", req)
			cli.ok("--as", "bri", "bank", "accounts", "request", "--bank", "BRI", "--out", req)
			recs := readCSVFile(t, req)
			if strings.Join(recs[0], ",") != "no_kk,nik_kepala,nama_kepala,kode_wilayah,alamat" || len(recs) < 4 {
				t.Fatalf("request: %v", recs[:1])
			}
			answer := []string{"no_kk,nomor_rekening,nomor_kartu,tanggal_buka"}
			for i, r := range recs[2:] { // the first family gets no account
				answer = append(answer, fmt.Sprintf("%s,%010d,60130000%08d,2019-10-%02d", r[0], 1000+i, i, 1+i%28))
			}
			bad := writeLines(t, dir, "bad.csv", append(answer[:1:1], answer[1], "3201019999999999,1234567,60131234,2019-10-01", strings.Replace(answer[2], "2019-10", "2019-13", 1))...)
			stderr := cli.fail(1, "tidak ada yang diterapkan", "--as", "bri", "bank", "accounts", "load", bad, "--bank", "BRI")
			if !strings.Contains(stderr, "baris 3, kolom 1 (no_kk): KK_TIDAK_DIKENAL") || !strings.Contains(stderr, "baris 4, kolom 4 (tanggal_buka): TANGGAL_TIDAK_VALID") {
				t.Fatalf("problems: %s", stderr)
			}
			cli.fail(2, "HEADER_TIDAK_SESUAI", "bank", "accounts", "load", writeLines(t, dir, "h.csv", "no_kk,rekening"), "--bank", "BRI")
			good := writeLines(t, dir, "bri.csv", answer...)
			var l payout.AccountLoad
			json.Unmarshal([]byte(cli.ok("--as", "bri", "bank", "accounts", "load", good, "--bank", "BRI")), &l)
			if l.Opened != int64(len(answer)-1) {
				t.Fatalf("load: %+v", l)
			}
			json.Unmarshal([]byte(cli.ok("--as", "bri", "bank", "accounts", "load", good, "--bank", "BRI")), &l)
			if l.Opened != 0 || l.Unchanged != int64(len(answer)-1) {
				t.Fatalf("load again: %+v", l)
			}

			// The export: per bank, without account, manifest; the same
			// bytes again.
			cli.fail(1, "TIDAK_BERWENANG", "--as", "dinsos", "payout", "export", "--cycle", id, "--out", out)
			cli.fail(1, "ID_TIDAK_VALID", "payout", "export", "--cycle", "0", "--out", out)
			var m payout.Manifest
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "payout", "export", "--cycle", id, "--out", out)), &m)
			// Only BRI opened accounts: the families routed to BNI are
			// listed without one, like the first family of Bogor.
			if len(m.Files) != 2 || m.Files[0].Bank != "BRI" || m.Files[1].Bank != payout.WithoutAccount || m.Instructions != int64(len(answer)-1) {
				t.Fatalf("manifest %+v", m)
			}
			first := map[string][]byte{}
			for _, f := range append(m.Files, payout.ManifestFile{Name: "manifest.json"}) {
				b, err := os.ReadFile(filepath.Join(out, f.Name))
				if err != nil {
					t.Fatal(err)
				}
				first[f.Name] = b
			}
			cli.ok("--as", "pusat1", "payout", "export", "--cycle", id, "--out", out)
			for name, b := range first {
				if again, _ := os.ReadFile(filepath.Join(out, name)); !bytes.Equal(again, b) {
					t.Fatalf("%s differs on the second export", name)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 3 {
				t.Fatalf("%d files in the export folder (temporary files left?)", len(entries))
			}

			// The bank's report.
			paid := readCSVFile(t, filepath.Join(out, id+"-BRI.csv"))[1:]
			report := creditReport(paid, "REKENING_TIDAK_AKTIF")
			cut := writeLines(t, dir, "cut.csv", append(report[:2:2], report[2][:len(report[2])/2])...)
			cli.fail(1, "baris 3: JUMLAH_KOLOM_SALAH", "--as", "bri", "payout", "report", cut, "--bank", "BRI")
			cli.fail(2, "HEADER_TIDAK_SESUAI", "--as", "bri", "payout", "report", writeLines(t, dir, "rh.csv", "ref,amount"), "--bank", "BRI")
			cli.fail(1, "TIDAK_BERWENANG", "--as", "bri", "payout", "report", cut, "--bank", "BNI")
			rep := writeLines(t, dir, "bri-report.csv", report...)
			var r payout.Report
			json.Unmarshal([]byte(cli.ok("--as", "bri", "payout", "report", rep, "--bank", "BRI")), &r)
			if r.Lines != int64(len(paid)) || r.Failed != 1 || r.AlreadyLoaded {
				t.Fatalf("report %+v", r)
			}
			code, stdout, stderr := cli.run("", "--as", "bri", "payout", "report", rep, "--bank", "BRI")
			if code != 0 || !strings.Contains(stderr, "sudah dimuat") || !strings.Contains(stdout, `"already_loaded": true`) {
				t.Fatalf("again: %d %s %s", code, stdout, stderr)
			}

			// Reconciliation: one JSON object; the exceptions on request.
			cli.fail(1, "TIDAK_BERWENANG", "--as", "humas", "reconcile", "--cycle", id)
			code, stdout, stderr = cli.run("", "--as", "pusat1", "reconcile", "--cycle", id, "--out", filepath.Join(dir, "rek"))
			if code != 0 {
				t.Fatalf("reconcile: %d %s", code, stderr)
			}
			var whole map[string]json.RawMessage
			dec := json.NewDecoder(strings.NewReader(stdout))
			if err := dec.Decode(&whole); err != nil || dec.More() {
				t.Fatalf("reconcile printed more than one JSON object: %v\n%s", err, stdout)
			}
			for _, k := range []string{"cycle", "entitlements", "outcomes", "bank_lines"} {
				if whole[k] == nil {
					t.Fatalf("no %q in %s", k, stdout)
				}
			}
			var rec payout.Reconciliation
			json.Unmarshal([]byte(stdout), &rec)
			if rec.Outcomes.Paid.Count != int64(len(paid)-1) || rec.Outcomes.Failed.Count != 1 || rec.Outcomes.Unreported.Count != 0 ||
				rec.Outcomes.NotExported.Count != rec.Entitlements-int64(len(paid)) || !rec.Stored {
				t.Fatalf("outcomes %+v", rec)
			}
			exc := readCSVFile(t, filepath.Join(dir, "rek", id+"-rekonsiliasi.csv"))
			if int64(len(exc)-1) != rec.Entitlements-rec.Outcomes.Paid.Count {
				t.Fatalf("%d exceptions", len(exc)-1)
			}
			if _, err := os.Stat(filepath.Join(dir, "rek", id+"-rekonsiliasi.xlsx")); err != nil {
				t.Fatal(err)
			}
			var scoped payout.Reconciliation
			json.Unmarshal([]byte(cli.ok("--as", "dinsos", "reconcile", "--cycle", id)), &scoped)
			if scoped.Stored || scoped.Entitlements >= rec.Entitlements || scoped.Outcomes.Paid != rec.Outcomes.Paid {
				t.Fatalf("dinsos: %+v", scoped)
			}
			if out := cli.ok("audit", "list", "--action", "payout."); !strings.Contains(out, "payout.export") ||
				!strings.Contains(out, "payout.report") || !strings.Contains(out, "payout.reconcile") {
				t.Fatalf("audit: %s", out)
			}
			cli.ok("audit", "verify")
		})
	}
}

// approvedPKH imports bogor families into 32.01 and semarang into 33.74
// of dsn; adds the users pusat1 and pusat2 (pusat), bri (bank BRI), dinsos
// (scoped to dinsosScope) and humas; and has pusat1 generate and pusat2
// approve a PKH 2019 tahap IV cycle from snapshot 2019-10. It returns the
// CLI on dsn and the cycle's id.
func approvedPKH(t *testing.T, dsn string, bogor, semarang int64, dinsosScope string) (cliRunner, string) {
	t.Helper()
	importGenerated(t, dsn, bogor, 1, "32.01")
	importGenerated(t, dsn, semarang, 2, "33.74")
	cli := cliRunner{t, dsn}
	for _, u := range [][]string{{"pusat1", "pusat"}, {"pusat2", "pusat"}, {"bri", "bank", "BRI"}, {"dinsos", "dinsos", dinsosScope}, {"humas", "humas"}} {
		args := []string{"user", "add", "--username", u[0], "--role", u[1], "--password-stdin"}
		if len(u) == 3 {
			args = append(args, "--scope", u[2])
		}
		if code, _, stderr := cli.run("kata-sandi-panjang-sekali", args...); code != 0 {
			t.Fatalf("user add: %d %s", code, stderr)
		}
	}
	cli.ok("registry", "snapshot", "--label", "2019-10")
	cli.ok("program", "apply", filepath.Join("..", "..", "programs", "2019.yaml"))
	cli.ok("budget", "set", "--program", "PKH", "--year", "2019", "--amount", "34400000000000")
	id := strings.TrimSpace(cli.ok("cycle", "create", "--program", "PKH", "--year", "2019", "--period", "4", "--snapshot", "2019-10"))
	cli.ok("--as", "pusat1", "cycle", "generate", id)
	cli.ok("--as", "pusat2", "cycle", "approve", id)
	return cli, id
}

// creditReport is the lines of a bank's crediting report on paid, the
// records of a payout file: the first failed for reason, the others
// credited.
func creditReport(paid [][]string, reason string) []string {
	report := []string{"reference,nomor_rekening,amount,status,reason,credited_at"}
	for i, r := range paid {
		if i == 0 {
			report = append(report, fmt.Sprintf("%s,%s,%s,GAGAL,%s,", r[0], r[1], r[4], reason))
		} else {
			report = append(report, fmt.Sprintf("%s,%s,%s,BERHASIL,,2019-11-05 10:00:00", r[0], r[1], r[4]))
		}
	}
	return report
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeLines(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
