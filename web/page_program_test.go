package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
)

// upload posts a multipart form with one file field as the browser's
// session, with the CSRF field first.
func (b *browser) upload(path, csrf, field, name, content string) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write([]byte(content))
	mw.WriteField("catalog", "")
	mw.Close()
	return b.post(path, mw.FormDataContentType(), buf.String())
}

var cycleLocation = regexp.MustCompile(`^/siklus/(\d+)$`)

// checkPage holds every program page to the rules of all pages: under
// 100 KB, no inline script or style, no untranslated key (of untranslated
// or of the other patterns given, for other pages' own keys).
func checkPage(t *testing.T, path, body string, keys ...*regexp.Regexp) {
	t.Helper()
	if len(body) > 100<<10 {
		t.Errorf("%s is %d bytes, over 100 KB", path, len(body))
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Errorf("%s has inline script or style", path)
	}
	for _, re := range append([]*regexp.Regexp{untranslated}, keys...) {
		if m := re.FindString(body); m != "" {
			t.Errorf("%s shows an untranslated key %s", path, m)
		}
	}
}

// untranslated matches a message key shown as itself.
var untranslated = regexp.MustCompile(`[> "](program|cycle|budget|quota|nav|person|stats|level|regions|families|snapshot)\.[a-z_]+`)

