package household

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"tepat"
)

// Options adjust a Reader. The zero value is the strict default.
type Options struct {
	// Now is the reference time: a birth date after Now's calendar date (in
	// Now's location) is rejected and NIK birth years are resolved against
	// it. The zero value means time.Now() when the reader is created.
	Now time.Time
	// DisableNIKCheck turns off the file-wide duplicate NIK check, which
	// keeps every NIK of the file in memory with the line it was first seen
	// on: 30–38 bytes per person (measured), so 10 million persons take
	// about 350 MB and 100 million about 3.5 GB. Duplicates inside one
	// family are still reported; the database's unique NIK catches the
	// rest when the importer loads the families.
	DisableNIKCheck bool
	// DisableOrderCheck turns off KK_TIDAK_BERURUTAN, which keeps every KK
	// number of the file in memory the same way (30–38 bytes per family).
	DisableOrderCheck bool
	// KeepCells keeps each member row's original cells in Family.Cells,
	// for error reports that repeat the rows as they were sent.
	KeepCells bool
	// KeysOnly reads only each row's KK number and NIK, for a pass that
	// needs nothing else (an importer's first pass): no cell is checked
	// and the only problem a family carries is KELUARGA_TERLALU_BESAR; a
	// NIK is kept only if it is valid. Families are grouped, counted and
	// capped as usual, and a file unusable as a whole is still an error.
	KeysOnly bool
}

// Stats counts what a Reader has read so far.
type Stats struct {
	Rows            int // person rows (blank rows are skipped and not counted)
	Families        int // families returned by Next
	InvalidFamilies int // families with at least one error
	Errors          int // problems of severity error in families
	Warnings        int // problems of severity warning, file-level ones included
}

// source yields the non-blank rows of a file: cells, 1-based line, and
// io.EOF at the end or a *problemError for a broken file.
type source interface {
	next() ([]string, int, error)
}

// Reader reads a household file one family at a time:
//
//	r, err := household.Open(path, household.Options{})
//	if err != nil { ... }     // file-level problem: see FileProblem
//	defer r.Close()
//	for r.Next() {
//		fam := r.Family()     // fam.Valid(), fam.Members, fam.Problems
//	}
//	if err := r.Err(); err != nil { ... }
//
// A Reader is not safe for concurrent use.
type Reader struct {
	opts   Options
	today  [3]int // year, month, day of opts.Now
	src    source
	closer io.Closer
	xlsx   bool
	comma  byte

	col      [numCols]int // cell index of each column, in the order of header
	width    int          // number of header cells
	warnings []Problem

	nikLines map[uint64]uint32 // NIK → line of its first row (file-wide)
	famNIKs  map[uint64]uint32 // NIK → line, this family only (when DisableNIKCheck)
	kkLines  map[uint64]uint32 // KK → line of its family's first row
	villages map[string]string // kode_wilayah cell → dotted, interned

	pend      Person    // the row read ahead: first row of the next family
	pendProbs []Problem // its problems
	pendCells []string  // its original cells (KeepCells)
	header    []string  // the header cells as written
	hasPend   bool
	overflow  bool // the current family reached MaxMembers
	fam       Family
	err       error
	done      bool
	stats     Stats
}

// Open opens the household file at path, CSV or XLSX (told apart by content,
// not extension), and reads its header. A problem with the file as a whole
// (empty, not UTF-8, unknown delimiter, missing or duplicate column, broken
// XLSX) is a *tepat.Error with code EINVALID and the problem code as reason;
// FileProblem gives its line and column. A missing file is ENOTFOUND. The
// caller must Close the Reader.
func Open(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &tepat.Error{Code: tepat.ENOTFOUND, Message: "file tidak ditemukan", Err: err}
	} else if err != nil {
		return nil, fmt.Errorf("household: open: %w", err)
	}
	br := bufio.NewReaderSize(f, maxRecord)
	isXLSX, err := sniff(br)
	if err != nil {
		f.Close()
		return nil, err
	}
	if isXLSX {
		f.Close()
		return newXLSXReader(opts, func() (*excelize.File, error) { return excelize.OpenFile(path, xlsxOptions) })
	}
	r, err := newCSVReader(opts, br)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader is Open for a stream. An XLSX stream is read whole into memory
