package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger/ledgertest"
)

// TestLedgerCommands runs the e-Warong administration commands: merchants,
// terminals, cards, prices, settlement, expiry and the ledger check,
// which exits 1 naming what is broken once a balance is tampered with.
func TestLedgerCommands(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, db.SQLite)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w := ledgertest.Fund(t, d, 8, "32.01")
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
		code, out, stderr := cli(args...)
		if code != exit || !strings.Contains(stderr+out, want) {
			t.Fatalf("%v: exit %d %q, want %d %s", args, code, stderr, exit, want)
		}
	}
	out := mustOK("merchant", "add", "--name", "RPK Cibinong", "--type", "RPK", "--village", "32.01.01.1001", "--bank", "BRI")
	if !strings.Contains(out, `"id": "M000001"`) {
		t.Fatalf("merchant add: %s", out)
	}
	mustFail(1, "BUKAN_DESA", "merchant", "add", "--name", "X", "--village", "32.01", "--bank", "BRI")
	mustFail(1, "JENIS_TIDAK_VALID", "merchant", "add", "--name", "X", "--type", "WARUNG", "--village", "32.01.01.1001", "--bank", "BRI")
	if out := mustOK("merchant", "list"); !strings.Contains(out, "RPK Cibinong") {
		t.Fatalf("merchant list: %s", out)
	}
	key := filepath.Join(t.TempDir(), "t.key")
	if id := strings.TrimSpace(mustOK("terminal", "register", "--merchant", "M000001", "--key-out", key)); id != "T000001" {
		t.Fatalf("terminal id %q", id)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	mustFail(1, "BERKAS_SUDAH_ADA", "terminal", "register", "--merchant", "M000001", "--key-out", key)
	mustOK("terminal", "revoke", "T000001")
	if out := mustOK("terminal", "list"); !strings.Contains(out, `"status": "DICABUT"`) {
		t.Fatalf("terminal list: %s", out)
	}
	mustOK("card", "block", w.Cards[0].Number, "--reason", "hilang")
	mustFail(1, "ALASAN_WAJIB", "card", "block", w.Cards[1].Number)
	mustOK("card", "unblock", w.Cards[0].Number)
	prices := filepath.Join(t.TempDir(), "harga.csv")
	os.WriteFile(prices, []byte("provinsi,kategori,satuan,harga\n32,beras,kg,9450\n32,telur,kilo,23000\n"), 0o644)
	mustFail(1, "baris 3, kolom 3", "price", "load", prices)
	os.WriteFile(prices, []byte("provinsi,kategori,satuan,harga\n32,beras,kg,9450\n"), 0o644)
	if out := mustOK("price", "load", prices); !strings.Contains(out, `"loaded": 1`) {
		t.Fatalf("price load: %s", out)
	}
	mustFail(1, "TANGGAL_TIDAK_VALID", "settle", "--date", "10-02-2026")
	out = mustOK("settle", "--date", "2026-02-10", "--out", t.TempDir())
	if !strings.Contains(out, `"settled": 0`) {
		t.Fatalf("settle: %s", out)
	}
	if out := mustOK("ledger", "credit", strconv.FormatInt(w.Cycle, 10)); !strings.Contains(out, `"credited": 0`) {
		t.Fatalf("credit again: %s", out)
	}
	if out := mustOK("ledger", "expire", "--program", ledgertest.Program, "--months", "0"); !strings.Contains(out, `"wallets": 0`) {
		t.Fatalf("expire: %s", out)
	}
	if out := mustOK("ledger", "cards", "--program", ledgertest.Program, "--limit", "3"); len(strings.Fields(out)) != 3 {
		t.Fatalf("cards: %q", out)
	}
	if out := mustOK("ledger", "check"); !strings.Contains(out, `"ok": true`) {
		t.Fatalf("check: %s", out)
	}
	if _, err := d.Exec(ctx, `UPDATE ledger_account SET balance = balance + 5 WHERE id = (SELECT MIN(id) FROM ledger_account WHERE kind = 'WALLET')`); err != nil {
		t.Fatal(err)
	}
	mustFail(1, "saldo tidak sama dengan jumlah posting", "ledger", "check")
}
