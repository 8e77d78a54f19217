package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

// seed loads a few families into 32.01 and 33.74 and returns one family of
// each: its id and full KK number.
func seed(t *testing.T, d *db.DB) (id32, id33 int64, kk32, kk33, v32 string) {
	t.Helper()
	for i, code := range []string{"32.01", "33.74"} {
		var buf bytes.Buffer
		synth.WriteHouseholds(&buf, synth.Options{Families: 15, Seed: uint64(i + 5), Region: code})
		path := filepath.Join(t.TempDir(), "h.csv")
		os.WriteFile(path, buf.Bytes(), 0o644)
		if _, err := registry.Import(sysCtx, d, path, registry.ImportOptions{Now: synth.DefaultReference}); err != nil {
			t.Fatal(err)
		}
	}
	fs, _ := registry.ListFamilies(sysCtx, d, registry.Query{Limit: 500})
	for _, f := range fs {
		full, _ := registry.GetFamily(sysCtx, d, f.ID, true)
		if strings.HasPrefix(f.KodeWilayah, "32.01.") && id32 == 0 {
			id32, kk32, v32 = f.ID, full.NoKK, f.KodeWilayah
		}
		if strings.HasPrefix(f.KodeWilayah, "33.74.") && id33 == 0 {
			id33, kk33 = f.ID, full.NoKK
		}
	}
	return
}

// roles are the users of the scope test: every role, regional ones scoped
// inside 32.01.
var roles = []struct {
	name   string
	role   tepat.Role
	scopes []string
}{
	{"admin1", tepat.RoleAdmin, nil},
	{"pusat1", tepat.RolePusat, nil},
	{"dinsos1", tepat.RoleDinsos, []string{"32.01"}},
	{"pendamping1", tepat.RolePendamping, []string{"32.01.01"}},
	{"bank1", tepat.RoleBank, []string{"BRI"}},
	{"ewarong1", tepat.RoleEWarong, []string{"EW-1"}},
	{"auditor1", tepat.RoleAuditor, nil},
	{"satgas1", tepat.RoleSatgas, []string{"32.01"}},
	{"humas1", tepat.RoleHumas, nil},
}