// first; a CSV stream is read as families are requested. Errors are as for
// Open. Close releases XLSX resources; it does not close rd.
func NewReader(rd io.Reader, opts Options) (*Reader, error) {
	br := bufio.NewReaderSize(rd, maxRecord)
	isXLSX, err := sniff(br)
	if err != nil {
		return nil, err
	}
	if isXLSX {
		return newXLSXReader(opts, func() (*excelize.File, error) { return excelize.OpenReader(br, xlsxOptions) })
	}
	return newCSVReader(opts, br)
}

func newXLSXReader(opts Options, open func() (*excelize.File, error)) (*Reader, error) {
	src, err := openXLSX(open)
	if err != nil {
		return nil, fatalOf(err)
	}
	r := newReader(opts, src)
	r.xlsx, r.closer = true, src
	if err := r.readHeader(); err != nil {
		src.Close()
		return nil, err
	}
	return r, nil
}

func newCSVReader(opts Options, br *bufio.Reader) (*Reader, error) {
	data, err := br.Peek(maxRecord)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("household: read: %w", err)
	}
	line := 1
	for len(data) > 0 && (data[0] == '\n' || data[0] == '\r') {
		if data[0] == '\n' {
			line++
		}
		data = data[1:]
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fatal(Problem{Code: CodeEmpty, Message: "file kosong"})
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	if i := bytes.IndexByte(data, '\r'); i >= 0 && i < len(data)-1 {
		return nil, fatal(Problem{Line: line, Code: CodeCSVBroken, Message: "baris dipisah dengan CR saja " +
			"(format Mac lama); simpan ulang dengan akhir baris LF atau CRLF"})
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fatal(Problem{Line: line, Code: CodeNotUTF8, Message: "file tampaknya disimpan dalam " +
			"UTF-16 (Unicode) tanpa BOM; simpan ulang sebagai \"CSV UTF-8\""})
	}
	comma := detectDelimiter(data)
	if comma == 0 {
		msg := "pemisah kolom pada header tidak dikenali; gunakan koma (,) atau titik koma (;)"
		if bytes.IndexByte(data, '\t') >= 0 {
			msg = "header dipisah dengan tab; gunakan koma (,) atau titik koma (;)"
		}
		return nil, fatal(Problem{Line: line, Code: CodeDelimiter, Message: msg})
	}
	r := newReader(opts, newCSVSource(br, comma))
	r.comma = comma
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

func newReader(opts Options, src source) *Reader {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	y, m, d := opts.Now.Date()
	r := &Reader{opts: opts, today: [3]int{y, int(m), d}, src: src, villages: make(map[string]string)}
	for i := range r.col {
		r.col[i] = -1
	}
	if !opts.DisableNIKCheck {
		r.nikLines = make(map[uint64]uint32)
	} else {
		r.famNIKs = make(map[uint64]uint32)
	}
	if !opts.DisableOrderCheck {
		r.kkLines = make(map[uint64]uint32)
	}
	return r
}

// sniff tells XLSX from CSV by the first bytes, consumes a UTF-8 BOM, and
// rejects empty, UTF-16 and old binary Excel files.
func sniff(br *bufio.Reader) (isXLSX bool, err error) {
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err == io.EOF {
			return false, fatal(Problem{Code: CodeEmpty, Message: "file kosong"})
		}
		return false, fmt.Errorf("household: read: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return true, nil
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return false, fatal(Problem{Code: CodeUnsupported, Message: "file Excel 97–2003 (.xls) tidak " +
			"didukung; simpan sebagai .xlsx atau \"CSV UTF-8\""})
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return false, fatal(Problem{Line: 1, Column: 1, Code: CodeNotUTF8, Message: "file disimpan dalam " +
			"UTF-16 (Unicode), bukan UTF-8; simpan ulang sebagai \"CSV UTF-8\""})
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	}
	return false, nil
}

// readHeader reads the first non-blank row and maps the columns.
func (r *Reader) readHeader() error {
	cells, line, err := r.src.next()
	if err == io.EOF {
		return fatal(Problem{Code: CodeEmpty, Message: "file kosong"})
	} else if err != nil {
		return r.fatalErr(err)
	}
	r.width = len(cells)
	r.header = slices.Clone(cells)
	for i, c := range cells {
		name := normName(c)
		k, ok := columnIndex(name)
		switch {
		case ok && r.col[k] >= 0:
			return fatal(Problem{Line: line, Column: i + 1, Field: name, Code: CodeDuplicateCol, Message: fmt.Sprintf(
				"kolom %q muncul dua kali di header (kolom %d dan %d)", name, r.col[k]+1, i+1)})
		case ok:
			r.col[k] = i
		case name == "":
			r.warn(Problem{Line: line, Column: i + 1, Code: CodeUnknownColumn, Message: "kolom tanpa nama diabaikan"})
		default:
			r.warn(Problem{Line: line, Column: i + 1, Field: clip(name), Code: CodeUnknownColumn,
				Message: fmt.Sprintf("kolom %q tidak dikenal dan diabaikan", clip(name))})
		}
	}
	var missing []byte
	for k, i := range r.col {
		if i < 0 {
			if missing != nil {
				missing = append(missing, ", "...)
			}
			missing = append(missing, header[k]...)
		}
	}
	if missing != nil {
		msg := "kolom wajib tidak ada di header: " + string(missing)
		if r.comma != 0 {
			msg += fmt.Sprintf(" (pemisah kolom terdeteksi: %q)", r.comma)
		}
		return fatal(Problem{Line: line, Code: CodeMissingColumn, Message: msg})
	}
	return nil
}

func (r *Reader) warn(p Problem) {
	p.Severity = SeverityWarning
	r.warnings = append(r.warnings, p)
	r.stats.Warnings++
}

// fatalErr turns a source error into the error Open or Err returns, naming
// the column of a located problem.
func (r *Reader) fatalErr(err error) error {
	var pe *problemError
	if !errors.As(err, &pe) {
		return fmt.Errorf("household: read: %w", err)
	}
	p := pe.p
	if p.Column > 0 && p.Field == "" {
		p.Field = r.fieldName(p.Column - 1)
	}
	return fatal(p)
}

// fatalOf wraps a source error that occurs before any header is known.
func fatalOf(err error) error {
	var pe *problemError
	if errors.As(err, &pe) {
		return fatal(pe.p)
	}
	return fmt.Errorf("household: read: %w", err)
}

// fieldName returns the canonical name of the column at cell index i, or "".
func (r *Reader) fieldName(i int) string {
	for k, c := range r.col {
		if c == i {
			return header[k]
		}
	}
	return ""
}

// Header returns the header cells as the file wrote them.
func (r *Reader) Header() []string { return r.header }

// Warnings returns the file-level warnings, such as ignored columns. The
// slice must not be modified.
func (r *Reader) Warnings() []Problem { return r.warnings }

// Stats returns the counts so far; after Next returns false they are final.
func (r *Reader) Stats() Stats { return r.stats }

// Err returns the error that stopped the reader, or nil at a clean end. A
// *tepat.Error (code EINVALID) is a file-level problem such as invalid UTF-8
// in the middle of the file (see FileProblem); other errors are I/O errors.
// The families returned before it are complete, but the file as a whole
// should be rejected: the family being read when it happened is dropped.
func (r *Reader) Err() error { return r.err }

// Close releases the file. It does not close the io.Reader given to NewReader.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}
