package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/web"
)

var sysCtx = tepat.WithActor(context.Background(), tepat.System)

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, b.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, sb.String()
}

// post sends body with a content type as the browser's session.
func (b *browser) post(path, contentType, body string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf field in page")
	}
	return m[1]
}

// login signs in through the login form and returns the page's CSRF token.
func (b *browser) login(user, password string) string {
	b.t.Helper()
	_, body := b.do("GET", "/masuk", nil)
	resp, body := b.do("POST", "/masuk", url.Values{"username": {user}, "password": {password}, "csrf": {csrfOf(b.t, body)}, "next": {"/audit"}})
	if resp.StatusCode != 303 {
		b.t.Fatalf("login as %s: %d %s", user, resp.StatusCode, body)
	}
	_, body = b.do("GET", "/", nil)
	return csrfOf(b.t, body)
}

func addUser(t *testing.T, s *auth.Store, name string, role tepat.Role, scopes ...string) string {
	t.Helper()
	_, pw, err := s.CreateUser(sysCtx, auth.NewUser{Username: name, Role: role, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

// testUser is a user a test creates: a name, a role and its scopes.
type testUser struct {
	name   string
	role   tepat.Role
	scopes []string
}

// addUsers creates users and returns their passwords and API tokens by
// name.
func addUsers(t *testing.T, d *db.DB, users ...testUser) (pw, tok map[string]string) {
	t.Helper()
	s := auth.New(d)
	pw, tok = map[string]string{}, map[string]string{}
	for _, u := range users {
		pw[u.name] = addUser(t, s, u.name, u.role, u.scopes...)
		_, secret, err := s.CreateToken(sysCtx, u.name, "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tok[u.name] = secret
	}
	return pw, tok
}

func TestLoginFlow(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		pw := addUser(t, auth.New(d), "auditor1", tepat.RoleAuditor)
		b := newBrowser(t, srv)

		t.Run("AnonymousIsSentToLogin", func(t *testing.T) {
			resp, _ := b.do("GET", "/audit", nil)
			if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/masuk?next=") {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
		t.Run("MissingCSRFRefused", func(t *testing.T) {
			resp, _ := newBrowser(t, srv).do("POST", "/masuk", url.Values{"username": {"auditor1"}, "password": {pw}})
			if resp.StatusCode != 403 {
				t.Fatalf("%d", resp.StatusCode)
			}
		})
		t.Run("WrongPasswordSameAsUnknownUser", func(t *testing.T) {
			bb := newBrowser(t, srv)
			_, page := bb.do("GET", "/masuk", nil)
			tok := csrfOf(t, page)
			r1, b1 := bb.do("POST", "/masuk", url.Values{"username": {"auditor1"}, "password": {"salah-sekali"}, "csrf": {tok}})
			r2, b2 := bb.do("POST", "/masuk", url.Values{"username": {"tidakada"}, "password": {"salah-sekali"}, "csrf": {tok}})
			if r1.StatusCode != 401 || r2.StatusCode != 401 || !strings.Contains(b1, "nama pengguna atau kata sandi salah") || !strings.Contains(b2, "nama pengguna atau kata sandi salah") {
				t.Fatalf("%d %d", r1.StatusCode, r2.StatusCode)
			}
		})
		var csrf string
		t.Run("LoginSetsSafeCookie", func(t *testing.T) {
			_, page := b.do("GET", "/masuk", nil)
			resp, _ := b.do("POST", "/masuk", url.Values{"username": {"auditor1"}, "password": {pw}, "csrf": {csrfOf(t, page)}, "next": {"/audit"}})
			cookie := resp.Header.Get("Set-Cookie")
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/audit" || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
				t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Location"), cookie)
			}
			resp, body := b.do("GET", "/audit", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "auth.login") {
				t.Fatalf("audit page: %d", resp.StatusCode)
			}
			csrf = csrfOf(t, body)
		})
		t.Run("LogoutNeedsCSRF", func(t *testing.T) {
			if resp, _ := b.do("POST", "/keluar", url.Values{}); resp.StatusCode != 403 {
				t.Fatalf("logout without csrf: %d", resp.StatusCode)
			}
			if resp, _ := b.do("POST", "/keluar", url.Values{"csrf": {csrf}}); resp.StatusCode != 303 {
				t.Fatalf("logout: %d", resp.StatusCode)
			}
			if resp, _ := b.do("GET", "/audit", nil); resp.StatusCode != 303 {
				t.Fatalf("still signed in after logout: %d", resp.StatusCode)
			}
		})
		t.Run("TamperedCookieIsAnonymous", func(t *testing.T) {
			bb := newBrowser(t, srv)
			resp, _ := bb.do("GET", "/audit", nil, "Cookie", "tepat_session=forged-value")
			if resp.StatusCode != 303 {
				t.Fatalf("%d", resp.StatusCode)
			}
		})
	})
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		s := auth.New(d)
		addUser(t, s, "auditor1", tepat.RoleAuditor)
		addUser(t, s, "humas1", tepat.RoleHumas)
		_, auditorTok, _ := s.CreateToken(sysCtx, "auditor1", "t", time.Hour)
		_, humasTok, _ := s.CreateToken(sysCtx, "humas1", "t", time.Hour)
		tok, revokedTok, _ := s.CreateToken(sysCtx, "auditor1", "r", time.Hour)
		s.RevokeToken(sysCtx, tok.ID)
		b := newBrowser(t, srv)
		for _, tc := range []struct {
			name, auth string
			status     int
			code       string
		}{
			{"NoCredentials", "", 401, "BELUM_MASUK"},
			{"Garbage", "Bearer nonsense", 401, "TOKEN_TIDAK_VALID"},
			{"NotBearer", "Basic abc", 401, "TOKEN_TIDAK_VALID"},
			{"Revoked", "Bearer " + revokedTok, 401, "TOKEN_TIDAK_VALID"},
			{"RoleMayNot", "Bearer " + humasTok, 403, "TIDAK_BERWENANG"},
			{"Allowed", "Bearer " + auditorTok, 200, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var hdr []string
				if tc.auth != "" {
					hdr = []string{"Authorization", tc.auth}
				}
				resp, body := b.do("GET", "/api/v1/audit", nil, hdr...)
				if resp.StatusCode != tc.status || !strings.Contains(body, tc.code) {
					t.Fatalf("%d %s", resp.StatusCode, body)
				}
				if tc.status >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("content type %s", resp.Header.Get("Content-Type"))
				}
			})
		}
		resp, body := b.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+humasTok)
		if resp.StatusCode != 200 || !strings.Contains(body, `"role": "humas"`) {
			t.Fatalf("me: %d %s", resp.StatusCode, body)
		}
	})
}

