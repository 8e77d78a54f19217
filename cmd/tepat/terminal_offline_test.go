package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/terminal"
	"tepat/web"
)

// TestTerminalOfflineCLI loads a signed manifest, pays from it offline,
// is refused beyond the allowance, for an unknown family and after the
// manifest's validity, and lists the log.
func TestTerminalOfflineCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spub, spriv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := terminal.NewKeyFile("T000042", "M000001", spub)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "t.key")
	if err := terminal.WriteKeyFile(keyPath, k); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	m := terminal.Manifest{ID: "MNF-42", Terminal: "T000042", Cycle: 3, Program: "PKH", Kind: terminal.ManifestCash,
		Region: "32.01", IssuedAt: now, ValidUntil: now.Add(72 * time.Hour),
		Families: []terminal.ManifestFamily{{KK: "3201010101260001", NIKKepala: "3201********0001", Name: "A", Allowance: 600000}},
		Total:    600000}
	manifest := filepath.Join(dir, "manifest.json")
	signed := terminal.SignManifest(spriv, m)
	if err := os.WriteFile(manifest, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	mustOK := func(args ...string) string {
		t.Helper()
		code, out, stderr := run(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	mustFail := func(exit int, want string, args ...string) {
		t.Helper()
		code, _, stderr := run(t, "", args...)
		if code != exit || !strings.Contains(stderr, want) {
			t.Fatalf("%v: exit %d %q, want %d %s", args, code, stderr, exit, want)
		}
	}

	forged := filepath.Join(dir, "forged.json")
	os.WriteFile(forged, bytes.Replace(signed, []byte("600000"), []byte("900000"), -1), 0o600)
	mustFail(1, terminal.ReasonBadSignature, "terminal", "offline", "load", "--manifest", forged, "--key", keyPath, "--state", state)

	out := mustOK("terminal", "offline", "load", "--manifest", manifest, "--key", keyPath, "--state", state)
	if !strings.Contains(out, `"manifest": "MNF-42"`) || !strings.Contains(out, `"families": 1`) {
		t.Fatalf("load printed %s", out)
	}
	out = mustOK("terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "250000")
	var r offlineReceipt
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Seq != 1 || r.KK != "************0001" || r.Amount != 250000 || r.Remaining != 350000 {
		t.Fatalf("receipt %s: %v", out, err)
	}
	mustFail(1, terminal.ConflictAllowance, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "350001")
	mustFail(1, terminal.ConflictNotListed, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260009", "--amount", "1000")
	mustFail(1, terminal.ConflictExpired, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "1000",
		"--time", now.Add(73*time.Hour).Format(time.RFC3339))
	mustFail(1, terminal.ReasonCashItems, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--item", "beras:1:kg:10000")
	mustOK("terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "350000")

	out = mustOK("terminal", "offline", "log", "--state", state)
	var lines []offlineLogLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l offlineLogLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 || lines[1].Seq != 2 || lines[1].Amount != 350000 || lines[0].Synced {
		t.Fatalf("log %s", out)
	}

	// No server: the upload fails and the command exits non-zero.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	mustFail(3, terminal.ReasonNetwork, "terminal", "sync", "--server", closed, "--state", state)
	mustFail(1, terminal.ReasonNoState, "terminal", "offline", "log", "--state", filepath.Join(dir, "none"))
}

// TestTerminalOfflineServerCLI requests a manifest from a real server,
// pays from it offline and syncs, all with the CLI.
func TestTerminalOfflineServerCLI(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, db.SQLite)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w := ledgertest.Fund(t, d, 4, "32.01")
	m, err := ledger.AddMerchant(tepat.WithActor(ctx, tepat.System), d, ledger.NewMerchant{Name: "e-Warong Jauh", Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(d, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	mustOK := func(args ...string) string {
		t.Helper()
		code, out, stderr := run(t, "", append([]string{"--db", dsn}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	dir := t.TempDir()
	key, state := filepath.Join(dir, "t.key"), filepath.Join(dir, "state")
	mustOK("terminal", "register", "--merchant", m.ID, "--key-out", key)
	out := mustOK("terminal", "offline", "request", "--server", ts.URL, "--key", key, "--cycle", strconv.FormatInt(w.Cycle, 10),
		"--region", "32.01", "--state", state)
	var loaded offlineLoaded
	if err := json.Unmarshal([]byte(out), &loaded); err != nil || loaded.Kind != terminal.ManifestWallet || loaded.Families != 4 {
		t.Fatalf("request printed %s: %v", out, err)
	}
	o, err := terminal.OpenOffline(state)
	if err != nil {
		t.Fatal(err)
	}
	kk := o.Manifest().Families[0].KK
	mustOK("terminal", "offline", "pay", "--state", state, "--kk", kk, "--item", "beras:5:kg:12000")
	mustOK("terminal", "offline", "pay", "--state", state, "--kk", kk, "--item", "rokok:1:bungkus:25000")
	out = mustOK("terminal", "sync", "--server", ts.URL, "--state", state)
	var sum terminal.SyncSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.LastSeq != 2 || sum.Applied != 1 || len(sum.Conflicts) != 1 {
		t.Fatalf("sync printed %s: %v", out, err)
	}
	out = mustOK("terminal", "offline", "log", "--state", state)
	if strings.Count(out, `"synced":true`) != 2 {
		t.Fatalf("log after sync: %s", out)
	}
}
