package web

import (
	"net/http"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/payout"
	"tepat/program"
	"tepat/registry"
)

// The cycle pages: /siklus lists and creates cycles, /siklus/{id} shows one
// with the steps the viewer may take. Cycles are national, so their times
// are shown in WIB like the other national pages.

// maxCyclesHTML caps the list page; filters narrow it.
const maxCyclesHTML = 100

type cyclesPage struct {
	page
	catalogChoices
	Filter    program.CycleFilter
	Cycles    []program.Cycle
	More      bool
	States    []string
	Snapshots []registry.Snapshot
	CanManage bool
	National  bool // the list's totals are national: shown to national viewers only
	Form      cycleForm
	Error     string
}

// cycleForm is the create form as typed, shown again after an error.
type cycleForm struct{ Program, Year, Period, Snapshot, ReferenceDate string }

func (s *Server) pageCycles(w http.ResponseWriter, r *http.Request) {
	s.showCycles(w, r, http.StatusOK, &cyclesPage{})
}

func (s *Server) showCycles(w http.ResponseWriter, r *http.Request, status int, p *cyclesPage) {
	a, ok := s.need(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	var err error
	if p.Filter, err = cycleFilter(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Cycles, err = program.ListCycles(r.Context(), s.DB, p.Filter); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(p.Cycles) > maxCyclesHTML {
		p.Cycles, p.More = p.Cycles[:maxCyclesHTML], true
	}
	if p.catalogChoices, err = s.choices(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	p.National = a.National()
	p.CanManage = auth.Can(a, auth.PermProgramManage)
	if p.CanManage {
		if p.Snapshots, err = registry.ListSnapshots(r.Context(), s.DB); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	p.States = cycleStates
	p.Title = translate(languageOf(r), "cycle.title")
	s.render(w, r, status, "cycles.html", p)
}

// postCycle creates a cycle from the form and shows it.
func (s *Server) postCycle(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	f := cycleForm{Program: r.PostFormValue("program"), Year: r.PostFormValue("year"), Period: r.PostFormValue("period"),
		Snapshot: r.PostFormValue("snapshot"), ReferenceDate: strings.TrimSpace(r.PostFormValue("reference_date"))}
	c, err := func() (program.Cycle, error) {
		n := program.NewCycle{Program: f.Program, Snapshot: f.Snapshot, ReferenceDate: f.ReferenceDate}
		var err error
		if n.Year, err = intParam(r.PostForm, "year"); err != nil {
			return program.Cycle{}, err
		}
		if n.Period, err = intParam(r.PostForm, "period"); err != nil {
			return program.Cycle{}, err
		}
		return program.CreateCycle(r.Context(), s.DB, n)
	}()
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		s.showCycles(w, r, st, &cyclesPage{Form: f, Error: msg})
		return
	}
	http.Redirect(w, r, "/siklus/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// cycleActions are the steps the cycle page offers: those the viewer's
// permissions and the cycle's state allow. Package program enforces the
// same rules on submit; this only hides buttons that would be refused.
type cycleActions struct {
	Generate, Approve, Cancel, Close, Export bool
}

func actionsFor(a *tepat.Actor, c program.Cycle) cycleActions {
	manage := auth.Can(a, auth.PermProgramManage)
	st := c.State
	return cycleActions{
		Generate: manage && (st == program.StateDraft || st == program.StateGenerated),
		Approve:  auth.Can(a, auth.PermCycleApprove) && st == program.StateGenerated && c.GeneratedBy != a.Username,
		Cancel:   manage && (st == program.StateDraft || st == program.StateGenerated || st == program.StateApproved),
		Close:    manage && st == program.StateDisbursing,
		Export:   auth.Can(a, auth.PermExport) && st != program.StateDraft && st != program.StateCancelled,
	}
}

// Any reports whether any step changes the cycle.
func (c cycleActions) Any() bool { return c.Generate || c.Approve || c.Cancel || c.Close }

type cyclePage struct {
	page
	S        program.Summary
	Chart    areaChart
	Steps    cycleActions
	National bool // the viewer's figures are the national ones
	Own      bool // the viewer generated it, so someone else approves
	Done     bool
	Error    string
	Closure  *payout.Closure // what stands in the way of closing, for those who may
}

func (s *Server) pageCycle(w http.ResponseWriter, r *http.Request) {
	s.showCycle(w, r, http.StatusOK, "")
}

func (s *Server) showCycle(w http.ResponseWriter, r *http.Request, status int, msg string) {
	a, id, ok := s.needCycle(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	sum, err := program.Summarize(r.Context(), s.DB, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &cyclePage{S: sum, Chart: chartAreas(sum.Provinces), Steps: actionsFor(a, sum.Cycle), National: a.National(),
		Own:  sum.State == program.StateGenerated && sum.GeneratedBy == a.Username && auth.Can(a, auth.PermCycleApprove),
		Done: r.URL.Query().Get("selesai") == "1", Error: msg}
	if p.Closure, err = s.closureOf(r, p); err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Title = translate(languageOf(r), "cycle.one") + " " + strconv.FormatInt(sum.ID, 10)
	s.render(w, r, status, "cycle.html", p)
}

// postCycleStep takes a step from the cycle page's buttons (CSRF is
// checked by authenticate). A refusal the user can understand on the page
// — the state changed meanwhile, the budget does not cover it — is shown
// there; others (such as approving one's own generation) get the error page.
func (s *Server) postCycleStep(step cycleStep) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, id, ok := s.needCycle(w, r, step.perm)
		if !ok {
			return
		}
		s.extendDeadline(w, r)
		if _, err := step.take(r.Context(), s.DB, id); err != nil {
			switch code := tepat.ErrorCode(err); code {
			case tepat.EINVALID, tepat.ECONFLICT:
				s.showCycle(w, r, statuses[code], tepat.ErrorMessage(err))
			default:
				s.writeError(w, r, err)
			}
			return
		}
		http.Redirect(w, r, "/siklus/"+strconv.FormatInt(id, 10)+"?selesai=1", http.StatusSeeOther)
	}
}
