package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/payout"
	"tepat/program"
	"tepat/region"
)

// The quota (/kuota) and budget (/anggaran) pages. Their forms appear only
// with program.manage; package program checks it again.

type quotasPage struct {
	page
	catalogChoices
	Program   string
	Year      int
	Region    string // only quotas within this region ("": all)
	Quotas    []program.Quota
	More      bool
	CanManage bool
	Done      bool
	Form      quotaForm
	Error     string
}

// quotaForm is the quota form as typed, shown again after an error.
type quotaForm struct{ Program, Year, Region, Families string }

// maxQuotasHTML caps the quota list of the page (a quota per regency for
// one program and year is already 514 rows); the program, year and region
// filters narrow it.
const maxQuotasHTML = 300

func (s *Server) pageQuotas(w http.ResponseWriter, r *http.Request) {
	s.showQuotas(w, r, http.StatusOK, &quotasPage{Done: r.URL.Query().Get("selesai") == "1"})
}

func (s *Server) showQuotas(w http.ResponseWriter, r *http.Request, status int, p *quotasPage) {
	a, ok := s.need(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	var err error
	if p.Program, p.Year, err = programYear(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.catalogChoices, err = s.choices(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	qs, err := program.Quotas(r.Context(), s.DB, p.Program, p.Year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if code := strings.TrimSpace(r.URL.Query().Get("region")); code != "" {
		reg, err := region.Lookup(code)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p.Region = reg.Code
	}
	for _, q := range qs {
		if region.Within(q.Region, p.Region) {
			p.Quotas = append(p.Quotas, q)
		}
	}
	if len(p.Quotas) > maxQuotasHTML {
		p.Quotas, p.More = p.Quotas[:maxQuotasHTML], true
	}
	p.CanManage = auth.Can(a, auth.PermProgramManage)
	p.Title = translate(languageOf(r), "quota.title")
	s.render(w, r, status, "quotas.html", p)
}

func (s *Server) postQuota(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	f := quotaForm{Program: r.PostFormValue("program"), Year: r.PostFormValue("year"), Region: r.PostFormValue("region"), Families: r.PostFormValue("families")}
	err := func() error {
		year, err := intParam(r.PostForm, "year")
		if err != nil {
			return err
		}
		families, given, err := int64Param(r.PostForm, "families")
		if err != nil {
			return err
		}
		if !given {
			return tepat.Reasonf(tepat.EINVALID, "KUOTA_TIDAK_VALID", "isi jumlah keluarga")
		}
		_, err = program.SetQuota(r.Context(), s.DB, f.Program, year, strings.TrimSpace(f.Region), families)
		return err
	}()
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		s.showQuotas(w, r, st, &quotasPage{Form: f, Error: msg})
		return
	}
	http.Redirect(w, r, "/kuota?selesai=1&program="+url.QueryEscape(f.Program)+"&year="+url.QueryEscape(f.Year), http.StatusSeeOther)
}

type budgetsPage struct {
	page
	catalogChoices
	Budgets   []budgetRow
	CanManage bool
	Done      bool
	Form      budgetForm
	Error     string
}

// budgetForm is the budget form as typed, shown again after an error.
type budgetForm struct{ Program, Year, Amount string }

// budgetRow is a budget with its bar: the committed share of the pagu.
type budgetRow struct {
	program.Budget
	Width   int // pixels of budgetBar
	Percent string
	Over    bool // more is committed than the pagu (after a budget cut)
}

// budgetBar is the width of a full bar in pixels.
const budgetBar = 200

func rowOf(b program.Budget) budgetRow {
	row := budgetRow{Budget: b, Percent: "–", Over: b.Committed > b.Pagu}
	switch {
	case row.Over:
		row.Width = budgetBar
	case b.Pagu > 0:
		row.Width = int(b.Committed * budgetBar / b.Pagu)
	}
	if b.Pagu > 0 {
		row.Percent = strconv.FormatInt(b.Committed*100/b.Pagu, 10) + " %"
	}
	return row
}

func (s *Server) pageBudgets(w http.ResponseWriter, r *http.Request) {
	s.showBudgets(w, r, http.StatusOK, &budgetsPage{Done: r.URL.Query().Get("selesai") == "1"})
}

func (s *Server) showBudgets(w http.ResponseWriter, r *http.Request, status int, p *budgetsPage) {
	a, ok := s.need(w, r, auth.PermStatsRead)
	if !ok {
		return
	}
	var err error
	if p.catalogChoices, err = s.choices(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	bs, err := payout.Budgets(r.Context(), s.DB, "", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, b := range bs {
		p.Budgets = append(p.Budgets, rowOf(b))
	}
	p.CanManage = auth.Can(a, auth.PermProgramManage)
	p.Title = translate(languageOf(r), "budget.title")
	s.render(w, r, status, "budgets.html", p)
}

func (s *Server) postBudget(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermProgramManage); !ok {
		return
	}
	f := budgetForm{Program: r.PostFormValue("program"), Year: r.PostFormValue("year"), Amount: r.PostFormValue("amount")}
	err := func() error {
		year, err := intParam(r.PostForm, "year")
		if err != nil {
			return err
		}
		amount, given, err := int64Param(r.PostForm, "amount")
		if err != nil {
			return err
		}
		if !given {
			return tepat.Reasonf(tepat.EINVALID, "PAGU_TIDAK_VALID", "isi pagu dalam rupiah")
		}
		_, err = program.SetBudget(r.Context(), s.DB, f.Program, year, amount)
		return err
	}()
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		s.showBudgets(w, r, st, &budgetsPage{Form: f, Error: msg})
		return
	}
	http.Redirect(w, r, "/anggaran?selesai=1", http.StatusSeeOther)
}

// BarWidth is the width of a full budget bar in pixels.
func (p *budgetsPage) BarWidth() int { return budgetBar }
