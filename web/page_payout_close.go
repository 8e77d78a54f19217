package web

import (
	"net/http"

	"tepat"
	"tepat/auth"
	"tepat/payout"
	"tepat/program"
)

// The end of a cycle's payouts on the pages: on /siklus/{id}/rekonsiliasi
// the returned funds per bank, a realization report form (a GET: figures
// only) and, for pusat, the re-issue button and the files of the batch it
// made (form posts with CSRF: they hold account numbers); on /siklus/{id}
// what stands in the way of closing.

// realizationLevels are the levels offered by the realization form.
var realizationLevels = []string{"province", "regency", "district", "village"}

// reissueResult is what the re-issue button did, for the page.
type reissueResult struct {
	Out   *payout.Reissued
	Error string
}

// addReturns fills the returned funds, realization form and re-issue
// button of a cycle's reconciliation page.
func (s *Server) addReturns(r *http.Request, a *tepat.Actor, p *reconcilePage, re *reissueResult) error {
	p.Levels, p.Formats = realizationLevels, payout.RealizationFormats
	p.CanReissue = auth.Can(a, auth.PermPayoutManage) && p.Cycle.State == program.StateDisbursing
	if re != nil {
		p.Reissued = re.Out
		if re.Error != "" {
			p.Error = re.Error
		}
	}
	ret, err := payout.ReturnedFunds(r.Context(), s.DB, p.Cycle.ID)
	if err != nil {
		return err
	}
	p.Returns = &ret
	return nil
}

// postReissue makes the cycle's next re-issue batch from the page's button
// and shows it with a download button per file.
func (s *Server) postReissue(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermPayoutManage)
	if !ok {
		return
	}
	s.extendDeadline(w, r)
	out, err := payout.Reissue(r.Context(), s.DB, id, payout.ReissueOptions{}, discard)
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		s.showReconcile(w, r, false, st, &reissueResult{Error: msg})
		return
	}
	s.showReconcile(w, r, false, http.StatusOK, &reissueResult{Out: &out})
}

// closureOf returns what CheckClose says of a cycle the viewer may close,
// or nil when the close button is not offered (or the cycle pays goods).
func (s *Server) closureOf(r *http.Request, p *cyclePage) (*payout.Closure, error) {
	if !p.Steps.Close || p.S.Quantity > 0 {
		return nil, nil
	}
	cl, err := payout.CheckClose(r.Context(), s.DB, p.S.ID)
	if err != nil {
		return nil, err
	}
	return &cl, nil
}
