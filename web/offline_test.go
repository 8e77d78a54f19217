package web_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/program"
	"tepat/region"
	"tepat/registry/registrytest"
	"tepat/terminal"
	"tepat/web"
)

// offlineCatalog is a cash program: Rp600,000 a family a quarter.
const offlineCatalog = `
programs:
  - code: TUNAI
    year: 2026
    periods_per_year: 4
    eligibility: "desil <= 10"
    benefit: {kind: flat, yearly: 2400000}
`

// untranslatedOffline matches an offline, e-Warong or menu key shown as
// itself.
var untranslatedOffline = regexp.MustCompile(`[> "](offline|ewarong|nav)\.[a-z_]+`)

// checkOfflinePage holds /offline to the rules of all pages.
func checkOfflinePage(t *testing.T, what, body string) {
	t.Helper()
	checkPage(t, what, body, untranslatedOffline)
}

// alertOf is a page's refusal, for a test's message.
func alertOf(body string) string {
	if i := strings.Index(body, `role="alert">`); i >= 0 {
		body = body[i:]
		return body[:strings.Index(body, "<")]
	}
	return "(no alert)"
}

// offlineCashCycle approves a cash cycle of every family loaded.
func offlineCashCycle(t *testing.T, d *db.DB) int64 {
	t.Helper()
	pa := tepat.WithActor(context.Background(), &tepat.Actor{Username: "pusat-a", Role: tepat.RolePusat})
	pb := tepat.WithActor(context.Background(), &tepat.Actor{Username: "pusat-b", Role: tepat.RolePusat})
	c, err := program.ParseCatalog(strings.NewReader(offlineCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(pa, d, c); err != nil {
		t.Fatal(err)
	}
	if _, err := program.SetBudget(pa, d, "TUNAI", 2026, 1e15); err != nil {
		t.Fatal(err)
	}
	cy, err := program.CreateCycle(pa, d, program.NewCycle{Program: "TUNAI", Year: 2026, Period: 4, Snapshot: "S1"})
	if err == nil {
		_, err = program.GenerateCycle(pa, d, cy.ID)
	}
	if err == nil {
		cy, err = program.ApproveCycle(pb, d, cy.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cy.ID
}

// offlineLog is a terminal's offline log: entries signed and chained as
// the EDC writes them.
type offlineLog struct {
	id   string
	key  ed25519.PrivateKey
	seq  int64
	prev []byte
	log  []terminal.SignedEntry
}

func (o *offlineLog) pay(manifest, kk string, amount int64) {
	o.seq++
	if o.prev == nil {
		o.prev = terminal.GenesisHash
	}
	se, h := terminal.SignEntry(o.key, terminal.Entry{Terminal: o.id, Seq: o.seq, Prev: terminal.HexHash(o.prev), Manifest: manifest,
		KK: kk, Amount: amount, Time: time.Now().Add(-time.Minute)})
	o.prev = h
	o.log = append(o.log, se)
}

// postRaw posts body to path without credentials, as a terminal does.
func postRaw(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestOfflinePagesAndAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		registrytest.Load(t, d, 6, "S1", "32.01", "33.74")
		cycle := offlineCashCycle(t, d)
		h := web.New(d, nil)
		srv := httptest.NewServer(h)
		t.Cleanup(h.Close)
		t.Cleanup(srv.Close)

		// M000001 (BRI, 32.01) with T000001; M000002 (BNI, 33.74) with
		// T000002.
		keys := map[string]ed25519.PrivateKey{}
		for _, m := range []ledger.NewMerchant{
			{Name: "Agen Soreang", Type: ledger.TypeAgen, Village: "32.01.01.1001", Bank: "BRI"},
			{Name: "Agen Semarang", Type: ledger.TypeAgen, Village: "33.74.01.1001", Bank: "BNI"},
		} {
			added, err := ledger.AddMerchant(sysCtx, d, m)
			if err != nil {
				t.Fatal(err)
			}
			pub, key, _ := ed25519.GenerateKey(nil)
			tm, err := ledger.RegisterTerminal(sysCtx, d, added.ID, pub)
			if err != nil {
				t.Fatal(err)
			}
			keys[tm.ID] = key
		}

		pw, tok := addUsers(t, d,
			testUser{"pusat1", tepat.RolePusat, nil},
			testUser{"dinsos1", tepat.RoleDinsos, []string{"32.01"}},
			testUser{"dinsos2", tepat.RoleDinsos, []string{"33.74"}},
			testUser{"ewarong1", tepat.RoleEWarong, []string{"M000001"}},
			testUser{"auditor1", tepat.RoleAuditor, nil})
		login := func(name string) (*browser, string) {
			b := newBrowser(t, srv)
			return b, b.login(name, pw[name])
		}
		api := newBrowser(t, srv)
		var serverKey ed25519.PublicKey
		{
			var k struct {
				PublicKey string `json:"public_key"`
			}
			if status, body := apiJSON(t, api, "GET", terminal.PathServerKey, "", "", &k); status != 200 {
				t.Fatalf("server key: %d %s", status, body)
			}
			serverKey, _ = base64.StdEncoding.DecodeString(k.PublicKey)
		}

		// F000001: through the API, T000001 in 32.01, by dinsos of 32.01.
		var m1 terminal.Manifest
		t.Run("ManifestThroughTheAPI", func(t *testing.T) {
			resp, body := call(t, api, "POST", "/api/v1/manifests", tok["dinsos1"], "application/json",
				fmt.Sprintf(`{"terminal": "T000001", "cycle": %d, "region": "32.01"}`, cycle))
			if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/manifests/F000001" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var err error
			if m1, err = terminal.OpenManifest(serverKey, []byte(body)); err != nil || m1.ID != "F000001" || m1.Kind != terminal.ManifestCash ||
				len(m1.Families) != 6 || m1.Total != 6*600000 {
				t.Fatalf("manifest %+v %v", m1, err)
			}
			// The Location answers the same signed manifest.
			again, body2 := call(t, api, "GET", "/api/v1/manifests/F000001", tok["dinsos1"], "", "")
			if again.StatusCode != 200 || body2 != body {
				t.Fatalf("GET the manifest: %d %.200s", again.StatusCode, body2)
			}
			status, body := apiJSON(t, api, "GET", "/api/v1/manifests/F000001", tok["dinsos2"], "", nil)
			wantProblem(t, "dinsos of 33.74 gets the manifest", status, body, 404, "MANIFES_TIDAK_DITEMUKAN")
			// dinsos of 33.74 cannot reach the terminal in 32.01: not
			// found, as if it did not exist.
			status, body = apiJSON(t, api, "POST", "/api/v1/manifests", tok["dinsos2"], fmt.Sprintf(`{"terminal": "T000001", "cycle": %d}`, cycle), nil)
			wantProblem(t, "dinsos of 33.74", status, body, 404, terminal.ReasonUnknownTerm)
			status, body = apiJSON(t, api, "POST", "/api/v1/manifests", tok["auditor1"], `{}`, nil)
			wantProblem(t, "auditor", status, body, 403, "TIDAK_BERWENANG")
			status, body = apiJSON(t, api, "POST", "/api/v1/manifests", tok["pusat1"], `{"terminal": "T000001", "siklus": 1}`, nil)
			wantProblem(t, "misspelt field", status, body, 400, "JSON_TIDAK_VALID")
			var list struct{ Manifests []ledger.ManifestInfo }
			if status, body := apiJSON(t, api, "GET", "/api/v1/manifests", tok["dinsos1"], "", &list); status != 200 || len(list.Manifests) != 1 ||
				list.Manifests[0].Families != 6 || list.Manifests[0].Status != ledger.ManifestActive {
				t.Fatalf("%d %s", status, body)
			}
		})

		// F000002: through the page form, T000002 in 33.74, by pusat.
		pusat, pusatCSRF := login("pusat1")
		until := time.Now().In(region.WIB.Location()).AddDate(0, 0, 10).Format("2006-01-02")
		var m2 terminal.Manifest
		t.Run("ManifestThroughThePageIsASignedDownload", func(t *testing.T) {
			_, body := pusat.do("GET", "/offline", nil)
			checkOfflinePage(t, "/offline", body)
			if !strings.Contains(body, `action="/offline/manifes"`) || !strings.Contains(body, `href="/offline"`) {
				t.Fatalf("no manifest form or menu link: %s", body)
			}
			form := url.Values{"csrf": {pusatCSRF}, "terminal": {"T000002"}, "cycle": {fmt.Sprint(cycle)}, "region": {"33.74"}, "valid_until": {until}}
			resp, body := pusat.do("POST", "/offline/manifes", form)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="manifest-F000002.json"` ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, alertOf(body))
			}
			var err error
			if m2, err = terminal.OpenManifest(serverKey, []byte(body)); err != nil || m2.Terminal != "T000002" || m2.Region != "33.74" || len(m2.Families) != 6 {
				t.Fatalf("manifest %+v %v", m2, err)
			}
			// Valid to the end of the date typed, WIB.
			day, _ := time.ParseInLocation("2006-01-02", until, region.WIB.Location())
			if !m2.ValidUntil.Equal(day.AddDate(0, 0, 1).Add(-time.Second)) {
				t.Fatalf("valid until %s for %s", m2.ValidUntil, until)
			}
			// The same families again: refused on the page with what was
			// typed; so is a cycle that is not a number.
			resp, body = pusat.do("POST", "/offline/manifes", form)
			checkOfflinePage(t, "refused manifest", body)
			if resp.StatusCode != 409 || !strings.Contains(body, "sudah dipesan untuk terminal lain") || !strings.Contains(body, `value="T000002"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			form.Set("cycle", "satu")
			if resp, body = pusat.do("POST", "/offline/manifes", form); resp.StatusCode != 400 || !strings.Contains(body, `value="satu"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			form.Del("csrf")
			if resp, _ := pusat.do("POST", "/offline/manifes", form); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
			// dinsos of 32.01 cannot make one for the terminal in 33.74.
			b, csrf := login("dinsos1")
			resp, body = b.do("POST", "/offline/manifes", url.Values{"csrf": {csrf}, "terminal": {"T000002"}, "cycle": {fmt.Sprint(cycle)}})
			if resp.StatusCode != 404 || strings.Contains(body, "Agen Semarang") {
				t.Fatalf("dinsos of 32.01 for 33.74: %d %s", resp.StatusCode, body)
			}
		})

		// T000001 pays two families offline: the first in full (applied),
		// the second beyond its allowance (a conflict). T000002 uploads 30
		// entries for families not in its manifest (conflicts in 33.74).
		t.Run("TerminalSyncs", func(t *testing.T) {
			o := &offlineLog{id: "T000001", key: keys["T000001"]}
			o.pay(m1.ID, m1.Families[0].KK, m1.Families[0].Allowance)
			o.pay(m1.ID, m1.Families[1].KK, m1.Families[1].Allowance+1)
			up, _ := json.Marshal(terminal.Upload{Terminal: o.id, Entries: o.log})
			var res terminal.SyncResult
			status, body := postRaw(t, srv.URL+terminal.PathSync, string(up))
			json.Unmarshal([]byte(body), &res)
			if status != 200 || res.Applied != 1 || res.LastSeq != 2 || len(res.Conflicts) != 1 || res.Conflicts[0].Code != terminal.ConflictAllowance {
				t.Fatalf("%d %s", status, body)
			}
			o2 := &offlineLog{id: "T000002", key: keys["T000002"]}
			for i := range 30 {
				o2.pay(m2.ID, fmt.Sprintf("3374%012d", i), 1000)
			}
			up, _ = json.Marshal(terminal.Upload{Terminal: o2.id, Entries: o2.log})
			status, body = postRaw(t, srv.URL+terminal.PathSync, string(up))
			json.Unmarshal([]byte(body), &res)
			if status != 200 || res.Applied != 0 || len(res.Conflicts) != 30 || res.Conflicts[0].Code != terminal.ConflictNotListed {
				t.Fatalf("%d %.300s", status, body)
			}
			// An unknown terminal and a malformed upload are refused.
			up, _ = json.Marshal(terminal.Upload{Terminal: "T999999", Entries: o.log})
			status, body = postRaw(t, srv.URL+terminal.PathSync, string(up))
			wantProblem(t, "unknown terminal", status, body, 401, terminal.ReasonUnknownTerm)
			status, body = postRaw(t, srv.URL+terminal.PathSync, `{"terminal": "T000001", "entries": [`)
			wantProblem(t, "malformed upload", status, body, 400, terminal.ReasonBadJSON)
			var chains struct{ Chains []ledger.ChainInfo }
			if status, body := apiJSON(t, api, "GET", "/api/v1/offline/chains", tok["pusat1"], "", &chains); status != 200 || len(chains.Chains) != 2 {
				t.Fatalf("%d %s", status, body)
			}
		})

		var conflict ledger.Conflict
		t.Run("DinsosOfTheRegionResolvesThroughThePage", func(t *testing.T) {
			b, csrf := login("dinsos1")
			resp, body := b.do("GET", "/offline", nil)
			checkOfflinePage(t, "/offline as dinsos", body)
			if resp.StatusCode != 200 || !strings.Contains(body, terminal.ConflictAllowance) || strings.Contains(body, "T000002") ||
				strings.Contains(body, terminal.ConflictNotListed) || !strings.Contains(body, `action="/offline/manifes/F000001/tutup"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var list struct{ Conflicts []ledger.Conflict }
			if status, body := apiJSON(t, api, "GET", "/api/v1/offline/conflicts", tok["dinsos1"], "", &list); status != 200 || len(list.Conflicts) != 1 {
				t.Fatalf("%d %s", status, body)
			}
			conflict = list.Conflicts[0]
			action := fmt.Sprintf("/offline/konflik/%d", conflict.ID)
			if !strings.Contains(body, `action="`+action+`"`) {
				t.Fatalf("no resolve form: %s", body)
			}
			// Without a note: refused on the page, the decision kept.
			resp, body = b.do("POST", action, url.Values{"csrf": {csrf}, "decision": {"DIBAYAR_MANUAL"}, "note": {" "}})
			checkOfflinePage(t, "refused decision", body)
			if resp.StatusCode != 400 || !strings.Contains(body, "catatan keputusan wajib diisi") || !strings.Contains(body, `<option value="DIBAYAR_MANUAL" selected>`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, _ = b.do("POST", action, url.Values{"csrf": {csrf}, "decision": {"DIBAYAR_MANUAL"}, "note": {"dibayar di kantor pos"}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/offline?selesai=putus#conflicts" {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = b.do("GET", "/offline?selesai=putus", nil)
			if !strings.Contains(body, "Keputusan konflik dicatat") || strings.Contains(body, `action="`+action+`"`) || !strings.Contains(body, "Tidak ada konflik.") {
				t.Fatalf("after the decision: %s", body)
			}
			_, body = b.do("GET", "/offline?semua=1", nil)
			if !strings.Contains(body, "Dibayar manual: dibayar di kantor pos") || !strings.Contains(body, "dinsos1 ·") {
				t.Fatalf("all conflicts: %s", body)
			}
			// Once only.
			if resp, body := b.do("POST", action, url.Values{"csrf": {csrf}, "decision": {"DITOLAK"}, "note": {"x"}}); resp.StatusCode != 409 || !strings.Contains(body, "sudah diputuskan") {
				t.Fatalf("twice: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("DinsosOfAnotherRegionDoesNotSeeIt", func(t *testing.T) {
			b, csrf := login("dinsos2")
			_, body := b.do("GET", "/offline?semua=1", nil)
			checkOfflinePage(t, "/offline as dinsos of 33.74", body)
			if strings.Contains(body, "T000001") || strings.Contains(body, "M000001") || strings.Contains(body, terminal.ConflictAllowance) ||
				!strings.Contains(body, "T000002") {
				t.Fatalf("dinsos of 33.74 sees 32.01: %s", body)
			}
			path := fmt.Sprintf("/api/v1/offline/conflicts/%d/resolve", conflict.ID)
			status, body := apiJSON(t, api, "POST", path, tok["dinsos2"], `{"decision": "DITOLAK", "note": "bukan wilayah saya"}`, nil)
			wantProblem(t, "resolve from 33.74", status, body, 404, "KONFLIK_TIDAK_DITEMUKAN")
			status, body = apiJSON(t, api, "POST", "/api/v1/offline/conflicts/abc/resolve", tok["dinsos2"], `{}`, nil)
			wantProblem(t, "resolve a bad id", status, body, 404, "KONFLIK_TIDAK_DITEMUKAN")
			if resp, _ := b.do("POST", fmt.Sprintf("/offline/konflik/%d", conflict.ID), url.Values{"csrf": {csrf}, "decision": {"DITOLAK"}, "note": {"x"}}); resp.StatusCode != 404 {
				t.Fatalf("page resolve from 33.74: %d", resp.StatusCode)
			}
			status, body = apiJSON(t, api, "POST", "/api/v1/manifests/F000001/release", tok["dinsos2"], "", nil)
			wantProblem(t, "release from 33.74", status, body, 404, "MANIFES_TIDAK_DITEMUKAN")
			// Resolving one of its own through the API.
			var list struct{ Conflicts []ledger.Conflict }
			apiJSON(t, api, "GET", "/api/v1/offline/conflicts", tok["dinsos2"], "", &list)
			var c ledger.Conflict
			if len(list.Conflicts) != 30 {
				t.Fatalf("dinsos of 33.74: %d conflicts", len(list.Conflicts))
			}
			path = fmt.Sprintf("/api/v1/offline/conflicts/%d/resolve", list.Conflicts[0].ID)
			if status, body := apiJSON(t, api, "POST", path, tok["dinsos2"], `{"decision": "dicatat", "note": "uji"}`, &c); status != 200 || c.Decision != "DICATAT" || c.ResolvedBy != "dinsos2" {
				t.Fatalf("%d %s", status, body)
			}
		})

		t.Run("EWarongSeesOnlyItsShop", func(t *testing.T) {
			b, _ := login("ewarong1")
			resp, body := b.do("GET", "/offline?semua=1", nil)
			checkOfflinePage(t, "/offline as ewarong", body)
			if resp.StatusCode != 200 || !strings.Contains(body, "T000001") || strings.Contains(body, "T000002") || strings.Contains(body, "F000002") ||
				strings.Contains(body, `action="/offline/`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var chains struct{ Chains []ledger.ChainInfo }
			if status, body := apiJSON(t, api, "GET", "/api/v1/offline/chains", tok["ewarong1"], "", &chains); status != 200 || len(chains.Chains) != 1 || chains.Chains[0].Terminal != "T000001" {
				t.Fatalf("%d %s", status, body)
			}
			if resp, _ := b.do("POST", "/offline/manifes/F000001/tutup", url.Values{"csrf": {csrfOf(t, body)}}); resp.StatusCode != 403 {
				t.Fatalf("ewarong closes a manifest: %d", resp.StatusCode)
			}
		})

		t.Run("ListsAreCapped", func(t *testing.T) {
			resp, body := pusat.do("GET", "/offline", nil)
			checkOfflinePage(t, "/offline with 29 open conflicts", body)
			if resp.StatusCode != 200 || strings.Count(body, `action="/offline/konflik/`) != 25 || !strings.Contains(body, "Tidak ditampilkan: 4") {
				t.Fatalf("%d %d forms %s", resp.StatusCode, strings.Count(body, `action="/offline/konflik/`), body)
			}
			// One terminal's manifests.
			_, body = pusat.do("GET", "/offline?terminal=T000002", nil)
			if !strings.Contains(body, "<code>F000002</code>") || strings.Contains(body, "<code>F000001</code>") {
				t.Fatalf("manifests of T000002: %s", body)
			}
		})

		t.Run("ReleaseThroughThePage", func(t *testing.T) {
			resp, _ := pusat.do("POST", "/offline/manifes/F000002/tutup", url.Values{"csrf": {pusatCSRF}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/offline?selesai=tutup#manifests" {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body := pusat.do("GET", "/offline?selesai=tutup", nil)
			if !strings.Contains(body, "Manifes ditutup.") || !strings.Contains(body, "Ditutup") || strings.Contains(body, `action="/offline/manifes/F000002/tutup"`) ||
				!strings.Contains(body, `action="/offline/manifes/F000001/tutup"`) {
				t.Fatalf("after release: %s", body)
			}
			// Its families may be reserved again; the API closes the other.
			var info ledger.ManifestInfo
			if status, body := apiJSON(t, api, "POST", "/api/v1/manifests/F000001/release", tok["dinsos1"], "", &info); status != 200 || info.Status != ledger.ManifestClosed || info.Spent != m1.Families[0].Allowance {
				t.Fatalf("%d %s", status, body)
			}
			if resp, _ := pusat.do("POST", "/offline/manifes/F999999/tutup", url.Values{"csrf": {pusatCSRF}}); resp.StatusCode != 404 {
				t.Fatalf("unknown manifest: %d", resp.StatusCode)
			}
		})

		t.Run("PagesInBothLanguages", func(t *testing.T) {
			for _, who := range []string{"pusat1", "auditor1"} {
				b, _ := login(who)
				for _, lang := range []string{"id", "en"} {
					b.do("GET", "/lang?to="+lang+"&back=/", nil)
					for _, path := range []string{"/offline", "/offline?semua=1"} {
						resp, body := b.do("GET", path, nil)
						checkOfflinePage(t, lang+" "+path, body)
						if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="`+lang+`">`) {
							t.Errorf("%s %s: %d", lang, path, resp.StatusCode)
						}
						if who == "auditor1" && strings.Contains(body, `method="post" action="/offline`) {
							t.Errorf("auditor sees a form: %s", path)
						}
					}
				}
			}
		})
	})
}
