// Package web serves Tepat over HTTP: the JSON API under /api/v1, the
// server-rendered pages, health and metrics. Routes are listed in one place
// (routes); handlers decode, call a capability package, and encode or
// render; every error goes through writeError.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tepat/auth"
	"tepat/db"
	"tepat/ledger"
	"tepat/terminal"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server is Tepat's HTTP server. Create it with New; it is safe for
// concurrent use.
type Server struct {
	DB     *db.DB
	Auth   *auth.Store
	Logger *slog.Logger
	Now    func() time.Time

	// SecureCookies marks cookies Secure even on plain HTTP, for servers
	// behind a TLS-terminating proxy.
	SecureCookies bool
	// UploadDir holds uploads while they are imported (default: a
	// directory under the system's temporary directory).
	UploadDir string

	// LedgerConfig tunes the terminal API (clock skew, price tolerance,
	// batch size); set it before the first terminal request.
	LedgerConfig ledger.Config

	term terminals

	ctx  context.Context // cancelled at shutdown: background jobs stop
	jobs sync.WaitGroup

	mux     *http.ServeMux
	tmpl    map[string]*template.Template
	metrics *metrics
	reg     *prometheus.Registry
}

// New returns a server for d. Logger may be nil (logs are discarded).
func New(d *db.DB, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{DB: d, Auth: auth.New(d), Logger: logger, Now: time.Now, mux: http.NewServeMux(), reg: prometheus.NewRegistry()}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = newMetrics(s.reg)
	s.tmpl = parseTemplates()
	s.routes()
	return s
}

// Start gives the server a context for its background jobs; cancelling it
// stops them between chunks (see Wait).
func (s *Server) Start(ctx context.Context) { s.ctx = ctx }