func TestProgramPages(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		programSeed(t, d)
		pw, _ := addProgramUsers(t, d)
		login := func(name string) (*browser, string) {
			b := newBrowser(t, srv)
			return b, b.login(name, pw[name])
		}
		pusat1, csrf1 := login("pusat1")
		pusat2, csrf2 := login("pusat2")
		dinsos, csrfD := login("dinsos1")
		humas, csrfH := login("humas1")

		t.Run("PusatAppliesACatalog", func(t *testing.T) {
			resp, body := pusat1.do("GET", "/program", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="/program" enctype="multipart/form-data"`) || !strings.Contains(body, "Katalog masih kosong") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat1.do("POST", "/program", url.Values{"catalog": {programCatalog}, "csrf": {csrf1}})
			if resp.StatusCode != 200 || !strings.Contains(body, `role="status"`) || !strings.Contains(body, "<code>desil &lt;= 3</code>") ||
				!strings.Contains(body, "Rp1.200.000 per tahun") || !strings.Contains(body, "10 kg beras per periode") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat1.upload("/program", csrf1, "file", "2019.yaml", programCatalog)
			if resp.StatusCode != 200 || !strings.Contains(body, "tidak berubah") || strings.Contains(body, "versi baru</td>") {
				t.Fatalf("upload: %d %s", resp.StatusCode, body)
			}
			resp, body = pusat1.do("POST", "/program", url.Values{"catalog": {"programs:\n  - code: <b>X</b>\n"}, "csrf": {csrf1}})
			if resp.StatusCode != 400 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "&lt;b&gt;X&lt;/b&gt;") || strings.Contains(body, "<b>X") {
				t.Fatalf("refused catalog: %d %s", resp.StatusCode, body)
			}
			if resp, _ := pusat1.do("POST", "/program", url.Values{"catalog": {programCatalog}}); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
		})
		t.Run("OthersSeeNoApplyForm", func(t *testing.T) {
			resp, body := dinsos.do("GET", "/program", nil)
			if resp.StatusCode != 200 || strings.Contains(body, `action="/program" enctype`) || !strings.Contains(body, "BERAS") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if resp, _ := dinsos.do("POST", "/program", url.Values{"catalog": {programCatalog}, "csrf": {csrfD}}); resp.StatusCode != 403 {
				t.Fatalf("dinsos applied: %d", resp.StatusCode)
			}
		})
		t.Run("PreviewWithinScope", func(t *testing.T) {
			path := "/program?program=BANTU&year=2019&period=1&snapshot=2019-11"
			_, all := pusat1.do("GET", path, nil)
			if !strings.Contains(all, `<svg class="chart"`) || !strings.Contains(all, "Jawa Barat</text>") || !strings.Contains(all, "Jawa Tengah</text>") ||
				!strings.Contains(all, "********") || !strings.Contains(all, `href="/keluarga/`) {
				t.Fatalf("national preview: %s", all)
			}
			_, own := dinsos.do("GET", path, nil)
			if !strings.Contains(own, "Jawa Barat</text>") || strings.Contains(own, "Jawa Tengah") || strings.Contains(own, "33.74.") {
				t.Fatalf("scoped preview: %s", own)
			}
			_, pub := humas.do("GET", path, nil)
			if !strings.Contains(pub, "Jawa Tengah</text>") || strings.Contains(pub, "********") || !strings.Contains(pub, "hanya tampil bagi peran") {
				t.Fatalf("humas preview: %s", pub)
			}
			resp, body := pusat1.do("GET", "/program?program=BANTU&period=13&snapshot=2019-11", nil)
			if resp.StatusCode != 400 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "periode 13") {
				t.Fatalf("bad period: %d %s", resp.StatusCode, body)
			}
		})

		var cycle string
		t.Run("CycleSteps", func(t *testing.T) {
			resp, body := pusat1.do("GET", "/siklus", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `method="post" action="/siklus"`) || !strings.Contains(body, `<option value="2019-11"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat1.do("POST", "/siklus", url.Values{"program": {"BANTU"}, "year": {"2019"}, "period": {"1"}, "snapshot": {"2019-11"}, "csrf": {csrf1}})
			m := cycleLocation.FindStringSubmatch(resp.Header.Get("Location"))
			if resp.StatusCode != 303 || m == nil {
				t.Fatalf("create: %d %s", resp.StatusCode, body)
			}
			cycle = "/siklus/" + m[1]
			resp, body = pusat2.do("POST", "/siklus", url.Values{"program": {"BANTU"}, "year": {"2019"}, "period": {"1"}, "snapshot": {"2019-11"}, "csrf": {csrf2}})
			if resp.StatusCode != 409 || !strings.Contains(body, "sudah punya siklus") || !strings.Contains(body, `<option value="BANTU" selected>`) {
				t.Fatalf("second cycle: %d %s", resp.StatusCode, body)
			}
			buttons := func(b *browser) string {
				t.Helper()
				resp, body := b.do("GET", cycle, nil)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d", cycle, resp.StatusCode)
				}
				var got []string
				for _, step := range []string{"hitung", "setujui", "tutup", "batalkan", "ekspor"} {
					if strings.Contains(body, `action="`+cycle+"/"+step+`"`) {
						got = append(got, step)
					}
				}
				return strings.Join(got, " ")
			}
			if got := buttons(pusat1); got != "hitung batalkan" {
				t.Fatalf("draft, pusat: %q", got)
			}
			if resp, _ := pusat1.do("POST", cycle+"/hitung", url.Values{}); resp.StatusCode != 403 {
				t.Fatalf("generate without CSRF: %d", resp.StatusCode)
			}
			if resp, _ := pusat1.do("POST", cycle+"/hitung", url.Values{"csrf": {csrf1}}); resp.StatusCode != 303 || resp.Header.Get("Location") != cycle+"?selesai=1" {
				t.Fatalf("generate: %d", resp.StatusCode)
			}
			if got := buttons(pusat1); got != "hitung batalkan ekspor" {
				t.Fatalf("generated, for who generated it: %q", got)
			}
			if got := buttons(pusat2); got != "hitung setujui batalkan ekspor" {
				t.Fatalf("generated, for another pusat: %q", got)
			}
			if got := buttons(dinsos); got != "ekspor" {
				t.Fatalf("generated, for dinsos: %q", got)
			}
			if got := buttons(humas); got != "" {
				t.Fatalf("generated, for humas: %q", got)
			}
			if resp, body := pusat1.do("POST", cycle+"/setujui", url.Values{"csrf": {csrf1}}); resp.StatusCode != 403 || !strings.Contains(body, "PERSETUJUAN_SENDIRI") {
				t.Fatalf("own approval: %d %s", resp.StatusCode, body)
			}
			if resp, body := pusat2.do("POST", cycle+"/setujui", url.Values{"csrf": {csrf2}}); resp.StatusCode != 409 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "pagu BANTU 2019 belum ditetapkan") {
				t.Fatalf("approval without budget: %d %s", resp.StatusCode, body)
			}
			if resp, _ := pusat1.do("POST", "/anggaran", url.Values{"program": {"BANTU"}, "year": {"2019"}, "amount": {"5000000000"}, "csrf": {csrf1}}); resp.StatusCode != 303 {
				t.Fatalf("budget: %d", resp.StatusCode)
			}
			if resp, _ := pusat2.do("POST", cycle+"/setujui", url.Values{"csrf": {csrf2}}); resp.StatusCode != 303 {
				t.Fatalf("approve: %d", resp.StatusCode)
			}
			_, body = pusat2.do("GET", cycle+"?selesai=1", nil)
			if !strings.Contains(body, "<strong>Disetujui</strong>") || !strings.Contains(body, "pusat2 · ") || !strings.Contains(body, " WIB") || !strings.Contains(body, `role="status"`) {
				t.Fatalf("approved page: %s", body)
			}
			if got := buttons(pusat2); got != "batalkan ekspor" {
				t.Fatalf("approved: %q", got)
			}
			if resp, body := pusat1.do("POST", cycle+"/tutup", url.Values{"csrf": {csrf1}}); resp.StatusCode != 409 || !strings.Contains(body, "berstatus APPROVED") {
				t.Fatalf("close approved: %d %s", resp.StatusCode, body)
			}
		})
		t.Run("FamilyPageListsItsBenefits", func(t *testing.T) {
			_, preview := pusat1.do("GET", "/program?program=BANTU&year=2019&period=1&snapshot=2019-11", nil)
			m := regexp.MustCompile(`href="/keluarga/(\d+)"`).FindStringSubmatch(preview)
			if m == nil {
				t.Fatal("no sample family in the preview")
			}
			_, body := pusat1.do("GET", "/keluarga/"+m[1], nil)
			id := strings.TrimPrefix(cycle, "/siklus/")
			if !strings.Contains(body, "Bantuan per siklus") || !strings.Contains(body, `href="/siklus/`+id+`">`+id+"-"+m[1]+"</a>") || !strings.Contains(body, "BANTU 2019") {
				t.Fatalf("family page: %s", body)
			}
		})
		t.Run("ScopedCyclePage", func(t *testing.T) {
			_, all := pusat1.do("GET", cycle, nil)
			if !strings.Contains(all, "Jawa Tengah</a>") || !strings.Contains(all, "Jawa Barat</text>") {
				t.Fatalf("national: %s", all)
			}
			_, own := dinsos.do("GET", cycle, nil)
			if !strings.Contains(own, "Jawa Barat</a>") || strings.Contains(own, "Jawa Tengah") || !strings.Contains(own, "lingkup Anda saja") {
				t.Fatalf("scoped: %s", own)
			}
			_, list := dinsos.do("GET", "/siklus", nil)
			if strings.Contains(list, `method="post" action="/siklus"`) || !strings.Contains(list, `href="`+cycle+`"`) || strings.Contains(list, ">Rp") {
				t.Fatalf("scoped list shows national totals or the create form: %s", list)
			}
		})
		t.Run("ExportDownloadIsAuditedPost", func(t *testing.T) {
			before, _ := audit.List(sysCtx, d, audit.Filter{Action: "data.export"})
			if resp, _ := pusat1.do("POST", cycle+"/ekspor", url.Values{}); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
			if resp, _ := humas.do("POST", cycle+"/ekspor", url.Values{"csrf": {csrfH}}); resp.StatusCode != 403 {
				t.Fatalf("humas: %d", resp.StatusCode)
			}
			resp, body := pusat1.do("POST", cycle+"/ekspor", url.Values{"csrf": {csrf1}})
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "reference,no_kk,nik_kepala,nama_kepala,kode_wilayah,amount,components\n") ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename="siklus-`) {
				t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
			}
			after, _ := audit.List(sysCtx, d, audit.Filter{Action: "data.export"})
			if len(after) != len(before)+1 || after[len(after)-1].Actor != "pusat1" || "/siklus/"+strings.TrimPrefix(after[len(after)-1].Object, "cycle:") != cycle {
				t.Fatalf("audit: %+v", after)
			}
		})
		t.Run("Budgets", func(t *testing.T) {
			resp, body := pusat1.do("GET", "/anggaran", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Rp5.000.000.000") || !strings.Contains(body, `<rect class="track"`) || !strings.Contains(body, `action="/anggaran"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = pusat1.do("POST", "/anggaran", url.Values{"program": {"BANTU"}, "year": {"2019"}, "amount": {"-1"}, "csrf": {csrf1}})
			if resp.StatusCode != 400 || !strings.Contains(body, "pagu tidak boleh negatif") || !strings.Contains(body, `value="-1"`) {
				t.Fatalf("negative: %d %s", resp.StatusCode, body)
			}
			resp, body = pusat1.do("POST", "/anggaran", url.Values{"program": {"BANTU"}, "year": {"2019"}, "amount": {"1"}, "csrf": {csrf1}})
			if resp.StatusCode != 303 {
				t.Fatalf("cut: %d %s", resp.StatusCode, body)
			}
			if _, body = pusat1.do("GET", "/anggaran", nil); !strings.Contains(body, `<rect class="over"`) || !strings.Contains(body, "melampaui pagu") {
				t.Fatalf("over budget not shown: %s", body)
			}
			resp, body = dinsos.do("GET", "/anggaran", nil)
			if resp.StatusCode != 200 || strings.Contains(body, `action="/anggaran"`) || !strings.Contains(body, "BANTU") {
				t.Fatalf("dinsos: %d %s", resp.StatusCode, body)
			}
			if resp, _ := dinsos.do("POST", "/anggaran", url.Values{"program": {"BANTU"}, "year": {"2019"}, "amount": {"9"}, "csrf": {csrfD}}); resp.StatusCode != 403 {
				t.Fatalf("dinsos set a budget: %d", resp.StatusCode)
			}
			if resp, _ := pusat1.do("POST", "/anggaran", url.Values{"program": {"BANTU"}, "year": {"2019"}, "amount": {"9"}}); resp.StatusCode != 403 {
				t.Fatalf("without CSRF: %d", resp.StatusCode)
			}
		})
		t.Run("Quotas", func(t *testing.T) {
			resp, _ := pusat1.do("POST", "/kuota", url.Values{"program": {"BANTU"}, "year": {"2019"}, "region": {"3374"}, "families": {"25"}, "csrf": {csrf1}})
			if resp.StatusCode != 303 {
				t.Fatalf("%d", resp.StatusCode)
			}
			resp, body := pusat1.do("GET", resp.Header.Get("Location"), nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Kota Semarang</a>") || !strings.Contains(body, `role="status"`) || !strings.Contains(body, `method="post" action="/kuota"`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if _, body := pusat1.do("GET", "/kuota?region=32", nil); strings.Contains(body, "Kota Semarang") {
				t.Fatalf("region filter: %s", body)
			}
			if _, body := pusat1.do("GET", "/kuota?region=33&program=BANTU&year=2019", nil); !strings.Contains(body, "Kota Semarang") {
				t.Fatalf("region filter: %s", body)
			}
			resp, body = pusat1.do("POST", "/kuota", url.Values{"program": {"BANTU"}, "year": {"2019"}, "region": {"99"}, "families": {"25"}, "csrf": {csrf1}})
			if resp.StatusCode != 404 || !strings.Contains(body, `role="alert"`) {
				t.Fatalf("unknown region: %d %s", resp.StatusCode, body)
			}
			if resp, body := humas.do("GET", "/kuota", nil); resp.StatusCode != 200 || strings.Contains(body, `method="post" action="/kuota"`) || !strings.Contains(body, "Kota Semarang") {
				t.Fatalf("humas: %d %s", resp.StatusCode, body)
			}
			if resp, _ := humas.do("POST", "/kuota", url.Values{"program": {"BANTU"}, "year": {"2019"}, "region": {"33"}, "families": {"1"}, "csrf": {csrfH}}); resp.StatusCode != 403 {
				t.Fatalf("humas set a quota: %d", resp.StatusCode)
			}
		})
		t.Run("EveryPageInBothLanguages", func(t *testing.T) {
			for _, lang := range []string{"id", "en"} {
				for _, path := range []string{"/program", "/program?program=BERAS&snapshot=2019-11", "/siklus", cycle, "/anggaran", "/kuota"} {
					for _, b := range []*browser{pusat1, dinsos, humas} {
						resp, body := b.do("GET", path, nil, "Cookie", "lang="+lang)
						if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="`+lang+`">`) {
							t.Fatalf("%s %s: %d", lang, path, resp.StatusCode)
						}
						checkPage(t, fmt.Sprintf("%s %s", lang, path), body)
					}
				}
			}
			_, body := humas.do("GET", "/", nil)
			for _, link := range []string{`href="/program"`, `href="/siklus"`, `href="/anggaran"`} {
				if !strings.Contains(body, link) {
					t.Errorf("menu lacks %s", link)
				}
			}
		})
		t.Run("AnonymousGoesToLogin", func(t *testing.T) {
			for _, path := range []string{"/program", "/siklus", cycle, "/anggaran", "/kuota"} {
				if resp, _ := newBrowser(t, srv).do("GET", path, nil); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/masuk?next=") {
					t.Errorf("%s: %d", path, resp.StatusCode)
				}
			}
		})
	})
}
