package web_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
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
	"tepat/ledger/ledgertest"
	"tepat/terminal"
	"tepat/web"
)

// ewarongNoon is the servers' clock in these tests: 10 February 2026,
// 12:00 WIB, a day of the test wallet program's year that has ended.
var ewarongNoon = time.Date(2026, 2, 10, 5, 0, 0, 0, time.UTC)

// untranslatedLedger matches an e-Warong or ledger message key shown as
// itself.
var untranslatedLedger = regexp.MustCompile(`[> "](ewarong|ledger|family|nav)\.[a-z_]+`)

// checkLedgerPage holds an e-Warong or ledger page to the rules of all
// pages: under 100 KB, no inline script or style, every key translated.
func checkLedgerPage(t *testing.T, what, body string) {
	t.Helper()
	checkPage(t, what, body, untranslatedLedger)
}

// edc is a registered terminal's key, signing requests to the server's
// terminal API as the EDC does.
type edc struct {
	t   *testing.T
	srv *httptest.Server
	id  string
	key ed25519.PrivateKey
	n   int
}

// send posts a signed body to path and returns the status and body.
func (e *edc) send(path, prefix string, body []byte) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(terminal.SignatureHeader, terminal.Sign(e.key, prefix, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

// buy sells items "category:qty:unit:price" to card and returns the tx id.
func (e *edc) buy(card string, items ...string) (string, int, string) {
	e.t.Helper()
	e.n++
	p := terminal.Purchase{Tx: fmt.Sprintf("tx-%d", e.n), Terminal: e.id, Card: card, Program: ledgertest.Program, Time: ewarongNoon}
	for _, it := range items {
		i, err := terminal.ParseItem(it)
		if err != nil {
			e.t.Fatal(err)
		}
		p.Items = append(p.Items, i)
	}
	p.Total, _ = terminal.SumItems(p.Items)
	body, _ := json.Marshal(p)
	status, ans := e.send(terminal.PathPurchase, terminal.PurchasePrefix, body)
	return p.Tx, status, ans
}

func (e *edc) void(of string) (int, string) {
	e.t.Helper()
	e.n++
	body, _ := json.Marshal(terminal.Void{Tx: fmt.Sprintf("tx-%d", e.n), Terminal: e.id, VoidOf: of, Time: ewarongNoon})
	return e.send(terminal.PathVoid, terminal.VoidPrefix, body)
}

func TestEWarongPagesAndAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		world := ledgertest.Fund(t, d, 4, "32.01", "33.74")
		clock := func() time.Time { return ewarongNoon }
		h := web.New(d, nil)
		h.Now = clock
		h.LedgerConfig = ledger.Config{Clock: clock}
		srv := httptest.NewServer(h)
		t.Cleanup(h.Close)
		t.Cleanup(srv.Close)

		pw, tok := addUsers(t, d,
			testUser{"pusat1", tepat.RolePusat, nil},
			testUser{"dinsos1", tepat.RoleDinsos, []string{"32.01"}},
			testUser{"ewarong1", tepat.RoleEWarong, []string{"M000001"}},
			testUser{"bank1", tepat.RoleBank, []string{"BNI"}},
			testUser{"auditor1", tepat.RoleAuditor, nil})
		login := func(name string) (*browser, string) {
			b := newBrowser(t, srv)
			return b, b.login(name, pw[name])
		}
		pusat, pusatCSRF := login("pusat1")
		api := newBrowser(t, srv)

		// M000001 through the form (pusat), M000002 through the API
		// (dinsos, in 32.01), M000003 through the API (pusat, in 33).
		t.Run("AddMerchantThroughTheForm", func(t *testing.T) {
			_, body := pusat.do("GET", "/ewarong", nil)
			checkLedgerPage(t, "/ewarong", body)
			if !strings.Contains(body, `action="/ewarong"`) || !strings.Contains(body, `<option value="RPK"`) {
				t.Fatal("no add form for pusat")
			}
			resp, body := pusat.do("POST", "/ewarong", url.Values{"csrf": {pusatCSRF}, "name": {"e-Warong Sukamaju"},
				"type": {"EWARONG"}, "village": {"32.01.01.1001"}, "bank": {"BRI"}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/ewarong/M000001?selesai=tambah" {
				t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			resp, body = pusat.do("GET", "/ewarong/M000001?selesai=tambah", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "e-Warong Sukamaju") || !strings.Contains(body, "e-Warong ditambahkan") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			// A refusal is shown on the page with what was typed.
			resp, body = pusat.do("POST", "/ewarong", url.Values{"csrf": {pusatCSRF}, "name": {"Warung Kedua"},
				"type": {"EWARONG"}, "village": {"32.01"}, "bank": {"BRI"}})
			if resp.StatusCode != 400 || !strings.Contains(body, "harus kode desa") || !strings.Contains(body, `value="Warung Kedua"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			dinsos, csrf := login("dinsos1")
			resp, body = dinsos.do("POST", "/ewarong", url.Values{"csrf": {csrf}, "name": {"Warung Semarang"},
				"type": {"RPK"}, "village": {"33.74.01.1001"}, "bank": {"BNI"}})
			if resp.StatusCode != 403 || !strings.Contains(body, "di luar wilayah") || !strings.Contains(body, `value="33.74.01.1001"`) {
				t.Fatalf("dinsos outside region: %d %s", resp.StatusCode, body)
			}
			if resp, _ := pusat.do("POST", "/ewarong", url.Values{"name": {"x"}}); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
		})
		t.Run("AddMerchantThroughTheAPI", func(t *testing.T) {
			var m ledger.Merchant
			status, body := apiJSON(t, api, "POST", "/api/v1/merchants", tok["dinsos1"],
				`{"name": "RPK Soreang", "type": "RPK", "village": "32.01.01.1001", "bank": "BRI"}`, &m)
			if status != 201 || m.ID != "M000002" || m.CreatedBy != "dinsos1" || m.Status != ledger.StatusActive {
				t.Fatalf("%d %s", status, body)
			}
			status, body = apiJSON(t, api, "POST", "/api/v1/merchants", tok["dinsos1"],
				`{"name": "Agen Semarang", "type": "AGEN", "village": "33.74.01.1001", "bank": "BNI"}`, nil)
			wantProblem(t, "dinsos outside region", status, body, 403, "DI_LUAR_WILAYAH")
			status, body = apiJSON(t, api, "POST", "/api/v1/merchants", tok["pusat1"],
				`{"name": "Agen Semarang", "type": "AGEN", "village": "33.74.01.1001", "bank": "BNI"}`, &m)
			if status != 201 || m.ID != "M000003" {
				t.Fatalf("%d %s", status, body)
			}
			status, body = apiJSON(t, api, "POST", "/api/v1/merchants", tok["pusat1"], `{"name": "x", "tipe": "RPK"}`, nil)
			wantProblem(t, "misspelt field", status, body, 400, "JSON_TIDAK_VALID")
			status, body = apiJSON(t, api, "POST", "/api/v1/merchants", tok["auditor1"], `{}`, nil)
			wantProblem(t, "auditor", status, body, 403, "TIDAK_BERWENANG")
		})

		// Terminals, prices, then sales at M000001 through the terminal API.
		terms := map[string]*edc{}
		t.Run("RegisterTerminals", func(t *testing.T) {
			for _, m := range []string{"M000001", "M000003"} {
				pub, key, _ := ed25519.GenerateKey(nil)
				var tm ledger.Terminal
				status, body := apiJSON(t, api, "POST", "/api/v1/terminals", tok["pusat1"],
					fmt.Sprintf(`{"merchant": %q, "public_key": %q}`, m, base64.StdEncoding.EncodeToString(pub)), &tm)
				if status != 201 || tm.Merchant != m || !bytes.Equal(tm.PublicKey, pub) {
					t.Fatalf("%d %s", status, body)
				}
				terms[m] = &edc{t: t, srv: srv, id: tm.ID, key: key}
			}
			status, body := apiJSON(t, api, "POST", "/api/v1/terminals", tok["pusat1"], `{"merchant": "M000001", "public_key": "bm90IGEga2V5"}`, nil)
			wantProblem(t, "short key", status, body, 400, "KUNCI_TIDAK_VALID")
			status, body = apiJSON(t, api, "POST", "/api/v1/terminals", tok["dinsos1"],
				`{"merchant": "M000003", "public_key": "`+base64.StdEncoding.EncodeToString(make([]byte, 32))+`"}`, nil)
			wantProblem(t, "dinsos for a merchant in 33", status, body, 404, "EWARONG_TIDAK_DITEMUKAN")
		})
		t.Run("LoadPricesThroughTheAPI", func(t *testing.T) {
			resp, body := call(t, api, "POST", "/api/v1/prices", tok["pusat1"], "text/csv", "provinsi,kategori,satuan,harga\n32,beras,kg,12000\n32,telur,butir,2000\n")
			if resp.StatusCode != 200 || !strings.Contains(body, `"loaded": 2`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = call(t, api, "POST", "/api/v1/prices", tok["pusat1"], "text/csv", "provinsi,kategori,satuan,harga\n32,beras,kg,12000\n99,beras,kg,1\n")
			var p struct {
				Code     string
				Problems []struct {
					Line int
					Code string
				}
			}
			json.Unmarshal([]byte(body), &p)
			if resp.StatusCode != 400 || len(p.Problems) != 1 || p.Problems[0].Line != 3 || p.Problems[0].Code != "PROVINSI_TIDAK_DIKENAL" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
		card := world.Cards[0].Number
		t.Run("SalesThroughTheTerminalAPI", func(t *testing.T) {
			e := terms["M000001"]
			first, status, body := e.buy(card, "beras:5:kg:12000")
			if status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			// Above the reference by more than 10%: flagged.
			if _, status, body := e.buy(world.Cards[1].Number, "beras:2:kg:14000", "telur:10:butir:2000"); status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := e.void(first); status != 200 {
				t.Fatalf("void: %d %s", status, body)
			}
		})

		t.Run("DinsosSeesOnlyTheirRegion", func(t *testing.T) {
			b, _ := login("dinsos1")
			resp, body := b.do("GET", "/ewarong", nil)
			checkLedgerPage(t, "/ewarong as dinsos", body)
			if resp.StatusCode != 200 || !strings.Contains(body, "M000001") || !strings.Contains(body, "M000002") || strings.Contains(body, "M000003") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			// Another region's merchant is not found, like one that does
			// not exist, and the answer tells nothing about it.
			resp, foreign := b.do("GET", "/ewarong/M000003", nil)
			missing, _ := b.do("GET", "/ewarong/M000099", nil)
			if resp.StatusCode != 404 || missing.StatusCode != 404 || strings.Contains(foreign, "Agen Semarang") || strings.Contains(foreign, "33.74") {
				t.Fatalf("merchant in 33: %d\n%s", resp.StatusCode, foreign)
			}
			var list struct{ Merchants []ledger.Merchant }
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants", tok["dinsos1"], "", &list); status != 200 || len(list.Merchants) != 2 {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants?region=33", tok["dinsos1"], "", &list); status != 200 || len(list.Merchants) != 0 {
				t.Fatalf("%d %s", status, body)
			}
			for _, path := range []string{"/api/v1/merchants/M000003", "/api/v1/merchants/M000003/sales", "/api/v1/merchants/M000003/settlements",
				"/api/v1/terminals?merchant=M000003", "/api/v1/price-flags?merchant=M000003"} {
				status, body := apiJSON(t, api, "GET", path, tok["dinsos1"], "", nil)
				wantProblem(t, path, status, body, 404, "EWARONG_TIDAK_DITEMUKAN")
			}
			// The region filter narrows the list; a bad code is shown.
			_, body = b.do("GET", "/ewarong?wilayah=33", nil)
			if strings.Contains(body, "M000001") || strings.Contains(body, "M000003") {
				t.Fatal("filter 33 lists merchants")
			}
			resp, body = b.do("GET", "/ewarong?wilayah=3x", nil)
			if resp.StatusCode != 400 || !strings.Contains(body, "tidak valid") || !strings.Contains(body, "M000001") {
				t.Fatalf("bad region: %d", resp.StatusCode)
			}
			// The ledger page without the national check, the overview
			// or the forms of ledger.manage.
			_, body = b.do("GET", "/buku-besar", nil)
			checkLedgerPage(t, "/buku-besar as dinsos", body)
			if strings.Contains(body, "/buku-besar/penyelesaian") || strings.Contains(body, `id="check"`) || strings.Contains(body, `id="overview"`) {
				t.Fatal("dinsos sees the national check or the manage forms")
			}
		})

		t.Run("EWarongSeesOwnShopAndSales", func(t *testing.T) {
			b, _ := login("ewarong1")
			_, body := b.do("GET", "/ewarong", nil)
			if !strings.Contains(body, "M000001") || strings.Contains(body, "M000002") || strings.Contains(body, "M000003") || strings.Contains(body, `name="village"`) {
				t.Fatalf("own shop list: %s", body)
			}
			resp, body := b.do("GET", "/ewarong/M000001", nil)
			checkLedgerPage(t, "/ewarong/M000001 as ewarong", body)
			if resp.StatusCode != 200 || strings.Contains(body, card) || !strings.Contains(body, terminal.MaskCard(card)) ||
				!strings.Contains(body, "beras 5 kg × Rp12.000") || !strings.Contains(body, "10-02-2026") || !strings.Contains(body, "<svg") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			// One flagged line (beras at 14,000 over 12,000), nothing to
			// revoke or disable for an e-Warong user.
			if !strings.Contains(body, "Rp4.000") || strings.Contains(body, "/cabut") || strings.Contains(body, "/nonaktif") {
				t.Fatalf("flags or buttons: %s", body)
			}
			for _, id := range []string{"M000002", "M000003"} {
				if resp, _ := b.do("GET", "/ewarong/"+id, nil); resp.StatusCode != 404 {
					t.Errorf("%s: %d", id, resp.StatusCode)
				}
			}
			var sales struct{ Sales []ledger.Sale }
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants/M000001/sales", tok["ewarong1"], "", &sales); status != 200 || len(sales.Sales) != 3 ||
				sales.Sales[0].Kind != "VOID" || strings.Contains(body, card) {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants/M000001/sales?day=20260210&limit=1", tok["ewarong1"], "", &sales); status != 200 || len(sales.Sales) != 1 {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants/M000001/sales?day=2026-02-10", tok["ewarong1"], "", nil); status != 400 {
				t.Fatalf("%d %s", status, body)
			}
			var flags struct {
				PriceFlags []ledger.PriceFlag `json:"price_flags"`
			}
			if status, body := apiJSON(t, api, "GET", "/api/v1/price-flags", tok["ewarong1"], "", &flags); status != 200 || len(flags.PriceFlags) != 1 || flags.PriceFlags[0].Excess != 4000 {
				t.Fatalf("%d %s", status, body)
			}
			status, body := apiJSON(t, api, "GET", "/api/v1/ledger/check", tok["ewarong1"], "", nil)
			wantProblem(t, "ewarong check", status, body, 403, "TIDAK_BERWENANG")
		})

		t.Run("BankSeesItsOwnMerchants", func(t *testing.T) {
			var list struct{ Merchants []ledger.Merchant }
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants", tok["bank1"], "", &list); status != 200 || len(list.Merchants) != 1 || list.Merchants[0].ID != "M000003" {
				t.Fatalf("%d %s", status, body)
			}
		})

		t.Run("LedgerPageShowsCheckOK", func(t *testing.T) {
			resp, body := pusat.do("GET", "/buku-besar", nil)
			if resp.StatusCode != 200 || strings.Contains(body, "Buku besar seimbang") || !strings.Contains(body, "/buku-besar?periksa=1") {
				t.Fatalf("the check ran without being asked, or cannot be asked for: %d", resp.StatusCode)
			}
			resp, body = pusat.do("GET", "/buku-besar?periksa=1", nil)
			checkLedgerPage(t, "/buku-besar", body)
			if resp.StatusCode != 200 || !strings.Contains(body, "Buku besar seimbang") || !strings.Contains(body, "Dompet keluarga") ||
				!strings.Contains(body, "/buku-besar/penyelesaian") || !strings.Contains(body, "Rp4.000") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var rep ledger.Report
			if status, body := apiJSON(t, api, "GET", "/api/v1/ledger/check", tok["auditor1"], "", &rep); status != 200 || !rep.OK || rep.Transactions == 0 {
				t.Fatalf("%d %s", status, body)
			}
			var ov struct{ Overview []ledger.Overview }
			if status, body := apiJSON(t, api, "GET", "/api/v1/ledger/overview", tok["auditor1"], "", &ov); status != 200 || len(ov.Overview) == 0 {
				t.Fatalf("%d %s", status, body)
			}
			// The auditor reads, but has no forms.
			b, _ := login("auditor1")
			_, body = b.do("GET", "/buku-besar?periksa=1", nil)
			if !strings.Contains(body, "Buku besar seimbang") || strings.Contains(body, "/buku-besar/harga") {
				t.Fatal("auditor's ledger page")
			}
		})

		t.Run("SettleThroughTheAPI", func(t *testing.T) {
			var res ledger.SettleResult
			status, body := apiJSON(t, api, "POST", "/api/v1/settlements", tok["pusat1"], `{"date": "2026-02-10"}`, &res)
			// M000001 sold 5 kg of beras, voided, then 2 kg and 10 eggs.
			if status != 200 || res.Day != 20260210 || res.New != 1 || res.Banks["BRI"].Amount != 48000 {
				t.Fatalf("%d %s", status, body)
			}
			status, body = apiJSON(t, api, "POST", "/api/v1/settlements", tok["pusat1"], `{"date": "2026-02-10"}`, &res)
			if status != 200 || res.New != 0 || res.Already != 1 {
				t.Fatalf("again: %d %s", status, body)
			}
			status, body = apiJSON(t, api, "POST", "/api/v1/settlements", tok["pusat1"], `{"date": "2099-01-01"}`, nil)
			wantProblem(t, "day not ended", status, body, 409, "HARI_BELUM_SELESAI")
			status, body = apiJSON(t, api, "POST", "/api/v1/settlements", tok["dinsos1"], `{"date": "2026-02-10"}`, nil)
			wantProblem(t, "dinsos settles", status, body, 403, "TIDAK_BERWENANG")
			var list struct{ Settlements []ledger.Settlement }
			if status, body := apiJSON(t, api, "GET", "/api/v1/merchants/M000001/settlements", tok["ewarong1"], "", &list); status != 200 || len(list.Settlements) != 1 || list.Settlements[0].Net != 48000 {
				t.Fatalf("%d %s", status, body)
			}
			_, body = pusat.do("GET", "/ewarong/M000001", nil)
			if !strings.Contains(body, "Rp48.000") || !strings.Contains(body, ">Ya<") {
				t.Fatal("settlement not on the merchant page")
			}
		})

		t.Run("SettleThroughThePage", func(t *testing.T) {
			resp, body := pusat.do("POST", "/buku-besar/penyelesaian", url.Values{"csrf": {pusatCSRF}, "date": {"2026-02-09"}})
			checkLedgerPage(t, "settle page", body)
			if resp.StatusCode != 200 || !strings.Contains(body, "Penyelesaian tanggal 09-02-2026") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat.do("POST", "/buku-besar/penyelesaian", url.Values{"csrf": {pusatCSRF}, "date": {"2099-01-01"}})
			if resp.StatusCode != 409 || !strings.Contains(body, "belum selesai") || !strings.Contains(body, `value="2099-01-01"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})

		t.Run("PriceUploadShowsLineProblems", func(t *testing.T) {
			resp, body := pusat.uploadForm("/buku-besar/harga?csrf="+url.QueryEscape(pusatCSRF), "harga.csv",
				"provinsi,kategori,satuan,harga\n32,beras,kg,12500\n32,miras,botol,20000\n")
			checkLedgerPage(t, "refused prices", body)
			if resp.StatusCode != 400 || !strings.Contains(body, "File ditolak") || !strings.Contains(body, "KATEGORI_TIDAK_DIKENAL") ||
				!strings.Contains(body, `<td class="n">3</td>`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat.uploadForm("/buku-besar/harga?csrf="+url.QueryEscape(pusatCSRF), "harga.csv",
				"provinsi,kategori,satuan,harga\n32,beras,kg,12500\n")
			if resp.StatusCode != 200 || !strings.Contains(body, "Harga acuan dimuat") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if resp, _ := pusat.uploadForm("/buku-besar/harga", "harga.csv", "x"); resp.StatusCode != 403 {
				t.Fatalf("upload without CSRF: %d", resp.StatusCode)
			}
		})

		t.Run("RevokeTerminalThroughThePage", func(t *testing.T) {
			e := terms["M000001"]
			_, body := pusat.do("GET", "/ewarong/M000001", nil)
			if !strings.Contains(body, `action="/terminal/`+e.id+`/cabut"`) {
				t.Fatalf("no revoke button: %s", body)
			}
			resp, _ := pusat.do("POST", "/terminal/"+e.id+"/cabut", url.Values{"csrf": {pusatCSRF}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/ewarong/M000001?selesai=cabut" {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = pusat.do("GET", resp.Header.Get("Location"), nil)
			if !strings.Contains(body, "Terminal dicabut") || !strings.Contains(body, "Dicabut") || strings.Contains(body, `action="/terminal/`+e.id+`/cabut"`) {
				t.Fatalf("after revoke: %s", body)
			}
			// The terminal is refused from now on.
			if _, status, body := e.buy(card, "beras:1:kg:12000"); status != 403 || !strings.Contains(body, "TERMINAL_DICABUT") {
				t.Fatalf("revoked terminal sells: %d %s", status, body)
			}
			// dinsos cannot revoke the terminal of a merchant in 33.
			b, csrf := login("dinsos1")
			if resp, _ := b.do("POST", "/terminal/"+terms["M000003"].id+"/cabut", url.Values{"csrf": {csrf}}); resp.StatusCode != 404 {
				t.Fatalf("dinsos revokes in 33: %d", resp.StatusCode)
			}
		})

		t.Run("DisableMerchant", func(t *testing.T) {
			resp, _ := pusat.do("POST", "/ewarong/M000003/nonaktif", url.Values{"csrf": {pusatCSRF}})
			if resp.StatusCode != 303 {
				t.Fatalf("%d", resp.StatusCode)
			}
			_, body := pusat.do("GET", "/ewarong/M000003?selesai=nonaktif", nil)
			if !strings.Contains(body, "dinonaktifkan") || strings.Contains(body, "/nonaktif\"") {
				t.Fatalf("after disable: %s", body)
			}
			var m ledger.Merchant
			if status, body := apiJSON(t, api, "POST", "/api/v1/merchants/M000002/disable", tok["dinsos1"], "", &m); status != 200 || m.Status != ledger.StatusDisabled {
				t.Fatalf("%d %s", status, body)
			}
			if _, status, body := terms["M000003"].buy(world.Cards[2].Number, "beras:1:kg:12000"); status != 403 || !strings.Contains(body, "EWARONG_NONAKTIF") {
				t.Fatalf("disabled merchant sells: %d %s", status, body)
			}
		})

		t.Run("FamilyPageShowsWallets", func(t *testing.T) {
			resp, body := pusat.do("GET", fmt.Sprintf("/keluarga/%d", world.Cards[1].Family), nil)
			checkLedgerPage(t, "family page", body)
			// Credited 150,000; spent 2 kg of beras and 10 eggs.
			if resp.StatusCode != 200 || !strings.Contains(body, "Dompet pangan") || !strings.Contains(body, "Rp150.000") ||
				!strings.Contains(body, "Rp48.000") || !strings.Contains(body, "Rp102.000") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})

		t.Run("PagesInEnglish", func(t *testing.T) {
			b, _ := login("pusat1")
			b.do("GET", "/lang?to=en&back=/", nil)
			for _, path := range []string{"/ewarong", "/ewarong/M000001", "/buku-besar"} {
				resp, body := b.do("GET", path, nil)
				checkLedgerPage(t, "en "+path, body)
				if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="en">`) {
					t.Errorf("%s: %d", path, resp.StatusCode)
				}
			}
		})
	})
}
