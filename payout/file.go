package payout

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"tepat"
)

// MaxProblems is how many problems a refused file lists; Total counts
// them all.
const MaxProblems = 1000

// Problem is one finding in a bank file. Code is stable and
// machine-readable; Message is in Bahasa Indonesia and never repeats a KK,
// NIK or account number.
type Problem struct {
	Line    int    `json:"line"`             // 1-based; the header is line 1
	Column  int    `json:"column,omitempty"` // 1-based; 0 when about the whole line
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// String returns the problem with its place, e.g.
// `baris 3, kolom 4 (tanggal_buka): TANGGAL_TIDAK_VALID: …`.
func (p Problem) String() string {
	switch {
	case p.Column == 0:
		return fmt.Sprintf("baris %d: %s: %s", p.Line, p.Code, p.Message)
	case p.Field == "":
		return fmt.Sprintf("baris %d, kolom %d: %s: %s", p.Line, p.Column, p.Code, p.Message)
	}
	return fmt.Sprintf("baris %d, kolom %d (%s): %s: %s", p.Line, p.Column, p.Field, p.Code, p.Message)
}

// FileError says why a bank file was refused as a whole: its header is
// wrong (Header: the file is unusable), or some of its lines are. Problems
// are in line order, at most MaxProblems of Total. Nothing of a refused
// file is applied.
type FileError struct {
	Name     string
	Header   bool
	Problems []Problem
	Total    int
}

// Error gives the count in English for logs; the problems are for people.
func (e *FileError) Error() string {
	return fmt.Sprintf("payout: file refused: %d problems", e.Total)
}

// FileProblems returns the FileError behind err, if any.
func FileProblems(err error) (*FileError, bool) {
	var e *FileError
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// problems collects the problems of a file, keeping the first MaxProblems.
type problems struct {
	list  []Problem
	total int
}

func (ps *problems) add(line, col int, field, code, format string, args ...any) {
	ps.total++
	if len(ps.list) < MaxProblems {
		ps.list = append(ps.list, Problem{Line: line, Column: col, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
}

// err returns nil without problems, else the refusal of the whole file
// (BERKAS_DITOLAK) with every problem in line order.
func (ps *problems) err(name string) error {
	if ps.total == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	if len(ps.list) > MaxProblems {
		ps.list = ps.list[:MaxProblems]
	}
	return &tepat.Error{Code: tepat.EINVALID, Reason: "BERKAS_DITOLAK",
		Message: fmt.Sprintf("%s ditolak: %d masalah; tidak ada yang diterapkan", name, ps.total),
		Err:     &FileError{Name: name, Problems: ps.list, Total: ps.total}}
}

// headerError refuses a file whose header is not cols (HEADER_TIDAK_SESUAI).
func headerError(name string, cols []string, format string, args ...any) error {
	p := Problem{Line: 1, Code: "HEADER_TIDAK_SESUAI",
		Message: fmt.Sprintf(format, args...) + "; header harus " + strings.Join(cols, ",")}
	return &tepat.Error{Code: tepat.EINVALID, Reason: p.Code, Message: name + ": " + p.String(),
		Err: &FileError{Name: name, Header: true, Problems: []Problem{p}, Total: 1}}
}

// csvFile reads a bank's CSV file: a header naming exactly cols, then one
// record per line. Lines that cannot be read, or have the wrong number of
// columns (a file cut short ends in one), become problems.
type csvFile struct {
	name  string
	r     *csv.Reader
	cols  []string
	probs *problems
}

// openCSV reads the header of r.
func openCSV(name string, r io.Reader, cols []string, probs *problems) (*csvFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, headerError(name, cols, "berkas kosong")
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, headerError(name, cols, "header tidak dapat dibaca sebagai CSV")
	} else if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	got := make([]string, len(head))
	for i, h := range head {
		got[i] = strings.ToLower(strings.TrimSpace(h))
	}
	if strings.Join(got, ",") != strings.Join(cols, ",") {
		return nil, headerError(name, cols, "header tidak sesuai")
	}
	return &csvFile{name: name, r: cr, cols: cols, probs: probs}, nil
}

// next returns the next record with all its columns and its line; ok is
// false at the end of the file. err is a failure to read, not a problem.
func (f *csvFile) next() (rec []string, line int, ok bool, err error) {
	for {
		rec, err := f.r.Read()
		if err == io.EOF {
			return nil, 0, false, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			f.probs.add(pe.StartLine, 0, "", "CSV_TIDAK_VALID", "baris tidak dapat dibaca sebagai CSV (%v)", pe.Err)
			continue
		} else if err != nil {
			return nil, 0, false, fmt.Errorf("read %s: %w", f.name, err)
		}
		line, _ := f.r.FieldPos(0)
		if len(rec) != len(f.cols) {
			f.probs.add(line, 0, "", "JUMLAH_KOLOM_SALAH", "baris berisi %d kolom, seharusnya %d (%s); berkas terpotong?",
				len(rec), len(f.cols), strings.Join(f.cols, ","))
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		return rec, line, true, nil
	}
}

// problem records a problem in column i of line.
func (f *csvFile) problem(line, i int, code, format string, args ...any) {
	f.probs.add(line, i+1, f.cols[i], code, format, args...)
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", errUnreadable(path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errUnreadable(path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func errUnreadable(path string, err error) error {
	return &tepat.Error{Code: tepat.EINVALID, Reason: "FILE_TIDAK_DAPAT_DIBACA", Message: fmt.Sprintf("tidak dapat membaca %s", path), Err: err}
}

// CSVFile reads a CSV file with a fixed header the way bank files are
// read — header checked first, unreadable lines and lines with the wrong
// number of columns become problems, cells trimmed — for other
// capabilities' files (reference prices, …), refused the same way: every
// problem by line and column, nothing applied.
type CSVFile struct {
	f     *csvFile
	probs problems
}

// OpenCSV reads the header of r (HEADER_TIDAK_SESUAI, a whole-file
// refusal, unless it names exactly cols).
func OpenCSV(name string, r io.Reader, cols []string) (*CSVFile, error) {
	c := &CSVFile{}
	f, err := openCSV(name, r, cols, &c.probs)
	if err != nil {
		return nil, err
	}
	c.f = f
	return c, nil
}

// Next returns the next record with all its columns and its line; ok is
// false at the end of the file; err is a failure to read, not a problem.
func (c *CSVFile) Next() (rec []string, line int, ok bool, err error) { return c.f.next() }

// Problem records a problem in column i (0-based) of line; with i < 0,
// about the whole line.
func (c *CSVFile) Problem(line, i int, code, format string, args ...any) {
	if i < 0 {
		c.probs.add(line, 0, "", code, format, args...)
		return
	}
	c.f.problem(line, i, code, format, args...)
}

// Err returns nil without problems, else the refusal of the whole file
// (BERKAS_DITOLAK) with every problem in line order.
func (c *CSVFile) Err() error { return c.probs.err(c.f.name) }
