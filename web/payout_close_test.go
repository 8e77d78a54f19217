package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/registry"
)

// failFixture, after payoutFixture, has BRI report the second payout of
// its file failed and returns that family's id; with another account it
// can be re-issued.
func failFixture(t *testing.T, d *db.DB, cycle int64) (family int64, kk string) {
	t.Helper()
	var buf bytes.Buffer
	if err := payout.Download(sysCtx, d, cycle, payout.FileName(cycle, "BRI"), &buf); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.String())
	if len(recs) < 3 {
		t.Fatalf("BRI file too short: %v", recs)
	}
	_, family, _, ok := payout.ParseReference(recs[2][0])
	if !ok {
		t.Fatalf("reference %q", recs[2][0])
	}
	f, err := registry.GetFamily(sysCtx, d, family, true)
	if err != nil {
		t.Fatal(err)
	}
	report := "reference,nomor_rekening,amount,status,reason,credited_at\n" +
		fmt.Sprintf("%s,%s,%s,GAGAL,REKENING_TUTUP,\n", recs[2][0], recs[2][1], recs[2][4])
	if _, err := payout.LoadReport(sysCtx, d, "BRI", writeTemp(t, "gagal.csv", report)); err != nil {
		t.Fatal(err)
	}
	return family, f.NoKK
}

