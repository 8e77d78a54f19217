package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tepat/db/dbtest"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestDemoSessionLogsNoPersonalData runs `serve --demo` on both engines,
// walks through the pages as several demo users — searching, opening
// families, revealing numbers, failing a login — and then checks that no
// NIK, KK number or name from the registry appears in any log line.
func TestDemoSessionLogsNoPersonalData(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo dataset")
	}
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dbtest.DSN(t, e)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			app := &App{Stdout: io.Discard, Stderr: logs}
			cmd := app.rootCmd()
			cmd.SetArgs([]string{"version", "--db", dsn, "--log-level", "debug"})
			cmd.Execute()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- app.serve(ctx, ln, true) }()
			base := "http://" + ln.Addr().String()
			waitHealthy(t, base)

			var seen []string // full numbers and names the session saw
			for _, user := range []string{"dinsos", "auditor", "pusat", "humas"} {
				jar, _ := cookiejar.New(nil)
				c := &http.Client{Jar: jar}
				body := fetch(t, c, "GET", base+"/masuk", nil)
				fetch(t, c, "POST", base+"/masuk", url.Values{"username": {user}, "password": {"wrong-password!"}, "csrf": {csrfField.FindStringSubmatch(body)[1]}})
				body = fetch(t, c, "GET", base+"/masuk", nil)
				fetch(t, c, "POST", base+"/masuk", url.Values{"username": {user}, "password": {demoPassword(user)}, "csrf": {csrfField.FindStringSubmatch(body)[1]}})
				list := fetch(t, c, "GET", base+"/keluarga?q=a", nil)
				fetch(t, c, "GET", base+"/wilayah/32.01", nil)
				fetch(t, c, "GET", base+"/api/v1/registry/stats?region=32", nil)
				for _, m := range regexp.MustCompile(`href="/keluarga/(\d+)"`).FindAllStringSubmatch(list, 3) {
					page := fetch(t, c, "GET", base+"/keluarga/"+m[1], nil)
					if tok := csrfField.FindStringSubmatch(page); tok != nil && strings.Contains(page, "/buka") {
						page = fetch(t, c, "POST", base+"/keluarga/"+m[1]+"/buka", url.Values{"csrf": {tok[1]}})
						seen = append(seen, regexp.MustCompile(`<code>(\d{16})</code>`).FindAllString(page, -1)...)
					}
					for _, n := range regexp.MustCompile(`<td>([A-Z][A-Z' .]+)</td>`).FindAllStringSubmatch(page, -1) {
						seen = append(seen, n[1])
					}
				}
				// A NIK typed into the login form as a user name.
				body = fetch(t, c, "GET", base+"/masuk", nil)
				if tok := csrfField.FindStringSubmatch(body); tok != nil {
					fetch(t, c, "POST", base+"/masuk", url.Values{"username": {"3201014507900001"}, "password": {"x"}, "csrf": {tok[1]}})
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			out := logs.String()
			if len(seen) < 10 {
				t.Fatalf("the session saw too little personal data to check (%d items)", len(seen))
			}
			if m := regexp.MustCompile(`\d{16}`).FindString(out); m != "" {
				i := strings.Index(out, m)
				t.Errorf("a 16-digit number reached the logs: %s… in %q", m[:4], strings.ReplaceAll(out[max(0, i-300):i], m, "")) // context only
			}
			for _, s := range seen {
				s = strings.Trim(strings.TrimPrefix(strings.TrimSuffix(s, "</code>"), "<code>"), " ")
				if len(s) >= 6 && strings.Contains(out, s) {
					t.Errorf("personal data reached the logs: %q", s)
				}
			}
			if !strings.Contains(out, `"route":"GET /keluarga/{id}"`) {
				t.Fatalf("the logs did not record the session at all:\n%s", out)
			}
		})
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	// The demo loads before the server answers: two minutes covers a
	// loaded machine running the race detector.
	for i := 0; i < 2400; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) string {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s: %d", method, u, resp.StatusCode)
	}
	return string(b)
}
