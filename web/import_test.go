package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/synth"
	"tepat/web"
)

// multipartBody builds a form with a file field and optional extra fields.
func multipartBody(t *testing.T, content []byte, fields ...string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", "keluarga.csv")
	fw.Write(content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func upload(t *testing.T, srv string, path, auth, cookie string, body *bytes.Buffer, ctype string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv+path, body)
	req.Header.Set("Content-Type", ctype)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestImportThroughAPI(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		s := auth.New(d)
		addUser(t, s, "dinsos1", tepat.RoleDinsos, "32.01")
		addUser(t, s, "dinsos2", tepat.RoleDinsos, "33")
		addUser(t, s, "humas1", tepat.RoleHumas)
		_, tok, _ := s.CreateToken(sysCtx, "dinsos1", "t", time.Hour)
		_, tok2, _ := s.CreateToken(sysCtx, "dinsos2", "t", time.Hour)
		_, humas, _ := s.CreateToken(sysCtx, "humas1", "t", time.Hour)
		var file bytes.Buffer
		synth.WriteHouseholds(&file, synth.Options{Families: 50, Seed: 3, Region: "32.01"})
		// One broken row: family rejected, reported.
		content := strings.Replace(file.String(), ",KEPALA,", ",RAJA,", 1)

		body, ctype := multipartBody(t, []byte(content))
		resp, out := upload(t, srv.URL, "/api/v1/imports", "Bearer "+tok, "", body, ctype)
		if resp.StatusCode != 202 || resp.Header.Get("Location") == "" {
			t.Fatalf("%d %s", resp.StatusCode, out)
		}
		var started struct{ ID int64 }
		json.Unmarshal([]byte(out), &started)
		var job struct {
			Status  string
			Summary struct {
				FamiliesAccepted int64 `json:"families_accepted"`
				FamiliesRejected int64 `json:"families_rejected"`
			}
		}
		b := newBrowser(t, srv)
		for i := 0; i < 200; i++ {
			_, out = b.do("GET", fmt.Sprintf("/api/v1/imports/%d", started.ID), nil, "Authorization", "Bearer "+tok)
			json.Unmarshal([]byte(out), &job)
			if job.Status == "DONE" || job.Status == "FAILED" {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if job.Status != "DONE" || job.Summary.FamiliesAccepted != 49 || job.Summary.FamiliesRejected != 1 {
			t.Fatalf("job: %s", out)
		}
		resp, out = b.do("GET", fmt.Sprintf("/api/v1/imports/%d/errors.csv", started.ID), nil, "Authorization", "Bearer "+tok)
		if resp.StatusCode != 200 || !strings.Contains(out, "baris,kode,keterangan") || !strings.Contains(out, "HUBUNGAN_TIDAK_VALID") {
			t.Fatalf("report: %d %s", resp.StatusCode, out)
		}
		resp, _ = b.do("GET", fmt.Sprintf("/api/v1/imports/%d/errors.xlsx", started.ID), nil, "Authorization", "Bearer "+tok)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx report: %d", resp.StatusCode)
		}
		// Another user's job is not found; a role that may not import is refused.
		if resp, _ := b.do("GET", fmt.Sprintf("/api/v1/imports/%d", started.ID), nil, "Authorization", "Bearer "+tok2); resp.StatusCode != 404 {
			t.Fatalf("foreign job: %d", resp.StatusCode)
		}
		body, ctype = multipartBody(t, []byte(content))
		if resp, _ := upload(t, srv.URL, "/api/v1/imports", "Bearer "+humas, "", body, ctype); resp.StatusCode != 403 {
			t.Fatalf("humas upload: %d", resp.StatusCode)
		}
		// Not multipart: a clear 400.
		resp, out = upload(t, srv.URL, "/api/v1/imports", "Bearer "+tok, "", bytes.NewBufferString("{}"), "application/json")
		if resp.StatusCode != 400 || !strings.Contains(out, "UNGGAHAN_TIDAK_VALID") {
			t.Fatalf("json body: %d %s", resp.StatusCode, out)
		}
	})
}

func TestImportThroughPage(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	srv := newServer(t, d)
	pw := addUser(t, auth.New(d), "pendamping1", tepat.RolePendamping, "32.01.01")
	b := newBrowser(t, srv)
	b.login("pendamping1", pw)
	resp, page := b.do("GET", "/impor", nil)
	m := regexp.MustCompile(`action="/impor\?csrf=([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("%d", resp.StatusCode)
	}
	var file bytes.Buffer
	synth.WriteHouseholds(&file, synth.Options{Families: 5, Seed: 3, Region: "32.01.01"})
	u, _ := b.c.Jar.Cookies(mustURL(srv.URL))[0], 0
	cookie := u.Name + "=" + u.Value
	body, ctype := multipartBody(t, file.Bytes(), "strict", "1")
	if resp, _ := upload(t, srv.URL, "/impor", "", cookie, body, ctype); resp.StatusCode != 403 {
		t.Fatalf("upload without csrf: %d", resp.StatusCode)
	}
	body, ctype = multipartBody(t, file.Bytes(), "strict", "1")
	resp, _ = upload(t, srv.URL, "/impor?csrf="+m[1], "", cookie, body, ctype)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/impor/") {
		t.Fatalf("upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	loc := resp.Header.Get("Location")
	for i := 0; i < 200; i++ {
		_, page = b.do("GET", loc, nil)
		if !strings.Contains(page, `http-equiv="refresh"`) {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if !strings.Contains(page, "selesai") || !strings.Contains(page, "mode ketat") {
		t.Fatalf("job page:\n%s", page)
	}
}

// TestUploadOutlivesReadTimeout sends an upload slower than the server's
// read timeout allows for ordinary requests; the upload route extends it.
func TestUploadOutlivesReadTimeout(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	s := auth.New(d)
	addUser(t, s, "pusat1", tepat.RolePusat)
	_, tok, _ := s.CreateToken(sysCtx, "pusat1", "t", time.Hour)
	srv := httptest.NewUnstartedServer(web.New(d, nil))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	var file bytes.Buffer
	synth.WriteHouseholds(&file, synth.Options{Families: 3, Seed: 3, Region: "32.01"})
	body, ctype := multipartBody(t, file.Bytes())
	pr, pw := io.Pipe()
	go func() {
		data := body.Bytes()
		pw.Write(data[:len(data)/2])
		time.Sleep(600 * time.Millisecond) // longer than ReadTimeout
		pw.Write(data[len(data)/2:])
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("slow upload: %d", resp.StatusCode)
	}
}
