package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/ledger"
	"tepat/terminal"
)

// Offline EDC: the terminals' own routes (a manifest request signed by
// the terminal, uploads of signed entries) and the operators' API
// (manifests, release, the conflict queue, chains). Rules live in package
// ledger.

// postTerminalManifest answers a terminal's signed manifest request with
// the signed manifest.
func (s *Server) postTerminalManifest(w http.ResponseWriter, r *http.Request) {
	s.terminalRequest(w, r, func(p *ledger.Processor, body []byte, sig string) ([]byte, error) {
		doc, _, err := ledger.RequestManifest(r.Context(), s.DB, p.Key(), body, sig, s.terminalSkew())
		return doc, err
	})
}

// postTerminalManifestClose takes a terminal's signed close of its
// manifest and answers the closed manifest.
func (s *Server) postTerminalManifestClose(w http.ResponseWriter, r *http.Request) {
	s.terminalRequest(w, r, func(p *ledger.Processor, body []byte, sig string) ([]byte, error) {
		info, err := ledger.CloseByTerminal(r.Context(), s.DB, body, sig, s.terminalSkew())
		if err != nil {
			return nil, err
		}
		return json.Marshal(info)
	})
}

// terminalSkew is how far a terminal's clock may be from the server's:
// LedgerConfig.Skew, by default ledger.DefaultSkew as for purchases.
func (s *Server) terminalSkew() time.Duration {
	if s.LedgerConfig.Skew > 0 {
		return s.LedgerConfig.Skew
	}
	return ledger.DefaultSkew
}

// postTerminalSync takes an upload of offline entries (each signed).
func (s *Server) postTerminalSync(w http.ResponseWriter, r *http.Request) {
	s.extendDeadline(w, r)
	body, err := readTerminalBody(w, r, terminal.MaxSyncBody)
	if err != nil {
		s.terminalError(w, r, err)
		return
	}
	up, err := terminal.DecodeUpload(body)
	if err != nil {
		s.terminalError(w, r, err)
		return
	}
	res, err := ledger.Sync(r.Context(), s.DB, up, ledger.SyncConfig{Skew: s.LedgerConfig.Skew, Clock: s.LedgerConfig.Clock})
	if err != nil {
		s.terminalError(w, r, err)
		return
	}
	s.metrics.terminal.WithLabelValues("SYNC").Inc()
	writeJSON(w, http.StatusOK, res)
}

// manifestRequest is the body of POST /api/v1/manifests.
type manifestRequest struct {
	Terminal   string    `json:"terminal"`
	Cycle      int64     `json:"cycle"`
	Region     string    `json:"region"`
	ValidUntil time.Time `json:"valid_until"`
}

// apiCreateManifest makes a manifest for a terminal (operators); the
// answer is the signed manifest to load into the terminal.
func (s *Server) apiCreateManifest(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	var req manifestRequest
	if err := decodeJSON(r, &req, `{"terminal": "T000001", "cycle": 1, "region": "32.01", "valid_until": "2026-12-01T00:00:00Z"}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.processor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, info, err := ledger.CreateManifest(r.Context(), s.DB, p.Key(), ledger.ManifestSpec{Terminal: req.Terminal, Cycle: req.Cycle, Region: req.Region, ValidUntil: req.ValidUntil})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/manifests/"+info.ID)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(doc)
}

func (s *Server) apiManifests(w http.ResponseWriter, r *http.Request) {
	list, err := ledger.Manifests(r.Context(), s.DB, r.URL.Query().Get("terminal"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"manifests": list})
}

// apiManifestBody answers a stored manifest's signed body (the Location
// of a manifest made through the API), for a terminal that lost it.
func (s *Server) apiManifestBody(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	doc, err := ledger.ManifestBody(r.Context(), s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(doc)
}

func (s *Server) apiReleaseManifest(w http.ResponseWriter, r *http.Request) {
	m, err := ledger.ReleaseManifest(r.Context(), s.DB, r.PathValue("id"), ledger.ManifestClosed)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiConflicts(w http.ResponseWriter, r *http.Request) {
	list, err := ledger.Conflicts(r.Context(), s.DB, r.URL.Query().Get("all") == "1")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conflicts": list})
}

func (s *Server) apiResolveConflict(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "KONFLIK_TIDAK_DITEMUKAN", "konflik %q tidak ditemukan", r.PathValue("id")))
		return
	}
	var req decisionRequest
	if err := decodeJSON(r, &req, `{"decision": "DITOLAK", "note": "..."}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := ledger.ResolveConflict(r.Context(), s.DB, id, req.Decision, req.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiChains(w http.ResponseWriter, r *http.Request) {
	list, err := ledger.Chains(r.Context(), s.DB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"chains": list})
}