// TestScopeEveryRoleEveryEndpoint asks every registry route, through the
// API and the pages, for data in 33 as every role, and checks the answer:
// national readers see it, readers scoped to 32.01 get 404 exactly as for
// a family that does not exist, roles without registry access get 403 (or
// the login page).
func TestScopeEveryRoleEveryEndpoint(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		id32, id33, kk32, kk33, v32 := seed(t, d)
		f33, _ := registry.GetFamily(sysCtx, d, id33, true)
		nik33 := f33.Members[0].NIK
		s := auth.New(d)
		for _, r := range roles {
			pw := addUser(t, s, r.name, r.role, r.scopes...)
			_, token, err := s.CreateToken(sysCtx, r.name, "test", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			a := (&auth.User{Username: r.name, Role: r.role, Scopes: r.scopes}).Actor()
			readsRegistry := auth.Can(a, auth.PermRegistryRead)
			reveals := auth.Can(a, auth.PermRevealPII)
			sees33 := readsRegistry && a.InRegion("33.74.01.1001")
			t.Run(r.name, func(t *testing.T) {
				b := newBrowser(t, srv)
				csrf := b.login(r.name, pw)
				bearer := []string{"Authorization", "Bearer " + token}
				expect := func(what string, got, want int) {
					t.Helper()
					if got != want {
						t.Errorf("%s: status %d, want %d", what, got, want)
					}
				}
				itemStatus := func(visible bool) int {
					switch {
					case !readsRegistry:
						return http.StatusForbidden
					case !visible:
						return http.StatusNotFound
					}
					return http.StatusOK
				}
				// API, with a token.
				resp, body := b.do("GET", "/api/v1/families/"+kk33, nil, bearer...)
				expect("API family in 33", resp.StatusCode, itemStatus(sees33))
				if strings.Contains(body, kk33) {
					t.Errorf("API family in 33 leaked its full KK number")
				}
				resp, _ = b.do("GET", "/api/v1/families/"+kk32, nil, bearer...)
				expect("API family in 32.01", resp.StatusCode, itemStatus(a.InRegion(v32)))
				resp, _ = b.do("GET", "/api/v1/families/"+kk33+"?reveal=1", nil, bearer...)
				want := itemStatus(sees33)
				if readsRegistry && !reveals {
					want = http.StatusForbidden
				}
				expect("API reveal in 33", resp.StatusCode, want)
				resp, body = b.do("GET", "/api/v1/families?region=33", nil, bearer...)
				expect("API list of 33", resp.StatusCode, itemStatus(sees33))
				if sees33 != strings.Contains(body, "33.74.") {
					t.Errorf("API list of 33: visible=%v but body says otherwise", sees33)
				}
				resp, body = b.do("GET", "/api/v1/families", nil, bearer...)
				expect("API list of own scope", resp.StatusCode, itemStatus(true))
				if readsRegistry && strings.Contains(body, "33.74.") != sees33 {
					t.Errorf("API list of own scope shows 33: %v", !sees33)
				}
				resp, _ = b.do("GET", "/api/v1/registry/stats?region=33", nil, bearer...)
				statsWant := http.StatusOK
				if !a.InRegion("33.74.01.1001") {
					statsWant = http.StatusNotFound
				}
				expect("API stats of 33", resp.StatusCode, statsWant)

				// Pages, with the session.
				resp, body = b.do("GET", fmt.Sprintf("/keluarga/%d", id33), nil)
				want = itemStatus(sees33)
				expect("page family in 33", resp.StatusCode, want)
				if want != 200 && strings.Contains(body, "33.74.") {
					t.Errorf("page family in 33 leaked its region")
				}
				resp, _ = b.do("GET", fmt.Sprintf("/keluarga/%d", id32+id33+1000), nil)
				expect("page missing family", resp.StatusCode, itemStatus(false))
				resp, body = b.do("POST", fmt.Sprintf("/keluarga/%d/buka", id33), url.Values{"csrf": {csrf}})
				want = itemStatus(sees33)
				if readsRegistry && !reveals {
					want = http.StatusForbidden
				}
				expect("page reveal in 33", resp.StatusCode, want)
				if want != 200 && strings.Contains(body, kk33) {
					t.Errorf("page reveal leaked the KK number")
				}
				resp, body = b.do("GET", "/keluarga?region=33", nil)
				expect("page list of 33", resp.StatusCode, itemStatus(sees33))
				if !sees33 && strings.Contains(body, "33.74.") {
					t.Errorf("page list of 33 leaked families")
				}
				// The registry routes of issue #4, each as the same role.
				for _, path := range []string{
					"/api/v1/persons/" + nik33,
					"/api/v1/families/" + kk33 + "/history",
					"/api/v1/duplicates?region=33",
					"/api/v1/proposals?region=33",
				} {
					resp, body := b.do("GET", path, nil, bearer...)
					expect("API "+strings.SplitN(path, "?", 2)[0], resp.StatusCode, itemStatus(sees33))
					if !sees33 && (strings.Contains(body, nik33) || strings.Contains(body, "33.74.")) {
						t.Errorf("%s leaked data of 33", path)
					}
				}
				for _, path := range []string{"/duplikat?region=33", "/usulan?region=33"} {
					resp, body := b.do("GET", path, nil)
					expect("page "+path, resp.StatusCode, itemStatus(sees33))
					if !sees33 && strings.Contains(body, "33.74.") {
						t.Errorf("%s leaked data of 33", path)
					}
				}

				// Role-gated national routes.
				gate := func(p auth.Permission) int {
					if auth.Can(a, p) {
						return http.StatusOK
					}
					return http.StatusForbidden
				}
				resp, _ = b.do("GET", "/api/v1/audit", nil, bearer...)
				expect("API audit", resp.StatusCode, gate(auth.PermAuditRead))
				resp, _ = b.do("GET", "/audit", nil)
				expect("page audit", resp.StatusCode, gate(auth.PermAuditRead))
				resp, _ = b.do("GET", "/pengguna", nil)
				expect("page users", resp.StatusCode, gate(auth.PermUserManage))
				resp, body = b.do("GET", "/api/v1/me", nil, bearer...)
				expect("API me", resp.StatusCode, http.StatusOK)
				if !strings.Contains(body, `"role": "`+string(r.role)+`"`) {
					t.Errorf("API me: %s", body)
				}
				resp, body = b.do("GET", "/wilayah/33", nil)
				expect("region page 33", resp.StatusCode, http.StatusOK)
				if !a.InRegion("33.74.01.1001") && strings.Contains(body, "Kota Semarang</text>") {
					t.Errorf("region page of 33 shows registry figures out of scope")
				}
			})
		}
	})
}

func TestRegistryNeedsCredentials(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	srv := newServer(t, d)
	_, _, kk32, _, _ := seed(t, d)
	b := newBrowser(t, srv)
	for _, path := range []string{"/api/v1/families/" + kk32, "/api/v1/families", "/api/v1/registry/stats"} {
		if resp, _ := b.do("GET", path, nil); resp.StatusCode != 401 {
			t.Errorf("%s without credentials: %d", path, resp.StatusCode)
		}
	}
	if resp, _ := b.do("GET", "/keluarga", nil); resp.StatusCode != 303 {
		t.Errorf("families page without session: %d", resp.StatusCode)
	}
}
