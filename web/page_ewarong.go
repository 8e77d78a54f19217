package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/ledger"
	"tepat/payout"
	"tepat/region"
)

// The e-Warong pages: /ewarong (the merchants in the viewer's scope and,
// for merchant.manage, the form to add one) and /ewarong/{id} (one
// merchant: its sales by day, latest sales, terminals, settlements and
// price flags, with the revoke and disable buttons). Package ledger scopes
// every list and refuses every change the viewer may not make; the pages
// only leave out the forms a viewer cannot use.

// Caps that keep every page well under 100 KB.
const (
	maxMerchantsHTML   = 200 // merchants listed on /ewarong
	maxSalesHTML       = 50  // latest sales of a merchant
	maxSettlementsHTML = 31  // latest settlements of a merchant
	maxFlagsHTML       = 50  // price flags of a merchant or on /buku-besar
	salesDays          = 31  // days in a merchant's chart
)

// merchantTypes are the choices of the type select.
var merchantTypes = []string{ledger.TypeEWarong, ledger.TypeRPK, ledger.TypeAgen}

type merchantsPage struct {
	page
	Merchants []ledger.Merchant
	Total     int64 // merchants in the scope and region
	More      int64 // merchants not listed, above maxMerchantsHTML
	Region    string
	CanAdd    bool
	Types     []string
	Banks     []string
	Form      merchantRequest
	Error     string
}

func (s *Server) pageMerchants(w http.ResponseWriter, r *http.Request) {
	s.showMerchants(w, r, http.StatusOK, &merchantsPage{})
}

// showMerchants renders /ewarong with p's form state.
func (s *Server) showMerchants(w http.ResponseWriter, r *http.Request, status int, p *merchantsPage) {
	a, ok := s.need(w, r, auth.PermLedgerRead)
	if !ok {
		return
	}
	code := strings.TrimSpace(r.URL.Query().Get("wilayah"))
	if code != "" {
		reg, err := region.Lookup(code)
		if err != nil {
			st, msg, _ := formError(err)
			status, p.Error = st, msg
			code = ""
		} else {
			code = reg.Code
		}
	}
	p.Region = code
	ms, err := ledger.Merchants(r.Context(), s.DB, code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Total = int64(len(ms))
	p.Merchants, p.More = cut(ms, maxMerchantsHTML)
	p.CanAdd = auth.Can(a, auth.PermMerchantManage)
	p.Types, p.Banks = merchantTypes, ledger.Banks
	if p.Form.Type == "" {
		p.Form.Type = ledger.TypeEWarong
	}
	p.Title = translate(languageOf(r), "ewarong.title")
	s.render(w, r, status, "ewarong_list.html", p)
}

func (s *Server) postMerchant(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermMerchantManage); !ok {
		return
	}
	f := merchantRequest{Name: strings.TrimSpace(r.PostFormValue("name")), Type: strings.TrimSpace(r.PostFormValue("type")),
		Village: strings.TrimSpace(r.PostFormValue("village")), Bank: strings.TrimSpace(r.PostFormValue("bank"))}
	m, err := ledger.AddMerchant(r.Context(), s.DB, ledger.NewMerchant{Name: f.Name, Type: f.Type, Village: f.Village, Bank: f.Bank})
	if err != nil {
		st, msg, ok := formError(err)
		if tepat.ErrorReason(err) == "DI_LUAR_WILAYAH" {
			// A village outside the user's region: they can fix it.
			st, msg, ok = http.StatusForbidden, tepat.ErrorMessage(err), true
		}
		if !ok {
			s.writeError(w, r, err)
			return
		}
		s.showMerchants(w, r, st, &merchantsPage{Form: f, Error: msg})
		return
	}
	http.Redirect(w, r, "/ewarong/"+m.ID+"?selesai=tambah", http.StatusSeeOther)
}

type merchantPage struct {
	page
	M           ledger.Merchant
	Place       string // the village's name
	Zone        string // the village's time zone
	Chart       []column
	ChartTotal  int64
	Days        []ledger.DaySales
	Sales       []ledger.Sale
	Terminals   []ledger.Terminal
	Settlements []ledger.Settlement
	Flags       []ledger.PriceFlag
	CanRevoke   bool
	CanDisable  bool
	Done        string // what the last button did: tambah, nonaktif, cabut
}

// column is one column of a vertical SVG bar chart (no script, no inline
// CSS): a day's value, scaled to at most chartHeight pixels.
type column struct {
	Label string // under the column
	Title string // the column's tooltip: date and value
	Value int64
	X, Y  int
	H     int
}

const (
	chartHeight = 150
	columnWidth = 20
)

