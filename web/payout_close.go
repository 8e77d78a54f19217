package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/payout"
)

// The end of a cycle's payouts: re-issues of failed payments, returned
// funds, realization reports and the check before closing. As elsewhere,
// every rule is in package payout; these handlers decode, call it, and
// encode or stream its answers.

// reissueRequest is the body of POST /api/v1/cycles/{id}/reissues; an
// empty body re-issues every entitlement that qualifies.
type reissueRequest struct {
	Families []int64 `json:"families"`
}

// maxReissueBody caps the body of a re-issue request.
const maxReissueBody = 1 << 20

// apiReissue makes a cycle's next re-issue batch (or writes the latest
// again when nothing qualifies) and answers its manifest; the files are
// downloaded one by one from downloadReissueFile.
func (s *Server) apiReissue(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermPayoutManage)
	if !ok {
		return
	}
	var req reissueRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReissueBody))
	if err != nil {
		s.writeError(w, r, uploadError(err))
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := decodeJSON(r, &req, `{"families": [12, 34]} (opsional)`); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.extendDeadline(w, r)
	out, err := payout.Reissue(r.Context(), s.DB, id, payout.ReissueOptions{Families: req.Families}, discard)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

var errNoReissueFile = tepat.Reasonf(tepat.ENOTFOUND, "FILE_PEMBAYARAN_ULANG_TIDAK_DITEMUKAN",
	"file pembayaran ulang tidak ditemukan; batch N siklus berisi <siklus>-U<N>-<BANK>.csv untuk bank yang membayar ulang dan %s",
	payout.ManifestName)

// reissueFileOf checks that name can be a file of batch of cycle id.
func reissueFileOf(id int64, batch int, name string) bool {
	if name == payout.ManifestName {
		return true
	}
	for _, b := range auth.Banks {
		if name == payout.ReissueFileName(id, batch, b) {
			return true
		}
	}
	return false
}

// downloadReissueFile streams one file of a re-issue batch (pusat), by
// writing the batch again (payout.Reissue with Batch: the same bytes,
// re-issuing nothing, audited as data.export). The batch is "N" or "UN".
func (s *Server) downloadReissueFile(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermPayoutManage)
	if !ok {
		return
	}
	batch, err := strconv.Atoi(strings.TrimPrefix(r.PathValue("batch"), "U"))
	name := r.PathValue("file")
	if err != nil || batch < 1 || !reissueFileOf(id, batch, name) {
		s.writeError(w, r, errNoReissueFile)
		return
	}
	s.extendDeadline(w, r)
	dl := newDownload(w, name, exportFileType(name))
	found := false
	_, err = payout.Reissue(r.Context(), s.DB, id, payout.ReissueOptions{Batch: batch}, func(n string, fill func(io.Writer) error) error {
		if n != name {
			return fill(io.Discard)
		}
		found = true
		return fill(dl)
	})
	if err == nil && !found {
		err = errNoReissueFile
	}
	s.finishDownload(w, r, dl, err, "re-issue file")
}

func (s *Server) apiReturns(w http.ResponseWriter, r *http.Request) {
	cycleJSON(s, w, r, auth.PermStatsRead, payout.ReturnedFunds)
}

// downloadRealization streams a cycle's realization report
// (?level=province|regency|district|village, default province; &region=;
// &format=csv|xlsx|pdf, default csv) as payout.Realize writes it: figures
// only, no personal data, so a plain GET serves the API and the page's
// form alike. Realize audits it.
func (s *Server) downloadRealization(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	q := r.URL.Query()
	levelName, format := strings.TrimSpace(q.Get("level")), strings.TrimSpace(q.Get("format"))
	if levelName == "" {
		levelName = "province"
	}
	if format == "" {
		format = "csv"
	}
	level, err := payout.ParseLevel(levelName)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The name is made of checked values only: a level ParseLevel knows,
	// and a format that has a content type (NewRealizationWriter refuses
	// the others below, before anything is written).
	dl := newDownload(w, fmt.Sprintf("%d-realisasi-%s.%s", id, levelName, format), formatTypes[format])
	sink, err := payout.NewRealizationWriter(format, dl)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.extendDeadline(w, r)
	_, err = payout.Realize(r.Context(), s.DB, payout.RealizationRequest{Cycle: id, Level: level, Region: strings.TrimSpace(q.Get("region"))}, sink)
	s.finishDownload(w, r, dl, err, "realization report")
}

// closeCheck is the answer of GET /api/v1/cycles/{id}/close-check: the
// figures of payout.CheckClose and whether the cycle can close.
type closeCheck struct {
	payout.Closure
	Final bool `json:"final"`
}

func (s *Server) apiCloseCheck(w http.ResponseWriter, r *http.Request) {
	cycleJSON(s, w, r, auth.PermProgramManage, func(ctx context.Context, d *db.DB, id int64) (closeCheck, error) {
		cl, err := payout.CheckClose(ctx, d, id)
		return closeCheck{Closure: cl, Final: cl.Final()}, err
	})
}
