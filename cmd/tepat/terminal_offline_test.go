package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tepat/terminal"
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
	cli := cliRunner{t: t}

	forged := filepath.Join(dir, "forged.json")
	os.WriteFile(forged, bytes.Replace(signed, []byte("600000"), []byte("900000"), -1), 0o600)
	cli.fail(1, terminal.ReasonBadSignature, "terminal", "offline", "load", "--manifest", forged, "--key", keyPath, "--state", state)

	out := cli.ok("terminal", "offline", "load", "--manifest", manifest, "--key", keyPath, "--state", state)
	if !strings.Contains(out, `"manifest": "MNF-42"`) || !strings.Contains(out, `"families": 1`) {
		t.Fatalf("load printed %s", out)
	}
	out = cli.ok("terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "250000")
	var r offlineReceipt
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Seq != 1 || r.KK != "************0001" || r.Amount != 250000 || r.Remaining != 350000 {
		t.Fatalf("receipt %s: %v", out, err)
	}
	cli.fail(1, terminal.ConflictAllowance, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "350001")
	cli.fail(1, terminal.ConflictNotListed, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260009", "--amount", "1000")
	cli.fail(1, terminal.ConflictExpired, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "1000",
		"--time", now.Add(73*time.Hour).Format(time.RFC3339))
	cli.fail(1, terminal.ReasonCashItems, "terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--item", "beras:1:kg:10000")
	cli.ok("terminal", "offline", "pay", "--state", state, "--kk", "3201010101260001", "--amount", "350000")

	out = cli.ok("terminal", "offline", "log", "--state", state)
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
	cli.fail(3, terminal.ReasonNetwork, "terminal", "sync", "--server", closed, "--state", state)
	cli.fail(1, terminal.ReasonNoState, "terminal", "offline", "log", "--state", filepath.Join(dir, "none"))
}

// TestTerminalOfflineServerCLI requests a manifest from a real server,
// pays from it offline and syncs, all with the CLI.
func TestTerminalOfflineServerCLI(t *testing.T) {
	t.Parallel()
	dsn, d, w := fundedSQLite(t, 4)
	m, url := ewarongServer(t, d, "e-Warong Jauh")
	cli := cliRunner{t, dsn}
	dir := t.TempDir()
	key, state := filepath.Join(dir, "t.key"), filepath.Join(dir, "state")
	cli.ok("terminal", "register", "--merchant", m.ID, "--key-out", key)
	out := cli.ok("terminal", "offline", "request", "--server", url, "--key", key, "--cycle", strconv.FormatInt(w.Cycle, 10),
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
	cli.ok("terminal", "offline", "pay", "--state", state, "--kk", kk, "--item", "beras:5:kg:12000")
	cli.ok("terminal", "offline", "pay", "--state", state, "--kk", kk, "--item", "rokok:1:bungkus:25000")
	out = cli.ok("terminal", "sync", "--server", url, "--state", state)
	var sum terminal.SyncSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.LastSeq != 2 || sum.Applied != 1 || len(sum.Conflicts) != 1 {
		t.Fatalf("sync printed %s: %v", out, err)
	}
	out = cli.ok("terminal", "offline", "log", "--state", state)
	if strings.Count(out, `"synced":true`) != 2 {
		t.Fatalf("log after sync: %s", out)
	}
}