// ChartWidth is the pixel width of the merchant's chart.
func (p *merchantPage) ChartWidth() int { return len(p.Chart)*columnWidth + 8 }

// ChartBase is the y of the chart's baseline, under which the labels go.
func (p *merchantPage) ChartBase() int { return chartHeight + 4 }

// ChartLabelY is the y of the day labels.
func (p *merchantPage) ChartLabelY() int { return chartHeight + 20 }

// ChartFull is the chart's pixel height.
func (p *merchantPage) ChartFull() int { return chartHeight + 26 }

// dayColumns lays out the purchase amounts of the salesDays days up to
// today (in zone), oldest first, days without sales at zero.
func (p *merchantPage) dayColumns(days []ledger.DaySales, today time.Time) {
	byDay := map[int]int64{}
	for _, d := range days {
		byDay[d.Day] = d.Amount
	}
	var top int64 = 1
	for _, v := range byDay {
		top = max(top, v)
	}
	start := today.AddDate(0, 0, -(salesDays - 1))
	for i := range salesDays {
		t := start.AddDate(0, 0, i)
		day := t.Year()*10000 + int(t.Month())*100 + t.Day()
		v := byDay[day]
		h := int(v * chartHeight / top)
		if v > 0 && h == 0 {
			h = 1
		}
		p.Chart = append(p.Chart, column{Label: strconv.Itoa(t.Day()), Title: p.Day(day) + ": " + p.Rp(v),
			Value: v, X: 4 + i*columnWidth, Y: chartHeight + 4 - h, H: h})
		p.ChartTotal += v
	}
}

func (s *Server) pageMerchant(w http.ResponseWriter, r *http.Request) {
	a, ok := s.need(w, r, auth.PermLedgerRead)
	if !ok {
		return
	}
	ctx := r.Context()
	m, err := ledger.GetMerchant(ctx, s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &merchantPage{M: m, Place: placeName(m.Village), Zone: string(region.TimeZone(m.Village)),
		CanRevoke:  auth.Can(a, auth.PermTerminalManage),
		CanDisable: auth.Can(a, auth.PermMerchantManage) && m.Status == ledger.StatusActive,
		Done:       r.URL.Query().Get("selesai")}
	if p.Days, err = ledger.SalesByDay(ctx, s.DB, m.ID, salesDays); err == nil {
		p.Sales, err = ledger.Sales(ctx, s.DB, m.ID, 0, maxSalesHTML)
	}
	if err == nil {
		p.Terminals, err = ledger.Terminals(ctx, s.DB, m.ID)
	}
	if err == nil {
		p.Settlements, err = ledger.Settlements(ctx, s.DB, 0, m.ID, maxSettlementsHTML)
	}
	if err == nil {
		p.Flags, err = ledger.PriceFlags(ctx, s.DB, m.ID, maxFlagsHTML)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The chart's days are the merchant's dates, as purchases store them.
	p.dayColumns(p.Days, s.Now().In(region.TimeZone(m.Village).Location()))
	p.Title = "e-Warong " + m.ID
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "ewarong.html", p)
}

// placeName is a region's name, or its code when unknown.
func placeName(code string) string {
	if reg, err := region.Lookup(code); err == nil {
		return reg.Name
	}
	return code
}

// Day shows a YYYYMMDD day as the pages show dates (DD-MM-YYYY).
func (p *page) Day(day int) string {
	return time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, time.UTC).Format("02-01-2006")
}

// Items lists a sale's lines for people: "beras 10 kg × Rp12.000".
func (p *merchantPage) Items(s ledger.Sale) string {
	var parts []string
	for _, it := range s.Items {
		parts = append(parts, it.Category+" "+p.Num(it.Quantity)+" "+it.Unit+" × "+p.Rp(it.UnitPrice))
	}
	return strings.Join(parts, "; ")
}

func (s *Server) postDisableMerchant(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermMerchantManage); !ok {
		return
	}
	m, err := ledger.DisableMerchant(r.Context(), s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/ewarong/"+m.ID+"?selesai=nonaktif", http.StatusSeeOther)
}

func (s *Server) postRevokeTerminal(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermTerminalManage); !ok {
		return
	}
	t, err := ledger.RevokeTerminal(r.Context(), s.DB, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/ewarong/"+t.Merchant+"?selesai=cabut", http.StatusSeeOther)
}

// The ledger page, /buku-besar: the ledger's overview and invariant check
// for national viewers, the latest price flags and settlements in the
// viewer's scope, and for ledger.manage the forms to settle a day and to
// load reference prices.

