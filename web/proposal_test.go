package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/registry"
)

// apiJSON sends a JSON body with a bearer token and decodes the answer.
func apiJSON(t *testing.T, b *browser, method, path, token, body string, out any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

func TestProposalAPIAndPages(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		id32, id33, kk32, _, v32 := seed(t, d)
		pw, tok := addUsers(t, d,
			testUser{"pend1", tepat.RolePendamping, []string{v32[:8]}},
			testUser{"dinsos1", tepat.RoleDinsos, []string{"32.01"}},
			testUser{"dinsos2", tepat.RoleDinsos, []string{"32.01"}},
			testUser{"dinsos33", tepat.RoleDinsos, []string{"33.74"}},
			testUser{"pusat1", tepat.RolePusat, nil})
		api := newBrowser(t, srv)
		var p registry.Proposal
		create := fmt.Sprintf(`{"kind": "HAPUS_KELUARGA", "family_id": %d, "reason": "PINDAH"}`, id32)

		t.Run("APIProposes", func(t *testing.T) {
			status, body := apiJSON(t, api, "POST", "/api/v1/proposals", tok["pend1"], create, &p)
			if status != http.StatusCreated || p.Status != registry.Diusulkan || p.FamilyID != id32 {
				t.Fatalf("%d %s", status, body)
			}
		})
		path := fmt.Sprintf("/api/v1/proposals/%d", p.ID)
		t.Run("APIRefusals", func(t *testing.T) {
			for _, tc := range []struct {
				name, method, path, token, body string
				status                          int
				code                            string
			}{
				{"PusatCannotPropose", "POST", "/api/v1/proposals", tok["pusat1"], create, 403, "TIDAK_BERWENANG"},
				{"UnknownFieldRefused", "POST", "/api/v1/proposals", tok["pend1"], `{"kind": "HAPUS_KELUARGA", "keluarga": 1}`, 400, "JSON_TIDAK_VALID"},
				{"OtherRegionFamilyNotFound", "POST", "/api/v1/proposals", tok["pend1"], fmt.Sprintf(`{"kind": "HAPUS_KELUARGA", "family_id": %d, "reason": "PINDAH"}`, id33), 404, "KELUARGA_TIDAK_DITEMUKAN"},
				{"SecondOpenProposal", "POST", "/api/v1/proposals", tok["dinsos1"], create, 409, "USULAN_SUDAH_ADA"},
				{"OtherRegionCannotSee", "GET", path, tok["dinsos33"], "", 404, "USULAN_TIDAK_DITEMUKAN"},
				{"OtherRegionCannotVerify", "POST", path + "/verify", tok["dinsos33"], `{"approve": true}`, 404, "USULAN_TIDAK_DITEMUKAN"},
				{"CannotSkipVerification", "POST", path + "/determine", tok["pusat1"], `{"approve": true}`, 409, "STATUS_USULAN_TIDAK_SESUAI"},
				{"ApproveIsRequired", "POST", path + "/verify", tok["dinsos1"], `{"note": "x"}`, 400, "JSON_TIDAK_VALID"},
				{"PendampingCannotVerify", "POST", path + "/verify", tok["pend1"], `{"approve": true}`, 403, "TIDAK_BERWENANG"},
				{"MissingProposal", "GET", "/api/v1/proposals/999999", tok["pusat1"], "", 404, "USULAN_TIDAK_DITEMUKAN"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := apiJSON(t, api, tc.method, tc.path, tc.token, tc.body, nil)
					if status != tc.status || !strings.Contains(body, `"code":"`+tc.code+`"`) {
						t.Errorf("%d %s", status, body)
					}
				})
			}
			var list struct{ Proposals []registry.Proposal }
			if status, body := apiJSON(t, api, "GET", "/api/v1/proposals", tok["dinsos33"], "", &list); status != 200 || len(list.Proposals) != 0 {
				t.Errorf("foreign list: %d %s", status, body)
			}
			if resp, _ := newBrowser(t, srv).do("GET", "/api/v1/proposals", nil); resp.StatusCode != 401 {
				t.Errorf("anonymous list: %d", resp.StatusCode)
			}
		})

		t.Run("VerifyForm", func(t *testing.T) {
			b := newBrowser(t, srv)
			csrf := b.login("dinsos2", pw["dinsos2"])
			page := fmt.Sprintf("/usulan/%d", p.ID)
			resp, body := b.do("GET", page, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="`+page+`/verifikasi"`) || strings.Contains(body, kk32) {
				t.Fatalf("page: %d", resp.StatusCode)
			}
			if resp, _ := b.do("POST", page+"/verifikasi", url.Values{"action": {"approve"}}); resp.StatusCode != 403 {
				t.Fatalf("without csrf: %d", resp.StatusCode)
			}
			resp, body = b.do("POST", page+"/verifikasi", url.Values{"csrf": {csrf}, "action": {"reject"}, "note": {""}})
			if resp.StatusCode != 400 || !strings.Contains(body, "penolakan wajib disertai catatan") {
				t.Fatalf("reject without note: %d", resp.StatusCode)
			}
			resp, _ = b.do("POST", page+"/verifikasi", url.Values{"csrf": {csrf}, "action": {"approve"}, "note": {"sudah dikunjungi"}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != page+"?selesai=1" {
				t.Fatalf("approve: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, body = b.do("GET", page+"?selesai=1", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Diverifikasi") || !strings.Contains(body, "sudah dikunjungi") || strings.Contains(body, "/verifikasi") {
				t.Fatalf("after: %d", resp.StatusCode)
			}
			// Verifying again is refused and shown on the page.
			resp, body = b.do("POST", page+"/verifikasi", url.Values{"csrf": {csrf}, "action": {"approve"}})
			if resp.StatusCode != 409 || !strings.Contains(body, "tidak dapat diverifikasi") {
				t.Fatalf("second verification: %d", resp.StatusCode)
			}
		})

		t.Run("OwnProposalHasNoVerifyForm", func(t *testing.T) {
			var own registry.Proposal
			m := livingMemberIn(t, d, "32.01")
			body := fmt.Sprintf(`{"kind": "HAPUS_ANGGOTA", "nik": %q, "reason": "MENINGGAL"}`, m)
			if status, raw := apiJSON(t, api, "POST", "/api/v1/proposals", tok["dinsos1"], body, &own); status != 201 {
				t.Fatalf("%d %s", status, raw)
			}
			if strings.Contains(own.NIK, m) {
				t.Fatal("API answered a full NIK")
			}
			b := newBrowser(t, srv)
			b.login("dinsos1", pw["dinsos1"])
			resp, page := b.do("GET", fmt.Sprintf("/usulan/%d", own.ID), nil)
			if resp.StatusCode != 200 || strings.Contains(page, "/verifikasi") || strings.Contains(page, m) {
				t.Fatalf("own proposal page: %d", resp.StatusCode)
			}
			status, raw := apiJSON(t, api, "POST", fmt.Sprintf("/api/v1/proposals/%d/verify", own.ID), tok["dinsos1"], `{"approve": true}`, nil)
			if status != 403 || !strings.Contains(raw, "TIDAK_BOLEH_MEMVERIFIKASI_SENDIRI") {
				t.Fatalf("%d %s", status, raw)
			}
		})

		t.Run("DetermineFormApplies", func(t *testing.T) {
			b := newBrowser(t, srv)
			csrf := b.login("pusat1", pw["pusat1"])
			page := fmt.Sprintf("/usulan/%d", p.ID)
			resp, body := b.do("GET", page, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="`+page+`/penetapan"`) {
				t.Fatalf("page: %d", resp.StatusCode)
			}
			resp, _ = b.do("POST", page+"/penetapan", url.Values{"csrf": {csrf}, "action": {"approve"}})
			if resp.StatusCode != 303 {
				t.Fatalf("determine: %d", resp.StatusCode)
			}
			if status, _ := apiJSON(t, api, "GET", "/api/v1/families/"+kk32, tok["pusat1"], "", nil); status != 404 {
				t.Fatalf("removed family still served: %d", status)
			}
			var got registry.Proposal
			if status, raw := apiJSON(t, api, "GET", path, tok["dinsos1"], "", &got); status != 200 || got.Status != registry.Ditetapkan || got.Version == 0 {
				t.Fatalf("%d %s", status, raw)
			}
			resp, body = b.do("GET", "/usulan?status=DITETAPKAN", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`href="/usulan/%d"`, p.ID)) {
				t.Fatalf("list page: %d", resp.StatusCode)
			}
			if resp, _ := b.do("GET", "/usulan?status=NGAWUR", nil); resp.StatusCode != 400 {
				t.Errorf("bad status filter: %d", resp.StatusCode)
			}
		})

		t.Run("PagesNeedRegistryRead", func(t *testing.T) {
			hpw := addUser(t, auth.New(d), "humas1", tepat.RoleHumas)
			b := newBrowser(t, srv)
			b.login("humas1", hpw)
			for _, path := range []string{"/usulan", fmt.Sprintf("/usulan/%d", p.ID)} {
				if resp, body := b.do("GET", path, nil); resp.StatusCode != 403 || strings.Contains(body, "/verifikasi") {
					t.Errorf("%s as humas: %d", path, resp.StatusCode)
				}
			}
			if resp, _ := newBrowser(t, srv).do("GET", "/usulan", nil); resp.StatusCode != 303 {
				t.Errorf("anonymous page: %d", resp.StatusCode)
			}
		})
	})
}

// livingMemberIn returns the full NIK of a living member, not a head, of a
// family in the region.
func livingMemberIn(t *testing.T, d *db.DB, code string) string {
	t.Helper()
	fs, err := registry.ListFamilies(sysCtx, d, registry.Query{Region: code, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range fs {
		f, err := registry.GetFamily(sysCtx, d, x.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range f.Members {
			if m.Hubungan != "KEPALA" && m.Status == "HIDUP" {
				return m.NIK
			}
		}
	}
	t.Fatal("no living member besides a head in " + code)
	return ""
}
