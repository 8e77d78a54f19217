package web_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
	"tepat/synth"
)

// snapshotSeed loads families into 32.01 and 33.74, snapshots them as
// 2019-11, adds three families in 35.78 and snapshots again as 2019-12.
func snapshotSeed(t *testing.T, d *db.DB) {
	t.Helper()
	seed(t, d)
	if _, err := registry.CreateSnapshot(sysCtx, d, "2019-11"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	synth.WriteHouseholds(&buf, synth.Options{Families: 3, Seed: 9, Region: "35.78"})
	path := filepath.Join(t.TempDir(), "h.csv")
	os.WriteFile(path, buf.Bytes(), 0o644)
	if st, err := registry.Import(sysCtx, d, path, registry.ImportOptions{Now: synth.DefaultReference}); err != nil || st.FamiliesAccepted != 3 {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := registry.CreateSnapshot(sysCtx, d, "2019-12"); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		snapshotSeed(t, d)
		s := auth.New(d)
		bearer := func(name string, role tepat.Role, scopes ...string) []string {
			addUser(t, s, name, role, scopes...)
			_, token, err := s.CreateToken(sysCtx, name, "test", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return []string{"Authorization", "Bearer " + token}
		}
		pusat := bearer("pusat1", tepat.RolePusat)
		dinsos := bearer("dinsos1", tepat.RoleDinsos, "32.01")
		humas := bearer("humas1", tepat.RoleHumas)
		b := newBrowser(t, srv)

		t.Run("List", func(t *testing.T) {
			resp, body := b.do("GET", "/api/v1/snapshots", nil, pusat...)
			var out struct{ Snapshots []registry.Snapshot }
			if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 || len(out.Snapshots) != 2 ||
				out.Snapshots[0].Label != "2019-12" || *out.Snapshots[0].Families != 33 || *out.Snapshots[1].Families != 30 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = b.do("GET", "/api/v1/snapshots", nil, dinsos...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"2019-11"`) || strings.Contains(body, `"families"`) {
				t.Fatalf("scoped user: %d %s", resp.StatusCode, body)
			}
			if resp, _ := b.do("GET", "/api/v1/snapshots", nil); resp.StatusCode != 401 {
				t.Fatalf("anonymous: %d", resp.StatusCode)
			}
		})
		t.Run("One", func(t *testing.T) {
			resp, body := b.do("GET", "/api/v1/snapshots/2019-11", nil, humas...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"families": 30`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = b.do("GET", "/api/v1/snapshots/2000-01", nil, humas...)
			if resp.StatusCode != 404 || !strings.Contains(body, "SNAPSHOT_TIDAK_DITEMUKAN") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
		t.Run("DiffPages", func(t *testing.T) {
			type page struct {
				Diff     registry.Diff
				Families []registry.DiffFamily
				Next     int64
			}
			get := func(path string, hdr []string) (int, page) {
				resp, body := b.do("GET", path, nil, hdr...)
				var p page
				json.Unmarshal([]byte(body), &p)
				return resp.StatusCode, p
			}
			status, p := get("/api/v1/snapshots/2019-11/diff/2019-12", pusat)
			if status != 200 || p.Diff.Added != 3 || len(p.Families) != 3 || p.Next != 0 || !strings.HasPrefix(p.Families[0].KodeWilayah, "35.78.") {
				t.Fatalf("%d %+v", status, p)
			}
			status, p = get("/api/v1/snapshots/2019-11/diff/2019-12?limit=2", pusat)
			if status != 200 || len(p.Families) != 2 || p.Next != p.Families[1].ID || p.Diff.Added != 3 {
				t.Fatalf("%d %+v", status, p)
			}
			_, p = get("/api/v1/snapshots/2019-12/diff/2019-11?after="+strconv.FormatInt(p.Next, 10), pusat)
			if len(p.Families) != 1 || !p.Diff.Swapped || p.Diff.Added != 3 {
				t.Fatalf("second page: %+v", p)
			}
			status, p = get("/api/v1/snapshots/2019-11/diff/2019-12", dinsos)
			if status != 200 || p.Diff.Added != 0 || len(p.Families) != 0 {
				t.Fatalf("scoped elsewhere: %d %+v", status, p)
			}
			if status, _ := get("/api/v1/snapshots/2019-11/diff/2019-12", humas); status != 403 {
				t.Fatalf("humas: %d", status)
			}
			if status, _ := get("/api/v1/snapshots/2019-11/diff/nope", pusat); status != 404 {
				t.Fatalf("unknown: %d", status)
			}
		})
	})
}

func TestSnapshotPages(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		snapshotSeed(t, d)
		s := auth.New(d)
		login := func(name string, role tepat.Role, scopes ...string) (*browser, string) {
			pw := addUser(t, s, name, role, scopes...)
			b := newBrowser(t, srv)
			return b, b.login(name, pw)
		}
		pusat, csrf := login("pusat1", tepat.RolePusat)

		t.Run("PusatCreates", func(t *testing.T) {
			resp, body := pusat.do("GET", "/snapshot", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="/snapshot"`) || !strings.Contains(body, "2019-12") ||
				!strings.Contains(body, `href="/snapshot/2019-11/diff/2019-12"`) || !strings.Contains(body, "<td class=\"n\">33</td>") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, _ = pusat.do("POST", "/snapshot", url.Values{"label": {"2020-01"}, "csrf": {csrf}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/snapshot?dibuat=2020-01" {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = pusat.do("GET", "/snapshot?dibuat=2020-01", nil)
			if !strings.Contains(body, `role="status"`) {
				t.Fatal("no confirmation")
			}
			if _, body = pusat.do("GET", "/snapshot?dibuat=bohong", nil); strings.Contains(body, `role="status"`) {
				t.Fatal("a crafted confirmation was shown")
			}
		})
		t.Run("RefusedLabelsShowTheReason", func(t *testing.T) {
			resp, body := pusat.do("POST", "/snapshot", url.Values{"label": {"2020-01"}, "csrf": {csrf}})
			if resp.StatusCode != 409 || !strings.Contains(body, "sudah ada") || !strings.Contains(body, `value="2020-01"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat.do("POST", "/snapshot", url.Values{"label": {"<script>"}, "csrf": {csrf}})
			if resp.StatusCode != 400 || strings.Contains(body, "<script>") {
				t.Fatalf("%d", resp.StatusCode)
			}
			if resp, _ := pusat.do("POST", "/snapshot", url.Values{"label": {"2020-02"}}); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
		})
		t.Run("DinsosSeesNoFormAndCannotPost", func(t *testing.T) {
			dinsos, dcsrf := login("dinsos1", tepat.RoleDinsos, "32.01")
			resp, body := dinsos.do("GET", "/snapshot", nil)
			if resp.StatusCode != 200 || strings.Contains(body, `action="/snapshot"`) || strings.Contains(body, ">33<") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if resp, _ := dinsos.do("POST", "/snapshot", url.Values{"label": {"2020-03"}, "csrf": {dcsrf}}); resp.StatusCode != 403 {
				t.Fatalf("dinsos created a snapshot: %d", resp.StatusCode)
			}
			resp, body = dinsos.do("GET", "/snapshot/2019-11/diff/2019-12", nil)
			if resp.StatusCode != 200 || strings.Contains(body, "35.78.") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
		t.Run("HumasListsButCannotDiff", func(t *testing.T) {
			humas, _ := login("humas1", tepat.RoleHumas)
			if resp, body := humas.do("GET", "/snapshot", nil); resp.StatusCode != 200 || strings.Contains(body, "/diff/") {
				t.Fatalf("%d", resp.StatusCode)
			}
			if resp, _ := humas.do("GET", "/snapshot/2019-11/diff/2019-12", nil); resp.StatusCode != 403 {
				t.Fatalf("%d", resp.StatusCode)
			}
		})
		t.Run("AnonymousGoesToLogin", func(t *testing.T) {
			if resp, _ := newBrowser(t, srv).do("GET", "/snapshot", nil); resp.StatusCode != 303 {
				t.Fatalf("%d", resp.StatusCode)
			}
		})
		t.Run("DiffPageInBothLanguages", func(t *testing.T) {
			for _, lang := range []string{"id", "en"} {
				resp, body := pusat.do("GET", "/snapshot/2019-12/diff/2019-11", nil, "Cookie", "lang="+lang)
				if resp.StatusCode != 200 || strings.Count(body, "35.78.") != 3 || len(body) > 100<<10 || strings.Contains(body, "<script") || strings.Contains(body, "style=") {
					t.Fatalf("%s: %d %s", lang, resp.StatusCode, body)
				}
				for _, path := range []string{"/snapshot/2019-12/diff/2019-11", "/snapshot"} {
					_, body := pusat.do("GET", path, nil, "Cookie", "lang="+lang)
					if strings.Contains(body, ">snapshot.") || strings.Contains(body, " snapshot.") || strings.Contains(body, ">nav.") {
						t.Errorf("%s %s shows an untranslated key", lang, path)
					}
				}
			}
		})
	})
}
