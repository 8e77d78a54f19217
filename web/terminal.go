package web

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"sync"

	"tepat"
	"tepat/ledger"
	"tepat/terminal"
)

// terminals is the server's purchase processor, started on first use so
// that a server without terminals never writes a key.
type terminals struct {
	once sync.Once
	p    *ledger.Processor
	err  error
}

// processor returns the server's purchase processor, starting it with
// LedgerConfig (and the server's key, made if need be) on first use.
func (s *Server) processor(ctx context.Context) (*ledger.Processor, error) {
	s.term.once.Do(func() {
		key, err := ledger.ServerKey(ctx, s.DB)
		if err != nil {
			s.term.err = err
			return
		}
		cfg := s.LedgerConfig
		cfg.Logger = s.Logger
		s.term.p = ledger.NewProcessor(s.DB, key, cfg)
	})
	return s.term.p, s.term.err
}

// Close stops the terminal processor after the requests it holds are
// committed and answered. Call it after the HTTP server has shut down.
func (s *Server) Close() {
	if s.term.p != nil {
		s.term.p.Close()
	}
}

// Terminals returns the server's purchase processor (for tests and for
// commands that share the server's database).
func (s *Server) Terminals(ctx context.Context) (*ledger.Processor, error) { return s.processor(ctx) }

// postTerminalPurchase and postTerminalVoid are the terminal API: the body
// is signed by the terminal (Tepat-Signature), no session or token. An
// accepted request answers 200 with the signed receipt; a refusal is
// problem+json with the reason as code (docs/terminal-protocol.md).
func (s *Server) postTerminalPurchase(w http.ResponseWriter, r *http.Request) {
	s.terminalRequest(w, r, func(p *ledger.Processor, body []byte, sig string) ([]byte, error) {
		return p.Purchase(r.Context(), body, sig)
	})
}

func (s *Server) postTerminalVoid(w http.ResponseWriter, r *http.Request) {
	s.terminalRequest(w, r, func(p *ledger.Processor, body []byte, sig string) ([]byte, error) {
		return p.Void(r.Context(), body, sig)
	})
}

// readTerminalBody reads a terminal's request body of at most limit
// bytes; a larger or cut-off one is refused with its reason.
func readTerminalBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, terminal.Refuse(tepat.EINVALID, terminal.ReasonTooLarge, "permintaan lebih dari %d byte", limit)
	} else if err != nil {
		return nil, terminal.Refuse(tepat.EINVALID, terminal.ReasonBadJSON, "permintaan terpotong")
	}
	return body, nil
}

// terminalRequest reads a signed request and answers what do returns
// (a signed body) or its refusal.
func (s *Server) terminalRequest(w http.ResponseWriter, r *http.Request, do func(*ledger.Processor, []byte, string) ([]byte, error)) {
	body, err := readTerminalBody(w, r, terminal.MaxBody)
	if err != nil {
		s.terminalError(w, r, err)
		return
	}
	p, err := s.processor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ans, err := do(p, body, r.Header.Get(terminal.SignatureHeader))
	if err != nil {
		s.terminalError(w, r, err)
		return
	}
	s.metrics.terminal.WithLabelValues("OK").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.Write(ans)
}

func (s *Server) terminalError(w http.ResponseWriter, r *http.Request, err error) {
	reason := tepat.ErrorReason(err)
	if reason == "" {
		reason = tepat.ErrorCode(err)
	}
	s.metrics.terminal.WithLabelValues(reason).Inc()
	s.writeError(w, r, err)
}

// getServerKey answers the server's public key (base64), which terminals
// check receipts and manifests with.
func (s *Server) getServerKey(w http.ResponseWriter, r *http.Request) {
	p, err := s.processor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"public_key": base64.StdEncoding.EncodeToString(p.PublicKey())})
}
