package payout

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// ReportHeader names the columns of a bank's crediting report.
var ReportHeader = []string{"reference", "nomor_rekening", "amount", "status", "reason", "credited_at"}

// Statuses of a line of a crediting report.
const (
	StatusCredited = "BERHASIL"
	StatusFailed   = "GAGAL"
)

// Reasons are the reasons a bank may give on a line: required for GAGAL,
// allowed (or empty) for BERHASIL.
var Reasons = []string{"REKENING_TIDAK_AKTIF", "REKENING_TUTUP", "DATA_TIDAK_SESUAI", "LAINNYA"}

// Report is a loaded crediting report. Unknown counts its lines whose
// reference had no payment instruction when it was loaded.
type Report struct {
	ID            int64     `json:"id"`
	Bank          string    `json:"bank"`
	File          string    `json:"file"`
	SHA256        string    `json:"sha256"`
	Lines         int64     `json:"lines"`
	Credited      int64     `json:"credited"`
	Failed        int64     `json:"failed"`
	Unknown       int64     `json:"unknown_references"`
	LoadedBy      string    `json:"loaded_by"`
	LoadedAt      time.Time `json:"loaded_at"`
	AlreadyLoaded bool      `json:"already_loaded"` // this file was loaded before: nothing changed
}

// LoadReport loads a bank's crediting report, the CSV file at path with
// ReportHeader (PermPayoutReport; a bank user for their own bank only).
//
// The whole file is checked first, and nothing is applied if the header
// is wrong or any line is bad (a *tepat.Error carrying a FileError): the
// reference must be "<cycle>-<family>", or "<cycle>-<family>-U<n>" for a
// re-issue (ParseReference); amount a whole number of rupiah;
// status BERHASIL or GAGAL; reason one of Reasons, required for GAGAL;
// credited_at RFC 3339 or "YYYY-MM-DD HH:MM:SS" in WIB, required for
// BERHASIL. A line whose reference was sent to another bank refuses the
// file (BANK_TIDAK_SESUAI): a bank reports only its own payouts. A
// reference without a payment instruction is loaded, to be flagged by
// reconciliation.
//
// A report is loaded once per bank: the same file again (by SHA-256)
// changes nothing and comes back with AlreadyLoaded. Lines are never
// updated; a later line for a reference supersedes an earlier one when
// reconciling. Audited as payout.report.
func LoadReport(ctx context.Context, d *db.DB, bank, path string) (Report, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermPayoutReport); err != nil {
		return Report{}, err
	}
	if err := checkBank(a, bank); err != nil {
		return Report{}, err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return Report{}, err
	}
	if r, err := loadedReport(ctx, d, bank, sum); err == nil {
		return r, nil
	} else if tepat.ErrorCode(err) != tepat.ENOTFOUND {
		return Report{}, err
	}
	name := filepath.Base(path)
	file, err := os.Open(path)
	if err != nil {
		return Report{}, errUnreadable(path, err)
	}
	defer file.Close()
	probs := &problems{}
	f, err := openCSV(name, file, ReportHeader, probs)
	if err != nil {
		return Report{}, err
	}
	r := Report{Bank: bank, File: name, SHA256: sum, LoadedBy: a.Username, LoadedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO bank_report (bank, file_name, sha256, lines, loaded_by, loaded_at)
			VALUES ($1, $2, $3, 0, $4, $5) RETURNING id`, bank, name, sum, r.LoadedBy, r.LoadedAt).Scan(&r.ID); err != nil {
			return db.Translate(err)
		}
		n, err := tx.Copy(ctx, "bank_line", []string{"report_id", "line", "reference", "cycle_id", "family_id", "nomor_rekening",
			"amount", "status", "reason", "credited_at", "reissue"}, &reportSource{f: f, id: r.ID})
		if err != nil {
			return err
		}
		foreign, err := countReport(ctx, tx, &r)
		if err != nil {
			return err
		}
		if foreign > 0 {
			if err := checkBanks(ctx, tx, r.ID, bank, probs); err != nil {
				return err
			}
		}
		if err := probs.err(name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bank_report SET lines = $2 WHERE id = $1`, r.ID, n); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "payout.report", fmt.Sprintf("report:%d", r.ID), "",
			fmt.Sprintf("laporan bank %s %s: %d baris, %d berhasil, %d gagal, %d referensi tidak dikenal",
				bank, clip(name), r.Lines, r.Credited, r.Failed, r.Unknown))
		return err
	})
	if tepat.ErrorCode(err) == tepat.ECONFLICT {
		// The same file, loaded at the same moment by someone else.
		return loadedReport(ctx, d, bank, sum)
	}
	if err != nil {
		return Report{}, err
	}
	return r, nil
}

