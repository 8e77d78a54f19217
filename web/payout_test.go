package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
)

// payoutUsers are the users of the payout tests besides programUsers: an
// operator of BRI and one of BNI, and an auditor.
var payoutUsers = []testUser{
	{"bankbri", tepat.RoleBank, []string{"BRI"}},
	{"bankbni", tepat.RoleBank, []string{"BNI"}},
	{"auditor1", tepat.RoleAuditor, nil},
}

// addPayoutUsers creates programUsers and payoutUsers and returns their
// passwords and API tokens by name.
func addPayoutUsers(t *testing.T, d *db.DB) (pw, tok map[string]string) {
	t.Helper()
	return addUsers(t, d, slices.Concat(programUsers, payoutUsers)...)
}

// fileForm builds a multipart form — fields in order, then the file — and
// returns its content type and body.
func fileForm(name, content string, fields ...string) (ctype, body string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	return mw.FormDataContentType(), buf.String()
}

// sendFile posts a multipart form — fields in order, then the file — with
// a bearer token.
func sendFile(t *testing.T, b *browser, path, token, name, content string, fields ...string) (*http.Response, string) {
	t.Helper()
	ctype, body := fileForm(name, content, fields...)
	return call(t, b, "POST", path, token, ctype, body)
}

// fileProblem is a problem+json answer with the problems of a refused file.
type fileProblem struct {
	Status        int
	Code          string
	Problems      []payout.Problem
	ProblemsTotal int `json:"problems_total"`
}

// wantFileProblems checks a refused file's answer: status, code and the
// line and code of each problem.
func wantFileProblems(t *testing.T, what string, resp *http.Response, body string, status int, code string, lineCodes ...string) {
	t.Helper()
	var p fileProblem
	if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != status || p.Code != code ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
	}
	var got []string
	for _, pr := range p.Problems {
		got = append(got, fmt.Sprintf("%d:%s", pr.Line, pr.Code))
		if pr.Message == "" {
			t.Errorf("%s: problem without message: %+v", what, pr)
		}
	}
	if strings.Join(got, " ") != strings.Join(lineCodes, " ") || p.ProblemsTotal != len(lineCodes) {
		t.Errorf("%s: problems %v (total %d), want %v", what, got, p.ProblemsTotal, lineCodes)
	}
}

