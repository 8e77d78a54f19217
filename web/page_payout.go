package web

import (
	"net/http"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/ledger"
	"tepat/payout"
	"tepat/program"
)

// The payout pages: /penyaluran (bank routes, payout exports and their
// files, the banks' account requests, account answers and crediting
// reports, links to reconciliations) and /siklus/{id}/rekonsiliasi. Forms
// and buttons appear only to roles that may use them; package payout checks
// again on submit. Downloads of personal data — account requests, payout
// files, exceptions — are form posts with the CSRF token, so that a link,
// a prefetch or a crawler never starts one (or its audit entry).

// maxPayoutCycles caps the cycles listed on /penyaluran.
const maxPayoutCycles = 50

// maxProblemsHTML caps the problems of a refused file shown on the page;
// the API lists up to payout.MaxProblems.
const maxProblemsHTML = 100

type payoutsPage struct {
	page
	catalogChoices
	Routes []payout.Route
	Cycles []payoutCycle
	More   bool
	// Banks are those the viewer acts for: all for pusat, their own for a
	// bank user.
	Banks                          []string
	OwnBank                        string
	CanRoute, CanExport, CanRecon  bool
	CanAccounts, CanReport, Nation bool

	Done     bool // a route was set
	Form     routeRequest
	Error    string
	Manifest *payout.Manifest
	Accounts *payout.AccountLoad
	Report   *payout.Report
	Refused  *refusedFile
}

// payoutCycle is a cycle paid through the banks, with what the viewer may
// do with it.
type payoutCycle struct {
	program.Cycle
	Export, Reconcile bool
	BankFile          string // a bank user's own payout file of an exported cycle
}

// refusedFile is a bank file refused by payout, with its problems.
type refusedFile struct {
	Name     string
	Problems []payout.Problem
	Total    int
	More     int64 // problems not shown
}

func (s *Server) pagePayouts(w http.ResponseWriter, r *http.Request) {
	s.showPayouts(w, r, http.StatusOK, &payoutsPage{Done: r.URL.Query().Get("selesai") == "1"})
}

func (s *Server) showPayouts(w http.ResponseWriter, r *http.Request, status int, p *payoutsPage) {
	a, ok := s.need(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	var err error
	if p.Routes, err = payout.Routes(r.Context(), s.DB, ""); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.catalogChoices, err = s.choices(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := program.ListCycles(r.Context(), s.DB, program.CycleFilter{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.CanRoute = auth.Can(a, auth.PermPayoutManage)
	p.CanExport = p.CanRoute
	p.CanRecon = auth.Can(a, auth.PermPayoutReconcile)
	p.CanAccounts = auth.Can(a, auth.PermAccountManage)
	p.CanReport = auth.Can(a, auth.PermPayoutReport)
	p.Nation = a.National()
	for _, c := range cs {
		st := c.State
		// In-kind cycles are not paid through the banks.
		if c.Quantity > 0 || (st != program.StateApproved && st != program.StateDisbursing && st != program.StateClosed) {
			continue
		}
		if len(p.Cycles) == maxPayoutCycles {
			p.More = true
			break
		}
		pc := payoutCycle{Cycle: c,
			Export:    p.CanExport && st != program.StateClosed,
			Reconcile: p.CanRecon && st != program.StateApproved}
		if a.Role == tepat.RoleBank && a.Bank != "" && st != program.StateApproved {
			pc.BankFile = payout.FileName(c.ID, a.Bank)
		}
		p.Cycles = append(p.Cycles, pc)
	}
	if a.Role == tepat.RoleBank {
		p.OwnBank, p.Banks = a.Bank, []string{a.Bank}
	} else {
		p.Banks = auth.Banks
	}
	p.Title = translate(languageOf(r), "payout.title")
	s.render(w, r, status, "payouts.html", p)
}

// ExportLabel names the export button of a cycle: the first export, or
// the files of one already made.
func (p *payoutsPage) ExportLabel(c payoutCycle) string {
	if c.State == program.StateApproved {
		return p.T("payout.export_first")
	}
	return p.T("payout.export_again")
}

// bankChoice is the bank field of a form: hidden for a bank user, a
// select for pusat. ID prefixes the field's id, unique on the page.
type bankChoice struct {
	P  *payoutsPage
	ID string
}

// BankField returns the bank field of the form whose ids start with id.
func (p *payoutsPage) BankField(id string) bankChoice { return bankChoice{P: p, ID: id} }

func (s *Server) postBankRoute(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermPayoutManage); !ok {
		return
	}
	f := routeRequest{Program: strings.TrimSpace(r.PostFormValue("program")), Region: strings.TrimSpace(r.PostFormValue("region")),
		Bank: strings.TrimSpace(r.PostFormValue("bank"))}
	if _, err := payout.SetRoute(r.Context(), s.DB, f.Program, f.Region, f.Bank); err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		s.showPayouts(w, r, st, &payoutsPage{Form: f, Error: msg})
		return
	}
	http.Redirect(w, r, "/penyaluran?selesai=1", http.StatusSeeOther)
}

// postAccountRequest downloads a bank's account-opening request.
func (s *Server) postAccountRequest(w http.ResponseWriter, r *http.Request) {
	s.downloadAccountRequest(w, r, strings.TrimSpace(r.PostFormValue("bank")))
}

func (s *Server) postLoadAccounts(w http.ResponseWriter, r *http.Request) {
	bank, path, done, ok := s.receiveBankFile(w, r, auth.PermAccountManage, "")
	if !ok {
		return
	}
	defer done()
	out, err := payout.LoadAccounts(r.Context(), s.DB, bank, path)
	if err != nil {
		s.showBankFileError(w, r, err)
		return
	}
	s.showPayouts(w, r, http.StatusOK, &payoutsPage{Accounts: &out})
}

func (s *Server) postLoadReport(w http.ResponseWriter, r *http.Request) {
	bank, path, done, ok := s.receiveBankFile(w, r, auth.PermPayoutReport, "")
	if !ok {
		return
	}
	defer done()
	rep, err := payout.LoadReport(r.Context(), s.DB, bank, path)
	if err != nil {
		s.showBankFileError(w, r, err)
		return
	}
	s.showPayouts(w, r, http.StatusOK, &payoutsPage{Report: &rep})
}

// showBankFileError shows a refused bank file with its problems on the
// page, or another refusal the user can act on; the rest take the error
// page.
func (s *Server) showBankFileError(w http.ResponseWriter, r *http.Request, err error) {
	st, msg, ok := s.formRefusal(w, r, err)
	if !ok {
		return
	}
	s.showPayouts(w, r, st, &payoutsPage{Error: msg, Refused: refused(err)})
}

// postExportPayouts runs a cycle's payout export and shows its manifest,
// with a download button for each file.
func (s *Server) postExportPayouts(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermPayoutManage)
	if !ok {
		return
	}
	s.extendDeadline(w, r)
	m, err := payout.Export(r.Context(), s.DB, id, discard)
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		s.showPayouts(w, r, st, &payoutsPage{Error: msg})
		return
	}
	s.showPayouts(w, r, http.StatusOK, &payoutsPage{Manifest: &m})
}

