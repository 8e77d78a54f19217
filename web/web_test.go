package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"tepat/db"
	"tepat/db/dbtest"
	"tepat/web"
)

// get performs a request against a fresh server and returns status, headers and body.
func get(t *testing.T, srv *httptest.Server, path string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func newServer(t *testing.T, d *db.DB) *httptest.Server {
	srv := httptest.NewServer(web.New(d, nil))
	t.Cleanup(srv.Close)
	return srv
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newServer(t, d)
		status, _, body := get(t, srv, "/healthz")
		var h map[string]string
		if err := json.Unmarshal([]byte(body), &h); err != nil || status != 200 || h["status"] != "ok" || h["engine"] != string(d.Engine()) {
			t.Fatalf("healthz: %d %s", status, body)
		}
		status, _, body = get(t, srv, "/metrics")
		if status != 200 || !strings.Contains(body, `tepat_http_requests_total{route="GET /healthz",status="200"} 1`) {
			t.Fatalf("metrics: %d\n%s", status, body)
		}
	})
}

func TestHealthReportsDeadDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	srv := newServer(t, d)
	d.Close()
	if status, _, body := get(t, srv, "/healthz"); status != 503 || !strings.Contains(body, "unavailable") {
		t.Fatalf("healthz with closed db: %d %s", status, body)
	}
}

func TestRegionAPI(t *testing.T) {
	t.Parallel()
	srv := newServer(t, dbtest.Open(t, db.SQLite))
	t.Run("Provinces", func(t *testing.T) {
		status, _, body := get(t, srv, "/api/v1/regions")
		var out struct{ Regions []map[string]string }
		json.Unmarshal([]byte(body), &out)
		if status != 200 || len(out.Regions) != 38 || out.Regions[0]["code"] != "11" {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("OnePlainCode", func(t *testing.T) {
		status, _, body := get(t, srv, "/api/v1/regions/9171")
		var r map[string]string
		json.Unmarshal([]byte(body), &r)
		if status != 200 || r["code"] != "91.71" || r["time_zone"] != "WIT" || r["level"] != "regency" {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("Children", func(t *testing.T) {
		status, _, body := get(t, srv, "/api/v1/regions/32.73/children")
		if status != 200 || !strings.Contains(body, `"code": "32.73.01"`) {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("UnknownIsProblemJSON404", func(t *testing.T) {
		status, hdr, body := get(t, srv, "/api/v1/regions/99")
		var p map[string]any
		json.Unmarshal([]byte(body), &p)
		if status != 404 || hdr.Get("Content-Type") != "application/problem+json" || p["code"] != "KODE_WILAYAH_TIDAK_DIKENAL" || p["request_id"] == "" {
			t.Fatalf("%d %s %s", status, hdr.Get("Content-Type"), body)
		}
	})
	t.Run("MalformedIs400", func(t *testing.T) {
		if status, _, body := get(t, srv, "/api/v1/regions/3x"); status != 400 || !strings.Contains(body, "KODE_WILAYAH_TIDAK_VALID") {
			t.Fatalf("%d %s", status, body)
		}
	})
}

func TestPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, dbtest.Open(t, db.SQLite))
	for _, tc := range []struct{ name, path, want string }{
		{"Home", "/", "Kecamatan"},
		{"Provinces", "/wilayah", "Jawa Barat"},
		{"Regency", "/wilayah/32.73", "Sukasari"},
		{"Village", "/wilayah/1101012001", "Keude Bakongan"},
		{"Search", "/wilayah?q=bandung", "Kota Bandung"},
		{"LargestProvince", "/wilayah/35", "Kabupaten Pacitan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := get(t, srv, tc.path)
			if status != 200 || !strings.Contains(body, tc.want) {
				t.Fatalf("%s: %d, missing %q", tc.path, status, tc.want)
			}
			if len(body) > 100<<10 {
				t.Errorf("%s is %d bytes, over 100 KB", tc.path, len(body))
			}
			if !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hdr.Get("X-Request-Id") == "" {
				t.Errorf("missing security headers: %v", hdr)
			}
			if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
				t.Errorf("%s has inline script or style", tc.path)
			}
		})
	}
	t.Run("UnknownRegionPage404", func(t *testing.T) {
		if status, _, body := get(t, srv, "/wilayah/99"); status != 404 || !strings.Contains(body, "tidak dikenal") {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("UnknownPath404", func(t *testing.T) {
		if status, _, _ := get(t, srv, "/nope"); status != 404 {
			t.Fatalf("%d", status)
		}
	})
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	srv := newServer(t, dbtest.Open(t, db.SQLite))
	status, hdr, _ := get(t, srv, "/lang?to=en&back=/wilayah")
	if status != 303 || hdr.Get("Location") != "/wilayah" || !strings.Contains(hdr.Get("Set-Cookie"), "lang=en") {
		t.Fatalf("switch: %d %v", status, hdr)
	}
	_, _, body := get(t, srv, "/wilayah", "Cookie", "lang=en")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Regions") {
		t.Fatal("English page not in English")
	}
	_, _, body = get(t, srv, "/wilayah")
	if !strings.Contains(body, `<html lang="id">`) || !strings.Contains(body, "Wilayah") {
		t.Fatal("default page not in Indonesian")
	}
	if _, hdr, _ := get(t, srv, "/lang?to=en&back=//evil.example"); hdr.Get("Location") != "/" {
		t.Fatalf("open redirect: %s", hdr.Get("Location"))
	}
}

func TestRegionSearchAPI(t *testing.T) {
	t.Parallel()
	srv := newServer(t, dbtest.Open(t, db.SQLite))
	status, _, body := get(t, srv, "/api/v1/regions?q=makassar&level=regency")
	if status != 200 || !strings.Contains(body, `"code": "73.71"`) {
		t.Fatalf("%d %s", status, body)
	}
	if status, _, body := get(t, srv, "/api/v1/regions?q=x&level=planet"); status != 400 || !strings.Contains(body, "TINGKAT_TIDAK_DIKENAL") {
		t.Fatalf("%d %s", status, body)
	}
}

func TestEveryMessageHasBothLanguages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, dbtest.Open(t, db.SQLite))
	for _, cookie := range []string{"lang=id", "lang=en"} {
		for _, path := range []string{"/", "/wilayah", "/wilayah/32", "/masuk", "/nope"} {
			_, _, body := get(t, srv, path, "Cookie", cookie)
			for _, key := range []string{"nav.", "home.", "regions.", "login.", "error.", "level.", "footer."} {
				if strings.Contains(body, ">"+key) || strings.Contains(body, " "+key) {
					t.Errorf("%s %s shows an untranslated key %s…", cookie, path, key)
				}
			}
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
