package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/program"
	"tepat/registry"
)

// programCatalog pays Rp100.000 a month to families in deciles 1–3
// (BANTU) and gives them 10 kg of rice a month (BERAS).
const programCatalog = `
programs:
  - code: BANTU
    name: Bantuan uji
    year: 2019
    periods_per_year: 12
    eligibility: "desil <= 3"
    benefit: {kind: flat, yearly: 1200000}
  - code: BERAS
    year: 2019
    periods_per_year: 12
    eligibility: "desil <= 3"
    benefit: {kind: in_kind, item: beras, unit: kg, quantity_per_period: 10}
`

// programSeed loads families into 32.01 and 33.74 (seed) and freezes them
// as snapshot 2019-11.
func programSeed(t *testing.T, d *db.DB) {
	t.Helper()
	seed(t, d)
	if _, err := registry.CreateSnapshot(sysCtx, d, "2019-11"); err != nil {
		t.Fatal(err)
	}
}

// programUsers are the users of the program tests: two central operators
// (one generates, the other approves), a regional one, public relations.
var programUsers = []testUser{
	{"pusat1", tepat.RolePusat, nil},
	{"pusat2", tepat.RolePusat, nil},
	{"dinsos1", tepat.RoleDinsos, []string{"32.01"}},
	{"humas1", tepat.RoleHumas, nil},
}

// addProgramUsers creates programUsers and returns their passwords and
// API tokens by name.
func addProgramUsers(t *testing.T, d *db.DB) (pw, tok map[string]string) {
	t.Helper()
	return addUsers(t, d, programUsers...)
}

