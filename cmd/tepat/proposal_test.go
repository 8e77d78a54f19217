package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

// proposalSeed imports generated families of 32.01 and returns one family
// (read in full) with a living member who is not its head.
func proposalSeed(t *testing.T, dsn string) (registry.Family, registry.Member) {
	t.Helper()
	ctx := tepat.WithActor(context.Background(), tepat.System)
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var buf bytes.Buffer
	synth.WriteHouseholds(&buf, synth.Options{Families: 12, Seed: 7, Region: "32.01"})
	path := filepath.Join(t.TempDir(), "h.csv")
	os.WriteFile(path, buf.Bytes(), 0o644)
	if st, err := registry.Import(ctx, d, path, registry.ImportOptions{Now: synth.DefaultReference}); err != nil || st.FamiliesRejected != 0 {
		t.Fatalf("import: %+v %v", st, err)
	}
	fs, _ := registry.ListFamilies(ctx, d, registry.Query{Limit: 500})
	for _, f := range fs {
		full, _ := registry.GetFamily(ctx, d, f.ID, true)
		for _, m := range full.Members {
			if m.Hubungan != "KEPALA" && m.Status == "HIDUP" {
				return full, m
			}
		}
	}
	t.Fatal("no family with a member besides the head")
	return registry.Family{}, registry.Member{}
}

func TestProposalCLI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			fam, m := proposalSeed(t, dsn)
			for _, u := range [][]string{{"pend1", "pendamping", fam.KodeWilayah[:8]}, {"dinsos1", "dinsos", "32.01"}, {"pusat1", "pusat", ""}} {
				args := []string{"--db", dsn, "user", "add", "--username", u[0], "--role", u[1], "--password-stdin"}
				if u[2] != "" {
					args = append(args, "--scope", u[2])
				}
				if code, _, stderr := run(t, "kata-sandi-panjang-sekali", args...); code != 0 {
					t.Fatalf("user add: %d %s", code, stderr)
				}
			}
			as := func(user string, args ...string) (int, registry.Proposal, string) {
				t.Helper()
				code, out, stderr := run(t, "", append([]string{"--db", dsn, "--as", user, "proposal"}, args...)...)
				if strings.Contains(out, m.NIK) || strings.Contains(stderr, m.NIK) {
					t.Fatalf("full NIK printed by %v", args)
				}
				var p registry.Proposal
				if code == 0 {
					if err := json.Unmarshal([]byte(out), &p); err != nil {
						t.Fatalf("%v: %v\n%s", args, err, out)
					}
				}
				return code, p, stderr
			}
			code, p, stderr := as("pend1", "remove-member", "--nik", m.NIK, "--reason", "MENINGGAL")
			if code != 0 || p.Status != registry.Diusulkan || p.FamilyID != fam.ID {
				t.Fatalf("propose: %d %+v %s", code, p, stderr)
			}
			id := strconv.FormatInt(p.ID, 10)
			if code, _, stderr := as("pusat1", "determine", id); code != 1 || !strings.Contains(stderr, "STATUS_USULAN_TIDAK_SESUAI") {
				t.Fatalf("determine before verify: %d %s", code, stderr)
			}
			if code, _, stderr := as("pend1", "verify", id); code != 1 || !strings.Contains(stderr, "TIDAK_BERWENANG") {
				t.Fatalf("pendamping verified: %d %s", code, stderr)
			}
			if code, p, stderr = as("dinsos1", "verify", id, "--note", "kunjungan rumah"); code != 0 || p.Status != registry.Diverifikasi {
				t.Fatalf("verify: %d %+v %s", code, p, stderr)
			}
			if code, p, stderr = as("pusat1", "determine", id, "--note", "ditetapkan"); code != 0 || p.Status != registry.Ditetapkan || p.Version == 0 {
				t.Fatalf("determine: %d %+v %s", code, p, stderr)
			}
			code, out, stderr := run(t, "", "--db", dsn, "--as", "dinsos1", "proposal", "list", "--status", "DITETAPKAN")
			var ps []registry.Proposal
			if err := json.Unmarshal([]byte(out), &ps); err != nil || code != 0 || len(ps) != 1 || ps[0].ID != p.ID {
				t.Fatalf("list: %d %s %s", code, out, stderr)
			}
			if code, p, _ = as("dinsos1", "show", id); code != 0 || p.DetermineNote != "ditetapkan" || p.VerifyNote != "kunjungan rumah" {
				t.Fatalf("show: %d %+v", code, p)
			}
			code, _, stderr = run(t, `{"no_kk":"3201999999990001","anggota":[]}`, "--db", dsn, "--as", "pend1", "proposal", "add-family", "--file", "-", "--reason", "baru")
			if code != 1 || !strings.Contains(stderr, "JSON_TIDAK_VALID") {
				t.Fatalf("unknown field: %d %s", code, stderr)
			}
			if code, _, _ := run(t, "", "--db", dsn, "proposal", "verify", "abc"); code != 2 {
				t.Fatalf("bad id: exit %d", code)
			}
		})
	}
}