// loadedReport returns the report of bank with the given SHA-256, marked
// AlreadyLoaded; ENOTFOUND if there is none.
func loadedReport(ctx context.Context, q db.Querier, bank, sum string) (Report, error) {
	r := Report{AlreadyLoaded: true}
	err := q.QueryRow(ctx, `SELECT id, bank, file_name, sha256, loaded_by, loaded_at FROM bank_report WHERE bank = $1 AND sha256 = $2`, bank, sum).
		Scan(&r.ID, &r.Bank, &r.File, &r.SHA256, &r.LoadedBy, &r.LoadedAt)
	if err != nil {
		return Report{}, db.Translate(err)
	}
	r.LoadedAt = r.LoadedAt.UTC()
	_, err = countReport(ctx, q, &r)
	return r, err
}

// countReport fills the line counts of r in one pass and returns how many
// of its lines belong to another bank's payout. A line answers the
// original instruction or one of its re-issues (bank_line.reissue).
func countReport(ctx context.Context, q db.Querier, r *Report) (foreign int64, err error) {
	err = q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN bl.status = 'BERHASIL' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN p.reference IS NULL AND u.reference IS NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN COALESCE(p.bank, u.bank) <> $2 THEN 1 ELSE 0 END), 0)
		FROM bank_line bl
		LEFT JOIN payout p ON p.cycle_id = bl.cycle_id AND p.family_id = bl.family_id AND bl.reissue = 0
		LEFT JOIN payout_reissue u ON u.cycle_id = bl.cycle_id AND u.family_id = bl.family_id AND u.seq = bl.reissue
		WHERE bl.report_id = $1`, r.ID, r.Bank).Scan(&r.Lines, &r.Credited, &r.Unknown, &foreign)
	r.Failed = r.Lines - r.Credited
	return foreign, err
}

// checkBanks adds a BANK_TIDAK_SESUAI problem for each loaded line whose
// reference was sent to another bank.
func checkBanks(ctx context.Context, tx *db.Tx, reportID int64, bank string, probs *problems) error {
	rows, err := tx.Query(ctx, `SELECT bl.line, COALESCE(p.bank, u.bank) FROM bank_line bl
		LEFT JOIN payout p ON p.cycle_id = bl.cycle_id AND p.family_id = bl.family_id AND bl.reissue = 0
		LEFT JOIN payout_reissue u ON u.cycle_id = bl.cycle_id AND u.family_id = bl.family_id AND u.seq = bl.reissue
		WHERE bl.report_id = $1 AND COALESCE(p.bank, u.bank) <> $2 ORDER BY bl.line`, reportID, bank)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var line int
		var other string
		if err := rows.Scan(&line, &other); err != nil {
			return err
		}
		probs.add(line, 1, "reference", "BANK_TIDAK_SESUAI",
			"pembayaran ini dikirim ke bank %s, bukan %s: bank hanya melaporkan pembayarannya sendiri", other, bank)
	}
	return rows.Err()
}

// reportSource reads the lines of a crediting report for Copy; lines with
// problems are not loaded.
type reportSource struct {
	f    *csvFile
	id   int64
	vals []any
	err  error
}

func (s *reportSource) Next() bool {
	for {
		rec, line, ok, err := s.f.next()
		if err != nil {
			s.err = err
		}
		if !ok {
			return false
		}
		l, ok := checkReportLine(rec, func(col int, code, format string, args ...any) {
			s.f.problem(line, col, code, format, args...)
		})
		if !ok {
			continue
		}
		var at any
		if !l.creditedAt.IsZero() {
			at = l.creditedAt
		}
		s.vals = []any{s.id, int64(line), rec[0], l.cycleID, l.familyID, rec[1], l.amount, rec[3], rec[4], at, int32(l.reissue)}
		return true
	}
}

func (s *reportSource) Values() ([]any, error) { return s.vals, nil }
func (s *reportSource) Err() error             { return s.err }

// reportLine is a checked line of a crediting report.
type reportLine struct {
	cycleID, familyID int64
	reissue           int // 0: the original instruction; n: its n-th re-issue
	amount            int64
	creditedAt        time.Time // zero when not given (GAGAL)
}

// checkReportLine checks one record of ReportHeader's columns, calling
// problem (with the 0-based column) for each fault; ok is false if there
// was any.
func checkReportLine(rec []string, problem func(col int, code, format string, args ...any)) (l reportLine, ok bool) {
	ok = true
	bad := func(col int, code, format string, args ...any) {
		ok = false
		problem(col, code, format, args...)
	}
	var refOK bool
	l.cycleID, l.familyID, l.reissue, refOK = ParseReference(rec[0])
	if !refOK {
		bad(0, "REFERENSI_TIDAK_VALID", "referensi harus <siklus>-<keluarga>, atau <siklus>-<keluarga>-U<n> untuk pembayaran ulang, seperti pada file pembayaran, mis. 12-3400187")
	}
	switch {
	case rec[1] == "":
		bad(1, "NOMOR_REKENING_KOSONG", "nomor rekening kosong")
	case !validNumber(rec[1]):
		bad(1, "NOMOR_REKENING_TIDAK_VALID", "nomor rekening harus 5–30 angka")
	}
	var err error
	if !digits(rec[2]) {
		err = strconv.ErrSyntax
	} else {
		l.amount, err = strconv.ParseInt(rec[2], 10, 64)
	}
	if err != nil {
		bad(2, "JUMLAH_TIDAK_VALID", "amount harus bilangan bulat rupiah ≥ 0 tanpa tanda atau pemisah")
	}
	status := rec[3]
	if status != StatusCredited && status != StatusFailed {
		bad(3, "STATUS_TIDAK_VALID", "status harus %s atau %s", StatusCredited, StatusFailed)
	}
	switch {
	case rec[4] == "" && status == StatusFailed:
		bad(4, "ALASAN_WAJIB", "status %s butuh alasan: %v", StatusFailed, Reasons)
	case rec[4] != "" && !knownReason(rec[4]):
		bad(4, "ALASAN_TIDAK_VALID", "alasan tidak dikenal: %v", Reasons)
	}
	switch {
	case rec[5] == "" && status == StatusCredited:
		bad(5, "WAKTU_WAJIB", "status %s butuh credited_at", StatusCredited)
	case rec[5] != "":
		t, err := parseCreditedAt(rec[5])
		if err != nil {
			bad(5, "WAKTU_TIDAK_VALID", "credited_at harus RFC 3339 (2019-11-05T10:00:00+07:00) atau YYYY-MM-DD HH:MM:SS (WIB)")
		}
		l.creditedAt = t
	}
	return l, ok
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func knownReason(s string) bool {
	for _, r := range Reasons {
		if r == s {
			return true
		}
	}
	return false
}

// parseCreditedAt reads RFC 3339, or "YYYY-MM-DD HH:MM:SS" taken as WIB,
// in the years 2000–2100, and returns UTC at microsecond precision, as
// both engines store it.
func parseCreditedAt(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.ParseInLocation(time.DateTime, s, region.WIB.Location())
	}
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, fmt.Errorf("year %d out of range", t.Year())
	}
	return t.UTC().Truncate(time.Microsecond), nil
}