// call sends body with a content type and a bearer token (none when
// token is empty) and returns the response with its whole body read, so
// that trailers are there.
func call(t *testing.T, b *browser, method, path, token, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// wantProblem checks a problem+json answer's status and stable code.
func wantProblem(t *testing.T, what string, status int, body string, wantStatus int, code string) {
	t.Helper()
	var p struct {
		Status int
		Code   string
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil || status != wantStatus || p.Status != wantStatus || p.Code != code {
		t.Errorf("%s: %d %s, want %d %s", what, status, body, wantStatus, code)
	}
}

func TestProgramAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		programSeed(t, d)
		_, tok := addProgramUsers(t, d)
		b := newBrowser(t, srv)

		t.Run("AppliesCatalogOnce", func(t *testing.T) {
			for i, want := range []bool{true, false} {
				resp, body := call(t, b, "POST", "/api/v1/programs", tok["pusat1"], "application/yaml", programCatalog)
				var out struct{ Applied []program.Applied }
				json.Unmarshal([]byte(body), &out)
				if resp.StatusCode != 200 || len(out.Applied) != 2 || out.Applied[0].Changed != want || out.Applied[0].Version != 1 {
					t.Fatalf("apply %d: %d %s", i, resp.StatusCode, body)
				}
			}
		})
		t.Run("ApplyRefusals", func(t *testing.T) {
			for _, tc := range []struct {
				name, token, ctype, body string
				status                   int
				code                     string
			}{
				{"UnknownKey", tok["pusat1"], "text/yaml", "programs:\n  - code: X1\n    colour: red\n", 400, "KATALOG_TIDAK_VALID"},
				{"BadExpression", tok["pusat1"], "application/yaml", strings.Replace(programCatalog, `"desil <= 3"`, `"desil <="`, 1), 400, "KATALOG_TIDAK_VALID"},
				{"NotYAML", tok["pusat1"], "application/json", `{"programs": []}`, 400, "JENIS_ISI_TIDAK_DIDUKUNG"},
				{"DinsosRefused", tok["dinsos1"], "application/yaml", programCatalog, 403, "TIDAK_BERWENANG"},
				{"Anonymous", "", "application/yaml", programCatalog, 401, "BELUM_MASUK"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					resp, body := call(t, b, "POST", "/api/v1/programs", tc.token, tc.ctype, tc.body)
					wantProblem(t, tc.name, resp.StatusCode, body, tc.status, tc.code)
					if resp.Header.Get("Content-Type") != "application/problem+json" {
						t.Errorf("content type %q", resp.Header.Get("Content-Type"))
					}
				})
			}
		})
		t.Run("EveryRoleListsTheCatalog", func(t *testing.T) {
			resp, body := call(t, b, "GET", "/api/v1/programs", tok["humas1"], "", "")
			var out struct{ Programs []program.Version }
			json.Unmarshal([]byte(body), &out)
			if resp.StatusCode != 200 || len(out.Programs) != 2 || out.Programs[0].Program.Code != "BANTU" || out.Programs[0].Program.Eligibility != "desil <= 3" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
		t.Run("PreviewWithinScope", func(t *testing.T) {
			preview := func(token string) program.Preview {
				t.Helper()
				resp, body := call(t, b, "GET", "/api/v1/programs/BANTU/preview?snapshot=2019-11&year=2019&period=2", token, "", "")
				var p program.Preview
				if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != 200 {
					t.Fatalf("%d %s", resp.StatusCode, body)
				}
				return p
			}
			all := preview(tok["pusat1"])
			if all.Eligible == 0 || all.Amount != all.Eligible*100000 || len(all.Provinces) != 2 || all.Provinces[1].Code != "33" ||
				len(all.Samples) == 0 || !strings.Contains(all.Samples[0].NoKK, "****") || all.ReferenceDate != "2019-02-01" {
				t.Fatalf("national preview: %+v", all)
			}
			own := preview(tok["dinsos1"])
			if len(own.Provinces) != 1 || own.Provinces[0].Code != "32" || own.Eligible != all.Provinces[0].Families {
				t.Fatalf("scoped preview: %+v", own)
			}
			for _, s := range own.Samples {
				if !strings.HasPrefix(s.KodeWilayah, "32.01.") {
					t.Fatalf("scoped preview shows %s", s.KodeWilayah)
				}
			}
			if p := preview(tok["humas1"]); p.Eligible != all.Eligible || len(p.Samples) != 0 {
				t.Fatalf("humas sees families: %+v", p)
			}
			for _, tc := range []struct {
				query, code string
				status      int
			}{
				{"/api/v1/programs/NOPE/preview?snapshot=2019-11", "PROGRAM_TIDAK_DITEMUKAN", 404},
				{"/api/v1/programs/BANTU/preview?snapshot=2019-11&period=13", "PERIODE_TIDAK_VALID", 400},
				{"/api/v1/programs/BANTU/preview?snapshot=2019-11&year=dua", "PARAMETER_TIDAK_VALID", 400},
				{"/api/v1/programs/BANTU/preview", "SNAPSHOT_WAJIB", 400},
				{"/api/v1/programs/BANTU/preview?snapshot=2019-11&reference_date=2019-02-30", "TANGGAL_TIDAK_VALID", 400},
			} {
				resp, body := call(t, b, "GET", tc.query, tok["pusat1"], "", "")
				wantProblem(t, tc.query, resp.StatusCode, body, tc.status, tc.code)
			}
		})
		t.Run("Quotas", func(t *testing.T) {
			var q program.Quota
			status, body := apiJSON(t, b, "PUT", "/api/v1/quotas", tok["pusat1"], `{"program": "BANTU", "year": 2019, "region": "33.74", "families": 1000}`, &q)
			if status != 200 || q.Region != "33.74" || q.Families != 1000 || q.SetBy != "pusat1" {
				t.Fatalf("%d %s", status, body)
			}
			var list struct{ Quotas []program.Quota }
			if status, body := apiJSON(t, b, "GET", "/api/v1/quotas?program=BANTU&year=2019", tok["humas1"], "", &list); status != 200 || len(list.Quotas) != 1 || list.Quotas[0].Name == "" {
				t.Fatalf("%d %s", status, body)
			}
			for _, tc := range []struct {
				name, token, body string
				status            int
				code              string
			}{
				{"Negative", tok["pusat1"], `{"program": "BANTU", "year": 2019, "region": "33.74", "families": -1}`, 400, "KUOTA_TIDAK_VALID"},
				{"MissingFamilies", tok["pusat1"], `{"program": "BANTU", "year": 2019, "region": "33.74"}`, 400, "JSON_TIDAK_VALID"},
				{"UnknownField", tok["pusat1"], `{"program": "BANTU", "year": 2019, "region": "33.74", "kuota": 5}`, 400, "JSON_TIDAK_VALID"},
				{"UnknownProgram", tok["pusat1"], `{"program": "NOPE", "year": 2019, "region": "33.74", "families": 5}`, 404, "PROGRAM_TIDAK_DITEMUKAN"},
				{"DinsosRefused", tok["dinsos1"], `{"program": "BANTU", "year": 2019, "region": "32.01", "families": 5}`, 403, "TIDAK_BERWENANG"},
			} {
				status, body := apiJSON(t, b, "PUT", "/api/v1/quotas", tc.token, tc.body, nil)
				wantProblem(t, tc.name, status, body, tc.status, tc.code)
			}
		})

		var c program.Cycle
		cyclePath := func(suffix string) string { return fmt.Sprintf("/api/v1/cycles/%d%s", c.ID, suffix) }
		t.Run("CycleFlow", func(t *testing.T) {
			status, body := apiJSON(t, b, "POST", "/api/v1/cycles", tok["pusat1"], `{"program": "BANTU", "year": 2019, "period": 2, "snapshot": "2019-11"}`, &c)
			if status != 201 || c.State != program.StateDraft || c.ReferenceDate != "2019-02-01" || c.CreatedBy != "pusat1" {
				t.Fatalf("create: %d %s", status, body)
			}
			steps := []struct {
				name, method, path, token, body string
				status                          int
				code                            string
			}{
				{"SecondCycleOfPeriod", "POST", "/api/v1/cycles", tok["pusat2"], `{"program": "BANTU", "year": 2019, "period": 2, "snapshot": "2019-11"}`, 409, "SIKLUS_SUDAH_ADA"},
				{"PeriodOutOfYear", "POST", "/api/v1/cycles", tok["pusat1"], `{"program": "BANTU", "year": 2019, "period": 13, "snapshot": "2019-11"}`, 400, "PERIODE_TIDAK_VALID"},
				{"DinsosCannotCreate", "POST", "/api/v1/cycles", tok["dinsos1"], `{"program": "BANTU", "year": 2019, "period": 3, "snapshot": "2019-11"}`, 403, "TIDAK_BERWENANG"},
				{"ApproveDraft", "POST", cyclePath("/approve"), tok["pusat2"], "", 409, "STATUS_SIKLUS_TIDAK_SESUAI"},
				{"ExportDraft", "GET", cyclePath("/export"), tok["pusat1"], "", 409, "STATUS_SIKLUS_TIDAK_SESUAI"},
				{"Generate", "POST", cyclePath("/generate"), tok["pusat1"], "", 200, ""},
				{"ApproveOwnGeneration", "POST", cyclePath("/approve"), tok["pusat1"], "", 403, "PERSETUJUAN_SENDIRI"},
				{"ApproveWithoutBudget", "POST", cyclePath("/approve"), tok["pusat2"], "", 409, "PAGU_BELUM_ADA"},
				{"NegativeBudget", "PUT", "/api/v1/budgets", tok["pusat1"], `{"program": "BANTU", "year": 2019, "amount": -5}`, 400, "PAGU_TIDAK_VALID"},
				{"MissingAmount", "PUT", "/api/v1/budgets", tok["pusat1"], `{"program": "BANTU", "year": 2019}`, 400, "JSON_TIDAK_VALID"},
				{"SmallBudget", "PUT", "/api/v1/budgets", tok["pusat1"], `{"program": "BANTU", "year": 2019, "amount": 1}`, 200, ""},
				{"ApproveOverBudget", "POST", cyclePath("/approve"), tok["pusat2"], "", 409, "PAGU_TERLAMPAUI"},
				{"DinsosCannotSetBudget", "PUT", "/api/v1/budgets", tok["dinsos1"], `{"program": "BANTU", "year": 2019, "amount": 1000000000}`, 403, "TIDAK_BERWENANG"},
				{"Budget", "PUT", "/api/v1/budgets", tok["pusat1"], `{"program": "BANTU", "year": 2019, "amount": 1000000000}`, 200, ""},
				{"HumasCannotApprove", "POST", cyclePath("/approve"), tok["humas1"], "", 403, "TIDAK_BERWENANG"},
				{"Approve", "POST", cyclePath("/approve"), tok["pusat2"], "", 200, ""},
				{"GenerateApproved", "POST", cyclePath("/generate"), tok["pusat1"], "", 409, "STATUS_SIKLUS_TIDAK_SESUAI"},
				{"CloseApproved", "POST", cyclePath("/close"), tok["pusat1"], "", 409, "STATUS_SIKLUS_TIDAK_SESUAI"},
				{"UnknownCycle", "POST", "/api/v1/cycles/999999/cancel", tok["pusat1"], "", 404, "SIKLUS_TIDAK_DITEMUKAN"},
				{"MalformedID", "GET", "/api/v1/cycles/abc", tok["pusat1"], "", 404, "SIKLUS_TIDAK_DITEMUKAN"},
			}
			for _, st := range steps {
				status, body := apiJSON(t, b, st.method, st.path, st.token, st.body, nil)
				if st.code == "" {
					if status != st.status {
						t.Fatalf("%s: %d %s", st.name, status, body)
					}
					continue
				}
				wantProblem(t, st.name, status, body, st.status, st.code)
			}
			var sum program.Summary
			if status, body := apiJSON(t, b, "GET", cyclePath(""), tok["humas1"], "", &sum); status != 200 || sum.State != program.StateApproved ||
				sum.GeneratedBy != "pusat1" || sum.ApprovedBy != "pusat2" || sum.Families == 0 || sum.Amount != sum.Families*100000 || len(sum.Provinces) != 2 {
				t.Fatalf("approved: %d %s", status, body)
			}
			var own program.Summary
			if status, body := apiJSON(t, b, "GET", cyclePath(""), tok["dinsos1"], "", &own); status != 200 || len(own.Provinces) != 1 ||
				own.Provinces[0].Code != "32" || own.Families != sum.Provinces[0].Families || own.Amount >= sum.Amount {
				t.Fatalf("scoped summary: %d %s", status, body)
			}
			var bs struct{ Budgets []program.Budget }
			if status, body := apiJSON(t, b, "GET", "/api/v1/budgets?program=BANTU&year=2019", tok["dinsos1"], "", &bs); status != 200 || len(bs.Budgets) != 1 ||
				bs.Budgets[0].Committed != sum.Amount || bs.Budgets[0].Remaining != 1000000000-sum.Amount {
				t.Fatalf("budgets: %d %s", status, body)
			}
			var list struct{ Cycles []program.Cycle }
			if status, body := apiJSON(t, b, "GET", "/api/v1/cycles?program=BANTU&state=APPROVED", tok["humas1"], "", &list); status != 200 || len(list.Cycles) != 1 || list.Cycles[0].ID != c.ID {
				t.Fatalf("list: %d %s", status, body)
			}
			status, body = apiJSON(t, b, "GET", "/api/v1/cycles?state=PAID", tok["humas1"], "", nil)
			wantProblem(t, "unknown state", status, body, 400, "STATUS_SIKLUS_TIDAK_DIKENAL")
		})
		t.Run("ExportIsAuditedAndScoped", func(t *testing.T) {
			rows := func(token string) (*http.Response, [][]string) {
				t.Helper()
				resp, body := call(t, b, "GET", cyclePath("/export"), token, "", "")
				if resp.StatusCode != 200 {
					t.Fatalf("export: %d %s", resp.StatusCode, body)
				}
				recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				return resp, recs
			}
			resp, recs := rows(tok["pusat1"])
			if strings.Join(recs[0], ",") != "reference,no_kk,nik_kepala,nama_kepala,kode_wilayah,amount,components" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") ||
				resp.Header.Get("Cache-Control") != "no-store" || resp.Trailer.Get("X-Export-Lines") != strconv.Itoa(len(recs)-1) {
				t.Fatalf("export: %v %v %v", recs[0], resp.Header, resp.Trailer)
			}
			var sum program.Summary
			apiJSON(t, b, "GET", cyclePath(""), tok["pusat1"], "", &sum)
			if int64(len(recs)-1) != sum.Families || len(recs[1][1]) != 16 || strings.Contains(recs[1][1], "*") || recs[1][5] != "100000" ||
				!strings.HasPrefix(recs[1][0], fmt.Sprintf("%d-", c.ID)) {
				t.Fatalf("export lines: %d of %d: %v", len(recs)-1, sum.Families, recs[1])
			}
			_, own := rows(tok["dinsos1"])
			for _, rec := range own[1:] {
				if !strings.HasPrefix(rec[4], "32.01.") {
					t.Fatalf("dinsos export shows %s", rec[4])
				}
			}
			if len(own) < 2 || len(own) >= len(recs) {
				t.Fatalf("dinsos export: %d lines of %d", len(own)-1, len(recs)-1)
			}
			es, _ := audit.List(sysCtx, d, audit.Filter{Action: "data.export"})
			if len(es) != 2 || es[0].Object != fmt.Sprintf("cycle:%d", c.ID) || es[0].Actor != "pusat1" || es[1].Actor != "dinsos1" {
				t.Fatalf("audit: %+v", es)
			}
			resp, body := call(t, b, "GET", cyclePath("/export"), tok["humas1"], "", "")
			wantProblem(t, "humas export", resp.StatusCode, body, 403, "TIDAK_BERWENANG")
			if es, _ := audit.List(sysCtx, d, audit.Filter{Action: "data.export"}); len(es) != 2 {
				t.Fatalf("a refused export was audited: %+v", es)
			}
		})
		t.Run("GoodsExportHasQuantity", func(t *testing.T) {
			var g program.Cycle
			if status, body := apiJSON(t, b, "POST", "/api/v1/cycles", tok["pusat1"], `{"program": "BERAS", "year": 2019, "period": 1, "snapshot": "2019-11", "reference_date": "2019-01-15"}`, &g); status != 201 || g.ReferenceDate != "2019-01-15" {
				t.Fatalf("%d %s", status, body)
			}
			if status, body := apiJSON(t, b, "POST", fmt.Sprintf("/api/v1/cycles/%d/generate", g.ID), tok["pusat1"], "", &g); status != 200 || g.Quantity != g.Families*10 || g.Amount != 0 {
				t.Fatalf("%d %s", status, body)
			}
			resp, body := call(t, b, "GET", fmt.Sprintf("/api/v1/cycles/%d/export", g.ID), tok["pusat1"], "", "")
			if first, _, _ := strings.Cut(body, "\n"); resp.StatusCode != 200 || first != "reference,no_kk,nik_kepala,nama_kepala,kode_wilayah,amount,components,quantity" || !strings.Contains(body, ",0,,10\n") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if status, body := apiJSON(t, b, "POST", fmt.Sprintf("/api/v1/cycles/%d/cancel", g.ID), tok["pusat2"], "", &g); status != 200 || g.State != program.StateCancelled || g.EndedBy != "pusat2" {
				t.Fatalf("%d %s", status, body)
			}
			resp, body = call(t, b, "GET", fmt.Sprintf("/api/v1/cycles/%d/export", g.ID), tok["pusat1"], "", "")
			wantProblem(t, "export cancelled", resp.StatusCode, body, 409, "STATUS_SIKLUS_TIDAK_SESUAI")
		})
		t.Run("SessionWritesNeedCSRF", func(t *testing.T) {
			pw := addUser(t, auth.New(d), "pusat3", tepat.RolePusat)
			sb := newBrowser(t, srv)
			csrf := sb.login("pusat3", pw)
			resp, body := sb.do("PUT", "/api/v1/budgets", nil, "Content-Type", "application/json")
			wantProblem(t, "without token", resp.StatusCode, body, 403, "CSRF_TIDAK_VALID")
			req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/budgets", strings.NewReader(`{"program": "BERAS", "year": 2019, "amount": 0}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", csrf)
			r, err := sb.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != 200 {
				t.Fatalf("with token: %d", r.StatusCode)
			}
		})
	})
}

// programFixture adds to the families of seed a snapshot, the catalog, a
// budget and an approved BANTU cycle, and returns the cycle's id.
func programFixture(t *testing.T, d *db.DB) int64 {
	t.Helper()
	if _, err := registry.CreateSnapshot(sysCtx, d, "2019-11"); err != nil {
		t.Fatal(err)
	}
	c, err := program.ParseCatalog(strings.NewReader(programCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(sysCtx, d, c); err != nil {
		t.Fatal(err)
	}
	if _, err := program.SetBudget(sysCtx, d, "BANTU", 2019, 1<<40); err != nil {
		t.Fatal(err)
	}
	cy, err := program.CreateCycle(sysCtx, d, program.NewCycle{Program: "BANTU", Year: 2019, Period: 1, Snapshot: "2019-11"})
	if err == nil {
		_, err = program.GenerateCycle(sysCtx, d, cy.ID)
	}
	if err == nil {
		// Someone other than the generator approves.
		_, err = program.ApproveCycle(tepat.WithActor(sysCtx, &tepat.Actor{Username: "pusat-lain", Role: tepat.RolePusat}), d, cy.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cy.ID
}