type outcomeRow struct {
	Key string
	payout.Tally
}

type reconcilePage struct {
	page
	Cycle    program.Cycle
	Ready    bool // DISBURSING or CLOSED: there is something to reconcile
	Stores   bool // the viewer's run replaces the stored reconciliation
	R        *payout.Reconciliation
	Outcomes []outcomeRow
	Flags    []outcomeRow
	Chart    []bar // families per outcome
	Realized int64
	Error    string
	Credit   *ledger.Credit // wallets credited by this run

	Returns    *payout.Returns
	Levels     []string // of the realization form
	Formats    []string
	CanReissue bool
	Reissued   *payout.Reissued // the batch the re-issue button made or wrote again
}

// ChartHeight is the pixel height of the outcome chart.
func (p *reconcilePage) ChartHeight() int { return len(p.Chart)*22 + 4 }

// pageReconcile shows a cycle's reconciliation in the viewer's scope. It
// runs it right away for viewers whose run stores nothing; a pusat run
// replaces the stored outcomes, a change, so it takes the button (a post).
func (s *Server) pageReconcile(w http.ResponseWriter, r *http.Request) {
	s.showReconcile(w, r, false, http.StatusOK, nil)
}

func (s *Server) postReconcile(w http.ResponseWriter, r *http.Request) {
	s.showReconcile(w, r, true, http.StatusOK, nil)
}

// showReconcile shows the reconciliation page, after running it if run;
// re is what the re-issue button did, if it was pressed.
func (s *Server) showReconcile(w http.ResponseWriter, r *http.Request, run bool, status int, re *reissueResult) {
	a, id, ok := s.needCycle(w, r, auth.PermPayoutReconcile)
	if !ok {
		return
	}
	c, err := program.GetCycle(r.Context(), s.DB, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &reconcilePage{Cycle: c, Stores: auth.Can(a, auth.PermPayoutManage),
		Ready: c.State == program.StateDisbursing || c.State == program.StateClosed}
	p.Title = translate(languageOf(r), "payout.recon_title") + " " + strconv.FormatInt(c.ID, 10)
	if run || (p.Ready && !p.Stores) {
		s.extendDeadline(w, r)
		res, credit, err := ledger.Reconcile(r.Context(), s.DB, id, nil)
		p.Credit = credit
		if err != nil {
			st, msg, ok := s.formRefusal(w, r, err)
			if !ok {
				return
			}
			status, p.Error = st, msg
		} else {
			p.setResult(res)
		}
	}
	// After the run, which may have stored a new reconciliation.
	if p.Realized, err = payout.Realized(r.Context(), s.DB, c.Program, c.Year); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Ready {
		if err := s.addReturns(r, a, p, re); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "reconcile.html", p)
}

// setResult lays out a reconciliation for the page.
func (p *reconcilePage) setResult(res payout.Reconciliation) {
	p.R = &res
	o, f := res.Outcomes, res.BankLines
	p.Outcomes = []outcomeRow{{payout.OutcomePaid, o.Paid}, {payout.OutcomeFailed, o.Failed},
		{payout.OutcomeAmountMismatch, o.AmountMismatch}, {payout.OutcomeUnreported, o.Unreported},
		{payout.OutcomeNotExported, o.NotExported}}
	p.Flags = []outcomeRow{{payout.FlagUnknownReference, f.UnknownReference}, {payout.FlagDuplicate, f.Duplicate},
		{payout.FlagAccountMismatch, f.AccountMismatch}}
	var labels []string
	var counts []int64
	for _, row := range p.Outcomes {
		labels = append(labels, p.T("payout.outcome."+row.Key))
		counts = append(counts, row.Count)
	}
	p.Chart = bars(labels, nil, counts)
}

// Credited is what the banks credited in the scope, over all outcomes.
func (p *reconcilePage) Credited() int64 {
	var n int64
	for _, row := range p.Outcomes {
		n += row.Credited
	}
	return n
}