func TestOversizedBodyRefused(t *testing.T) {
	t.Parallel()
	srv := newServer(t, dbtest.Open(t, db.SQLite))
	b := newBrowser(t, srv)
	big := url.Values{"username": {strings.Repeat("a", 2<<20)}}
	resp, _ := b.do("POST", "/masuk", big)
	if resp.StatusCode < 400 {
		t.Fatalf("2 MB login form accepted: %d", resp.StatusCode)
	}
}

func TestAuditEntriesForWebLogins(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	srv := newServer(t, d)
	pw := addUser(t, auth.New(d), "admin1", tepat.RoleAdmin)
	newBrowser(t, srv).login("admin1", pw)
	es, _ := audit.List(context.Background(), d, audit.Filter{Action: "auth.login"})
	if len(es) != 1 || es[0].Actor != "admin1" || !strings.Contains(es[0].Summary, "127.0.0.1") {
		t.Fatalf("%+v", es)
	}
	b := newBrowser(t, srv)
	b.login("admin1", pw)
	if resp, body := b.do("GET", "/pengguna", nil); resp.StatusCode != 200 || !strings.Contains(body, "admin1") {
		t.Fatalf("users page: %d", resp.StatusCode)
	}
}

func TestSecureCookiesBehindProxy(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	s := web.New(d, nil)
	s.SecureCookies = true
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	pw := addUser(t, auth.New(d), "pusat1", tepat.RolePusat)
	b := newBrowser(t, srv)
	_, page := b.do("GET", "/masuk", nil)
	resp, _ := b.do("POST", "/masuk", url.Values{"username": {"pusat1"}, "password": {pw}, "csrf": {csrfOf(t, page)}})
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "; Secure") {
		t.Fatalf("session cookie not Secure: %s", resp.Header.Get("Set-Cookie"))
	}
}
