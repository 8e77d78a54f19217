package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/web"
)

// TestLedgerCommands runs the e-Warong administration commands: merchants,
// terminals, cards, prices, settlement, expiry and the ledger check,
// which exits 1 naming what is broken once a balance is tampered with.
func TestLedgerCommands(t *testing.T) {
	t.Parallel()
	dsn, d, w := fundedSQLite(t, 8)
	cli := cliRunner{t, dsn}
	out := cli.ok("merchant", "add", "--name", "RPK Cibinong", "--type", "RPK", "--village", "32.01.01.1001", "--bank", "BRI")
	if !strings.Contains(out, `"id": "M000001"`) {
		t.Fatalf("merchant add: %s", out)
	}
	cli.fail(1, "BUKAN_DESA", "merchant", "add", "--name", "X", "--village", "32.01", "--bank", "BRI")
	cli.fail(1, "JENIS_TIDAK_VALID", "merchant", "add", "--name", "X", "--type", "WARUNG", "--village", "32.01.01.1001", "--bank", "BRI")
	if out := cli.ok("merchant", "list"); !strings.Contains(out, "RPK Cibinong") {
		t.Fatalf("merchant list: %s", out)
	}
	key := filepath.Join(t.TempDir(), "t.key")
	if id := strings.TrimSpace(cli.ok("terminal", "register", "--merchant", "M000001", "--key-out", key)); id != "T000001" {
		t.Fatalf("terminal id %q", id)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	cli.fail(1, "BERKAS_SUDAH_ADA", "terminal", "register", "--merchant", "M000001", "--key-out", key)
	cli.ok("terminal", "revoke", "T000001")
	if out := cli.ok("terminal", "list"); !strings.Contains(out, `"status": "DICABUT"`) {
		t.Fatalf("terminal list: %s", out)
	}
	cli.ok("card", "block", w.Cards[0].Number, "--reason", "hilang")
	cli.fail(1, "ALASAN_WAJIB", "card", "block", w.Cards[1].Number)
	cli.ok("card", "unblock", w.Cards[0].Number)
	prices := filepath.Join(t.TempDir(), "harga.csv")
	os.WriteFile(prices, []byte("provinsi,kategori,satuan,harga\n32,beras,kg,9450\n32,telur,kilo,23000\n"), 0o644)
	cli.fail(1, "baris 3, kolom 3", "price", "load", prices)
	os.WriteFile(prices, []byte("provinsi,kategori,satuan,harga\n32,beras,kg,9450\n"), 0o644)
	if out := cli.ok("price", "load", prices); !strings.Contains(out, `"loaded": 1`) {
		t.Fatalf("price load: %s", out)
	}
	cli.fail(1, "TANGGAL_TIDAK_VALID", "settle", "--date", "10-02-2026")
	out = cli.ok("settle", "--date", "2026-02-10", "--out", t.TempDir())
	if !strings.Contains(out, `"settled": 0`) {
		t.Fatalf("settle: %s", out)
	}
	if out := cli.ok("ledger", "credit", strconv.FormatInt(w.Cycle, 10)); !strings.Contains(out, `"credited": 0`) {
		t.Fatalf("credit again: %s", out)
	}
	if out := cli.ok("ledger", "expire", "--program", ledgertest.Program, "--months", "0"); !strings.Contains(out, `"wallets": 0`) {
		t.Fatalf("expire: %s", out)
	}
	if out := cli.ok("ledger", "cards", "--program", ledgertest.Program, "--limit", "3"); len(strings.Fields(out)) != 3 {
		t.Fatalf("cards: %q", out)
	}
	if out := cli.ok("ledger", "check"); !strings.Contains(out, `"ok": true`) {
		t.Fatalf("check: %s", out)
	}
	if _, err := d.Exec(context.Background(), `UPDATE ledger_account SET balance = balance + 5 WHERE id = (SELECT MIN(id) FROM ledger_account WHERE kind = 'WALLET')`); err != nil {
		t.Fatal(err)
	}
	cli.fail(1, "saldo tidak sama dengan jumlah posting", "ledger", "check")
}

// fundedSQLite returns a SQLite database, and its DSN, with the wallets of
// families in Kabupaten Bogor (32.01) credited (ledgertest.Fund).
func fundedSQLite(t *testing.T, families int64) (string, *db.DB, ledgertest.World) {
	t.Helper()
	dsn := dbtest.DSN(t, db.SQLite)
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return dsn, d, ledgertest.Fund(t, d, families, "32.01")
}

// ewarongServer adds a merchant named name in 32.01.01.1001 and serves d
// over HTTP until the test ends; it returns the merchant and the URL.
func ewarongServer(t *testing.T, d *db.DB, name string) (ledger.Merchant, string) {
	t.Helper()
	m, err := ledger.AddMerchant(tepat.WithActor(context.Background(), tepat.System), d,
		ledger.NewMerchant{Name: name, Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(d, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return m, ts.URL
}
