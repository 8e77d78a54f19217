package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tepat/db"
)

// run runs the CLI in-process and returns exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func tempDB(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "t.db") }

// cliRunner runs the CLI in-process for one test, with --db dsn in front
// of every command when dsn is set.
type cliRunner struct {
	t   *testing.T
	dsn string
}

// run runs args with stdin and returns exit code, stdout and stderr.
func (c cliRunner) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	if c.dsn != "" {
		args = append([]string{"--db", c.dsn}, args...)
	}
	return run(c.t, stdin, args...)
}

// ok runs args and fails the test unless they exit 0; it returns stdout.
func (c cliRunner) ok(args ...string) string {
	c.t.Helper()
	code, out, stderr := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return out
}

// fail runs args and fails the test unless they exit with code exit and
// stderr contains want; it returns stderr.
func (c cliRunner) fail(exit int, want string, args ...string) string {
	c.t.Helper()
	code, _, stderr := c.run("", args...)
	if code != exit || !strings.Contains(stderr, want) {
		c.t.Fatalf("%v: exit %d %q, want %d %s", args, code, stderr, exit, want)
	}
	return stderr
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "tepat ") || !strings.Contains(out, "commit") {
		t.Fatalf("%d %q", code, out)
	}
}

func TestRegionShow(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "", "region", "show", "1101012001")
	if code != 0 || !strings.Contains(out, `"code": "11.01.01.2001"`) {
		t.Fatalf("plain code: %d %s", code, out)
	}
	code, out, _ = run(t, "", "region", "show", "11.01.01.2001")
	var r map[string]string
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 || r["name"] != "Keude Bakongan" || r["level"] != "village" || r["time_zone"] != "WIB" {
		t.Fatalf("%d %s", code, out)
	}
}

func TestRegionErrorsExitNonZero(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"Unknown", []string{"region", "show", "99"}, 1, "KODE_WILAYAH_TIDAK_DIKENAL"},
		{"Malformed", []string{"region", "show", "3.2"}, 1, "KODE_WILAYAH_TIDAK_VALID"},
		{"MissingArg", []string{"region", "show"}, 2, "accepts 1 arg"},
		{"UnknownCommand", []string{"frobnicate"}, 2, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) || strings.Contains(stderr, "goroutine") {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

func TestRegionChildren(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "", "region", "children")
	var rs []map[string]string
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != 0 || len(rs) != 38 {
		t.Fatalf("%d %d", code, len(rs))
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	t.Parallel()
	dsn := tempDB(t)
	if code, out, errs := run(t, "", "migrate", "--db", dsn); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	if code, out, _ := run(t, "", "migrate", "--db", dsn); code != 0 || !strings.Contains(out, "applied 0") {
		t.Fatalf("%d %s", code, out)
	}
}

func TestBadDatabaseStopsAtStart(t *testing.T) {
	t.Parallel()
	code, _, stderr := run(t, "", "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:/no/such/dir/t.db")
	if code == 0 || !strings.Contains(stderr, "/no/such/dir") {
		t.Fatalf("%d %q", code, stderr)
	}
	code, _, stderr = run(t, "", "migrate", "--db", "mysql://x")
	if code != 1 || !strings.Contains(stderr, "sqlite:PATH") {
		t.Fatalf("%d %q", code, stderr)
	}
}

// TestServeAndShutdown starts the real server on port 0, asks it for its
// health, then cancels the context and expects a clean exit.
func TestServeAndShutdown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	app := &App{Stdout: io.Discard, Stderr: &logs}
	cmd := app.rootCmd()
	cmd.SetArgs([]string{"version", "--db", tempDB(t)})
	cmd.Execute() // loads config from flags
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.serve(ctx, ln, false) }()
	url := "http://" + ln.Addr().String()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get(url + "/healthz"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not shut down")
	}
	if !strings.Contains(logs.String(), `"msg":"shutting down"`) {
		t.Errorf("no shutdown log: %s", logs.String())
	}
}

func TestGenThenCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for _, out := range []string{a, b} {
		if code, _, errs := run(t, "", "gen", "households", "--families", "1000", "--seed", "42", "--out", out); code != 0 {
			t.Fatalf("gen: %d %s", code, errs)
		}
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ba) < 50000 || !bytes.Equal(ba, bb) {
		t.Fatalf("same seed gave different files (%d, %d bytes)", len(ba), len(bb))
	}
	code, out, _ := run(t, "", "household", "check", a)
	if code != 0 || !strings.Contains(out, `"errors": 0`) || !strings.Contains(out, `"families": 1000`) {
		t.Fatalf("check of generated file: %d %s", code, out)
	}
}