// readCSV parses a CSV answer.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return recs
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// wantDownload checks a download's headers and its SHA-256 trailer.
func wantDownload(t *testing.T, what string, resp *http.Response, body, ctype, name string) {
	t.Helper()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="`+name+`"` || resp.Header.Get("Cache-Control") != "no-store" ||
		resp.Trailer.Get("X-Content-Sha256") != sha(body) {
		t.Fatalf("%s: %d %v %v %.300s", what, resp.StatusCode, resp.Header, resp.Trailer, body)
	}
}

// accountAnswer is a bank's answer to an account request: an account for
// every family requested but the first, numbered from base.
func accountAnswer(req [][]string, base int) (string, int) {
	var sb strings.Builder
	sb.WriteString("no_kk,nomor_rekening,nomor_kartu,tanggal_buka\n")
	n := 0
	for i, rec := range req[2:] {
		fmt.Fprintf(&sb, "%s,%010d,%016d,2019-10-01\n", rec[0], base+i, base+i)
		n++
	}
	return sb.String(), n
}

func TestPayoutAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		_, _, kk32, _, _ := seed(t, d)
		cycle := programFixture(t, d)
		_, tok := addPayoutUsers(t, d)
		b := newBrowser(t, srv)
		cy := strconv.FormatInt(cycle, 10)
		audits := func(object string) int {
			t.Helper()
			es, err := audit.List(sysCtx, d, audit.Filter{Action: "data.export"})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range es {
				if e.Object == object {
					n++
				}
			}
			return n
		}

		t.Run("Routes", func(t *testing.T) {
			for _, body := range []string{`{"program": "BANTU", "region": "32", "bank": "BRI"}`, `{"program": "BANTU", "region": "33", "bank": "BNI"}`} {
				var rt payout.Route
				if status, raw := apiJSON(t, b, "PUT", "/api/v1/bank-routes", tok["pusat1"], body, &rt); status != 200 || rt.SetBy != "pusat1" || rt.Name == "" {
					t.Fatalf("%d %s", status, raw)
				}
			}
			for _, tc := range []struct {
				name, token, body string
				status            int
				code              string
			}{
				{"HumasRefused", tok["humas1"], `{"program": "BANTU", "region": "32", "bank": "BTN"}`, 403, "TIDAK_BERWENANG"},
				{"BankRefused", tok["bankbri"], `{"program": "BANTU", "region": "32", "bank": "BRI"}`, 403, "TIDAK_BERWENANG"},
				{"UnknownBank", tok["pusat1"], `{"program": "BANTU", "region": "32", "bank": "BCA"}`, 400, "BANK_TIDAK_DIKENAL"},
				{"UnknownProgram", tok["pusat1"], `{"program": "NOPE", "region": "32", "bank": "BRI"}`, 404, "PROGRAM_TIDAK_DITEMUKAN"},
				{"UnknownField", tok["pusat1"], `{"program": "BANTU", "region": "32", "bank": "BRI", "x": 1}`, 400, "JSON_TIDAK_VALID"},
			} {
				status, body := apiJSON(t, b, "PUT", "/api/v1/bank-routes", tc.token, tc.body, nil)
				wantProblem(t, tc.name, status, body, tc.status, tc.code)
			}
			var list struct{ Routes []payout.Route }
			if status, body := apiJSON(t, b, "GET", "/api/v1/bank-routes?program=BANTU", tok["humas1"], "", &list); status != 200 || len(list.Routes) != 2 ||
				list.Routes[0].Region != "32" || list.Routes[0].Bank != "BRI" || list.Routes[1].Bank != "BNI" {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := apiJSON(t, b, "GET", "/api/v1/bank-routes?program=NOPE", tok["humas1"], "", &list); status != 200 || len(list.Routes) != 0 {
				t.Fatalf("%d %s", status, body)
			}
		})

		// The account requests of both banks, and their answers.
		var reqBRI, reqBNI [][]string
		t.Run("AccountRequest", func(t *testing.T) {
			resp, body := call(t, b, "GET", "/api/v1/banks/BRI/account-requests", tok["bankbri"], "", "")
			wantDownload(t, "BRI request", resp, body, "text/csv", "permintaan-rekening-BRI.csv")
			reqBRI = readCSV(t, body)
			if strings.Join(reqBRI[0], ",") != strings.Join(payout.AccountRequestHeader, ",") || len(reqBRI) < 5 {
				t.Fatalf("BRI request: %v", reqBRI)
			}
			for _, rec := range reqBRI[1:] {
				if !strings.HasPrefix(rec[3], "32.01.") || len(rec[0]) != 16 || strings.Contains(rec[0], "*") {
					t.Fatalf("BRI request line: %v", rec)
				}
			}
			resp, body = call(t, b, "GET", "/api/v1/banks/BNI/account-requests", tok["pusat1"], "", "")
			wantDownload(t, "BNI request by pusat", resp, body, "text/csv", "permintaan-rekening-BNI.csv")
			reqBNI = readCSV(t, body)
			if len(reqBNI) < 3 || !strings.HasPrefix(reqBNI[1][3], "33.74.") {
				t.Fatalf("BNI request: %v", reqBNI)
			}
			if n := audits("accounts:BRI"); n != 1 {
				t.Fatalf("BRI request audited %d times", n)
			}
			for _, tc := range []struct {
				name, path, token string
				status            int
				code              string
			}{
				{"OtherBank", "/api/v1/banks/BNI/account-requests", tok["bankbri"], 403, "TIDAK_BERWENANG"},
				{"Dinsos", "/api/v1/banks/BRI/account-requests", tok["dinsos1"], 403, "TIDAK_BERWENANG"},
				{"Humas", "/api/v1/banks/BRI/account-requests", tok["humas1"], 403, "TIDAK_BERWENANG"},
				{"UnknownBank", "/api/v1/banks/BCA/account-requests", tok["pusat1"], 400, "BANK_TIDAK_DIKENAL"},
				{"Anonymous", "/api/v1/banks/BRI/account-requests", "", 401, "BELUM_MASUK"},
			} {
				resp, body := call(t, b, "GET", tc.path, tc.token, "", "")
				wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
			}
			if n := audits("accounts:BNI"); n != 1 {
				t.Fatalf("refused requests audited: %d", n)
			}
		})
		t.Run("AccountLoad", func(t *testing.T) {
			bad := "no_kk,nomor_rekening,nomor_kartu,tanggal_buka\n" +
				reqBRI[1][0] + ",0012345678,6012345678,2019-02-30\n" +
				kk32[:12] + "9999,0012345679,6012345679,2019-10-01\n"
			resp, body := sendFile(t, b, "/api/v1/banks/BRI/accounts", tok["bankbri"], "rekening.csv", bad)
			wantFileProblems(t, "bad lines", resp, body, 400, "BERKAS_DITOLAK", "2:TANGGAL_TIDAK_VALID", "3:KK_TIDAK_DIKENAL")
			resp, body = sendFile(t, b, "/api/v1/banks/BRI/accounts", tok["bankbri"], "rekening.csv", "kk,rekening\n1,2\n")
			wantFileProblems(t, "bad header", resp, body, 400, "HEADER_TIDAK_SESUAI", "1:HEADER_TIDAK_SESUAI")
			for _, tc := range []struct {
				name, path, token string
				status            int
				code              string
			}{
				{"OtherBank", "/api/v1/banks/BNI/accounts", tok["bankbri"], 403, "TIDAK_BERWENANG"},
				{"Dinsos", "/api/v1/banks/BRI/accounts", tok["dinsos1"], 403, "TIDAK_BERWENANG"},
			} {
				resp, body := sendFile(t, b, tc.path, tc.token, "rekening.csv", bad)
				wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
			}
			resp, body = call(t, b, "POST", "/api/v1/banks/BRI/accounts", tok["bankbri"], "text/csv", bad)
			wantProblem(t, "not multipart", resp.StatusCode, body, 400, "UNGGAHAN_TIDAK_VALID")

			for _, bank := range []struct {
				name, token string
				req         [][]string
				base        int
			}{{"BRI", tok["bankbri"], reqBRI, 1000}, {"BNI", tok["pusat1"], reqBNI, 2000}} {
				answer, n := accountAnswer(bank.req, bank.base)
				for i, want := range []int64{int64(n), 0} {
					resp, body := sendFile(t, b, "/api/v1/banks/"+bank.name+"/accounts", bank.token, "dibuka "+bank.name+".csv", answer)
					var out payout.AccountLoad
					if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 || out.Bank != bank.name ||
						out.Lines != int64(n) || out.Opened != want || out.File != "dibuka_"+bank.name+".csv" {
						t.Fatalf("%s load %d: %d %s", bank.name, i, resp.StatusCode, body)
					}
				}
			}
		})

		var m payout.Manifest
		t.Run("Export", func(t *testing.T) {
			for _, tok := range []string{tok["humas1"], tok["bankbri"], tok["dinsos1"]} {
				status, body := apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/payouts", tok, "", nil)
				wantProblem(t, "export refused", status, body, 403, "TIDAK_BERWENANG")
			}
			// Before the export, the files cannot be read: a GET never
			// makes the first export.
			resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/manifest.json", tok["pusat1"], "", "")
			wantProblem(t, "download before export", resp.StatusCode, body, 409, "STATUS_SIKLUS_TIDAK_SESUAI")
			status, body := apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/payouts", tok["pusat1"], "", &m)
			if status != 200 || m.Cycle != cycle || m.ExportedBy != "pusat1" || len(m.Files) != 3 ||
				m.Files[0].Name != cy+"-BRI.csv" || m.Files[1].Name != cy+"-BNI.csv" || m.Files[2].Name != cy+"-TANPA_REKENING.csv" ||
				m.Instructions != int64(len(reqBRI)+len(reqBNI)-4) || m.WithoutAccount != 2 ||
				m.Instructions+m.WithoutAccount != m.Entitlements || m.InstructionsAmount+m.WithoutAccountAmount != m.Amount {
				t.Fatalf("%d %s", status, body)
			}
			var c program.Cycle
			if status, body := apiJSON(t, b, "GET", "/api/v1/cycles/"+cy, tok["humas1"], "", &c); status != 200 || c.State != program.StateDisbursing {
				t.Fatalf("%d %s", status, body)
			}
		})

		var briFile [][]string
		t.Run("Download", func(t *testing.T) {
			before := audits("cycle:" + cy)
			for _, f := range m.Files {
				resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/"+f.Name, tok["pusat1"], "", "")
				wantDownload(t, f.Name, resp, body, "text/csv", f.Name)
				if sha(body) != f.SHA256 {
					t.Fatalf("%s: SHA-256 %s, manifest says %s", f.Name, sha(body), f.SHA256)
				}
				recs := readCSV(t, body)
				if int64(len(recs)-1) != f.Rows || strings.Join(recs[0], ",") != strings.Join(payout.PayoutHeader, ",") {
					t.Fatalf("%s: %d rows, manifest says %d", f.Name, len(recs)-1, f.Rows)
				}
				if f.Bank == "BRI" {
					briFile = recs
				}
			}
			resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/manifest.json", tok["pusat1"], "", "")
			wantDownload(t, "manifest", resp, body, "application/json", "manifest.json")
			var got payout.Manifest
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(m)
			if raw, _ := json.Marshal(got); string(raw) != string(want) {
				t.Fatalf("manifest downloaded:\n%s\nanswered:\n%s", raw, want)
			}
			if n := audits("cycle:" + cy); n != before+len(m.Files)+1 {
				t.Fatalf("downloads audited %d times, want %d", n-before, len(m.Files)+1)
			}
			for _, tc := range []struct {
				name, file, token string
				status            int
				code              string
			}{
				// A bank user reads their own bank's file and the
				// manifest (below), never another bank's.
				{"BankOtherFile", cy + "-BNI.csv", tok["bankbri"], 403, "TIDAK_BERWENANG"},
				{"Dinsos", "manifest.json", tok["dinsos1"], 403, "TIDAK_BERWENANG"},
				{"NoPayments", cy + "-BTN.csv", tok["pusat1"], 404, "FILE_PEMBAYARAN_TIDAK_DITEMUKAN"},
				{"OtherCycle", "999-BRI.csv", tok["pusat1"], 404, "FILE_PEMBAYARAN_TIDAK_DITEMUKAN"},
				{"NotAFile", "rahasia.txt", tok["pusat1"], 404, "FILE_PEMBAYARAN_TIDAK_DITEMUKAN"},
			} {
				resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/"+tc.file, tc.token, "", "")
				wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
			}
			for _, f := range m.Files {
				if f.Bank != "BRI" {
					continue
				}
				resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/"+f.Name, tok["bankbri"], "", "")
				if resp.StatusCode != 200 || sha(body) != f.SHA256 {
					t.Fatalf("bank's own %s: %d %s", f.Name, resp.StatusCode, body)
				}
			}
			if resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/manifest.json", tok["bankbri"], "", ""); resp.StatusCode != 200 || !strings.Contains(body, `"files"`) {
				t.Fatalf("bank's manifest: %d %s", resp.StatusCode, body)
			}
			if len(briFile) < 4 {
				t.Fatalf("BRI file too short for the report test: %v", briFile)
			}
		})

		// The BRI report: paid, failed, paid another amount, an unknown
		// reference; the rest of BRI's payouts are not reported.
		var report string
		t.Run("Report", func(t *testing.T) {
			amount := func(rec []string) int64 {
				n, _ := strconv.ParseInt(rec[4], 10, 64)
				return n
			}
			report = "reference,nomor_rekening,amount,status,reason,credited_at\n" +
				fmt.Sprintf("%s,%s,%d,BERHASIL,,2019-11-05 10:00:00\n", briFile[1][0], briFile[1][1], amount(briFile[1])) +
				fmt.Sprintf("%s,%s,%d,GAGAL,REKENING_TUTUP,\n", briFile[2][0], briFile[2][1], amount(briFile[2])) +
				fmt.Sprintf("%s,%s,%d,BERHASIL,,2019-11-05T10:00:00+07:00\n", briFile[3][0], briFile[3][1], amount(briFile[3])-1) +
				cy + "-99999999,0000011111,100,BERHASIL,,2019-11-05 11:00:00\n"
			var first payout.Report
			for i, again := range []bool{false, true} {
				resp, body := sendFile(t, b, "/api/v1/banks/BRI/reports", tok["bankbri"], "laporan-1.csv", report)
				var rep payout.Report
				if err := json.Unmarshal([]byte(body), &rep); err != nil || resp.StatusCode != 200 || rep.AlreadyLoaded != again ||
					rep.Lines != 4 || rep.Credited != 3 || rep.Failed != 1 || rep.Unknown != 1 || rep.Bank != "BRI" || rep.File != "laporan-1.csv" {
					t.Fatalf("report %d: %d %s", i, resp.StatusCode, body)
				}
				if i == 0 {
					first = rep
				} else if rep.ID != first.ID {
					t.Fatalf("repeat loaded as report %d, first %d", rep.ID, first.ID)
				}
			}
			var bni [][]string
			for _, f := range m.Files {
				if f.Bank == "BNI" {
					_, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/payouts/"+f.Name, tok["pusat1"], "", "")
					bni = readCSV(t, body)
				}
			}
			foreign := "reference,nomor_rekening,amount,status,reason,credited_at\n" +
				fmt.Sprintf("%s,%s,%s,BERHASIL,,2019-11-05 10:00:00\n", bni[1][0], bni[1][1], bni[1][4])
			resp, body := sendFile(t, b, "/api/v1/banks/BRI/reports", tok["bankbri"], "laporan-2.csv", foreign)
			wantFileProblems(t, "another bank's payout", resp, body, 400, "BERKAS_DITOLAK", "2:BANK_TIDAK_SESUAI")
			broken := "reference,nomor_rekening,amount,status,reason,credited_at\n" +
				fmt.Sprintf("%s,%s,100,OK,,2019-11-05 10:00:00\n", briFile[1][0], briFile[1][1]) +
				fmt.Sprintf("%s,%s,100,GAGAL,,\n", briFile[2][0], briFile[2][1]) +
				"12x,0000011111,100,BERHASIL,,2019-11-05 10:00:00\n"
			resp, body = sendFile(t, b, "/api/v1/banks/BRI/reports", tok["pusat1"], "laporan-3.csv", broken)
			wantFileProblems(t, "bad lines", resp, body, 400, "BERKAS_DITOLAK", "2:STATUS_TIDAK_VALID", "3:ALASAN_WAJIB", "4:REFERENSI_TIDAK_VALID")
			for _, tc := range []struct {
				name, path, token string
				status            int
				code              string
			}{
				{"OtherBank", "/api/v1/banks/BNI/reports", tok["bankbri"], 403, "TIDAK_BERWENANG"},
				{"Dinsos", "/api/v1/banks/BRI/reports", tok["dinsos1"], 403, "TIDAK_BERWENANG"},
				{"Humas", "/api/v1/banks/BRI/reports", tok["humas1"], 403, "TIDAK_BERWENANG"},
				{"UnknownBank", "/api/v1/banks/BCA/reports", tok["pusat1"], 400, "BANK_TIDAK_DIKENAL"},
			} {
				resp, body := sendFile(t, b, tc.path, tc.token, "laporan.csv", report)
				wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
			}
		})

		var national payout.Reconciliation
		t.Run("Reconcile", func(t *testing.T) {
			status, body := apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reconcile", tok["humas1"], "", nil)
			wantProblem(t, "humas", status, body, 403, "TIDAK_BERWENANG")
			status, body = apiJSON(t, b, "POST", "/api/v1/cycles/999999/reconcile", tok["pusat1"], "", nil)
			wantProblem(t, "unknown cycle", status, body, 404, "SIKLUS_TIDAK_DITEMUKAN")
			addsUp := func(what string, r payout.Reconciliation) {
				t.Helper()
				o := r.Outcomes
				var count, amount int64
				for _, x := range []payout.Tally{o.Paid, o.Failed, o.AmountMismatch, o.Unreported, o.NotExported} {
					count += x.Count
					amount += x.Amount
				}
				if count != r.Entitlements || amount != r.Amount || r.Cycle != cycle {
					t.Errorf("%s: outcomes %d Rp%d, scope %d Rp%d", what, count, amount, r.Entitlements, r.Amount)
				}
			}
			status, body = apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reconcile", tok["pusat1"], "", &national)
			o := national.Outcomes
			if status != 200 || !national.Stored || national.Scope != "nasional" || national.Entitlements != m.Entitlements || national.Amount != m.Amount ||
				o.Paid.Count != 1 || o.Paid.Credited != o.Paid.Amount || o.Failed.Count != 1 || o.AmountMismatch.Count != 1 ||
				o.AmountMismatch.Credited != o.AmountMismatch.Amount-1 || o.NotExported.Count != 2 || o.Unreported.Count != m.Entitlements-5 ||
				national.BankLines.UnknownReference.Count != 1 || national.BankLines.UnknownReference.Credited != 100 {
				t.Fatalf("national: %d %s", status, body)
			}
			addsUp("national", national)
			var own payout.Reconciliation
			status, body = apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reconcile", tok["dinsos1"], "", &own)
			if status != 200 || own.Stored || own.Entitlements != int64(len(reqBRI)-1) || own.Outcomes.Paid.Count != 1 || own.Outcomes.NotExported.Count != 1 {
				t.Fatalf("dinsos: %d %s", status, body)
			}
			addsUp("dinsos", own)
			var bank payout.Reconciliation
			status, body = apiJSON(t, b, "POST", "/api/v1/cycles/"+cy+"/reconcile", tok["bankbri"], "", &bank)
			if status != 200 || bank.Stored || bank.Entitlements != int64(len(reqBRI)-2) || bank.Outcomes.NotExported.Count != 0 ||
				bank.BankLines.UnknownReference.Count != 1 {
				t.Fatalf("bank: %d %s", status, body)
			}
			addsUp("bank", bank)
			var bs struct{ Budgets []program.Budget }
			if status, body := apiJSON(t, b, "GET", "/api/v1/budgets?program=BANTU&year=2019", tok["humas1"], "", &bs); status != 200 ||
				len(bs.Budgets) != 1 || bs.Budgets[0].Realized != o.Paid.Amount {
				t.Fatalf("realized: %d %s", status, body)
			}
		})
		t.Run("Exceptions", func(t *testing.T) {
			before := audits("cycle:" + cy)
			name := cy + "-rekonsiliasi"
			resp, body := call(t, b, "GET", "/api/v1/cycles/"+cy+"/exceptions.csv", tok["pusat1"], "", "")
			wantDownload(t, "exceptions.csv", resp, body, "text/csv", name+".csv")
			recs := readCSV(t, body)
			// Every entitlement not PAID, then the unknown reference.
			if strings.Join(recs[0], ",") != strings.Join(payout.ExceptionsHeader, ",") || int64(len(recs)-1) != national.Entitlements-1+1 {
				t.Fatalf("exceptions: %d lines: %v", len(recs)-1, recs)
			}
			if kk := recs[1][1]; len(kk) != 16 || strings.Contains(kk, "*") {
				t.Fatalf("pusat's exceptions mask the KK number: %v", recs[1])
			}
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/exceptions.xlsx", tok["auditor1"], "", "")
			wantDownload(t, "exceptions.xlsx", resp, body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name+".xlsx")
			if !strings.HasPrefix(body, "PK") {
				t.Fatalf("not an XLSX file: %.20q", body)
			}
			if n := audits("cycle:" + cy); n != before+2 {
				t.Fatalf("exceptions audited %d times, want 2", n-before)
			}
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/exceptions.csv", tok["dinsos1"], "", "")
			wantDownload(t, "dinsos exceptions", resp, body, "text/csv", name+".csv")
			for _, rec := range readCSV(t, body)[1:] {
				if rec[2] != "" && !strings.HasPrefix(rec[2], "32.01.") {
					t.Fatalf("dinsos exceptions show %v", rec)
				}
			}
			// A bank sees its own exceptions, with KK numbers masked by
			// payout.Reconcile.
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/exceptions.csv", tok["bankbri"], "", "")
			wantDownload(t, "bank exceptions", resp, body, "text/csv", name+".csv")
			for _, rec := range readCSV(t, body)[1:] {
				if rec[1] != "" && !strings.Contains(rec[1], "****") || rec[3] != "" && rec[3] != "BRI" {
					t.Fatalf("bank exceptions show %v", rec)
				}
			}
			resp, body = call(t, b, "GET", "/api/v1/cycles/"+cy+"/exceptions.csv", tok["humas1"], "", "")
			wantProblem(t, "humas", resp.StatusCode, body, 403, "TIDAK_BERWENANG")
			if n := audits("cycle:" + cy); n != before+4 {
				t.Fatalf("exceptions audited %d times, want 4", n-before)
			}
		})
	})
}

func TestCleanFileNameKeepsUploadsInTheirDirectory(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	srv := newServer(t, d)
	seed(t, d)
	programFixture(t, d)
	_, tok := addPayoutUsers(t, d)
	b := newBrowser(t, srv)
	for i, name := range []string{"../../etc/passwd", `..\..\laporan.csv`, ".hidden", "", "laporan bulan 11 (final).csv"} {
		// Blank lines make each file another one, loaded anew.
		content := "reference,nomor_rekening,amount,status,reason,credited_at\n" + strings.Repeat("\n", i)
		resp, body := sendFile(t, b, "/api/v1/banks/BRI/reports", tok["bankbri"], name, content)
		var rep payout.Report
		if err := json.Unmarshal([]byte(body), &rep); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%q: %d %s", name, resp.StatusCode, body)
		}
		if strings.ContainsAny(rep.File, `/\ ()`) || strings.HasPrefix(rep.File, ".") || rep.File == "" {
			t.Errorf("%q kept as %q", name, rep.File)
		}
	}
}
