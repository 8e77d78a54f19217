package registry

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"tepat"
	"tepat/auth"
	"tepat/db"
)

// Job is an import job as the API shows it.
type Job struct {
	ID         int64      `json:"id"`
	FileName   string     `json:"file_name"`
	Actor      string     `json:"actor"`
	Strict     bool       `json:"strict"`
	Status     string     `json:"status"` // QUEUED, RUNNING, DONE, FAILED
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Summary    ImportSummary
}

// jobColumns are the columns scanJob reads, in its order.
const jobColumns = `id, file_name, actor, strict, status, error, created_at, finished_at, rows_read, families_accepted,
	persons_accepted, families_rejected, rows_rejected, possible_duplicates, families_unchanged`

// scanJob reads one row of jobColumns.
func scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	s := &j.Summary
	err := sc.Scan(&j.ID, &j.FileName, &j.Actor, &j.Strict, &j.Status, &j.Error, &j.CreatedAt, &j.FinishedAt,
		&s.Rows, &s.FamiliesAccepted, &s.PersonsAccepted, &s.FamiliesRejected, &s.RowsRejected, &s.PossibleDuplicates, &s.FamiliesUnchanged)
	s.JobID = j.ID
	s.Applied = j.Status == "DONE"
	return j, err
}

// seesAllJobs reports whether a may read every user's import jobs: the
// national readers of the registry (pusat, auditor, national satgas, system).
func seesAllJobs(a *tepat.Actor) bool { return a.National() && auth.Can(a, auth.PermRegistryRead) }

// GetJob returns an import job. Users see their own jobs; national readers
// of the registry (pusat, auditor, national satgas, system) see all; anyone
// else gets "not found".
func GetJob(ctx context.Context, d *db.DB, id int64) (Job, error) {
	a := tepat.ActorFrom(ctx)
	if a == nil {
		return Job{}, tepat.Reasonf(tepat.EUNAUTHORIZED, "BELUM_MASUK", "silakan masuk terlebih dahulu")
	}
	j, err := scanJob(d.QueryRow(ctx, `SELECT `+jobColumns+` FROM import_job WHERE id = $1`, id))
	if err != nil || (j.Actor != a.Username && !seesAllJobs(a)) {
		return Job{}, tepat.Reasonf(tepat.ENOTFOUND, "IMPOR_TIDAK_DITEMUKAN", "impor %d tidak ditemukan", id)
	}
	return j, nil
}

// WriteErrorReport writes the problems of an import job as the original
// columns plus baris (source line), kode and keterangan, one line per
// problem, in format "csv" or "xlsx". Access is as for GetJob; the rows are
// personal data, so the export is audited by the caller's layer.
func WriteErrorReport(ctx context.Context, d *db.DB, id int64, format string, w io.Writer) error {
	if _, err := GetJob(ctx, d, id); err != nil {
		return err
	}
	var header string
	if err := d.QueryRow(ctx, `SELECT header_csv FROM import_job WHERE id = $1`, id).Scan(&header); err != nil {
		return db.Translate(err)
	}
	cols := parseCSVLine(header)
	cols = append(cols, "baris", "kode", "keterangan")
	var emit func([]string) error
	var done func() error
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		emit = func(r []string) error { return cw.Write(r) }
		done = func() error { cw.Flush(); return cw.Error() }
	case "xlsx":
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return err
		}
		n := 0
		emit = func(r []string) error {
			n++
			cells := make([]any, len(r))
			for i, c := range r {
				cells[i] = c // text, so NIKs keep all 16 digits
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			return sw.SetRow(cell, cells)
		}
		done = func() error {
			if err := sw.Flush(); err != nil {
				return err
			}
			_, err := f.WriteTo(w)
			return err
		}
	default:
		return tepat.Reasonf(tepat.EINVALID, "FORMAT_LAPORAN_TIDAK_DIKENAL", "format laporan %q tidak dikenal: csv atau xlsx", format)
	}
	if err := emit(cols); err != nil {
		return err
	}
	rows, err := d.Query(ctx, `SELECT line, kode, pesan, row_csv FROM import_problem WHERE job_id = $1 ORDER BY line, seq`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	width := len(cols) - 3
	for rows.Next() {
		var line int
		var kode, pesan, raw string
		if err := rows.Scan(&line, &kode, &pesan, &raw); err != nil {
			return err
		}
		r := parseCSVLine(raw)
		for len(r) < width {
			r = append(r, "")
		}
		r = append(r[:width], strconv.Itoa(line), kode, pesan)
		if err := emit(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return done()
}

func parseCSVLine(s string) []string {
	if s == "" {
		return nil
	}
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rec, err := r.Read()
	if err != nil {
		return []string{s}
	}
	return rec
}

// ReportFormat picks the report format from a file name: .xlsx, else csv.
func ReportFormat(name string) string {
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		return "xlsx"
	}
	return "csv"
}

// ListJobs returns the actor's latest import jobs (all users' for national
// readers of the registry), newest first.
func ListJobs(ctx context.Context, d *db.DB, limit int) ([]Job, error) {
	a := tepat.ActorFrom(ctx)
	if a == nil {
		return nil, tepat.Reasonf(tepat.EUNAUTHORIZED, "BELUM_MASUK", "silakan masuk terlebih dahulu")
	}
	rows, err := d.Query(ctx, `SELECT `+jobColumns+` FROM import_job WHERE ($1 OR actor = $2) ORDER BY id DESC LIMIT $3`,
		seesAllJobs(a), a.Username, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