func TestHouseholdCheckReportsLineAndColumn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("no_kk;nik;nama;jenis_kelamin;tanggal_lahir;hubungan;kode_wilayah;alamat;hamil;disabilitas_berat;sekolah;desil;status\r\n"+
		"3201012705160001;320101450790001;SITI;P;1990-07-05;KEPALA;11.01.01.2001;;0;0;TIDAK;3;HIDUP\r\n"), 0o644)
	code, out, _ := run(t, "", "household", "check", bad)
	if code != 1 || !strings.Contains(out, "NIK_PANJANG\tbaris 2, kolom 2 (nik)") {
		t.Fatalf("%d %s", code, out)
	}
	noCol := filepath.Join(dir, "nocol.csv")
	os.WriteFile(noCol, []byte("no_kk,nik\n1,2\n"), 0o644)
	code, _, errs := run(t, "", "household", "check", noCol)
	if code != 2 || !strings.Contains(errs, "KOLOM_TIDAK_ADA") || strings.Contains(errs, "goroutine") {
		t.Fatalf("%d %s", code, errs)
	}
	code, _, errs = run(t, "", "household", "check", filepath.Join(dir, "missing.csv"))
	if code != 2 || !strings.Contains(errs, "missing.csv") {
		t.Fatalf("%d %s", code, errs)
	}
}

func TestNikCheck(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "", "nik", "check", "3201014507900001")
	if code != 0 || !strings.Contains(out, `"jenis_kelamin": "P"`) || !strings.Contains(out, `"birth_date": "1990-07-05"`) || !strings.Contains(out, `"district": "32.01.01"`) {
		t.Fatalf("%d %s", code, out)
	}
	for _, bad := range []string{"320101450790001", "32010145079000012", "32010145079O0001", "3201013102900001", "9901014507900001"} {
		code, _, errs := run(t, "", "nik", "check", bad)
		if code != 1 || !strings.Contains(errs, "NIK_") {
			t.Errorf("%s: %d %s", bad, code, errs)
		}
	}
}

func TestUserTokenAuditCLI(t *testing.T) {
	t.Parallel()
	dsn := tempDB(t)
	code, out, _ := run(t, "", "user", "add", "--db", dsn, "--username", "dinsos-bogor", "--role", "dinsos", "--scope", "32.01")
	if code != 0 || !strings.Contains(out, "password (shown once): ") {
		t.Fatalf("%d %s", code, out)
	}
	if code, _, errs := run(t, "", "user", "add", "--db", dsn, "--username", "xx1", "--role", "raja"); code != 1 || !strings.Contains(errs, "PERAN_TIDAK_DIKENAL") {
		t.Fatalf("unknown role: %d %s", code, errs)
	}
	if code, _, errs := run(t, "", "user", "add", "--db", dsn, "--username", "xx2", "--role", "dinsos", "--scope", "99"); code != 1 || !strings.Contains(errs, "LINGKUP_TIDAK_VALID") {
		t.Fatalf("unknown scope: %d %s", code, errs)
	}
	if code, _, _ := run(t, "long-enough-password\n", "user", "add", "--db", dsn, "--username", "aud", "--role", "auditor", "--password-stdin"); code != 0 {
		t.Fatal("password-stdin")
	}
	if code, _, errs := run(t, "", "user", "add", "--db", dsn, "--as", "dinsos-bogor", "--username", "xx3", "--role", "admin"); code != 1 || !strings.Contains(errs, "TIDAK_BERWENANG") {
		t.Fatalf("dinsos adding users: %d %s", code, errs)
	}
	code, out, _ = run(t, "", "token", "create", "--db", dsn, "--username", "aud", "--name", "ci", "--expires", "1h")
	if code != 0 || !strings.Contains(out, "tpt_") {
		t.Fatalf("token: %d %s", code, out)
	}
	if code, _, _ := run(t, "", "token", "revoke", "--db", dsn, "1"); code != 0 {
		t.Fatal("revoke")
	}
	if code, _, _ := run(t, "", "user", "disable", "--db", dsn, "dinsos-bogor"); code != 0 {
		t.Fatal("disable")
	}
	code, out, _ = run(t, "", "user", "list", "--db", dsn)
	if code != 0 || !strings.Contains(out, "disabled") || !strings.Contains(out, "wilayah 32.01") {
		t.Fatalf("list: %s", out)
	}
	code, out, _ = run(t, "", "audit", "list", "--db", dsn, "--action", "user.", "--json")
	if code != 0 || strings.Count(out, `"action": "user.`) != 3 {
		t.Fatalf("audit list: %s", out)
	}
	if code, out, _ := run(t, "", "audit", "verify", "--db", dsn, "--as", "aud"); code != 0 || !strings.Contains(out, "intact: 5 entries") {
		t.Fatalf("verify: %d %s", code, out)
	}
	// Edit one row behind Tepat's back: verify must name it and exit 1.
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	d.Exec(context.Background(), `UPDATE audit_log SET summary = 'disamarkan' WHERE seq = 3`)
	d.Close()
	if code, out, _ := run(t, "", "audit", "verify", "--db", dsn); code != 1 || !strings.Contains(out, "entry 3") {
		t.Fatalf("verify after tampering: %d %s", code, out)
	}
}
