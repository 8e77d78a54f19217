package web

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/ledger"
	"tepat/payout"
)

// Payouts through the Himbara banks — bank routes, KKS accounts, payout
// files, crediting reports, reconciliation: the JSON API and the uploads
// and downloads the pages share. Every rule (who may act, for which bank,
// within which region, which KK numbers are masked) is in package payout;
// these handlers receive files, call it, and encode or stream its answers.

func (s *Server) apiBankRoutes(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	rs, err := payout.Routes(r.Context(), s.DB, strings.TrimSpace(r.URL.Query().Get("program")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"routes": rs})
}

// routeRequest is the body of PUT /api/v1/bank-routes.
type routeRequest struct {
	Program string `json:"program"`
	Region  string `json:"region"`
	Bank    string `json:"bank"`
}

func (s *Server) apiSetBankRoute(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermPayoutManage); !ok {
		return
	}
	var req routeRequest
	if err := decodeJSON(r, &req, `{"program": "PKH", "region": "32.01", "bank": "BRI"}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	rt, err := payout.SetRoute(r.Context(), s.DB, strings.TrimSpace(req.Program), strings.TrimSpace(req.Region), strings.TrimSpace(req.Bank))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rt)
}

func (s *Server) apiAccountRequest(w http.ResponseWriter, r *http.Request) {
	s.downloadAccountRequest(w, r, r.PathValue("bank"))
}

// downloadAccountRequest streams a bank's account-opening request as CSV
// (payout.RequestAccounts: full numbers and names, audited there). Errors
// before the first line get the usual answer; a failure after it can only
// cut the download short, without its trailer.
func (s *Server) downloadAccountRequest(w http.ResponseWriter, r *http.Request, bank string) {
	if _, ok := s.need(w, r, auth.PermAccountManage); !ok {
		return
	}
	s.extendDeadline(w, r)
	// RequestAccounts refuses an unknown bank before the first line, so
	// the name in the file name is one of auth.Banks.
	dl := newDownload(w, "permintaan-rekening-"+bank+".csv", "text/csv; charset=utf-8")
	cw := csv.NewWriter(dl)
	header := false
	writeHeader := func() error {
		header = true
		return cw.Write(payout.AccountRequestHeader)
	}
	_, err := payout.RequestAccounts(r.Context(), s.DB, bank, func(a payout.AccountRequest) error {
		if !header {
			if err := writeHeader(); err != nil {
				return err
			}
		}
		return cw.Write(a.Record())
	})
	if err == nil && !header {
		err = writeHeader()
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	s.finishDownload(w, r, dl, err, "account request")
}

func (s *Server) apiLoadAccounts(w http.ResponseWriter, r *http.Request) {
	bank, path, done, ok := s.receiveBankFile(w, r, auth.PermAccountManage, r.PathValue("bank"))
	if !ok {
		return
	}
	defer done()
	out, err := payout.LoadAccounts(r.Context(), s.DB, bank, path)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiLoadReport(w http.ResponseWriter, r *http.Request) {
	bank, path, done, ok := s.receiveBankFile(w, r, auth.PermPayoutReport, r.PathValue("bank"))
	if !ok {
		return
	}
	defer done()
	rep, err := payout.LoadReport(r.Context(), s.DB, bank, path)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// discard is a payout.Sink that keeps nothing: the files of an export are
// downloaded one by one later, each by running the export again (it gives
// the same bytes every time).
func discard(_ string, fill func(io.Writer) error) error { return fill(io.Discard) }

// apiExportPayouts runs a cycle's payout export (the first one records the
// instructions and moves the cycle to DISBURSING) and answers its manifest.
func (s *Server) apiExportPayouts(w http.ResponseWriter, r *http.Request) {
	cycleJSON(s, w, r, auth.PermPayoutManage, func(ctx context.Context, d *db.DB, id int64) (payout.Manifest, error) {
		return payout.Export(ctx, d, id, discard)
	})
}

// exportFileType is the content type of a file of a payout export or
// re-issue batch: the manifest is JSON, the rest CSV.
func exportFileType(name string) string {
	if name == payout.ManifestName {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

var errNoPayoutFile = tepat.Reasonf(tepat.ENOTFOUND, "FILE_PEMBAYARAN_TIDAK_DITEMUKAN",
	"file pembayaran tidak ditemukan; ekspor siklus berisi <siklus>-<BANK>.csv untuk bank yang membayar, <siklus>-%s.csv dan %s",
	payout.WithoutAccount, payout.ManifestName)

// payoutFileRE matches the names of the files of an export but the
// manifest: "<cycle>-<BANK>.csv" or "<cycle>-TANPA_REKENING.csv".
var payoutFileRE = regexp.MustCompile(`^([0-9]+)-([A-Z_]+)\.csv$`)

// payoutFileOf checks that name can be a file of cycle id's export.
func payoutFileOf(id int64, name string) bool {
	if name == payout.ManifestName {
		return true
	}
	m := payoutFileRE.FindStringSubmatch(name)
	if m == nil || m[1] != strconv.FormatInt(id, 10) {
		return false
	}
	return m[2] == payout.WithoutAccount || slices.Contains(auth.Banks, m[2])
}

// downloadPayoutFile streams one file of a cycle's recorded payout export
// (payout.Download): pusat any file, a bank user their own bank's file and
// the manifest. A download never makes the first export, which changes
// the cycle.
func (s *Server) downloadPayoutFile(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.needCycle(w, r, auth.PermPayoutReport)
	if !ok {
		return
	}
	name := r.PathValue("file")
	if !payoutFileOf(id, name) {
		s.writeError(w, r, errNoPayoutFile)
		return
	}
	s.extendDeadline(w, r)
	dl := newDownload(w, name, exportFileType(name))
	err := payout.Download(r.Context(), s.DB, id, name, dl)
	s.finishDownload(w, r, dl, err, "payout file")
}

func (s *Server) apiReconcile(w http.ResponseWriter, r *http.Request) {
	cycleJSON(s, w, r, auth.PermPayoutReconcile, func(ctx context.Context, d *db.DB, id int64) (payout.Reconciliation, error) {
		res, _, err := ledger.Reconcile(ctx, d, id, nil)
		return res, err
	})
}

// exceptionsCSV and exceptionsXLSX serve the API's GET and the
// reconciliation page's form post alike.
func (s *Server) exceptionsCSV(w http.ResponseWriter, r *http.Request) {
	s.downloadExceptions(w, r, "csv")
}

func (s *Server) exceptionsXLSX(w http.ResponseWriter, r *http.Request) {
	s.downloadExceptions(w, r, "xlsx")
}

// formatTypes are the content types of the download formats: csv and
// xlsx for exceptions, and pdf too for realization reports.
var formatTypes = map[string]string{"csv": "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}

// downloadExceptions streams the exceptions of a cycle's reconciliation in
// the viewer's scope as format (csv or xlsx), as payout.Reconcile writes
// them: it masks the KK numbers for roles without data.export (banks) and
// audits the download; a pusat run also stores the reconciliation.
func (s *Server) downloadExceptions(w http.ResponseWriter, r *http.Request, format string) {
	_, id, ok := s.needCycle(w, r, auth.PermPayoutReconcile)
	if !ok {
		return
	}
	name := payout.ExceptionsName(id) + "." + format
	s.extendDeadline(w, r)
	dl := newDownload(w, name, formatTypes[format])
	_, err := payout.Reconcile(r.Context(), s.DB, id, func(n string, fill func(io.Writer) error) error {
		if n != name {
			return fill(io.Discard)
		}
		return fill(dl)
	})
	s.finishDownload(w, r, dl, err, "reconciliation exceptions")
}

// contentSHATrailer is sent after the last byte of a download with the
// SHA-256 of what was sent: an answer cut short by a failure lacks it.
const contentSHATrailer = "X-Content-Sha256"

// download streams one file to the client. Its headers go out with the
// first bytes, so that an error before them still gets a proper error
// answer; it hashes what it sends for contentSHATrailer.
type download struct {
	w                 http.ResponseWriter
	name, contentType string
	h                 hash.Hash
	started           bool
}

func newDownload(w http.ResponseWriter, name, contentType string) *download {
	return &download{w: w, name: name, contentType: contentType, h: sha256.New()}
}

func (d *download) start() {
	h := d.w.Header()
	h.Set("Content-Type", d.contentType)
	h.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", contentSHATrailer)
	d.started = true
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.start()
	}
	d.h.Write(p)
	return d.w.Write(p)
}

// finishDownload ends a download: err before the first byte is answered
// as usual; after it, it can only be logged (the client sees no trailer).
func (s *Server) finishDownload(w http.ResponseWriter, r *http.Request, dl *download, err error, what string) {
	switch {
	case err != nil && !dl.started:
		s.writeError(w, r, err)
	case err != nil:
		s.Logger.Error(what+" cut short", "err", err, "request_id", requestID(r.Context()))
	default:
		if !dl.started {
			dl.start()
			w.WriteHeader(http.StatusOK)
		}
		w.Header().Set(contentSHATrailer, hex.EncodeToString(dl.h.Sum(nil)))
	}
}

// bankFileNameRE matches what a kept file name may hold.
var bankFileNameRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// cleanFileName makes the client's name of an uploaded file safe to keep
// as the file's name in a directory of its own: payout records the name
// with the file and names it in its messages.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimLeft(bankFileNameRE.ReplaceAllString(name, "_"), ".")
	if len(name) > 100 {
		name = name[len(name)-100:]
	}
	if strings.Trim(name, "._-") == "" {
		return "berkas.csv"
	}
	return name
}

// receiveBankFile checks perm, then streams the multipart field "file" of
// r into a new directory of the upload directory, under the client's
// (cleaned) file name, and returns the bank it is for — pathBank, or on
// the pages the form's "bank" field, which must come before the file —
// and its path. done removes the directory. A bank user's file for another
// bank is refused before it is read: payout refuses it too, this only
// spares the upload.
func (s *Server) receiveBankFile(w http.ResponseWriter, r *http.Request, perm auth.Permission, pathBank string) (bank, path string, done func(), ok bool) {
	a, ok := s.need(w, r, perm)
	if !ok {
		return "", "", nil, false
	}
	fail := func(err error) (string, string, func(), bool) {
		s.writeError(w, r, err)
		return "", "", nil, false
	}
	checkBank := func(b string) error {
		if b == "" {
			return tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "pilih bank sebelum file: field 'bank' harus mendahului 'file'")
		}
		if a.Role == tepat.RoleBank && a.Bank != b {
			return tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BERWENANG", "pengguna bank %s hanya dapat bertindak untuk bank %s", a.Bank, a.Bank)
		}
		return nil
	}
	bank = pathBank
	if bank != "" {
		if err := checkBank(bank); err != nil {
			return fail(err)
		}
	}
	s.extendUploadDeadlines(w, r)
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "kirim file sebagai multipart/form-data dengan field 'file'"))
	}
	dir := ""
	cleanup := func() {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			cleanup()
			return fail(uploadError(err))
		}
		switch part.FormName() {
		case "bank":
			if pathBank == "" {
				b, _ := io.ReadAll(io.LimitReader(part, 20))
				bank = strings.TrimSpace(string(b))
			}
		case "file":
			if dir != "" {
				cleanup()
				return fail(tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "kirim satu file saja"))
			}
			if err := checkBank(bank); err != nil {
				return fail(err)
			}
			if dir, path, err = s.saveBankFile(part); err != nil {
				cleanup()
				return fail(err)
			}
		}
		part.Close()
	}
	if dir == "" {
		return fail(tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "field 'file' tidak ada"))
	}
	return bank, path, cleanup, true
}

// saveBankFile writes an uploaded file into a new directory and returns
// the directory and the file's path.
func (s *Server) saveBankFile(part *multipart.Part) (dir, path string, err error) {
	base := s.UploadDir
	if base == "" {
		base = filepath.Join(os.TempDir(), "tepat-uploads")
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", "", err
	}
	if dir, err = os.MkdirTemp(base, "bank-*"); err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, cleanFileName(part.FileName()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return dir, "", err
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		return dir, "", uploadError(err)
	}
	return dir, path, f.Close()
}