// newAccount gives a family another AKTIF account at BRI.
func newAccount(t *testing.T, d *db.DB, kk string) {
	t.Helper()
	content := "no_kk,nomor_rekening,nomor_kartu,tanggal_buka\n" + kk + ",3299999999,6099999999,2019-11-10\n"
	if _, err := payout.LoadAccounts(sysCtx, d, "BRI", writeTemp(t, "baru.csv", content)); err != nil {
		t.Fatal(err)
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPayoutCloseAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		seed(t, d)
		cycle := programFixture(t, d)
		_, tok := addPayoutUsers(t, d)
		payoutFixture(t, d, cycle)
		family, kk := failFixture(t, d, cycle)
		b := newBrowser(t, srv)
		cy := strconv.FormatInt(cycle, 10)

		t.Run("BeforeReconciliation", func(t *testing.T) {
			var ret payout.Returns
			if status, body := apiJSON(t, b, "GET", "/api/v1/cycles/"+cy+"/returns", tok["humas1"], "", &ret); status != 200 || ret.Reconciled || len(ret.Banks) != 0 {
				t.Fatalf("%d %s", status, body)
			}
			var cl struct {
				payout.Closure
				Final bool
			}
			if status, body := apiJSON(t, b, "GET", "/api/v1/cycles/"+cy+"/close-check", tok["pusat1"], "", &cl); status != 200 || cl.Reconciled || cl.Final || cl.Cycle != cycle {
				t.Fatalf("%d %s", status, body)
			}
		})
		t.Run("ReissueRefused", func(t *testing.T) {
			for _, tc := range []struct {
				name, path, token, body string
				status                  int
				code                    string
			}{
				{"NothingYet", "/api/v1/cycles/" + cy + "/reissues", tok["pusat1"], "", 409, "TIDAK_ADA_PEMBAYARAN_ULANG"},
				{"NoNewAccount", "/api/v1/cycles/" + cy + "/reissues", tok["pusat1"], fmt.Sprintf(`{"families": [%d]}`, family), 409, "PEMBAYARAN_ULANG_DITOLAK"},
				{"NotEntitled", "/api/v1/cycles/" + cy + "/reissues", tok["pusat1"], `{"families": [999999]}`, 409, "PEMBAYARAN_ULANG_DITOLAK"},
				{"UnknownField", "/api/v1/cycles/" + cy + "/reissues", tok["pusat1"], `{"family": [1]}`, 400, "JSON_TIDAK_VALID"},
				{"UnknownCycle", "/api/v1/cycles/999999/reissues", tok["pusat1"], "", 404, "SIKLUS_TIDAK_DITEMUKAN"},
				{"Bank", "/api/v1/cycles/" + cy + "/reissues", tok["bankbri"], "", 403, "TIDAK_BERWENANG"},
				{"Dinsos", "/api/v1/cycles/" + cy + "/reissues", tok["dinsos1"], "", 403, "TIDAK_BERWENANG"},
			} {
				status, body := apiJSON(t, b, "POST", tc.path, tc.token, tc.body, nil)
				wantProblem(t, tc.name, status, body, tc.status, tc.code)
			}
		})

		newAccount(t, d, kk)
		if status, body := apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reconcile", tok["pusat1"], "", nil); status != 200 {
			t.Fatalf("reconcile: %d %s", status, body)
		}
		t.Run("Returns", func(t *testing.T) {
			var ret payout.Returns
			status, body := apiJSON(t, b, "GET", "/api/v1/cycles/"+cy+"/returns", tok["auditor1"], "", &ret)
			if status != 200 || !ret.Reconciled || len(ret.Banks) != 1 || ret.Banks[0].Bank != "BRI" || ret.Banks[0].Failed.Count != 1 ||
				ret.Banks[0].Reissue.Count != 1 || ret.Banks[0].Returned.Count != 0 || ret.Total.Failed != ret.Banks[0].Failed {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := apiJSON(t, b, "GET", "/api/v1/cycles/"+cy+"/returns", tok["bankbni"], "", &ret); status != 200 || len(ret.Banks) != 0 {
				t.Fatalf("BNI: %d %s", status, body)
			}
			status, body = apiJSON(t, b, "GET", "/api/v1/cycles/999999/returns", tok["pusat1"], "", nil)
			wantProblem(t, "unknown cycle", status, body, 404, "SIKLUS_TIDAK_DITEMUKAN")
		})
		t.Run("CloseCheck", func(t *testing.T) {
			var cl struct {
				payout.Closure
				Final bool
			}
			status, body := apiJSON(t, b, "GET", "/api/v1/cycles/"+cy+"/close-check", tok["pusat1"], "", &cl)
			if status != 200 || !cl.Reconciled || cl.Final || cl.Reissue.Count != 1 || cl.Paid.Count != 1 || cl.Unreported.Count == 0 || cl.NotExported.Count != 2 {
				t.Fatalf("%d %s", status, body)
			}
			for _, tc := range []struct {
				name, path, token string
				status            int
				code              string
			}{
				{"Dinsos", "/api/v1/cycles/" + cy + "/close-check", tok["dinsos1"], 403, "TIDAK_BERWENANG"},
				{"Bank", "/api/v1/cycles/" + cy + "/close-check", tok["bankbri"], 403, "TIDAK_BERWENANG"},
				{"UnknownCycle", "/api/v1/cycles/999999/close-check", tok["pusat1"], 404, "SIKLUS_TIDAK_DITEMUKAN"},
			} {
				status, body := apiJSON(t, b, "GET", tc.path, tc.token, "", nil)
				wantProblem(t, tc.name, status, body, tc.status, tc.code)
			}
			status, body = apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/close", tok["pusat1"], "", nil)
			wantProblem(t, "close", status, body, 409, "SIKLUS_BELUM_TUNTAS")
		})

		var out payout.Reissued
		t.Run("Reissue", func(t *testing.T) {
			status, body := apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reissues", tok["pusat1"], fmt.Sprintf(`{"families": [%d]}`, family), &out)
			m := out.Manifest
			if status != 200 || !out.Created || m.Batch != 1 || m.Instructions != 1 || len(m.Files) != 1 || m.Files[0].Name != cy+"-U1-BRI.csv" || m.ExportedBy != "pusat1" {
				t.Fatalf("%d %s", status, body)
			}
			var again payout.Reissued
			if status, body := apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reissues", tok["pusat1"], "", &again); status != 200 || again.Created || again.Manifest.Batch != 1 {
				t.Fatalf("again: %d %s", status, body)
			}
		})
		t.Run("ReissueDownload", func(t *testing.T) {
			f := out.Manifest.Files[0]
			for _, batch := range []string{"1", "U1"} {
				resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/reissues/"+batch+"/"+f.Name, tok["pusat1"], "", "")
				wantDownload(t, f.Name, resp, body, "text/csv", f.Name)
				if recs := readCSV(t, body); sha(body) != f.SHA256 || len(recs) != 2 || recs[1][0] != payout.ReissueReference(cycle, family, 1) {
					t.Fatalf("%s: %s", f.Name, body)
				}
			}
			resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/reissues/1/manifest.json", tok["pusat1"], "", "")
			wantDownload(t, "manifest", resp, body, "application/json", "manifest.json")
			var m payout.ReissueManifest
			if err := json.Unmarshal([]byte(body), &m); err != nil || m.Batch != 1 || m.Files[0].SHA256 != f.SHA256 {
				t.Fatalf("manifest: %v %s", err, body)
			}
			for _, tc := range []struct {
				name, path, token string
				status            int
				code              string
			}{
				{"NoSuchBatch", "/api/v1/cycles/" + cy + "/reissues/2/manifest.json", tok["pusat1"], 404, "BATCH_TIDAK_DITEMUKAN"},
				{"BankWithoutFile", "/api/v1/cycles/" + cy + "/reissues/1/" + cy + "-U1-BNI.csv", tok["pusat1"], 404, "FILE_PEMBAYARAN_ULANG_TIDAK_DITEMUKAN"},
				{"NotAFile", "/api/v1/cycles/" + cy + "/reissues/1/rahasia.txt", tok["pusat1"], 404, "FILE_PEMBAYARAN_ULANG_TIDAK_DITEMUKAN"},
				{"BadBatch", "/api/v1/cycles/" + cy + "/reissues/x/manifest.json", tok["pusat1"], 404, "FILE_PEMBAYARAN_ULANG_TIDAK_DITEMUKAN"},
				{"Bank", "/api/v1/cycles/" + cy + "/reissues/1/" + f.Name, tok["bankbri"], 403, "TIDAK_BERWENANG"},
			} {
				resp, body := call(t, b, "GET", tc.path, tc.token, "", "")
				wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
			}
		})
		t.Run("Realization", func(t *testing.T) {
			resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/realization?level=province&format=csv", tok["humas1"], "", "")
			wantDownload(t, "csv", resp, body, "text/csv", cy+"-realisasi-province.csv")
			recs := readCSV(t, body)
			if strings.Join(recs[0], ",") != strings.Join(payout.RealizationHeader, ",") || len(recs) != 4 || recs[1][0] != "32" || recs[2][0] != "33" || recs[3][1] != "JUMLAH" {
				t.Fatalf("csv: %v", recs)
			}
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/realization?level=district&region=32.01", tok["dinsos1"], "", "")
			wantDownload(t, "dinsos csv", resp, body, "text/csv", cy+"-realisasi-district.csv")
			for _, rec := range readCSV(t, body)[1:] {
				if rec[0] != "" && !strings.HasPrefix(rec[0], "32.01.") {
					t.Fatalf("dinsos sees %v", rec)
				}
			}
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/realization?level=regency&format=xlsx", tok["pusat1"], "", "")
			wantDownload(t, "xlsx", resp, body, xlsxType, cy+"-realisasi-regency.xlsx")
			if !strings.HasPrefix(body, "PK") {
				t.Fatalf("not XLSX: %.20q", body)
			}
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/realization?format=pdf", tok["pusat1"], "", "")
			wantDownload(t, "pdf", resp, body, "application/pdf", cy+"-realisasi-province.pdf")
			if !strings.HasPrefix(body, "%PDF") {
				t.Fatalf("not PDF: %.20q", body)
			}
			for _, tc := range []struct {
				name, query, token string
				status             int
				code               string
			}{
				{"UnknownLevel", "?level=rt", tok["pusat1"], 400, "TINGKAT_TIDAK_VALID"},
				{"UnknownFormat", "?format=doc", tok["pusat1"], 400, "FORMAT_TIDAK_DIKENAL"},
				{"RegionBelowLevel", "?level=province&region=32.01", tok["pusat1"], 400, "TINGKAT_TIDAK_SESUAI"},
				{"RegionOutOfScope", "?level=regency&region=33", tok["dinsos1"], 404, "KODE_WILAYAH_TIDAK_DIKENAL"},
			} {
				resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/realization"+tc.query, tc.token, "", "")
				wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
			}
		})
	})
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func TestPayoutClosePages(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		seed(t, d)
		cycle := programFixture(t, d)
		pw, _ := addPayoutUsers(t, d)
		payoutFixture(t, d, cycle)
		_, kk := failFixture(t, d, cycle)
		newAccount(t, d, kk)
		cy := strconv.FormatInt(cycle, 10)
		login := func(name string) (*browser, string) {
			b := newBrowser(t, srv)
			return b, b.login(name, pw[name])
		}
		pusat, csrfP := login("pusat1")
		dinsos, csrfD := login("dinsos1")
		path := "/siklus/" + cy + "/rekonsiliasi"
		if resp, _ := pusat.do("POST", path, url.Values{"csrf": {csrfP}}); resp.StatusCode != 200 {
			t.Fatalf("reconcile: %d", resp.StatusCode)
		}

		t.Run("ReconcilePage", func(t *testing.T) {
			for _, lang := range []string{"id", "en"} {
				pusat.do("GET", "/lang?to="+lang+"&back=/", nil)
				dinsos.do("GET", "/lang?to="+lang+"&back=/", nil)
				resp, body := pusat.do("GET", path, nil)
				if resp.StatusCode != 200 || !strings.Contains(body, `action="/siklus/`+cy+`/realisasi"`) || !strings.Contains(body, `action="/siklus/`+cy+`/pembayaran-ulang"`) ||
					!strings.Contains(body, "<td>BRI</td>") {
					t.Fatalf("pusat %s: %d %s", lang, resp.StatusCode, body)
				}
				checkPayoutPage(t, "pusat "+lang, body)
				resp, body = dinsos.do("GET", path, nil)
				if resp.StatusCode != 200 || !strings.Contains(body, `action="/siklus/`+cy+`/realisasi"`) || strings.Contains(body, "/pembayaran-ulang") ||
					!strings.Contains(body, "<td>BRI</td>") {
					t.Fatalf("dinsos %s: %d %s", lang, resp.StatusCode, body)
				}
				checkPayoutPage(t, "dinsos "+lang, body)
			}
		})
		t.Run("ReissueButton", func(t *testing.T) {
			if resp, body := pusat.do("POST", "/siklus/"+cy+"/pembayaran-ulang", url.Values{}); resp.StatusCode != 403 || !strings.Contains(body, "CSRF_TIDAK_VALID") {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
			if resp, _ := dinsos.do("POST", "/siklus/"+cy+"/pembayaran-ulang", url.Values{"csrf": {csrfD}}); resp.StatusCode != 403 {
				t.Fatalf("dinsos: %d", resp.StatusCode)
			}
			name := cy + "-U1-BRI.csv"
			for i, want := range []string{"New batch made", "latest batch written again"} {
				resp, body := pusat.do("POST", "/siklus/"+cy+"/pembayaran-ulang", url.Values{"csrf": {csrfP}})
				if resp.StatusCode != 200 || !strings.Contains(body, want) || !strings.Contains(body, `action="/siklus/`+cy+`/pembayaran-ulang/1/`+name+`"`) {
					t.Fatalf("press %d: %d %s", i, resp.StatusCode, body)
				}
				checkPayoutPage(t, "reissued", body)
			}
			resp, body := pusat.do("POST", "/siklus/"+cy+"/pembayaran-ulang/1/"+name, url.Values{"csrf": {csrfP}})
			if resp.StatusCode != 200 || len(readCSV(t, body)) != 2 || resp.Header.Get("Content-Disposition") != `attachment; filename="`+name+`"` {
				t.Fatalf("download: %d %s", resp.StatusCode, body)
			}
			if resp, _ := pusat.do("POST", "/siklus/"+cy+"/pembayaran-ulang/1/"+name, url.Values{}); resp.StatusCode != 403 {
				t.Fatalf("download without CSRF: %d", resp.StatusCode)
			}
		})
		t.Run("RealizationForm", func(t *testing.T) {
			resp, body := dinsos.do("GET", "/siklus/"+cy+"/realisasi?level=regency&region=&format=csv", nil)
			if recs := readCSV(t, body); resp.StatusCode != 200 || len(recs) != 3 || recs[1][0] != "32.01" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if resp, _ := dinsos.do("GET", "/siklus/"+cy+"/realisasi?level=regency&region=33", nil); resp.StatusCode != 404 {
				t.Fatalf("out of scope: %d", resp.StatusCode)
			}
		})
		t.Run("CloseCheckOnCyclePage", func(t *testing.T) {
			resp, body := pusat.do("GET", "/siklus/"+cy, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "cannot be closed yet") || !strings.Contains(body, `href="/siklus/`+cy+`/rekonsiliasi"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			checkPayoutPage(t, "cycle", body)
			if _, body := dinsos.do("GET", "/siklus/"+cy, nil); strings.Contains(body, "cannot be closed") || strings.Contains(body, "belum dapat ditutup") {
				t.Fatalf("dinsos sees the close check")
			}
		})
	})
}
