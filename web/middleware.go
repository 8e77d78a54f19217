package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tepat"
	"tepat/terminal"
)

type ctxKey int

const requestIDKey ctxKey = iota

// requestID returns the id given to the request being served.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	// The "r" and the dash keep an all-digit id from ever looking like a
	// NIK or KK number (16 digits) to log scanners, and to the test that no
	// 16-digit number is logged: at most 8 digits run together.
	h := hex.EncodeToString(b[:])
	return "r" + h[:8] + "-" + h[8:]
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	terminal *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tepat_http_requests_total", Help: "HTTP requests served, by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tepat_http_request_duration_seconds", Help: "Time to serve HTTP requests, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		terminal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tepat_terminal_answers_total", Help: "Terminal purchases and voids answered, by answer code (OK or the refusal reason).",
		}, []string{"code"}),
	}
	reg.MustRegister(m.requests, m.duration, m.terminal)
	return m
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing) through the wrapper.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// maxBody caps request bodies; uploads get their own, larger limit.
const (
	maxBody   = 1 << 20
	maxUpload = 4 << 30 // a national household file is about 12 GB; regional ones far less
)

// publicRoutes never look at who is calling, so they skip the session and
// token lookups (database queries) that every other request makes: a page
// view should not pay them again for its stylesheet.
var publicRoutes = map[string]bool{"GET /static/": true, "GET /healthz": true, "GET /metrics": true,
	// Terminals sign each request instead of logging in.
	"POST " + terminal.PathPurchase: true, "POST " + terminal.PathVoid: true, "GET " + terminal.PathServerKey: true,
	"POST " + terminal.PathManifest: true, "POST " + terminal.PathSync: true, "POST " + terminal.PathManifestClose: true}

// uploadRoutes may receive bodies up to maxUpload.
var uploadRoutes = map[string]bool{"POST /api/v1/imports": true, "POST /impor": true, "POST " + terminal.PathSync: true,
	"POST /api/v1/banks/{bank}/accounts": true, "POST /api/v1/banks/{bank}/reports": true,
	"POST /penyaluran/rekening": true, "POST /penyaluran/laporan": true}

// wrap gives every request an id, security headers, a body limit, panic
// recovery, a log line (route and status only: never query values, which
// may carry personal data) and metrics.
func (s *Server) wrap(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		hdr := w.Header()
		hdr.Set("X-Request-Id", id)
		hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Referrer-Policy", "same-origin")
		limit := int64(maxBody)
		if uploadRoutes[route] {
			limit = maxUpload
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.Logger.Error("panic serving request", "route", route, "request_id", id, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, tepat.Errorf(tepat.EINTERNAL, "internal error"))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(elapsed.Seconds())
			s.Logger.Info("http", "method", r.Method, "route", route, "status", status,
				"duration_ms", float64(elapsed.Microseconds())/1000, "request_id", id)
		}()
		if publicRoutes[route] {
			h(sw, r)
		} else if r, ok := s.authenticate(sw, r); ok {
			h(sw, r)
		}
	})
}

// staticHandler serves embedded files with a long cache lifetime.
func staticHandler(fsys http.FileSystem) http.HandlerFunc {
	fs := http.FileServer(fsys)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fs.ServeHTTP(w, r)
	}
}
