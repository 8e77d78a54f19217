package household

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Writer writes the canonical household CSV: UTF-8 without BOM, comma
// delimiter, LF line ends, the columns of Header in that order, dates as
// YYYY-MM-DD, and a value quoted only when it holds a comma, a quote or a
// line break. The first Write (or a Flush with no row) writes the header.
// Writer does not validate: it writes what it is given, so a Person built by
// a generator must already be valid. Not safe for concurrent use.
type Writer struct {
	w      *bufio.Writer
	buf    []byte
	header bool
}

// NewWriter returns a Writer buffering into w. Call Flush at the end.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 512)}
}

// Write writes one person as a row; p.Line is ignored. It returns the first
// error of the underlying writer, which may surface only at Flush.
func (w *Writer) Write(p *Person) error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.buf = AppendRow(w.buf[:0], p)
	_, err := w.w.Write(w.buf)
	return err
}

// Flush writes any buffered data, and the header if nothing was written yet.
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	return w.w.Flush()
}

func (w *Writer) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	_, err := w.w.WriteString(strings.Join(header[:], ",") + "\n")
	return err
}

// AppendRow appends p as one canonical CSV row, with its LF, to dst: the
// bytes Writer writes for p, for generators that write the file themselves.
// JenisKelamin 0 is written as an empty cell.
func AppendRow(dst []byte, p *Person) []byte {
	dst = appendCell(dst, p.NoKK)
	dst = append(dst, ',')
	dst = appendCell(dst, p.NIK)
	dst = append(dst, ',')
	dst = appendCell(dst, p.Nama)
	dst = append(dst, ',')
	if p.JenisKelamin != 0 {
		dst = append(dst, p.JenisKelamin)
	}
	dst = append(dst, ',')
	if !p.TanggalLahir.IsZero() {
		y, m, d := p.TanggalLahir.Date()
		dst = append(dst, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
			byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10))
	}
	dst = append(dst, ',')
	dst = appendCell(dst, string(p.Hubungan))
	dst = append(dst, ',')
	dst = appendCell(dst, p.KodeWilayah)
	dst = append(dst, ',')
	dst = appendCell(dst, p.Alamat)
	dst = append(dst, ',', bit(p.Hamil), ',', bit(p.DisabilitasBerat), ',')
	dst = appendCell(dst, string(p.Sekolah))
	dst = append(dst, ',')
	if p.Desil != 0 {
		dst = strconv.AppendInt(dst, int64(p.Desil), 10)
	}
	dst = append(dst, ',')
	dst = appendCell(dst, string(p.Status))
	return append(dst, '\n')
}

func bit(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

// appendCell appends s, quoted if it holds a comma, quote or line break.
func appendCell(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}
