package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run runs the CLI in-process and returns exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func tempDB(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "t.db") }

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
