package web_test

import (
	"bytes"
	"crypto/ed25519"
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
	"tepat/ledger"
	"tepat/registry"
	"tepat/synth"
	"tepat/terminal"
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
	{"ewarong1", tepat.RoleEWarong, []string{"M000001"}}, // the e-Warong in 32.01 of ledgerScopeFixture
	{"auditor1", tepat.RoleAuditor, nil},
	{"satgas1", tepat.RoleSatgas, []string{"32.01"}},
	{"humas1", tepat.RoleHumas, nil},
}

// TestScopeEveryRoleEveryEndpoint asks every registry, program and payout route,
// through the API and the pages, for data in 33 as every role, and checks
// the answer: national readers see it, readers scoped to 32.01 get 404
// exactly as for a family that does not exist, roles without registry
// access get 403 (or the login page). Program figures are aggregated, so
// every role reads them, but only within its scope; program and payout
// writes, cycle exports and payout downloads are refused (403) to roles
// without their permission, and bank users for another bank.
func TestScopeEveryRoleEveryEndpoint(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		id32, id33, kk32, kk33, v32 := seed(t, d)
		cycle := programFixture(t, d)
		f33, _ := registry.GetFamily(sysCtx, d, id33, true)
		nik33 := f33.Members[0].NIK
		ledgerScopeFixture(t, d, v32, f33.KodeWilayah)
		manifest33, conflict33 := offlineScopeFixture(t, d, cycle, f33.KodeWilayah)
		resolved33 := false // the conflict in 33 was decided (by pusat, the one role that reaches it)
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

				// The program routes of issue #5. Reads are aggregated
				// (stats.read, every role) and limited to the scope; each
				// write is refused with 403 before its body is looked at,
				// and the allowed role gets the body's refusal instead, so
				// nothing changes here.
				sees33Stats := a.InRegion("33.74.01.1001")
				gateOr := func(p auth.Permission, ok int) int {
					if auth.Can(a, p) {
						return ok
					}
					return http.StatusForbidden
				}
				cy := fmt.Sprintf("%d", cycle)
				// bankGate is gateOr for a route of another bank than a bank
				// user's own: refused to them as to roles without p.
				bankGate := func(p auth.Permission, bank string, ok int) int {
					if a.Bank != "" && a.Bank != bank {
						return http.StatusForbidden
					}
					return gateOr(p, ok)
				}
				csrfForm := func(kv ...string) url.Values {
					v := url.Values{"csrf": {csrf}}
					for i := 0; i+1 < len(kv); i += 2 {
						v.Set(kv[i], kv[i+1])
					}
					return v
				}
				// ask sends a route's request: through the API with the
				// token, or as a page with the session.
				ask := func(method, path string, api bool, ctype, body string, form url.Values) (*http.Response, string) {
					if api {
						return call(t, b, method, path, token, ctype, body)
					}
					return b.do(method, path, form)
				}
				for _, rt := range []struct {
					method, path string
					api          bool
					ctype, body  string
					form         url.Values
					want         int
					shows33      bool // the answer names province 33 when it is in scope
				}{
					{method: "GET", path: "/api/v1/programs", api: true, want: 200},
					{method: "POST", path: "/api/v1/programs", api: true, ctype: "application/yaml", body: "programs: []", want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/api/v1/programs/BANTU/preview?snapshot=2019-11", api: true, want: 200, shows33: true},
					{method: "GET", path: "/api/v1/quotas", api: true, want: 200},
					{method: "PUT", path: "/api/v1/quotas", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/api/v1/budgets", api: true, want: 200},
					{method: "PUT", path: "/api/v1/budgets", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/api/v1/cycles", api: true, want: 200},
					{method: "POST", path: "/api/v1/cycles", api: true, ctype: "application/json", body: `{"x": 1}`, want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/api/v1/cycles/" + cy, api: true, want: 200, shows33: true},
					{method: "POST", path: "/api/v1/cycles/999999/generate", api: true, want: gateOr(auth.PermProgramManage, 404)},
					{method: "POST", path: "/api/v1/cycles/999999/approve", api: true, want: gateOr(auth.PermCycleApprove, 404)},
					{method: "POST", path: "/api/v1/cycles/999999/cancel", api: true, want: gateOr(auth.PermProgramManage, 404)},
					{method: "POST", path: "/api/v1/cycles/999999/close", api: true, want: gateOr(auth.PermProgramManage, 404)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/export", api: true, want: gateOr(auth.PermExport, 200), shows33: true},
					{method: "GET", path: "/program", want: 200},
					{method: "GET", path: "/program?program=BANTU&snapshot=2019-11", want: 200, shows33: true},
					{method: "POST", path: "/program", form: csrfForm("catalog", "programs: []"), want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/kuota", want: 200},
					{method: "POST", path: "/kuota", form: csrfForm("program", "BANTU", "year", "2019", "region", "33"), want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/anggaran", want: 200},
					{method: "POST", path: "/anggaran", form: csrfForm("program", "BANTU", "year", "2019"), want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/siklus", want: 200},
					{method: "POST", path: "/siklus", form: csrfForm("program", "BANTU", "year", "2019", "period", "x"), want: gateOr(auth.PermProgramManage, 400)},
					{method: "GET", path: "/siklus/" + cy, want: 200, shows33: true},
					{method: "POST", path: "/siklus/999999/hitung", form: csrfForm(), want: gateOr(auth.PermProgramManage, 404)},
					{method: "POST", path: "/siklus/999999/setujui", form: csrfForm(), want: gateOr(auth.PermCycleApprove, 404)},
					{method: "POST", path: "/siklus/999999/batalkan", form: csrfForm(), want: gateOr(auth.PermProgramManage, 404)},
					{method: "POST", path: "/siklus/999999/tutup", form: csrfForm(), want: gateOr(auth.PermProgramManage, 404)},
					{method: "POST", path: "/siklus/" + cy + "/ekspor", form: csrfForm(), want: gateOr(auth.PermExport, 200), shows33: true},

					// The payout routes of issue #6. The cycle is APPROVED,
					// not exported: roles allowed get the state's refusal
					// (409), never a first export from a download.
					{method: "GET", path: "/api/v1/bank-routes", api: true, want: 200},
					{method: "PUT", path: "/api/v1/bank-routes", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermPayoutManage, 400)},
					{method: "GET", path: "/api/v1/banks/BRI/account-requests", api: true, want: gateOr(auth.PermAccountManage, 200)},
					{method: "GET", path: "/api/v1/banks/BNI/account-requests", api: true, want: bankGate(auth.PermAccountManage, "BNI", 200)},
					{method: "POST", path: "/api/v1/banks/BRI/accounts", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermAccountManage, 400)},
					{method: "POST", path: "/api/v1/banks/BNI/accounts", api: true, ctype: "application/json", body: "{}", want: bankGate(auth.PermAccountManage, "BNI", 400)},
					{method: "POST", path: "/api/v1/banks/BRI/reports", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermPayoutReport, 400)},
					{method: "POST", path: "/api/v1/banks/BNI/reports", api: true, ctype: "application/json", body: "{}", want: bankGate(auth.PermPayoutReport, "BNI", 400)},
					{method: "POST", path: "/api/v1/cycles/999999/payouts", api: true, want: gateOr(auth.PermPayoutManage, 404)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/payouts/manifest.json", api: true, want: gateOr(auth.PermPayoutReport, 409)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/payouts/" + cy + "-BRI.csv", api: true, want: gateOr(auth.PermPayoutReport, 409)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/payouts/" + cy + "-BNI.csv", api: true, want: bankGate(auth.PermPayoutReport, "BNI", 409)},
					{method: "POST", path: "/api/v1/cycles/" + cy + "/reconcile", api: true, want: gateOr(auth.PermPayoutReconcile, 409)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/exceptions.csv", api: true, want: gateOr(auth.PermPayoutReconcile, 409)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/exceptions.xlsx", api: true, want: gateOr(auth.PermPayoutReconcile, 409)},
					{method: "GET", path: "/penyaluran", want: 200},
					{method: "POST", path: "/penyaluran/rute", form: csrfForm("program", "BANTU", "region", "33", "bank", "BCA"), want: gateOr(auth.PermPayoutManage, 400)},
					{method: "POST", path: "/penyaluran/permintaan-rekening", form: csrfForm("bank", "BRI"), want: gateOr(auth.PermAccountManage, 200)},
					{method: "POST", path: "/penyaluran/permintaan-rekening", form: csrfForm("bank", "BNI"), want: bankGate(auth.PermAccountManage, "BNI", 200)},
					{method: "POST", path: "/penyaluran/rekening", form: csrfForm("bank", "BRI"), want: gateOr(auth.PermAccountManage, 400)},
					{method: "POST", path: "/penyaluran/laporan", form: csrfForm("bank", "BRI"), want: gateOr(auth.PermPayoutReport, 400)},
					{method: "POST", path: "/siklus/999999/pembayaran", form: csrfForm(), want: gateOr(auth.PermPayoutManage, 404)},
					{method: "POST", path: "/siklus/" + cy + "/pembayaran/manifest.json", form: csrfForm(), want: gateOr(auth.PermPayoutReport, 409)},
					{method: "GET", path: "/siklus/" + cy + "/rekonsiliasi", want: gateOr(auth.PermPayoutReconcile, 200)},
					{method: "POST", path: "/siklus/" + cy + "/rekonsiliasi", form: csrfForm(), want: gateOr(auth.PermPayoutReconcile, 409)},
					{method: "POST", path: "/siklus/" + cy + "/pengecualian.csv", form: csrfForm(), want: gateOr(auth.PermPayoutReconcile, 409)},
					{method: "POST", path: "/siklus/" + cy + "/pengecualian.xlsx", form: csrfForm(), want: gateOr(auth.PermPayoutReconcile, 409)},

					// Re-issues, returned funds, realization and the close
					// check. Returns and realization are figures (stats.read,
					// every role, within the scope); re-issues and their files
					// are pusat's, the close check program.manage's. No batch
					// exists (404). A bank user's realization counts the
					// payouts sent to its bank: none yet, so no province.
					{method: "POST", path: "/api/v1/cycles/999999/reissues", api: true, want: gateOr(auth.PermPayoutManage, 404)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/reissues/1/manifest.json", api: true, want: gateOr(auth.PermPayoutManage, 404)},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/returns", api: true, want: 200},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/realization?level=province", api: true, want: 200, shows33: a.Bank == ""},
					{method: "GET", path: "/api/v1/cycles/" + cy + "/close-check", api: true, want: gateOr(auth.PermProgramManage, 200)},
					{method: "POST", path: "/siklus/999999/pembayaran-ulang", form: csrfForm(), want: gateOr(auth.PermPayoutManage, 404)},
					{method: "POST", path: "/siklus/" + cy + "/pembayaran-ulang/1/manifest.json", form: csrfForm(), want: gateOr(auth.PermPayoutManage, 404)},
					{method: "GET", path: "/siklus/" + cy + "/realisasi?level=province", want: 200, shows33: a.Bank == ""},
				} {
					what := rt.method + " " + rt.path
					resp, body := ask(rt.method, rt.path, rt.api, rt.ctype, rt.body, rt.form)
					status := resp.StatusCode
					expect(what, status, rt.want)
					if status != 200 {
						continue
					}
					named := strings.Contains(body, `"code": "33"`) || strings.Contains(body, "Jawa Tengah") || strings.Contains(body, ",33.74.")
					if rt.shows33 && named != sees33Stats {
						t.Errorf("%s: names province 33: %v, in scope: %v", what, named, sees33Stats)
					}
					if strings.Contains(body, kk33) && !auth.Can(a, auth.PermExport) {
						t.Errorf("%s leaked a full KK number", what)
					}
				}

				// The offline EDC routes. T000003 (M000002's, in 33) has a
				// manifest, a sync and an open conflict: a reader outside 33,
				// of another bank or another e-Warong gets 404 for them and
				// lists without them. Writes are refused with 403 before
				// their body is looked at. Pusat alone reaches them: making
				// a manifest for families already reserved is refused (409),
				// the conflict is decided once, closing twice changes
				// nothing. These run before the e-Warong routes below, which
				// disable M000002. The terminals' own routes take no session
				// or token: every role gets the terminal's refusal.
				//
				// Who sees M000002 sees its terminals T000002 and T000003: m2
				// is the answer of a route about them, m2Write of one that
				// also takes permission p.
				readsLedger := auth.Can(a, auth.PermLedgerRead)
				seesM2 := readsLedger && a.InRegion(f33.KodeWilayah) && (a.Bank == "" || a.Bank == "BNI") && r.role != tepat.RoleEWarong
				m2 := func(ok int) int {
					switch {
					case !readsLedger:
						return http.StatusForbidden
					case !seesM2:
						return http.StatusNotFound
					}
					return ok
				}
				m2Write := func(p auth.Permission, ok int) int {
					if !auth.Can(a, p) {
						return http.StatusForbidden
					}
					return m2(ok)
				}
				resolveWant := m2Write(auth.PermTerminalManage, http.StatusOK)
				if resolveWant == http.StatusOK && resolved33 {
					resolveWant = http.StatusConflict
				}
				openT3 := "T000003" // in the open queue until decided
				if resolved33 {
					openT3 = ""
				}
				newManifest := fmt.Sprintf(`{"terminal": "T000003", "cycle": %d, "region": "33.74"}`, cycle)
				unknownTerminal := `{"terminal": "T999999", "cycle": 1, "time": "` + time.Now().UTC().Format(time.RFC3339) + `"}`
				for _, rt := range []struct {
					method, path string
					api          bool
					ctype, body  string
					form         url.Values
					want         int
					names        string // a 200 answer names it exactly when T000003 is in scope
				}{
					{method: "POST", path: "/api/v1/terminal/sync", api: true, ctype: "application/json",
						body: `{"terminal": "T999999", "entries": [{"body": "e30=", "signature": "x"}]}`, want: http.StatusUnauthorized},
					{method: "POST", path: "/api/v1/terminal/sync", api: true, ctype: "application/json", body: `{"terminal": `, want: http.StatusBadRequest},
					{method: "POST", path: "/api/v1/terminal/manifests", api: true, ctype: "application/json", body: unknownTerminal, want: http.StatusUnauthorized},
					{method: "POST", path: "/api/v1/terminal/manifests/close", api: true, ctype: "application/json",
						body: `{"terminal": "T999999", "manifest": "F000001", "last_seq": 0, "time": "` + time.Now().UTC().Format(time.RFC3339) + `"}`, want: http.StatusUnauthorized},
					{method: "GET", path: "/api/v1/manifests", api: true, want: gateOr(auth.PermLedgerRead, 200), names: manifest33},
					{method: "GET", path: "/api/v1/manifests?terminal=T000003", api: true, want: gateOr(auth.PermLedgerRead, 200), names: manifest33},
					{method: "POST", path: "/api/v1/manifests", api: true, ctype: "application/json", body: `{"x": 1}`, want: gateOr(auth.PermTerminalManage, 400)},
					{method: "GET", path: "/api/v1/manifests/" + manifest33, api: true, want: m2Write(auth.PermTerminalManage, 200)},
					{method: "GET", path: "/api/v1/manifests/F999999", api: true, want: gateOr(auth.PermTerminalManage, 404)},
					{method: "POST", path: "/api/v1/manifests", api: true, ctype: "application/json", body: newManifest, want: m2Write(auth.PermTerminalManage, 409)},
					{method: "GET", path: "/api/v1/offline/conflicts", api: true, want: gateOr(auth.PermLedgerRead, 200), names: openT3},
					{method: "GET", path: "/api/v1/offline/conflicts?all=1", api: true, want: gateOr(auth.PermLedgerRead, 200), names: "T000003"},
					{method: "POST", path: "/api/v1/offline/conflicts/999999/resolve", api: true, ctype: "application/json",
						body: `{"decision": "DICATAT", "note": "x"}`, want: gateOr(auth.PermTerminalManage, 404)},
					{method: "POST", path: fmt.Sprintf("/api/v1/offline/conflicts/%d/resolve", conflict33), api: true, ctype: "application/json",
						body: `{"decision": "DICATAT", "note": "uji cakupan"}`, want: resolveWant},
					{method: "GET", path: "/api/v1/offline/chains", api: true, want: gateOr(auth.PermLedgerRead, 200), names: "T000003"},
					{method: "GET", path: "/offline", want: gateOr(auth.PermLedgerRead, 200), names: "T000003"},
					{method: "GET", path: "/offline?semua=1", want: gateOr(auth.PermLedgerRead, 200), names: "T000003"},
					{method: "GET", path: "/offline?terminal=T000003", want: gateOr(auth.PermLedgerRead, 200), names: manifest33},
					{method: "POST", path: "/offline/manifes", form: csrfForm("terminal", "T000003", "cycle", cy, "region", "33.74"), want: m2Write(auth.PermTerminalManage, 409)},
					{method: "POST", path: "/offline/manifes", form: csrfForm("terminal", "T000003", "cycle", "x"), want: gateOr(auth.PermTerminalManage, 400)},
					{method: "POST", path: fmt.Sprintf("/offline/konflik/%d", conflict33), form: csrfForm("decision", "DITOLAK", "note", "x"), want: m2Write(auth.PermTerminalManage, 409)},
					{method: "POST", path: "/offline/konflik/999999", form: csrfForm("decision", "DITOLAK", "note", "x"), want: gateOr(auth.PermTerminalManage, 404)},
					{method: "POST", path: "/api/v1/manifests/" + manifest33 + "/release", api: true, want: m2Write(auth.PermTerminalManage, 200)},
					{method: "POST", path: "/api/v1/manifests/F999999/release", api: true, want: gateOr(auth.PermTerminalManage, 404)},
					{method: "POST", path: "/offline/manifes/" + manifest33 + "/tutup", form: csrfForm(), want: m2Write(auth.PermTerminalManage, 303)},
					{method: "POST", path: "/offline/manifes/F999999/tutup", form: csrfForm(), want: gateOr(auth.PermTerminalManage, 404)},
				} {
					what := rt.method + " " + rt.path
					resp, body := ask(rt.method, rt.path, rt.api, rt.ctype, rt.body, rt.form)
					expect(what, resp.StatusCode, rt.want)
					if strings.HasSuffix(rt.path, fmt.Sprintf("/%d/resolve", conflict33)) && resp.StatusCode == http.StatusOK {
						resolved33 = true
					}
					if resp.StatusCode != 200 || rt.names == "" {
						continue
					}
					if strings.Contains(body, rt.names) != seesM2 {
						t.Errorf("%s: names %s: %v, in scope: %v", what, rt.names, !seesM2, seesM2)
					}
					if rt.path == "/offline" && strings.Contains(body, `action="/offline/manifes"`) != auth.Can(a, auth.PermTerminalManage) {
						t.Errorf("%s: manifest form shown to %s: %v", what, r.role, !auth.Can(a, auth.PermTerminalManage))
					}
				}

				// The e-Warong and ledger routes. M000002 is BNI's, in 33:
				// a reader outside 33, of another bank or another e-Warong
				// gets 404 for it, exactly as for one that does not exist,
				// and lists without it. Each write is refused with 403
				// before its body is looked at. Disabling M000002 and
				// revoking its terminal (pusat) changes nothing the later
				// roles expect; twice changes nothing at all.
				nationalLedger := readsLedger && a.National() && a.Bank == "" && r.role != tepat.RoleEWarong
				checkWant := http.StatusForbidden
				if nationalLedger {
					checkWant = http.StatusOK
				}
				for _, rt := range []struct {
					method, path string
					api          bool
					ctype, body  string
					form         url.Values
					want         int
					listsM2      bool // a 200 answer names M000002 exactly when it is in scope
				}{
					{method: "GET", path: "/api/v1/merchants", api: true, want: gateOr(auth.PermLedgerRead, 200), listsM2: true},
					{method: "GET", path: "/api/v1/merchants?region=33", api: true, want: gateOr(auth.PermLedgerRead, 200), listsM2: true},
					{method: "POST", path: "/api/v1/merchants", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermMerchantManage, 400)},
					{method: "GET", path: "/api/v1/merchants/M000002", api: true, want: m2(200)},
					{method: "GET", path: "/api/v1/merchants/M999999", api: true, want: gateOr(auth.PermLedgerRead, 404)},
					{method: "POST", path: "/api/v1/merchants/M000002/disable", api: true, want: m2Write(auth.PermMerchantManage, 200)},
					{method: "GET", path: "/api/v1/merchants/M000002/sales", api: true, want: m2(200)},
					{method: "GET", path: "/api/v1/merchants/M000002/settlements", api: true, want: m2(200)},
					{method: "GET", path: "/api/v1/terminals", api: true, want: gateOr(auth.PermLedgerRead, 200), listsM2: true},
					{method: "GET", path: "/api/v1/terminals?merchant=M000002", api: true, want: m2(200)},
					{method: "POST", path: "/api/v1/terminals", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermTerminalManage, 400)},
					{method: "POST", path: "/api/v1/terminals/T000002/revoke", api: true, want: m2Write(auth.PermTerminalManage, 200)},
					{method: "GET", path: "/api/v1/ledger/check", api: true, want: checkWant},
					{method: "GET", path: "/api/v1/ledger/overview", api: true, want: gateOr(auth.PermStatsRead, 200)},
					{method: "GET", path: "/api/v1/price-flags", api: true, want: gateOr(auth.PermLedgerRead, 200)},
					{method: "GET", path: "/api/v1/price-flags?merchant=M000002", api: true, want: m2(200)},
					{method: "POST", path: "/api/v1/settlements", api: true, ctype: "application/json", body: "{}", want: gateOr(auth.PermLedgerManage, 400)},
					{method: "POST", path: "/api/v1/prices", api: true, ctype: "text/csv", body: "x", want: gateOr(auth.PermLedgerManage, 400)},
					{method: "GET", path: "/ewarong", want: gateOr(auth.PermLedgerRead, 200), listsM2: true},
					{method: "GET", path: "/ewarong?wilayah=33", want: gateOr(auth.PermLedgerRead, 200), listsM2: true},
					{method: "POST", path: "/ewarong", form: csrfForm("type", "EWARONG", "bank", "BNI"), want: gateOr(auth.PermMerchantManage, 400)},
					{method: "GET", path: "/ewarong/M000002", want: m2(200), listsM2: true},
					{method: "POST", path: "/ewarong/M000002/nonaktif", form: csrfForm(), want: m2Write(auth.PermMerchantManage, 303)},
					{method: "POST", path: "/terminal/T000002/cabut", form: csrfForm(), want: m2Write(auth.PermTerminalManage, 303)},
					{method: "POST", path: "/terminal/T000001/cabut", form: csrfForm(), want: gateOr(auth.PermTerminalManage, 303)},
					{method: "GET", path: "/buku-besar", want: gateOr(auth.PermLedgerRead, 200)},
					{method: "POST", path: "/buku-besar/penyelesaian", form: csrfForm("date", "x"), want: gateOr(auth.PermLedgerManage, 400)},
					{method: "POST", path: "/buku-besar/harga", form: csrfForm(), want: gateOr(auth.PermLedgerManage, 400)},
				} {
					what := rt.method + " " + rt.path
					resp, body := ask(rt.method, rt.path, rt.api, rt.ctype, rt.body, rt.form)
					expect(what, resp.StatusCode, rt.want)
					if resp.StatusCode != 200 {
						continue
					}
					if rt.listsM2 && strings.Contains(body, "M000002") != seesM2 {
						t.Errorf("%s: names M000002: %v, in scope: %v", what, !seesM2, seesM2)
					}
					// The ledger check is shown to national readers only.
					if rt.path == "/buku-besar" && strings.Contains(body, `id="check"`) != nationalLedger {
						t.Errorf("%s: check shown: %v, national: %v", what, !nationalLedger, nationalLedger)
					}
				}
			})
		}
	})
}