type ledgerPage struct {
	page
	Overview    []ledger.Overview
	Check       *ledger.Report
	Problems    []string
	Flags       []ledger.PriceFlag
	Settlements []ledger.Settlement
	More        bool // settlements not listed
	CanManage   bool
	CanCheck    bool // national: may run the ledger check

	Date    string // the settle form's date
	Settled *ledger.SettleResult
	Banks   []bankTally // of Settled, in bank order
	Loaded  *pricesLoaded
	Error   string
	Refused *refusedFile
}

// bankTally is one bank's settlements of a settled day.
type bankTally struct {
	Bank string
	ledger.Tally
}

// pricesLoaded is what a price upload did.
type pricesLoaded struct {
	File  string
	Lines int64
}

// maxLedgerSettlements caps the settlements on /buku-besar.
const maxLedgerSettlements = 50

func (s *Server) pageLedger(w http.ResponseWriter, r *http.Request) {
	s.showLedger(w, r, http.StatusOK, &ledgerPage{})
}

// showLedger renders /buku-besar with what a form just did in p. Each
// part asks package ledger; a part refused for the viewer's scope (the
// check needs national scope) is left out, not an error.
func (s *Server) showLedger(w http.ResponseWriter, r *http.Request, status int, p *ledgerPage) {
	a, ok := s.need(w, r, auth.PermLedgerRead)
	if !ok {
		return
	}
	ctx := r.Context()
	var err error
	// The overview sums the whole ledger and the check reads all of it:
	// both are for national viewers only, so that a regional one does not
	// take the overview for their own.
	p.CanCheck = a.National() && a.Bank == "" && a.Role != tepat.RoleEWarong
	if p.CanCheck {
		if p.Overview, err = ledger.Overviews(ctx, s.DB); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	// The check reads every posting: it runs when asked (?periksa=1),
	// not on every view.
	if p.CanCheck && r.URL.Query().Get("periksa") == "1" {
		s.extendDeadline(w, r)
		rep, err := ledger.Check(ctx, s.DB)
		switch {
		case err == nil:
			p.Check, p.Problems = &rep, rep.Problems()
		case tepat.ErrorCode(err) != tepat.EFORBIDDEN:
			s.writeError(w, r, err)
			return
		}
	}
	if p.Flags, err = ledger.PriceFlags(ctx, s.DB, "", maxFlagsHTML); err == nil {
		p.Settlements, err = ledger.Settlements(ctx, s.DB, 0, "", maxLedgerSettlements+1)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(p.Settlements) > maxLedgerSettlements {
		p.Settlements, p.More = p.Settlements[:maxLedgerSettlements], true
	}
	p.CanManage = auth.Can(a, auth.PermLedgerManage)
	if p.Date == "" {
		// The latest day that may be settled: yesterday, WIB.
		p.Date = s.Now().In(region.WIB.Location()).AddDate(0, 0, -1).Format("2006-01-02")
	}
	p.Title = translate(languageOf(r), "ledger.title")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "ledger.html", p)
}

func (s *Server) postSettle(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermLedgerManage); !ok {
		return
	}
	p := &ledgerPage{Date: strings.TrimSpace(r.PostFormValue("date"))}
	day, err := ledger.ParseDay(p.Date)
	if err == nil {
		s.extendDeadline(w, r)
		var res ledger.SettleResult
		if res, err = ledger.Settle(r.Context(), s.DB, day, "", nil); err == nil {
			p.Settled = &res
			for _, b := range ledger.Banks {
				if t, ok := res.Banks[b]; ok {
					p.Banks = append(p.Banks, bankTally{Bank: b, Tally: t})
				}
			}
		}
	}
	status := http.StatusOK
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		status, p.Error = st, msg
	}
	s.showLedger(w, r, status, p)
}

func (s *Server) postPrices(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermLedgerManage); !ok {
		return
	}
	p := &ledgerPage{}
	status := http.StatusOK
	name, body, err := priceFile(r)
	if err == nil {
		var n int
		if n, err = ledger.LoadPrices(r.Context(), s.DB, name, bytes.NewReader(body)); err == nil {
			p.Loaded = &pricesLoaded{File: name, Lines: int64(n)}
		}
	}
	if err != nil {
		st, msg, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		status, p.Error = st, msg
		p.Refused = refused(err)
	}
	s.showLedger(w, r, status, p)
}

// refused returns a refused file's problems for the page, at most
// maxProblemsHTML of them, or nil when err is not about a file's lines.
func refused(err error) *refusedFile {
	fe, ok := payout.FileProblems(err)
	if !ok {
		return nil
	}
	rf := &refusedFile{Name: fe.Name, Problems: fe.Problems, Total: fe.Total}
	if len(rf.Problems) > maxProblemsHTML {
		rf.Problems = rf.Problems[:maxProblemsHTML]
	}
	rf.More = int64(rf.Total - len(rf.Problems))
	return rf
}
