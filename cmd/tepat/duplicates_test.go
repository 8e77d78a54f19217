package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

func TestRegistryDuplicatesAndResolve(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			sys := tepat.WithActor(context.Background(), tepat.System)
			_, err = registry.Import(sys, d, "../../registry/testdata/duplicates.csv", registry.ImportOptions{Now: synth.DefaultReference})
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range [][]string{{"dinsos1", "dinsos", "32.01"}, {"pendamping1", "pendamping", "32.01.01"}} {
				if code, _, stderr := run(t, "kata-sandi-panjang-sekali", "--db", dsn, "user", "add", "--username", u[0], "--role", u[1], "--scope", u[2], "--password-stdin"); code != 0 {
					t.Fatalf("user add: %d %s", code, stderr)
				}
			}
			code, out, stderr := run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "duplicates", "--json")
			var list struct{ Duplicates []registry.Duplicate }
			if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list.Duplicates) != 5 {
				t.Fatalf("duplicates: %d %s %s", code, out, stderr)
			}
			if strings.Contains(out, "3201011205800001") {
				t.Fatal("a full NIK in the listing")
			}
			id := strconv.FormatInt(list.Duplicates[0].ID, 10)

			t.Run("TableAndRegionFilter", func(t *testing.T) {
				code, out, stderr := run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "duplicates", "--region", "32.01.01", "--limit", "2")
				if code != 0 || !strings.HasPrefix(out, "ID") || strings.Count(out, "\n") != 3 || !strings.Contains(stderr, "2 possible duplicate(s)") {
					t.Fatalf("%d %q %q", code, out, stderr)
				}
				code, _, stderr = run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "duplicates", "--region", "33")
				if code != 1 || !strings.Contains(stderr, "KODE_WILAYAH_TIDAK_DIKENAL") {
					t.Fatalf("%d %q", code, stderr)
				}
			})
			t.Run("PendampingCannotResolve", func(t *testing.T) {
				code, _, stderr := run(t, "", "--db", dsn, "--as", "pendamping1", "registry", "resolve", id, "--decision", "KEDUANYA_SAH", "--note", "x")
				if code != 1 || !strings.Contains(stderr, "TIDAK_BERWENANG") {
					t.Fatalf("%d %q", code, stderr)
				}
			})
			t.Run("DinsosResolvesOnce", func(t *testing.T) {
				code, out, stderr := run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "resolve", id, "--decision", "A_TIDAK_SAH", "--note", "ganda")
				var res registry.Resolution
				if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Duplicate.Status != "A_TIDAK_SAH" || res.Version == 0 || res.Duplicate.ResolvedBy != "dinsos1" {
					t.Fatalf("%d %s %s", code, out, stderr)
				}
				code, _, stderr = run(t, "", "--db", dsn, "--as", "dinsos1", "registry", "resolve", id, "--decision", "KEDUANYA_SAH", "--note", "lagi")
				if code != 1 || !strings.Contains(stderr, "STATUS_DUPLIKAT_TIDAK_SESUAI") {
					t.Fatalf("%d %q", code, stderr)
				}
			})
			t.Run("BadArguments", func(t *testing.T) {
				if code, _, _ := run(t, "", "--db", dsn, "registry", "resolve", "abc", "--decision", "KEDUANYA_SAH", "--note", "x"); code != 2 {
					t.Errorf("bad id: %d", code)
				}
				if code, _, _ := run(t, "", "--db", dsn, "registry", "resolve", id, "--decision", "KEDUANYA_SAH"); code != 2 {
					t.Errorf("missing note: %d", code)
				}
				if code, _, stderr := run(t, "", "--db", dsn, "registry", "duplicates", "--status", "x"); code != 1 || !strings.Contains(stderr, "STATUS_TIDAK_VALID") {
					t.Errorf("bad status: %d %q", code, stderr)
				}
			})
		})
	}
}
