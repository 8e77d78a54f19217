package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"tepat"
	"tepat/auth"
)

type loginPage struct {
	page
	Next     string
	Username string
	Error    string
}

// loginToken sets (or reuses) the double-submit cookie that protects the
// login form, which has no session yet to hold a CSRF token.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRF); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: loginCSRF, Value: tok, Path: "/masuk", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: 3600})
	return tok
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	p := &loginPage{Next: safeNext(r.URL.Query().Get("next"))}
	p.Title = translate(languageOf(r), "login.title")
	p.CSRF = s.loginToken(w, r)
	s.render(w, r, http.StatusOK, "login.html", p)
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	lang := languageOf(r)
	p := &loginPage{Next: safeNext(r.PostFormValue("next")), Username: r.PostFormValue("username")}
	p.Title = translate(lang, "login.title")
	c, err := r.Cookie(loginCSRF)
	if err != nil || !auth.CheckCSRF(c.Value, r.PostFormValue("csrf")) {
		p.CSRF = s.loginToken(w, r)
		p.Error = translate(lang, "login.csrf")
		s.render(w, r, http.StatusForbidden, "login.html", p)
		return
	}
	ns, err := s.Auth.Login(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), clientIP(r))
	if err != nil {
		if tepat.ErrorCode(err) != tepat.EUNAUTHORIZED {
			s.writeError(w, r, err)
			return
		}
		p.CSRF = c.Value
		p.Error = tepat.ErrorMessage(err)
		s.render(w, r, http.StatusUnauthorized, "login.html", p)
		return
	}
	s.setSession(w, r, ns.Token)
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// apiMe tells an API client who it is.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := tepat.ActorFrom(r.Context())
	if a == nil {
		s.writeError(w, r, auth.Require(nil, auth.PermStatsRead))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"username": a.Username, "role": a.Role, "scope": a.ScopeString(), "regions": a.Regions, "bank": a.Bank, "merchants": a.Merchants})
}