// ledgerScopeFixture adds two e-Warong with a terminal each: M000001
// (BRI) in village v32 with T000001, M000002 (BNI) in village v33 with
// T000002.
func ledgerScopeFixture(t *testing.T, d *db.DB, v32, v33 string) {
	t.Helper()
	for _, m := range []ledger.NewMerchant{
		{Name: "e-Warong Sukamaju", Type: ledger.TypeEWarong, Village: v32, Bank: "BRI"},
		{Name: "RPK Semarang", Type: ledger.TypeRPK, Village: v33, Bank: "BNI"},
	} {
		added, err := ledger.AddMerchant(sysCtx, d, m)
		if err != nil {
			t.Fatal(err)
		}
		pub, _, _ := ed25519.GenerateKey(nil)
		if _, err := ledger.RegisterTerminal(sysCtx, d, added.ID, pub); err != nil {
			t.Fatal(err)
		}
	}
}

// offlineScopeFixture gives M000002 (in village v33) a third terminal,
// T000003, with a manifest of cycle's families in v33's city and a sync
// of one entry for a family not in it: an open conflict. It returns the
// manifest's id and the conflict's.
func offlineScopeFixture(t *testing.T, d *db.DB, cycle int64, v33 string) (string, int64) {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(nil)
	tm, err := ledger.RegisterTerminal(sysCtx, d, "M000002", pub)
	if err != nil || tm.ID != "T000003" {
		t.Fatalf("terminal %+v %v", tm, err)
	}
	server, err := ledger.ServerKey(sysCtx, d)
	if err != nil {
		t.Fatal(err)
	}
	_, info, err := ledger.CreateManifest(sysCtx, d, server, ledger.ManifestSpec{Terminal: tm.ID, Cycle: cycle, Region: v33[:5]})
	if err != nil {
		t.Fatal(err)
	}
	se, _ := terminal.SignEntry(key, terminal.Entry{Terminal: tm.ID, Seq: 1, Prev: terminal.HexHash(terminal.GenesisHash), Manifest: info.ID,
		KK: "3374999999999999", Amount: 1000, Time: time.Now().Add(-time.Minute)})
	res, err := ledger.Sync(sysCtx, d, terminal.Upload{Terminal: tm.ID, Entries: []terminal.SignedEntry{se}}, ledger.SyncConfig{})
	if err != nil || len(res.Conflicts) != 1 {
		t.Fatalf("sync %+v %v", res, err)
	}
	cs, err := ledger.Conflicts(sysCtx, d, false)
	if err != nil || len(cs) != 1 {
		t.Fatalf("conflicts %+v %v", cs, err)
	}
	return info.ID, cs[0].ID
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
