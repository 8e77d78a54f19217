package web

import (
	"net/http"
	"strconv"

	"tepat/audit"
	"tepat/auth"
)

type auditPage struct {
	page
	Filter  audit.Filter
	Entries []audit.Entry
	Verify  *audit.Result
	Next    int64
}

// auditFilter reads the list filter from the query string.
func auditFilter(r *http.Request) audit.Filter {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), From: q.Get("since"), Limit: 100}
	f.Since, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = n
	}
	return f
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermAuditRead); !ok {
		return
	}
	p := &auditPage{Filter: auditFilter(r)}
	p.Title = translate(languageOf(r), "audit.title")
	var err error
	if p.Entries, err = audit.List(r.Context(), s.DB, p.Filter); err != nil {
		s.writeError(w, r, err)
		return
	}
	if n := len(p.Entries); n > 0 && n == p.Filter.Limit {
		p.Next = p.Entries[n-1].Seq
	}
	if r.URL.Query().Get("verify") == "1" {
		res, err := audit.Verify(r.Context(), s.DB)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p.Verify = &res
	}
	s.render(w, r, http.StatusOK, "audit.html", p)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermAuditRead); !ok {
		return
	}
	es, err := audit.List(r.Context(), s.DB, auditFilter(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if es == nil {
		es = []audit.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}

type usersPage struct {
	page
	Users []auth.User
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermUserManage); !ok {
		return
	}
	users, err := s.Auth.ListUsers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &usersPage{Users: users}
	p.Title = translate(languageOf(r), "users.title")
	s.render(w, r, http.StatusOK, "users.html", p)
}
