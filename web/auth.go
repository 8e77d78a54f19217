package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"tepat"
	"tepat/auth"
)

const (
	sessionCookie = "tepat_session"
	loginCSRF     = "tepat_login_csrf"
)

type csrfKey struct{}

// csrfFrom returns the CSRF token of the request's session ("" without one).
func csrfFrom(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey{}).(string)
	return s
}

// authenticate finds who is calling: a Bearer token, or a session cookie.
// A bad token is refused outright (401); a stale cookie is cleared and the
// request goes on anonymously. Form posts made with a session must carry
// the session's CSRF token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			s.writeError(w, r, tepat.Reasonf(tepat.EUNAUTHORIZED, "TOKEN_TIDAK_VALID", "header Authorization harus berbentuk 'Bearer <token>'"))
			return r, false
		}
		a, err := s.Auth.TokenActor(ctx, strings.TrimSpace(secret))
		if err != nil {
			s.writeError(w, r, err)
			return r, false
		}
		return r.WithContext(tepat.WithActor(ctx, a)), true
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return r, true
	}
	a, csrf, err := s.Auth.SessionActor(ctx, c.Value)
	if err != nil {
		if tepat.ErrorCode(err) != tepat.EUNAUTHORIZED {
			s.writeError(w, r, err)
			return r, false
		}
		s.clearSession(w, r)
		return r, true
	}
	ctx = tepat.WithActor(ctx, a)
	ctx = context.WithValue(ctx, csrfKey{}, csrf)
	r = r.WithContext(ctx)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		got := r.Header.Get("X-CSRF-Token")
		if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			// Uploads carry the token in the form's action URL, so that it
			// can be checked before the body is read.
			got = r.URL.Query().Get("csrf")
		}
		if got == "" {
			got = r.PostFormValue("csrf")
		}
		if !auth.CheckCSRF(csrf, got) {
			s.writeError(w, r, tepat.Reasonf(tepat.EFORBIDDEN, "CSRF_TIDAK_VALID", "formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi"))
			return r, false
		}
	}
	return r, true
}

func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.SecureCookies }

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: int(auth.AbsoluteTimeout.Seconds())})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: -1})
}

// clientIP is the peer address of the request (proxies are not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// need checks that the caller may act with p. Pages send anonymous users to
// the login page; the API answers 401 or 403 as problem+json.
func (s *Server) need(w http.ResponseWriter, r *http.Request, p auth.Permission) (*tepat.Actor, bool) {
	a := tepat.ActorFrom(r.Context())
	if err := auth.Require(a, p); err != nil {
		if a == nil && !wantsJSON(r) {
			http.Redirect(w, r, "/masuk?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil, false
		}
		s.writeError(w, r, err)
		return nil, false
	}
	return a, true
}

// safeNext returns next if it is a local path, else "/".
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
