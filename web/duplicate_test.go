package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// The test file of package registry: possible duplicates in 32.01.01 (three
// Budi Santoso, Rina twice in family 1, Ahmad Fauzi twice) and a Budi
// Santoso in 33.74.
const (
	dupFile     = "../registry/testdata/duplicates.csv"
	dupKK1      = "3201010101190001"
	dupNIKRina  = "3201016001100003"
	dupNIK33    = "3374011205800011"
	dupKK33     = "3374010101190007"
	dupNIKBudi1 = "3201011205800001"
)

func TestDuplicatesWeb(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		if _, err := registry.Import(sysCtx, d, dupFile, registry.ImportOptions{Now: synth.DefaultReference}); err != nil {
			t.Fatal(err)
		}
		s := auth.New(d)
		pw := map[string]string{}
		tok := map[string][]string{}
		for _, u := range []struct {
			name  string
			role  tepat.Role
			scope []string
		}{
			{"dinsos1", tepat.RoleDinsos, []string{"32.01"}},
			{"dinsos33", tepat.RoleDinsos, []string{"33"}},
			{"pendamping1", tepat.RolePendamping, []string{"32.01.01"}},
			{"humas1", tepat.RoleHumas, nil},
		} {
			pw[u.name] = addUser(t, s, u.name, u.role, u.scope...)
			_, secret, err := s.CreateToken(sysCtx, u.name, "test", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			tok[u.name] = []string{"Authorization", "Bearer " + secret}
		}
		b := newBrowser(t, srv)
		var dups []registry.Duplicate

		t.Run("APIListIsScopedAndMasked", func(t *testing.T) {
			resp, body := b.do("GET", "/api/v1/duplicates", nil, tok["dinsos1"]...)
			var out struct{ Duplicates []registry.Duplicate }
			if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 || len(out.Duplicates) != 5 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if strings.Contains(body, dupNIKBudi1) || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatal("full NIK in the list, or cacheable")
			}
			dups = out.Duplicates
			resp, body = b.do("GET", "/api/v1/duplicates", nil, tok["dinsos33"]...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"duplicates": []`) {
				t.Fatalf("other province: %d %s", resp.StatusCode, body)
			}
			for _, tc := range []struct {
				path  string
				hdr   []string
				want  int
				label string
			}{
				{"/api/v1/duplicates?region=33", tok["dinsos1"], 404, "foreign region"},
				{"/api/v1/duplicates?status=x", tok["dinsos1"], 400, "bad status"},
				{"/api/v1/duplicates", tok["humas1"], 403, "humas"},
				{"/api/v1/duplicates", nil, 401, "anonymous"},
				{"/api/v1/duplicates?status=SEMUA&limit=2", tok["pendamping1"], 200, "pendamping"},
			} {
				if resp, _ := b.do("GET", tc.path, nil, tc.hdr...); resp.StatusCode != tc.want {
					t.Errorf("%s: %d, want %d", tc.label, resp.StatusCode, tc.want)
				}
			}
		})
		t.Run("APIPerson", func(t *testing.T) {
			resp, body := b.do("GET", "/api/v1/persons/"+dupNIKRina, nil, tok["dinsos1"]...)
			var p registry.Person
			if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != 200 || p.NIK != "3201********0003" ||
				p.NoKK != "3201********0001" || p.Nama != "Rina" || p.FamilyID == 0 || strings.Contains(body, dupNIKRina) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = b.do("GET", "/api/v1/persons/"+dupNIKRina+"?reveal=1", nil, tok["dinsos1"]...)
			if resp.StatusCode != 200 || !strings.Contains(body, dupNIKRina) || !strings.Contains(body, dupKK1) {
				t.Fatalf("reveal: %d %s", resp.StatusCode, body)
			}
			foreign, fbody := b.do("GET", "/api/v1/persons/"+dupNIK33, nil, tok["dinsos1"]...)
			missing, mbody := b.do("GET", "/api/v1/persons/3201011205800099", nil, tok["dinsos1"]...)
			if foreign.StatusCode != 404 || missing.StatusCode != 404 || strings.Contains(fbody, "33.74") ||
				!strings.Contains(fbody, "NIK_TIDAK_DITEMUKAN") || !strings.Contains(mbody, "NIK_TIDAK_DITEMUKAN") {
				t.Fatalf("out of scope %d / missing %d: %s", foreign.StatusCode, missing.StatusCode, fbody)
			}
			if resp, _ := b.do("GET", "/api/v1/persons/123", nil, tok["dinsos1"]...); resp.StatusCode != 400 {
				t.Errorf("malformed NIK: %d", resp.StatusCode)
			}
			if resp, _ := b.do("GET", "/api/v1/persons/"+dupNIKRina, nil, tok["humas1"]...); resp.StatusCode != 403 {
				t.Errorf("humas: %d", resp.StatusCode)
			}
		})
		t.Run("APIHistory", func(t *testing.T) {
			resp, body := b.do("GET", "/api/v1/families/"+dupKK1+"/history", nil, tok["dinsos1"]...)
			var out struct{ History []registry.Change }
			if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 || len(out.History) != 1 || out.History[0].Kind != "ADDED" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if resp, _ := b.do("GET", "/api/v1/families/"+dupKK33+"/history", nil, tok["dinsos1"]...); resp.StatusCode != 404 {
				t.Errorf("foreign family: %d", resp.StatusCode)
			}
		})
		t.Run("APIResolve", func(t *testing.T) {
			id := dups[0].ID
			path := fmt.Sprintf("/api/v1/duplicates/%d/resolve", id)
			post := func(hdr []string, body string) (*http.Response, string) {
				req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if hdr != nil {
					req.Header.Set(hdr[0], hdr[1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var sb strings.Builder
				buf := make([]byte, 4096)
				for {
					n, err := resp.Body.Read(buf)
					sb.Write(buf[:n])
					if err != nil {
						break
					}
				}
				return resp, sb.String()
			}
			ok := `{"decision":"KEDUANYA_SAH","note":"dua orang berbeda"}`
			if resp, _ := post(tok["pendamping1"], ok); resp.StatusCode != 403 {
				t.Errorf("pendamping: %d", resp.StatusCode)
			}
			if resp, _ := post(tok["dinsos33"], ok); resp.StatusCode != 404 {
				t.Errorf("foreign dinsos: %d", resp.StatusCode)
			}
			if resp, _ := post(nil, ok); resp.StatusCode != 401 {
				t.Errorf("anonymous: %d", resp.StatusCode)
			}
			if resp, _ := post(tok["dinsos1"], `{"decision":`); resp.StatusCode != 400 {
				t.Errorf("bad JSON: %d", resp.StatusCode)
			}
			if resp, _ := post(tok["dinsos1"], `{"decision":"HAPUS","note":"x"}`); resp.StatusCode != 400 {
				t.Errorf("bad decision: %d", resp.StatusCode)
			}
			resp, body := post(tok["dinsos1"], ok)
			var res registry.Resolution
			if err := json.Unmarshal([]byte(body), &res); err != nil || resp.StatusCode != 200 || res.Duplicate.Status != "KEDUANYA_SAH" || res.Duplicate.ResolvedBy != "dinsos1" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = post(tok["dinsos1"], ok)
			if resp.StatusCode != 409 || !strings.Contains(body, "STATUS_DUPLIKAT_TIDAK_SESUAI") {
				t.Fatalf("second decision: %d %s", resp.StatusCode, body)
			}
		})
		t.Run("Pages", func(t *testing.T) {
			open := dups[1:]
			dinsos := newBrowser(t, srv)
			csrf := dinsos.login("dinsos1", pw["dinsos1"])
			resp, body := dinsos.do("GET", "/duplikat", nil)
			if resp.StatusCode != 200 || strings.Count(body, `<form method="post" action="/duplikat/`) != len(open) ||
				strings.Contains(body, dupNIKBudi1) || !strings.Contains(body, "3201********0001") || !strings.Contains(body, `href="/duplikat"`) {
				t.Fatalf("list: %d\n%s", resp.StatusCode, body)
			}
			id := open[0].ID
			target := fmt.Sprintf("/duplikat/%d", id)
			if resp, _ := dinsos.do("POST", target, url.Values{"decision": {"KEDUANYA_SAH"}, "note": {"x"}}); resp.StatusCode != 403 {
				t.Errorf("without CSRF: %d", resp.StatusCode)
			}
			resp, _ = dinsos.do("POST", target, url.Values{"decision": {"B_TIDAK_SAH"}, "note": {"ganda"}, "csrf": {csrf}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("/duplikat?selesai=%d", id) {
				t.Fatalf("resolve: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, body = dinsos.do("GET", resp.Header.Get("Location"), nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `role="status"`) {
				t.Fatalf("after resolve: %d", resp.StatusCode)
			}
			resp, body = dinsos.do("GET", "/duplikat?status=B_TIDAK_SAH", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "dinsos1") || !strings.Contains(body, "ganda") {
				t.Fatalf("decided list: %d", resp.StatusCode)
			}
			if resp, _ := dinsos.do("POST", target, url.Values{"decision": {"KEDUANYA_SAH"}, "note": {"x"}, "csrf": {csrf}}); resp.StatusCode != 409 {
				t.Errorf("second decision: %d", resp.StatusCode)
			}

			pendamping := newBrowser(t, srv)
			pcsrf := pendamping.login("pendamping1", pw["pendamping1"])
			resp, body = pendamping.do("GET", "/duplikat", nil)
			if resp.StatusCode != 200 || strings.Contains(body, `action="/duplikat/`) || !strings.Contains(body, "3201********") {
				t.Fatalf("pendamping list: %d", resp.StatusCode)
			}
			if resp, _ := pendamping.do("POST", fmt.Sprintf("/duplikat/%d", open[1].ID), url.Values{"decision": {"KEDUANYA_SAH"}, "note": {"x"}, "csrf": {pcsrf}}); resp.StatusCode != 403 {
				t.Errorf("pendamping resolve: %d", resp.StatusCode)
			}
			if resp, _ := newBrowser(t, srv).do("GET", "/duplikat", nil); resp.StatusCode != 303 {
				t.Errorf("anonymous: %d", resp.StatusCode)
			}
		})
		t.Run("PersonSearchAndFamilyPage", func(t *testing.T) {
			dinsos := newBrowser(t, srv)
			dinsos.login("dinsos1", pw["dinsos1"])
			resp, _ := dinsos.do("GET", "/keluarga?nik="+dupNIKRina, nil)
			loc := resp.Header.Get("Location")
			if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/keluarga/") || strings.Contains(loc, dupNIKRina) {
				t.Fatalf("%d %s", resp.StatusCode, loc)
			}
			if resp, _ := dinsos.do("GET", "/keluarga?nik="+dupNIK33, nil); resp.StatusCode != 404 {
				t.Errorf("foreign NIK: %d", resp.StatusCode)
			}
			if resp, _ := dinsos.do("GET", "/keluarga?nik=12345", nil); resp.StatusCode != 400 {
				t.Errorf("malformed NIK: %d", resp.StatusCode)
			}
			prop, err := registry.Propose(tepat.WithActor(sysCtx, &tepat.Actor{Username: "pendamping1", Role: tepat.RolePendamping, Regions: []string{"32.01.01"}}),
				d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: dupNIKRina, Reason: registry.ReasonGanda})
			if err != nil {
				t.Fatal(err)
			}
			resp, body := dinsos.do("GET", loc, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("family page: %d", resp.StatusCode)
			}
			fid, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/keluarga/"), 10, 64)
			flags, err := registry.ListDuplicates(sysCtx, d, registry.DuplicateFilter{FamilyID: fid})
			if err != nil || len(flags) == 0 {
				t.Fatalf("no open duplicates left to show: %v", err)
			}
			wants := []string{
				"Riwayat perubahan", "ditambahkan", // history
				"ibu hamil",                                                   // a component of Siti
				"Usulan perubahan", fmt.Sprintf(`href="/usulan/%d"`, prop.ID), // the family's proposals
			}
			for _, f := range flags {
				wants = append(wants, fmt.Sprintf(">%d</a>", f.ID))
			}
			for _, want := range wants {
				if !strings.Contains(body, want) {
					t.Errorf("family page lacks %q", want)
				}
			}
			if strings.Contains(body, dupNIKRina) || len(body) > 100<<10 {
				t.Errorf("family page: full NIK or %d bytes", len(body))
			}
		})
	})
}
