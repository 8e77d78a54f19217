package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tepat/ledger/ledgertest"
	"tepat/terminal"
)

// TestTerminalClientCLI registers terminals and lists cards with the CLI,
// then pays, voids and runs a load against a real server.
func TestTerminalClientCLI(t *testing.T) {
	t.Parallel()
	dsn, d, _ := fundedSQLite(t, 12)
	m, url := ewarongServer(t, d, "e-Warong Makmur")
	cli := cliRunner{t, dsn}
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b.key", "a.key"} {
		cli.ok("terminal", "register", "--merchant", m.ID, "--key-out", filepath.Join(keys, name))
	}
	cards := filepath.Join(dir, "cards.txt")
	cli.ok("ledger", "cards", "--program", ledgertest.Program, "--min", "1", "--limit", "12", "--out", cards)
	b, err := os.ReadFile(cards)
	if err != nil {
		t.Fatal(err)
	}
	card := strings.Fields(string(b))[0]
	key := filepath.Join(keys, "a.key")

	cli.fail(1, terminal.ReasonStaleTime, "terminal", "pay", "--server", url, "--key", key, "--card", card,
		"--program", ledgertest.Program, "--item", "beras:5:kg:12000", "--tx", "cli-0", "--time", "2026-01-01T00:00:00Z")
	out := cli.ok("terminal", "pay", "--server", url, "--key", key, "--card", card, "--program", ledgertest.Program,
		"--item", "beras:5:kg:12000", "--item", "telur:10:butir:2500", "--tx", "cli-1")
	var r terminal.Receipt
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Tx != "cli-1" || r.Total != 85000 || r.Balance != ledgertest.Monthly-85000 {
		t.Fatalf("receipt %s: %v", out, err)
	}
	cli.fail(1, terminal.ReasonForbiddenItem, "terminal", "pay", "--server", url, "--key", key, "--card", card,
		"--program", ledgertest.Program, "--item", "rokok:1:bungkus:25000")
	cli.fail(1, terminal.ReasonBalance, "terminal", "pay", "--server", url, "--key", key, "--card", card,
		"--program", ledgertest.Program, "--item", "beras:10:kg:12000")
	cli.fail(1, terminal.ReasonBadItem, "terminal", "pay", "--server", url, "--key", key, "--card", card, "--item", "beras:10kg")
	cli.fail(2, "required flag", "terminal", "pay", "--server", url, "--key", key, "--card", card)

	out = cli.ok("terminal", "void", "--server", url, "--key", key, "--tx", "cli-2", "--void-of", "cli-1")
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Kind != terminal.KindVoid || r.Balance != ledgertest.Monthly {
		t.Fatalf("void receipt %s: %v", out, err)
	}
	cli.fail(1, terminal.ReasonVoidTwice, "terminal", "void", "--server", url, "--key", key, "--void-of", "cli-1")

	out = cli.ok("terminal", "load", "--server", url, "--keys", keys, "--card-file", cards, "--terminals", "2",
		"--cards", "12", "--tx", "40", "--concurrency", "4", "--program", ledgertest.Program, "--item", "beras:1:kg:10000")
	var lr terminal.LoadResult
	if err := json.Unmarshal([]byte(out), &lr); err != nil || lr.Sent != 40 || lr.Codes[terminal.CodeOK] != 40 {
		t.Fatalf("load %s: %v", out, err)
	}
	cli.fail(1, "OPSI_BEBAN_TIDAK_VALID", "terminal", "load", "--server", url, "--keys", keys, "--card-file", cards,
		"--terminals", "3", "--tx", "1")
	cli.fail(1, "BERKAS_TIDAK_TERBACA", "terminal", "load", "--server", url, "--keys", dir, "--card-file", cards)
	cli.ok("ledger", "check")
}
