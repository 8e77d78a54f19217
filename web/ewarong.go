package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/ledger"
)

// e-Warong merchants, EDC terminals, sales, settlements, reference prices
// and the ledger: the JSON API. Who may see or change what, and within
// which scope, is decided in package ledger; these handlers decode, call
// it and encode. A merchant outside the caller's scope is not found, as
// if it did not exist, on every route that names one.

// merchantRequest is the body of POST /api/v1/merchants.
type merchantRequest struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Village string `json:"village"`
	Bank    string `json:"bank"`
}

// terminalRequest is the body of POST /api/v1/terminals.
type terminalRequest struct {
	Merchant  string `json:"merchant"`
	PublicKey string `json:"public_key"` // Ed25519, standard base64
}

// settleRequest is the body of POST /api/v1/settlements.
type settleRequest struct {
	Date string `json:"date"` // YYYY-MM-DD
}

func (s *Server) apiMerchants(w http.ResponseWriter, r *http.Request) {
	ms, err := ledger.Merchants(r.Context(), s.DB, strings.TrimSpace(r.URL.Query().Get("region")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"merchants": ms})
}

func (s *Server) apiAddMerchant(w http.ResponseWriter, r *http.Request) {
	// Permission first: a refused role gets 403 whatever the body says.
	if _, ok := s.need(w, r, auth.PermMerchantManage); !ok {
		return
	}
	var req merchantRequest
	if err := decodeJSON(r, &req, `{"name": "...", "type": "EWARONG", "village": "32.01.01.2001", "bank": "BRI"}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := ledger.AddMerchant(r.Context(), s.DB, ledger.NewMerchant{Name: req.Name, Type: req.Type, Village: req.Village, Bank: req.Bank})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/merchants/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
}

func (s *Server) apiMerchant(w http.ResponseWriter, r *http.Request) {
	m, err := ledger.GetMerchant(r.Context(), s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiDisableMerchant(w http.ResponseWriter, r *http.Request) {
	m, err := ledger.DisableMerchant(r.Context(), s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// merchantOf returns the merchant named by the path, or by the query
// field when the route takes it there ("" when absent): lists of a
// merchant's sales, settlements, terminals or flags answer 404 for a
// merchant outside the scope instead of an empty list.
func (s *Server) merchantOf(r *http.Request, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	m, err := ledger.GetMerchant(r.Context(), s.DB, id)
	return m.ID, err
}

func (s *Server) apiMerchantSales(w http.ResponseWriter, r *http.Request) {
	id, err := s.merchantOf(r, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	day := 0
	if v := q.Get("day"); v != "" {
		if day, err = strconv.Atoi(v); err != nil || len(v) != 8 {
			s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "TANGGAL_TIDAK_VALID", "day harus YYYYMMDD"))
			return
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	sales, err := ledger.Sales(r.Context(), s.DB, id, day, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sales": sales})
}

func (s *Server) apiMerchantSettlements(w http.ResponseWriter, r *http.Request) {
	id, err := s.merchantOf(r, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := ledger.Settlements(r.Context(), s.DB, 0, id, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"settlements": list})
}

func (s *Server) apiTerminals(w http.ResponseWriter, r *http.Request) {
	id, err := s.merchantOf(r, strings.TrimSpace(r.URL.Query().Get("merchant")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, err := ledger.Terminals(r.Context(), s.DB, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"terminals": ts})
}

func (s *Server) apiRegisterTerminal(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	var req terminalRequest
	if err := decodeJSON(r, &req, `{"merchant": "M000001", "public_key": "<Ed25519, base64>"}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	pub, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.PublicKey))
	if err != nil {
		s.writeError(w, r, tepat.Reasonf(tepat.EINVALID, "KUNCI_TIDAK_VALID", "public_key harus base64 standar dari kunci publik Ed25519 (32 byte)"))
		return
	}
	t, err := ledger.RegisterTerminal(r.Context(), s.DB, strings.TrimSpace(req.Merchant), pub)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/terminals?merchant="+t.Merchant)
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) apiRevokeTerminal(w http.ResponseWriter, r *http.Request) {
	t, err := ledger.RevokeTerminal(r.Context(), s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiLedgerCheck(w http.ResponseWriter, r *http.Request) {
	s.extendDeadline(w, r)
	rep, err := ledger.Check(r.Context(), s.DB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) apiLedgerOverview(w http.ResponseWriter, r *http.Request) {
	ov, err := ledger.Overviews(r.Context(), s.DB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"overview": ov})
}

func (s *Server) apiPriceFlags(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, err := s.merchantOf(r, strings.TrimSpace(q.Get("merchant")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	fs, err := ledger.PriceFlags(r.Context(), s.DB, id, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"price_flags": fs})
}

func (s *Server) apiSettle(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermLedgerManage); !ok {
		return
	}
	var req settleRequest
	if err := decodeJSON(r, &req, `{"date": "2026-02-10"}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	day, err := ledger.ParseDay(strings.TrimSpace(req.Date))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.extendDeadline(w, r)
	res, err := ledger.Settle(r.Context(), s.DB, day, "", nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// apiLoadPrices loads a reference price file sent as the body (text/csv)
// or as the multipart field "file"; a refused file answers 400 with its
// problems by line.
func (s *Server) apiLoadPrices(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermLedgerManage); !ok {
		return
	}
	name, body, err := priceFile(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := ledger.LoadPrices(r.Context(), s.DB, name, bytes.NewReader(body))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"file": name, "loaded": n})
}

// priceFile reads a reference price file from r: the multipart field
// "file" or, for any other content type, the whole body. Price files are
// small (a few hundred lines per province), so they are read within the
// ordinary body limit.
func priceFile(r *http.Request) (name string, body []byte, err error) {
	tooBig := func(err error) error {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tepat.Reasonf(tepat.EINVALID, "BERKAS_TERLALU_BESAR", "file harga lebih dari %d byte", maxBody)
		}
		return tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "file harga tidak terbaca utuh")
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if body, err = io.ReadAll(r.Body); err != nil {
			return "", nil, tooBig(err)
		}
		return "harga.csv", body, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "kirim file sebagai multipart/form-data dengan field 'file'")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return "", nil, tooBig(err)
		}
		if part.FormName() == "file" {
			body, err = io.ReadAll(part)
			part.Close()
			if err != nil {
				return "", nil, tooBig(err)
			}
			return cleanFileName(part.FileName()), body, nil
		}
		part.Close()
	}
	return "", nil, tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "field 'file' tidak ada")
}