// routes lists every route of Tepat. Keep it the one place to look.
func (s *Server) routes() {
	static, _ := fs.Sub(staticFS, "static")
	s.handle("GET /static/", http.StripPrefix("/static/", staticHandler(http.FS(static))).ServeHTTP)
	s.handle("GET /healthz", s.handleHealth)
	s.handle("GET /metrics", s.handleMetrics)

	// JSON API.
	s.handle("GET /api/v1/me", s.apiMe)
	s.handle("GET /api/v1/audit", s.apiAudit)
	s.handle("GET /api/v1/families", s.apiFamilies)
	s.handle("GET /api/v1/families/{no_kk}", s.apiFamily)
	s.handle("GET /api/v1/registry/stats", s.apiStats)
	s.handle("POST /api/v1/proposals", s.apiCreateProposal)
	s.handle("GET /api/v1/proposals", s.apiProposals)
	s.handle("GET /api/v1/proposals/{id}", s.apiProposal)
	s.handle("POST /api/v1/proposals/{id}/verify", s.apiVerifyProposal)
	s.handle("POST /api/v1/proposals/{id}/determine", s.apiDetermineProposal)
	s.handle("GET /api/v1/snapshots", s.apiSnapshots)
	s.handle("GET /api/v1/snapshots/{label}", s.apiSnapshot)
	s.handle("GET /api/v1/snapshots/{a}/diff/{b}", s.apiSnapshotDiff)
	s.handle("GET /api/v1/persons/{nik}", s.apiPerson)
	s.handle("GET /api/v1/duplicates", s.apiDuplicates)
	s.handle("POST /api/v1/duplicates/{id}/resolve", s.apiResolveDuplicate)
	s.handle("GET /api/v1/families/{no_kk}/history", s.apiFamilyHistory)
	s.handle("POST /api/v1/imports", s.apiStartImport)
	s.handle("GET /api/v1/imports/{id}", s.apiImport)
	s.handle("GET /api/v1/imports/{id}/{file}", s.apiImportErrors)
	s.handle("GET /api/v1/programs", s.apiPrograms)
	s.handle("POST /api/v1/programs", s.apiApplyCatalog)
	s.handle("GET /api/v1/programs/{code}/preview", s.apiPreviewProgram)
	s.handle("GET /api/v1/quotas", s.apiQuotas)
	s.handle("PUT /api/v1/quotas", s.apiSetQuota)
	s.handle("GET /api/v1/budgets", s.apiBudgets)
	s.handle("PUT /api/v1/budgets", s.apiSetBudget)
	s.handle("GET /api/v1/cycles", s.apiCycles)
	s.handle("POST /api/v1/cycles", s.apiCreateCycle)
	s.handle("GET /api/v1/cycles/{id}", s.apiCycle)
	s.handle("POST /api/v1/cycles/{id}/generate", s.apiCycleStep(stepGenerate))
	s.handle("POST /api/v1/cycles/{id}/approve", s.apiCycleStep(stepApprove))
	s.handle("POST /api/v1/cycles/{id}/cancel", s.apiCycleStep(stepCancel))
	s.handle("POST /api/v1/cycles/{id}/close", s.apiCycleStep(stepClose))
	s.handle("GET /api/v1/cycles/{id}/export", s.exportCycle)
	s.handle("GET /api/v1/bank-routes", s.apiBankRoutes)
	s.handle("PUT /api/v1/bank-routes", s.apiSetBankRoute)
	s.handle("GET /api/v1/banks/{bank}/account-requests", s.apiAccountRequest)
	s.handle("POST /api/v1/banks/{bank}/accounts", s.apiLoadAccounts)
	s.handle("POST /api/v1/banks/{bank}/reports", s.apiLoadReport)
	s.handle("POST /api/v1/cycles/{id}/payouts", s.apiExportPayouts)
	s.handle("GET /api/v1/cycles/{id}/payouts/{file}", s.downloadPayoutFile)
	s.handle("POST /api/v1/cycles/{id}/reconcile", s.apiReconcile)
	s.handle("GET /api/v1/cycles/{id}/exceptions.csv", s.exceptionsCSV)
	s.handle("GET /api/v1/cycles/{id}/exceptions.xlsx", s.exceptionsXLSX)
	s.handle("POST /api/v1/cycles/{id}/reissues", s.apiReissue)
	s.handle("GET /api/v1/cycles/{id}/reissues/{batch}/{file}", s.downloadReissueFile)
	s.handle("GET /api/v1/cycles/{id}/returns", s.apiReturns)
	s.handle("GET /api/v1/cycles/{id}/realization", s.downloadRealization)
	s.handle("GET /api/v1/cycles/{id}/close-check", s.apiCloseCheck)
	s.handle("GET /api/v1/regions", s.apiRegions)
	s.handle("GET /api/v1/regions/{code}", s.apiRegion)
	s.handle("GET /api/v1/regions/{code}/children", s.apiRegionChildren)

	// Pages.
	s.handle("GET /{$}", s.pageHome)
	s.handle("GET /lang", s.pageSetLang)
	s.handle("GET /masuk", s.pageLogin)
	s.handle("POST /masuk", s.postLogin)
	s.handle("POST /keluar", s.postLogout)
	s.handle("GET /audit", s.pageAudit)
	s.handle("GET /pengguna", s.pageUsers)
	s.handle("GET /keluarga", s.pageFamilies)
	s.handle("GET /keluarga/{id}", s.pageFamily)
	s.handle("POST /keluarga/{id}/buka", s.postRevealFamily)
	s.handle("GET /usulan", s.pageProposals)
	s.handle("GET /usulan/{id}", s.pageProposal)
	s.handle("POST /usulan/{id}/verifikasi", s.postVerifyProposal)
	s.handle("POST /usulan/{id}/penetapan", s.postDetermineProposal)
	s.handle("GET /snapshot", s.pageSnapshots)
	s.handle("POST /snapshot", s.postSnapshot)
	s.handle("GET /snapshot/{a}/diff/{b}", s.pageSnapshotDiff)
	s.handle("GET /duplikat", s.pageDuplicates)
	s.handle("POST /duplikat/{id}", s.postResolveDuplicate)
	s.handle("GET /impor", s.pageImports)
	s.handle("POST /impor", s.postImport)
	s.handle("GET /impor/{id}", s.pageImport)
	s.handle("GET /program", s.pageProgram)
	s.handle("POST /program", s.postProgram)
	s.handle("GET /kuota", s.pageQuotas)
	s.handle("POST /kuota", s.postQuota)
	s.handle("GET /anggaran", s.pageBudgets)
	s.handle("POST /anggaran", s.postBudget)
	s.handle("GET /siklus", s.pageCycles)
	s.handle("POST /siklus", s.postCycle)
	s.handle("GET /siklus/{id}", s.pageCycle)
	s.handle("POST /siklus/{id}/hitung", s.postCycleStep(stepGenerate))
	s.handle("POST /siklus/{id}/setujui", s.postCycleStep(stepApprove))
	s.handle("POST /siklus/{id}/batalkan", s.postCycleStep(stepCancel))
	s.handle("POST /siklus/{id}/tutup", s.postCycleStep(stepClose))
	s.handle("POST /siklus/{id}/ekspor", s.exportCycle)
	s.handle("GET /penyaluran", s.pagePayouts)
	s.handle("POST /penyaluran/rute", s.postBankRoute)
	s.handle("POST /penyaluran/permintaan-rekening", s.postAccountRequest)
	s.handle("POST /penyaluran/rekening", s.postLoadAccounts)
	s.handle("POST /penyaluran/laporan", s.postLoadReport)
	s.handle("POST /siklus/{id}/pembayaran", s.postExportPayouts)
	s.handle("POST /siklus/{id}/pembayaran/{file}", s.downloadPayoutFile)
	s.handle("GET /siklus/{id}/rekonsiliasi", s.pageReconcile)
	s.handle("POST /siklus/{id}/rekonsiliasi", s.postReconcile)
	s.handle("POST /siklus/{id}/pengecualian.csv", s.exceptionsCSV)
	s.handle("POST /siklus/{id}/pengecualian.xlsx", s.exceptionsXLSX)
	s.handle("POST /siklus/{id}/pembayaran-ulang", s.postReissue)
	s.handle("POST /siklus/{id}/pembayaran-ulang/{batch}/{file}", s.downloadReissueFile)
	s.handle("GET /siklus/{id}/realisasi", s.downloadRealization)
	s.handle("POST "+terminal.PathPurchase, s.postTerminalPurchase)
	s.handle("POST "+terminal.PathVoid, s.postTerminalVoid)
	s.handle("GET "+terminal.PathServerKey, s.getServerKey)
	s.handle("POST "+terminal.PathManifest, s.postTerminalManifest)
	s.handle("POST "+terminal.PathSync, s.postTerminalSync)
	s.handle("POST "+terminal.PathManifestClose, s.postTerminalManifestClose)
	s.handle("GET /api/v1/manifests", s.apiManifests)
	s.handle("POST /api/v1/manifests", s.apiCreateManifest)
	s.handle("GET /api/v1/manifests/{id}", s.apiManifestBody)
	s.handle("POST /api/v1/manifests/{id}/release", s.apiReleaseManifest)
	s.handle("GET /api/v1/offline/conflicts", s.apiConflicts)
	s.handle("POST /api/v1/offline/conflicts/{id}/resolve", s.apiResolveConflict)
	s.handle("GET /api/v1/offline/chains", s.apiChains)
	s.handle("GET /offline", s.pageOffline)
	s.handle("POST /offline/manifes", s.postManifest)
	s.handle("POST /offline/manifes/{id}/tutup", s.postReleaseManifest)
	s.handle("POST /offline/konflik/{id}", s.postResolveConflict)
	s.handle("GET /wilayah", s.pageRegions)
	s.handle("GET /wilayah/{code}", s.pageRegion)

	// e-Warong merchants, terminals and the ledger: API, then pages.
	s.handle("GET /api/v1/merchants", s.apiMerchants)
	s.handle("POST /api/v1/merchants", s.apiAddMerchant)
	s.handle("GET /api/v1/merchants/{id}", s.apiMerchant)
	s.handle("POST /api/v1/merchants/{id}/disable", s.apiDisableMerchant)
	s.handle("GET /api/v1/merchants/{id}/sales", s.apiMerchantSales)
	s.handle("GET /api/v1/merchants/{id}/settlements", s.apiMerchantSettlements)
	s.handle("GET /api/v1/terminals", s.apiTerminals)
	s.handle("POST /api/v1/terminals", s.apiRegisterTerminal)
	s.handle("POST /api/v1/terminals/{id}/revoke", s.apiRevokeTerminal)
	s.handle("GET /api/v1/ledger/check", s.apiLedgerCheck)
	s.handle("GET /api/v1/ledger/overview", s.apiLedgerOverview)
	s.handle("GET /api/v1/price-flags", s.apiPriceFlags)
	s.handle("POST /api/v1/settlements", s.apiSettle)
	s.handle("POST /api/v1/prices", s.apiLoadPrices)
	s.handle("GET /ewarong", s.pageMerchants)
	s.handle("POST /ewarong", s.postMerchant)
	s.handle("GET /ewarong/{id}", s.pageMerchant)
	s.handle("POST /ewarong/{id}/nonaktif", s.postDisableMerchant)
	s.handle("POST /terminal/{id}/cabut", s.postRevokeTerminal)
	s.handle("GET /buku-besar", s.pageLedger)
	s.handle("POST /buku-besar/penyelesaian", s.postSettle)
	s.handle("POST /buku-besar/harga", s.postPrices)
	s.handle("/", s.pageNotFound)
}

// handle registers h for pattern, wrapped in the common middleware.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.wrap(pattern, h))
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, code := "ok", http.StatusOK
	dbStatus := "ok"
	if err := s.DB.Ping(ctx); err != nil {
		status, dbStatus, code = "unavailable", "unreachable", http.StatusServiceUnavailable
		s.Logger.Error("health check: database unreachable", "err", err, "request_id", requestID(r.Context()))
	}
	writeJSON(w, code, map[string]any{"status": status, "database": dbStatus, "engine": s.DB.Engine()})
}
