package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tepat/db/dbtest"
	"tepat/program"
)

// TestProgramCycleCLI runs the catalog, preview, budget, quota and cycle
// commands end to end, with their refusals and exit codes.
func TestProgramCycleCLI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			importGenerated(t, dsn, 80, 1, "32.01")
			importGenerated(t, dsn, 40, 2, "33.74")
			cli := cliRunner{t, dsn}
			for _, u := range []string{"pusat1", "pusat2"} {
				if code, _, stderr := cli.run("kata-sandi-panjang-sekali", "user", "add", "--username", u, "--role", "pusat", "--password-stdin"); code != 0 {
					t.Fatalf("user add: %d %s", code, stderr)
				}
			}
			cli.ok("registry", "snapshot", "--label", "2019-10")

			catalog := filepath.Join("..", "..", "programs", "2019.yaml")
			var applied []program.Applied
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "program", "apply", catalog)), &applied)
			if len(applied) < 3 || !applied[0].Changed {
				t.Fatalf("%+v", applied)
			}
			json.Unmarshal([]byte(cli.ok("program", "apply", catalog)), &applied)
			if applied[0].Changed || applied[0].Version != 1 {
				t.Fatalf("second apply changed something: %+v", applied)
			}
			if out := cli.ok("program", "list"); !strings.Contains(out, "PKH") || !strings.Contains(out, "desil <= 4 && components > 0") {
				t.Fatalf("list: %s", out)
			}
			bad := filepath.Join(t.TempDir(), "bad.yaml")
			os.WriteFile(bad, []byte("programs:\n  - code: PKH\n    year: 2019\n    periods_per_year: 4\n    eligibility: \"desil <=\"\n    benefit: {kind: flat, yearly: 1}\n"), 0o644)
			cli.fail(1, "posisi", "program", "apply", bad)
			cli.fail(1, "FILE_TIDAK_DAPAT_DIBACA", "program", "apply", filepath.Join(t.TempDir(), "missing.yaml"))

			var p program.Preview
			json.Unmarshal([]byte(cli.ok("program", "preview", "PKH", "--snapshot", "2019-10")), &p)
			if p.Eligible == 0 || p.Year != 2019 || len(p.Provinces) != 2 || len(p.Samples) == 0 {
				t.Fatalf("preview %+v", p)
			}
			cli.fail(1, "SNAPSHOT_TIDAK_DITEMUKAN", "program", "preview", "PKH", "--snapshot", "nope")

			cli.fail(1, "PERIODE_TIDAK_VALID", "cycle", "create", "--program", "PKH", "--year", "2019", "--period", "5", "--snapshot", "2019-10")
			cli.fail(2, "required flag", "cycle", "create", "--program", "PKH")
			id := strings.TrimSpace(cli.ok("--as", "pusat1", "cycle", "create", "--program", "PKH", "--year", "2019", "--period", "4", "--snapshot", "2019-10"))
			if _, err := strconv.ParseInt(id, 10, 64); err != nil {
				t.Fatalf("create printed %q", id)
			}
			var c program.Cycle
			json.Unmarshal([]byte(cli.ok("--as", "pusat1", "cycle", "generate", id)), &c)
			if c.State != "GENERATED" || c.Families != p.Eligible {
				t.Fatalf("generate: %+v (preview %d)", c, p.Eligible)
			}
			cli.fail(1, "PERSETUJUAN_SENDIRI", "--as", "pusat1", "cycle", "approve", id)
			cli.fail(1, "PAGU_BELUM_ADA", "--as", "pusat2", "cycle", "approve", id)
			cli.fail(1, "PAGU_TIDAK_VALID", "budget", "set", "--program", "PKH", "--year", "2019", "--amount", "-5")
			cli.ok("budget", "set", "--program", "PKH", "--year", "2019", "--amount", strconv.FormatInt(c.Amount-1, 10))
			cli.fail(1, "PAGU_TERLAMPAUI", "--as", "pusat2", "cycle", "approve", id)
			cli.ok("budget", "set", "--program", "PKH", "--year", "2019", "--amount", "34400000000000")
			json.Unmarshal([]byte(cli.ok("--as", "pusat2", "cycle", "approve", id)), &c)
			if c.State != "APPROVED" || c.ApprovedBy != "pusat2" {
				t.Fatalf("approve: %+v", c)
			}
			cli.fail(1, "berstatus APPROVED", "--as", "pusat2", "cycle", "approve", id)
			cli.fail(1, "berstatus APPROVED", "cycle", "generate", id)
			cli.fail(1, "ID_TIDAK_VALID", "cycle", "show", "x")
			cli.fail(1, "SIKLUS_TIDAK_DITEMUKAN", "cycle", "show", "9999")

			var s program.Summary
			json.Unmarshal([]byte(cli.ok("cycle", "show", id)), &s)
			if s.State != "APPROVED" || s.Families != c.Families || s.Amount != c.Amount || len(s.Provinces) != 2 {
				t.Fatalf("show: %+v", s)
			}
			out := filepath.Join(t.TempDir(), "pkh.csv")
			cli.ok("cycle", "export", id, "--out", out)
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil || len(recs) != int(c.Families)+1 || strings.Join(recs[0], ",") != "reference,no_kk,nik_kepala,nama_kepala,kode_wilayah,amount,components" {
				t.Fatalf("export: %d rows %v", len(recs), err)
			}
			var sum int64
			refs := map[string]bool{}
			for _, r := range recs[1:] {
				n, _ := strconv.ParseInt(r[5], 10, 64)
				sum += n
				refs[r[0]] = true
				if !strings.HasPrefix(r[0], id+"-") || len(r[1]) != 16 || len(r[2]) != 16 || r[3] == "" {
					t.Fatalf("line %v", r)
				}
			}
			if sum != c.Amount || len(refs) != int(c.Families) {
				t.Fatalf("export sums to %d (cycle %d), %d references", sum, c.Amount, len(refs))
			}
			before, _ := os.ReadFile(out)
			cli.ok("cycle", "export", id, "--out", out)
			if after, _ := os.ReadFile(out); string(after) != string(before) {
				t.Fatal("a second export differs")
			}

			cli.ok("quota", "set", "--program", "BPNT", "--year", "2019", "--region", "32.01", "--families", "5")
			cli.fail(1, "KODE_WILAYAH", "quota", "set", "--program", "BPNT", "--year", "2019", "--region", "99.99", "--families", "5")
			bid := strings.TrimSpace(cli.ok("cycle", "create", "--program", "BPNT", "--year", "2019", "--period", "12", "--snapshot", "2019-10"))
			json.Unmarshal([]byte(cli.ok("cycle", "generate", bid)), &c)
			if c.Reserve == 0 {
				t.Fatalf("quota left no reserve: %+v", c)
			}
			json.Unmarshal([]byte(cli.ok("cycle", "cancel", bid)), &c)
			if c.State != "CANCELLED" {
				t.Fatalf("cancel: %+v", c)
			}
			cli.fail(1, "berstatus CANCELLED", "cycle", "cancel", bid)
			if out := cli.ok("cycle", "list", "--program", "BPNT"); !strings.Contains(out, "CANCELLED") {
				t.Fatalf("list: %s", out)
			}
			var bs []program.Budget
			json.Unmarshal([]byte(cli.ok("budget", "list")), &bs)
			if len(bs) != 1 || bs[0].Committed != s.Amount {
				t.Fatalf("budgets %+v", bs)
			}
		})
	}
}
