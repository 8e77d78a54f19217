package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/registry"
)

// receiveUpload streams the multipart field "file" of r to a new file in
// the upload directory and returns its path, the client's file name and
// whether the form asked for a strict import. Nothing is held in memory.
func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request) (path, name string, strict bool, err error) {
	s.extendUploadDeadlines(w, r)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", false, tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "kirim file sebagai multipart/form-data dengan field 'file'")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return "", "", false, uploadError(err)
		}
		switch part.FormName() {
		case "strict":
			b, _ := io.ReadAll(io.LimitReader(part, 10))
			strict = string(b) == "1" || string(b) == "true" || string(b) == "on"
		case "file":
			if path != "" {
				return "", "", false, tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "kirim satu file saja")
			}
			name = filepath.Base(part.FileName())
			if path, err = s.saveUpload(part); err != nil {
				return "", "", false, err
			}
		}
		part.Close()
	}
	if path == "" {
		return "", "", false, tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TIDAK_VALID", "field 'file' tidak ada")
	}
	return path, name, strict, nil
}

func (s *Server) saveUpload(part *multipart.Part) (string, error) {
	dir := s.UploadDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tepat-uploads")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "import-*.upload")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", uploadError(err)
	}
	return f.Name(), f.Close()
}

// uploadTimeout bounds one upload: 4 GB at 5 Mbit/s is under two hours.
const uploadTimeout = 2 * time.Hour

// extendUploadDeadlines gives an upload uploadTimeout to arrive and be
// answered: a regional file over a rural connection takes far longer than
// the server's read timeout, which is meant for ordinary requests.
func (s *Server) extendUploadDeadlines(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if err := errors.Join(rc.SetReadDeadline(time.Now().Add(uploadTimeout)), rc.SetWriteDeadline(time.Now().Add(uploadTimeout))); err != nil {
		s.Logger.Warn("upload: cannot extend deadlines", "err", err, "request_id", requestID(r.Context()))
	}
}

func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tepat.Reasonf(tepat.EINVALID, "FILE_TERLALU_BESAR", "file lebih besar dari %d GB", maxUpload>>30)
	}
	return tepat.Reasonf(tepat.EINVALID, "UNGGAHAN_TERPUTUS", "unggahan terputus; silakan kirim ulang")
}

// startImport receives an upload and starts its import in the background.
// The job survives the request; a server shutdown stops it between chunks,
// and importing the same file again completes it.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request) (int64, bool) {
	a, ok := s.need(w, r, auth.PermRegistryWrite)
	if !ok {
		return 0, false
	}
	path, name, strict, err := s.receiveUpload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return 0, false
	}
	var id int64
	err = s.DB.QueryRow(r.Context(), `INSERT INTO import_job (file_name, file_sha256, actor, strict, status, created_at)
		VALUES ($1, '', $2, $3, 'QUEUED', $4) RETURNING id`, name, a.Username, strict, time.Now().UTC().Truncate(time.Microsecond)).Scan(&id)
	if err != nil {
		os.Remove(path)
		s.writeError(w, r, err)
		return 0, false
	}
	ctx := tepat.WithActor(s.jobContext(), a)
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer os.Remove(path)
		_, err := registry.Import(ctx, s.DB, path, registry.ImportOptions{Strict: strict, JobID: id, FileName: name})
		if err != nil {
			// Whole-file problems were recorded on the job by Import when it
			// got that far; record the rest here.
			s.DB.Exec(context.WithoutCancel(ctx), `UPDATE import_job SET status = 'FAILED', error = $2, finished_at = $3 WHERE id = $1 AND status <> 'DONE'`,
				id, tepat.ErrorMessage(err), time.Now().UTC().Truncate(time.Microsecond))
			if tepat.ErrorCode(err) == tepat.EINTERNAL {
				s.Logger.Error("import failed", "job", id, "err", err)
			}
		}
	}()
	return id, true
}

// Wait waits for background jobs (imports) to stop; call it after the
// context given to Start is cancelled.
func (s *Server) Wait() { s.jobs.Wait() }

func (s *Server) jobContext() context.Context {
	if s.ctx != nil {
		return s.ctx
	}
	return context.Background()
}

func (s *Server) apiStartImport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.startImport(w, r)
	if !ok {
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/imports/%d", id))
	writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "status": "QUEUED",
		"links": map[string]string{"self": fmt.Sprintf("/api/v1/imports/%d", id), "errors": fmt.Sprintf("/api/v1/imports/%d/errors.csv", id)}})
}

func (s *Server) jobFromPath(w http.ResponseWriter, r *http.Request) (registry.Job, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "IMPOR_TIDAK_DITEMUKAN", "impor tidak ditemukan"))
		return registry.Job{}, false
	}
	j, err := registry.GetJob(r.Context(), s.DB, id)
	if err != nil {
		s.writeError(w, r, err)
		return j, false
	}
	return j, true
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	if j, ok := s.jobFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, j)
	}
}

// apiImportErrors downloads an import's error report; the rows are personal
// data, so the download is audited as an export.
func (s *Server) apiImportErrors(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	j, ok := s.jobFromPath(w, r)
	if !ok {
		return
	}
	format := strings.TrimPrefix(r.PathValue("file"), "errors.")
	if format != "csv" && format != "xlsx" {
		s.writeError(w, r, tepat.Reasonf(tepat.ENOTFOUND, "FORMAT_LAPORAN_TIDAK_DIKENAL", "laporan tersedia sebagai errors.csv atau errors.xlsx"))
		return
	}
	err := s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		_, err := audit.Record(r.Context(), tx, "data.export", fmt.Sprintf("import:%d", j.ID), "", "laporan kesalahan impor diunduh ("+format+")")
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="impor-%d-kesalahan.%s"`, j.ID, format))
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(uploadTimeout))
	w.Header().Set("Cache-Control", "no-store")
	if err := registry.WriteErrorReport(r.Context(), s.DB, j.ID, format, w); err != nil {
		s.Logger.Error("error report", "job", j.ID, "err", err, "request_id", requestID(r.Context()))
	}
}

type importPage struct {
	page
	Job  *registry.Job
	Jobs []registry.Job
}

// Running reports whether the page should refresh itself.
func (p *importPage) Running() bool {
	return p.Job != nil && (p.Job.Status == "QUEUED" || p.Job.Status == "RUNNING")
}

func (s *Server) pageImports(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermRegistryWrite); !ok {
		return
	}
	jobs, err := registry.ListJobs(r.Context(), s.DB, 20)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &importPage{Jobs: jobs}
	p.Title = translate(languageOf(r), "import.title")
	s.render(w, r, http.StatusOK, "imports.html", p)
}

func (s *Server) postImport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.startImport(w, r)
	if !ok {
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/impor/%d", id), http.StatusSeeOther)
}

func (s *Server) pageImport(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.need(w, r, auth.PermStatsRead); !ok {
		return
	}
	j, ok := s.jobFromPath(w, r)
	if !ok {
		return
	}
	p := &importPage{Job: &j}
	p.Title = translate(languageOf(r), "import.title")
	s.render(w, r, http.StatusOK, "import.html", p)
}
