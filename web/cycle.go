package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/payout"
	"tepat/program"
)

// Cycles (tahap): the JSON API and the export download. The state machine,
// the budget rule and the four-eyes rule are in package program.

var errNoCycle = tepat.Reasonf(tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN", "siklus tidak ditemukan")

// cycleStates are the states the lists filter by, in the order a cycle
// moves through them.
var cycleStates = []string{program.StateDraft, program.StateGenerated, program.StateApproved,
	program.StateDisbursing, program.StateClosed, program.StateCancelled}

// cycleTimeout bounds generating or exporting a national cycle, which can
// take far longer than the server's write timeout meant for ordinary
// requests.
const cycleTimeout = time.Hour

// needCycle checks perm, as need does, then reads the cycle id of the
// path. When either fails it has answered, and ok is false.
func (s *Server) needCycle(w http.ResponseWriter, r *http.Request, perm auth.Permission) (a *tepat.Actor, id int64, ok bool) {
	if a, ok = s.need(w, r, perm); !ok {
		return nil, 0, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, errNoCycle)
		return nil, 0, false
	}
	return a, id, true
}

// cycleFilter reads a cycle list filter from a query; an unknown state is
// refused rather than silently matching nothing.
func cycleFilter(r *http.Request) (program.CycleFilter, error) {
	q := r.URL.Query()
	code, year, err := programYear(q)
	f := program.CycleFilter{Program: code, Year: year, State: strings.TrimSpace(q.Get("state"))}
	if err != nil {
		return f, err
	}
	if f.State != "" && !slices.Contains(cycleStates, f.State) {
		return f, tepat.Reasonf(tepat.EINVALID, "STATUS_SIKLUS_TIDAK_DIKENAL", "status siklus tidak dikenal: %s", strings.Join(cycleStates, ", "))
	}
	return f, nil
}

func (s *Server) apiCycles(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	f, err := cycleFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := program.ListCycles(r.Context(), s.DB, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cs == nil {
		cs = []program.Cycle{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"cycles": cs})
}

// cycleRequest is the body of POST /api/v1/cycles; reference_date may be
// left out (the first day of the period).
type cycleRequest struct {
	Program       string `json:"program"`
	Year          int    `json:"year"`
	Period        int    `json:"period"`
	Snapshot      string `json:"snapshot"`
	ReferenceDate string `json:"reference_date"`
}

func (s *Server) apiCreateCycle(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	var req cycleRequest
	if err := decodeJSON(r, &req, `{"program": "PKH", "year": 2019, "period": 1, "snapshot": "2019-11", "reference_date": "2019-01-01"}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := program.CreateCycle(r.Context(), s.DB, program.NewCycle{
		Program: req.Program, Year: req.Year, Period: req.Period, Snapshot: req.Snapshot, ReferenceDate: req.ReferenceDate})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cycles/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiCycle(w http.ResponseWriter, r *http.Request) {
	cycleJSON(s, w, r, auth.PermStatsRead, program.Summarize)
}

// cycleJSON answers a request about the cycle in the path with what fn
// makes of it, as JSON, for users with perm. fn may read or change a
// national cycle, so the answer gets cycleTimeout.
func cycleJSON[T any](s *Server, w http.ResponseWriter, r *http.Request, perm auth.Permission, fn func(context.Context, *db.DB, int64) (T, error)) {
	_, id, ok := s.needCycle(w, r, perm)
	if !ok {
		return
	}
	s.extendDeadline(w, r)
	v, err := fn(r.Context(), s.DB, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// cycleStep is one step of a cycle with the permission it takes, shared
// by the API and the cycle page's buttons.
type cycleStep struct {
	perm auth.Permission
	take func(ctx context.Context, d *db.DB, id int64) (program.Cycle, error)
}

var (
	stepGenerate = cycleStep{auth.PermProgramManage, program.GenerateCycle}
	stepApprove  = cycleStep{auth.PermCycleApprove, program.ApproveCycle}
	stepCancel   = cycleStep{auth.PermProgramManage, program.CancelCycle}
	stepClose    = cycleStep{auth.PermProgramManage, payout.CloseCycle}
)

// apiCycleStep answers a step of the API with the cycle after it.
func (s *Server) apiCycleStep(step cycleStep) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { cycleJSON(s, w, r, step.perm, step.take) }
}

// extendDeadline gives a long cycle operation cycleTimeout to answer.
func (s *Server) extendDeadline(w http.ResponseWriter, r *http.Request) {
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(cycleTimeout)); err != nil {
		s.Logger.Warn("cycle: cannot extend the write deadline", "err", err, "request_id", requestID(r.Context()))
	}
}

// exportHeader names the columns of a cycle export, as `tepat cycle export`
// writes them; cycles of goods add quantity.
var exportHeader = []string{"reference", "no_kk", "nik_kepala", "nama_kepala", "kode_wilayah", "amount", "components"}

// exportLinesTrailer is sent after the last line of an export with the
// number of lines: an answer cut short by a failure lacks it.
const exportLinesTrailer = "X-Export-Lines"

// exportCycle streams the cycle's entitlements within the caller's scope
// as CSV (PermExport: full numbers and names; program.Export audits it).
// Errors before the first line get the usual error answer; a failure
// after it can only cut the download short, without the trailer.
//
// The cycle page downloads it with a form post with CSRF, like revealing a
// family's numbers: the file holds full NIKs, KK numbers and names, so a
// link, a prefetch or a crawler must never produce one (or its audit entry).
func (s *Server) exportCycle(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermExport)
	if !ok {
		return
	}
	c, err := program.GetCycle(r.Context(), s.DB, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	header := exportHeader
	goods := c.Quantity > 0
	if goods {
		header = append(header[:len(header):len(header)], "quantity")
	}
	var cw *csv.Writer
	start := func() error {
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="siklus-%d-%s-%d-%d.csv"`, c.ID, c.Program, c.Year, c.Period))
		h.Set("Cache-Control", "no-store")
		h.Set("Trailer", exportLinesTrailer)
		s.extendDeadline(w, r)
		cw = csv.NewWriter(w)
		return cw.Write(header)
	}
	n, err := program.Export(r.Context(), s.DB, id, func(l program.Line) error {
		if cw == nil {
			if err := start(); err != nil {
				return err
			}
		}
		rec := []string{l.Reference, l.NoKK, l.NIKKepala, l.NamaKepala, l.KodeWilayah, strconv.FormatInt(l.Amount, 10), l.Components}
		if goods {
			rec = append(rec, strconv.FormatInt(l.Quantity, 10))
		}
		return cw.Write(rec)
	})
	if err != nil {
		if cw == nil {
			s.writeError(w, r, err)
			return
		}
		s.Logger.Error("cycle export cut short", "cycle", id, "lines", n, "err", err, "request_id", requestID(r.Context()))
		return
	}
	if cw == nil {
		if err := start(); err != nil {
			return
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Logger.Warn("cycle export not delivered", "cycle", id, "err", err, "request_id", requestID(r.Context()))
		return
	}
	w.Header().Set(exportLinesTrailer, strconv.FormatInt(n, 10))
}
