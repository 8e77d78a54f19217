package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
)

// payoutFixture, through package payout, routes BANTU's families to BRI
// (32) and BNI (33), opens an account at each bank for every family of
// the cycle but one, exports the cycle and loads a BRI report that pays
// its first payout: a cycle ready to reconcile. It returns the manifest,
// the BRI accounts file and the report.
func payoutFixture(t *testing.T, d *db.DB, cycle int64) (m payout.Manifest, accounts, report string) {
	t.Helper()
	for _, rt := range [][2]string{{"32", "BRI"}, {"33", "BNI"}} {
		if _, err := payout.SetRoute(sysCtx, d, "BANTU", rt[0], rt[1]); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		sb.WriteString("no_kk,nomor_rekening,nomor_kartu,tanggal_buka\n")
		var n int
		if _, err := payout.RequestAccounts(sysCtx, d, rt[1], func(a payout.AccountRequest) error {
			if n++; n > 1 {
				fmt.Fprintf(&sb, "%s,%s%08d,%016d,2019-10-01\n", a.NoKK, rt[0], n, n)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := payout.LoadAccounts(sysCtx, d, rt[1], writeTemp(t, "rekening.csv", sb.String())); err != nil {
			t.Fatal(err)
		}
		if rt[1] == "BRI" {
			accounts = sb.String()
		}
	}
	files := map[string][]byte{}
	m, err := payout.Export(sysCtx, d, cycle, func(name string, fill func(io.Writer) error) error {
		var buf bytes.Buffer
		err := fill(&buf)
		files[name] = buf.Bytes()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(files[payout.FileName(cycle, "BRI")])).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("BRI file: %v %v", recs, err)
	}
	report = "reference,nomor_rekening,amount,status,reason,credited_at\n" +
		fmt.Sprintf("%s,%s,%s,BERHASIL,,2019-11-05 10:00:00\n", recs[1][0], recs[1][1], recs[1][4])
	if _, err := payout.LoadReport(sysCtx, d, "BRI", writeTemp(t, "laporan.csv", report)); err != nil {
		t.Fatal(err)
	}
	return m, accounts, report
}

// uploadForm posts a multipart form as the browser's session to path
// (which carries the CSRF token, as the pages' upload forms do): fields in
// order, then the file.
func (b *browser) uploadForm(path, name, content string, fields ...string) (*http.Response, string) {
	b.t.Helper()
	ctype, body := fileForm(name, content, fields...)
	return b.post(path, ctype, body)
}

// untranslatedPayout matches a payout message key shown as itself.
var untranslatedPayout = regexp.MustCompile(`[> "](payout|nav|cycle|program|regions)\.[a-z_]+`)

// checkPayoutPage holds a payout page to the rules of all pages.
func checkPayoutPage(t *testing.T, what, body string) {
	t.Helper()
	checkPage(t, what, body, untranslatedPayout)
}

func TestPayoutPages(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		seed(t, d)
		cycle := programFixture(t, d)
		pw, _ := addPayoutUsers(t, d)
		m, accounts, report := payoutFixture(t, d, cycle)
		cy := strconv.FormatInt(cycle, 10)
		type user struct {
			b    *browser
			csrf string
		}
		users := map[string]user{}
		for _, name := range []string{"pusat1", "bankbri", "dinsos1", "auditor1", "humas1"} {
			b := newBrowser(t, srv)
			users[name] = user{b, b.login(name, pw[name])}
		}
		pusat, bank, dinsos := users["pusat1"], users["bankbri"], users["dinsos1"]

		t.Run("FormsOnlyForRolesAllowed", func(t *testing.T) {
			marks := []string{`href="/penyaluran"`, `action="/penyaluran/rute"`, `action="/siklus/` + cy + `/pembayaran"`,
				`action="/penyaluran/permintaan-rekening"`, `action="/penyaluran/rekening?csrf=`, `action="/penyaluran/laporan?csrf=`,
				`href="/siklus/` + cy + `/rekonsiliasi"`}
			// Which marks each role's page has, in the order of marks.
			want := map[string]string{
				"pusat1":   "1111111",
				"bankbri":  "1001111",
				"dinsos1":  "1000001",
				"auditor1": "1000001",
				"humas1":   "0000000",
			}
			for _, lang := range []string{"en", "id"} {
				for name, u := range users {
					u.b.do("GET", "/lang?to="+lang+"&back=/", nil)
					resp, body := u.b.do("GET", "/penyaluran", nil)
					what := lang + " " + name
					if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="`+lang+`">`) {
						t.Fatalf("%s: %d", what, resp.StatusCode)
					}
					checkPayoutPage(t, what, body)
					title := map[string]string{"id": "Penyaluran lewat bank Himbara", "en": "Payouts through the Himbara banks"}[lang]
					if !strings.Contains(body, title) || !strings.Contains(body, "<code>BANTU</code>") {
						t.Errorf("%s: no title or cycle", what)
					}
					var got []byte
					for _, mark := range marks {
						got = append(got, map[bool]byte{true: '1', false: '0'}[strings.Contains(body, mark)])
					}
					if string(got) != want[name] {
						t.Errorf("%s: marks %s, want %s", what, got, want[name])
					}
				}
			}
			_, body := bank.b.do("GET", "/penyaluran", nil)
			if !strings.Contains(body, `<input type="hidden" name="bank" value="BRI">`) || strings.Contains(body, `<option value="BNI">`) {
				t.Errorf("bank page offers another bank")
			}
		})
		t.Run("RouteForm", func(t *testing.T) {
			resp, _ := pusat.b.do("POST", "/penyaluran/rute", url.Values{"program": {"BERAS"}, "region": {"32.01"}, "bank": {"BTN"}, "csrf": {pusat.csrf}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/penyaluran?selesai=1" {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, body := pusat.b.do("GET", "/penyaluran?selesai=1", nil); !strings.Contains(body, `role="status"`) ||
				!strings.Contains(body, "<code>32.01</code>") || !strings.Contains(body, "<td>BTN</td>") {
				t.Fatalf("route not shown: %s", body)
			}
			resp, body := pusat.b.do("POST", "/penyaluran/rute", url.Values{"program": {"BERAS"}, "region": {"32.01"}, "bank": {"BCA"}, "csrf": {pusat.csrf}})
			if resp.StatusCode != 400 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `value="32.01"`) {
				t.Fatalf("bad bank: %d %s", resp.StatusCode, body)
			}
			if resp, _ := pusat.b.do("POST", "/penyaluran/rute", url.Values{"program": {"BERAS"}, "region": {"32"}, "bank": {"BRI"}}); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
			if resp, _ := dinsos.b.do("POST", "/penyaluran/rute", url.Values{"program": {"BERAS"}, "region": {"32"}, "bank": {"BRI"}, "csrf": {dinsos.csrf}}); resp.StatusCode != 403 {
				t.Fatalf("dinsos: %d", resp.StatusCode)
			}
		})
		t.Run("ExportAndFiles", func(t *testing.T) {
			resp, body := pusat.b.do("POST", "/siklus/"+cy+"/pembayaran", url.Values{"csrf": {pusat.csrf}})
			if resp.StatusCode != 200 || !strings.Contains(body, `action="/siklus/`+cy+`/pembayaran/manifest.json"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			checkPayoutPage(t, "export", body)
			for _, f := range m.Files {
				if !strings.Contains(body, `action="/siklus/`+cy+`/pembayaran/`+f.Name+`"`) {
					t.Fatalf("no download of %s", f.Name)
				}
				resp, file := pusat.b.do("POST", "/siklus/"+cy+"/pembayaran/"+f.Name, url.Values{"csrf": {pusat.csrf}})
				if resp.StatusCode != 200 || sha(file) != f.SHA256 || resp.Header.Get("Content-Disposition") != `attachment; filename="`+f.Name+`"` {
					t.Fatalf("%s: %d, SHA-256 %s, manifest %s", f.Name, resp.StatusCode, sha(file), f.SHA256)
				}
			}
			if resp, body := pusat.b.do("POST", "/siklus/"+cy+"/pembayaran/"+m.Files[0].Name, url.Values{}); resp.StatusCode != 403 || !strings.Contains(body, "CSRF_TIDAK_VALID") {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
			for _, f := range m.Files {
				want := 403 // another bank's file, or the families without an account
				if f.Name == cy+"-BRI.csv" {
					want = 200
				}
				if resp, _ := bank.b.do("POST", "/siklus/"+cy+"/pembayaran/"+f.Name, url.Values{"csrf": {bank.csrf}}); resp.StatusCode != want {
					t.Fatalf("bank, %s: %d, want %d", f.Name, resp.StatusCode, want)
				}
			}
			if _, body := bank.b.do("GET", "/penyaluran", nil); !strings.Contains(body, `action="/siklus/`+cy+`/pembayaran/`+cy+`-BRI.csv"`) || strings.Contains(body, cy+"-BNI.csv") {
				t.Fatalf("bank's page offers no download of its own file: %s", body)
			}
			if resp, _ := bank.b.do("POST", "/siklus/"+cy+"/pembayaran", url.Values{"csrf": {bank.csrf}}); resp.StatusCode != 403 {
				t.Fatalf("bank export: %d", resp.StatusCode)
			}
		})
		t.Run("BankFiles", func(t *testing.T) {
			resp, body := bank.b.do("POST", "/penyaluran/permintaan-rekening", url.Values{"bank": {"BRI"}, "csrf": {bank.csrf}})
			// Every family but one got an account.
			if recs := readCSV(t, body); resp.StatusCode != 200 || len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(payout.AccountRequestHeader, ",") {
				t.Fatalf("request: %d %s", resp.StatusCode, body)
			}
			if resp, _ := bank.b.do("POST", "/penyaluran/permintaan-rekening", url.Values{"bank": {"BNI"}, "csrf": {bank.csrf}}); resp.StatusCode != 403 {
				t.Fatalf("another bank's request: %d", resp.StatusCode)
			}
			if resp, _ := bank.b.do("POST", "/penyaluran/permintaan-rekening", url.Values{"bank": {"BRI"}}); resp.StatusCode != 403 {
				t.Fatalf("request without CSRF: %d", resp.StatusCode)
			}

			up := "/penyaluran/rekening?csrf=" + url.QueryEscape(bank.csrf)
			resp, body = bank.b.uploadForm(up, "rekening.csv", accounts, "bank", "BRI")
			if resp.StatusCode != 200 || !strings.Contains(body, "Rekening dimuat") || !strings.Contains(body, "rekening.csv") {
				t.Fatalf("accounts: %d %s", resp.StatusCode, body)
			}
			checkPayoutPage(t, "accounts loaded", body)
			bad := strings.Replace(accounts, "2019-10-01", "2019-13-01", 1)
			resp, body = bank.b.uploadForm(up, "rekening.csv", bad, "bank", "BRI")
			if resp.StatusCode != 400 || !strings.Contains(body, "<code>TANGGAL_TIDAK_VALID</code>") || !strings.Contains(body, `<td class="n">2</td>`) {
				t.Fatalf("bad accounts: %d %s", resp.StatusCode, body)
			}
			checkPayoutPage(t, "accounts refused", body)
			if resp, _ := bank.b.uploadForm(up, "rekening.csv", accounts, "bank", "BNI"); resp.StatusCode != 403 {
				t.Fatalf("accounts of another bank: %d", resp.StatusCode)
			}
			if resp, _ := bank.b.uploadForm("/penyaluran/rekening", "rekening.csv", accounts, "bank", "BRI"); resp.StatusCode != 403 {
				t.Fatalf("accounts without CSRF: %d", resp.StatusCode)
			}

			up = "/penyaluran/laporan?csrf=" + url.QueryEscape(bank.csrf)
			resp, body = bank.b.uploadForm(up, "laporan.csv", report, "bank", "BRI")
			if resp.StatusCode != 200 || !strings.Contains(body, "sudah pernah dimuat") {
				t.Fatalf("report again: %d %s", resp.StatusCode, body)
			}
			broken := strings.Replace(report, "BERHASIL", "OK", 1)
			resp, body = bank.b.uploadForm(up, "laporan.csv", broken, "bank", "BRI")
			if resp.StatusCode != 400 || !strings.Contains(body, "<code>STATUS_TIDAK_VALID</code>") || !strings.Contains(body, `<td class="n">2</td>`) {
				t.Fatalf("bad report: %d %s", resp.StatusCode, body)
			}
			if resp, _ := bank.b.uploadForm(up, "laporan.csv", report, "bank", "BNI"); resp.StatusCode != 403 {
				t.Fatalf("report of another bank: %d", resp.StatusCode)
			}
			if resp, _ := bank.b.uploadForm(up, "laporan.csv", report); resp.StatusCode != 400 {
				t.Fatalf("report without bank: %d", resp.StatusCode)
			}
			if resp, _ := dinsos.b.uploadForm("/penyaluran/laporan?csrf="+url.QueryEscape(dinsos.csrf), "laporan.csv", report, "bank", "BRI"); resp.StatusCode != 403 {
				t.Fatalf("dinsos report: %d", resp.StatusCode)
			}
		})
		t.Run("Reconciliation", func(t *testing.T) {
			path := "/siklus/" + cy + "/rekonsiliasi"
			paid := m.Files[0].Amount / m.Files[0].Rows // BANTU pays every family the same
			for _, lang := range []string{"id", "en"} {
				for _, name := range []string{"dinsos1", "bankbri", "auditor1"} {
					u := users[name]
					u.b.do("GET", "/lang?to="+lang+"&back=/", nil)
					resp, body := u.b.do("GET", path, nil)
					what := lang + " " + name
					if resp.StatusCode != 200 || !strings.Contains(body, `<svg class="chart"`) || !strings.Contains(body, "<code>PAID</code>") ||
						!strings.Contains(body, `action="/siklus/`+cy+`/pengecualian.csv"`) || strings.Contains(body, `action="`+path+`"`) {
						t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
					}
					checkPayoutPage(t, what, body)
					if resp.Header.Get("Cache-Control") != "no-store" {
						t.Errorf("%s: cached", what)
					}
				}
			}
			// pusat's run stores the outcomes: a button, not a page view.
			resp, body := pusat.b.do("GET", path, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="`+path+`"`) || strings.Contains(body, `<svg class="chart"`) {
				t.Fatalf("pusat: %d %s", resp.StatusCode, body)
			}
			checkPayoutPage(t, "pusat before run", body)
			if resp, _ := pusat.b.do("POST", path, url.Values{}); resp.StatusCode != 403 {
				t.Fatalf("run without CSRF: %d", resp.StatusCode)
			}
			resp, body = pusat.b.do("POST", path, url.Values{"csrf": {pusat.csrf}})
			if resp.StatusCode != 200 || !strings.Contains(body, `<svg class="chart"`) || !strings.Contains(body, "hasil disimpan") {
				t.Fatalf("pusat run: %d %s", resp.StatusCode, body)
			}
			checkPayoutPage(t, "pusat run", body)
			// The realized amount is the one family paid, shown as Rp1.234.
			if !strings.Contains(body, "<dd>"+rupiah(paid)+"</dd>") {
				t.Errorf("realized %s not shown: %s", rupiah(paid), body)
			}
			if resp, _ := users["humas1"].b.do("GET", path, nil); resp.StatusCode != 403 {
				t.Fatalf("humas: %d", resp.StatusCode)
			}

			resp, body = dinsos.b.do("POST", "/siklus/"+cy+"/pengecualian.csv", url.Values{"csrf": {dinsos.csrf}})
			if recs := readCSV(t, body); resp.StatusCode != 200 || strings.Join(recs[0], ",") != strings.Join(payout.ExceptionsHeader, ",") || len(recs) < 2 {
				t.Fatalf("exceptions: %d %s", resp.StatusCode, body)
			}
			resp, body = dinsos.b.do("POST", "/siklus/"+cy+"/pengecualian.xlsx", url.Values{"csrf": {dinsos.csrf}})
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
				t.Fatalf("exceptions xlsx: %d", resp.StatusCode)
			}
			if resp, body := dinsos.b.do("POST", "/siklus/"+cy+"/pengecualian.csv", url.Values{}); resp.StatusCode != 403 || !strings.Contains(body, "CSRF_TIDAK_VALID") {
				t.Fatalf("exceptions without CSRF: %d", resp.StatusCode)
			}
		})
	})
}

// rupiah formats n as the pages do: Rp1.234.567.
func rupiah(n int64) string { return "Rp" + tepat.Thousands(n, '.') }
