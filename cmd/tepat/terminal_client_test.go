package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/terminal"
	"tepat/web"
)

// TestTerminalClientCLI registers terminals and lists cards with the CLI,
// then pays, voids and runs a load against a real server.
func TestTerminalClientCLI(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, db.SQLite)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ledgertest.Fund(t, d, 12, "32.01")
	sys := tepat.WithActor(ctx, tepat.System)
	m, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: "e-Warong Makmur", Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(d, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })

	cli := func(args ...string) (int, string, string) {
		return run(t, "", append([]string{"--db", dsn}, args...)...)
	}
	mustOK := func(args ...string) string {
		t.Helper()
		code, out, stderr := cli(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	mustFail := func(exit int, want string, args ...string) {
		t.Helper()
		code, _, stderr := cli(args...)
		if code != exit || !strings.Contains(stderr, want) {
			t.Fatalf("%v: exit %d %q, want %d %s", args, code, stderr, exit, want)
		}
	}
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b.key", "a.key"} {
		mustOK("terminal", "register", "--merchant", m.ID, "--key-out", filepath.Join(keys, name))
	}
	cards := filepath.Join(dir, "cards.txt")
	mustOK("ledger", "cards", "--program", ledgertest.Program, "--min", "1", "--limit", "12", "--out", cards)
	b, err := os.ReadFile(cards)
	if err != nil {
		t.Fatal(err)
	}
	card := strings.Fields(string(b))[0]
	key := filepath.Join(keys, "a.key")

	mustFail(1, terminal.ReasonStaleTime, "terminal", "pay", "--server", ts.URL, "--key", key, "--card", card,
		"--program", ledgertest.Program, "--item", "beras:5:kg:12000", "--tx", "cli-0", "--time", "2026-01-01T00:00:00Z")
	out := mustOK("terminal", "pay", "--server", ts.URL, "--key", key, "--card", card, "--program", ledgertest.Program,
		"--item", "beras:5:kg:12000", "--item", "telur:10:butir:2500", "--tx", "cli-1")
	var r terminal.Receipt
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Tx != "cli-1" || r.Total != 85000 || r.Balance != ledgertest.Monthly-85000 {
		t.Fatalf("receipt %s: %v", out, err)
	}
	mustFail(1, terminal.ReasonForbiddenItem, "terminal", "pay", "--server", ts.URL, "--key", key, "--card", card,
		"--program", ledgertest.Program, "--item", "rokok:1:bungkus:25000")
	mustFail(1, terminal.ReasonBalance, "terminal", "pay", "--server", ts.URL, "--key", key, "--card", card,
		"--program", ledgertest.Program, "--item", "beras:10:kg:12000")
	mustFail(1, terminal.ReasonBadItem, "terminal", "pay", "--server", ts.URL, "--key", key, "--card", card, "--item", "beras:10kg")
	mustFail(2, "required flag", "terminal", "pay", "--server", ts.URL, "--key", key, "--card", card)

	out = mustOK("terminal", "void", "--server", ts.URL, "--key", key, "--tx", "cli-2", "--void-of", "cli-1")
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Kind != terminal.KindVoid || r.Balance != ledgertest.Monthly {
		t.Fatalf("void receipt %s: %v", out, err)
	}
	mustFail(1, terminal.ReasonVoidTwice, "terminal", "void", "--server", ts.URL, "--key", key, "--void-of", "cli-1")

	out = mustOK("terminal", "load", "--server", ts.URL, "--keys", keys, "--card-file", cards, "--terminals", "2",
		"--cards", "12", "--tx", "40", "--concurrency", "4", "--program", ledgertest.Program, "--item", "beras:1:kg:10000")
	var lr terminal.LoadResult
	if err := json.Unmarshal([]byte(out), &lr); err != nil || lr.Sent != 40 || lr.Codes[terminal.CodeOK] != 40 {
		t.Fatalf("load %s: %v", out, err)
	}
	mustFail(1, "OPSI_BEBAN_TIDAK_VALID", "terminal", "load", "--server", ts.URL, "--keys", keys, "--card-file", cards,
		"--terminals", "3", "--tx", "1")
	mustFail(1, "BERKAS_TIDAK_TERBACA", "terminal", "load", "--server", ts.URL, "--keys", dir, "--card-file", cards)
	mustOK("ledger", "check")
}
