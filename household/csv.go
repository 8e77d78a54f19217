package household

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxRecord bounds one CSV record (all its physical lines), so that a file
// without line breaks cannot exhaust memory. A valid row is under 2 KiB.
const maxRecord = 64 << 10

// csvSource splits a UTF-8 CSV stream into records. Quoting follows RFC 4180
// ("" inside a quoted value is one quote; a quoted value may span lines) and is
// lenient in one way: text after a closing quote is kept, so `"a"b` is `ab`.
// LF and CRLF line ends are both accepted.
type csvSource struct {
	br    *bufio.Reader
	comma byte
	line  int      // physical lines consumed
	buf   []byte   // unquoted values of the current record, back to back
	ends  []int    // end of each value in buf
	lines []int    // physical line each value starts on
	cells []string // the current record, substrings of one string
}

// newCSVSource returns a source reading br, whose BOM if any is consumed.
func newCSVSource(br *bufio.Reader, comma byte) *csvSource {
	return &csvSource{br: br, comma: comma}
}

var errTooLong = errors.New("record too long")

// readLine returns the next physical line without its line end. The slice is
// valid until the next call. It returns io.EOF only when no bytes are left.
func (s *csvSource) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		s.line++
		return nil, errTooLong
	case err == io.EOF && len(line) > 0:
		err = nil
	case err != nil:
		return nil, err
	}
	s.line++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n > 1 && line[n-2] == '\r' {
			line = line[:n-2]
		}
	}
	return line, nil
}

// next returns the cells of the next record that is not an empty line, and
// the physical line it starts on. The cells are valid until the next call
// but the strings in them may be kept. At the end it returns io.EOF; a
// malformed record gives a *problemError.
func (s *csvSource) next() ([]string, int, error) {
	var line []byte
	var err error
	for len(line) == 0 {
		if line, err = s.readLine(); err != nil {
			return nil, s.line, s.lineError(err, s.line)
		}
	}
	start := s.line
	s.buf, s.ends, s.lines = s.buf[:0], s.ends[:0], s.lines[:0]
	for pos := 0; ; pos++ {
		s.lines = append(s.lines, s.line)
		if pos < len(line) && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 { // the quoted value goes on to the next line
					s.buf = append(s.buf, line[pos:]...)
					s.buf = append(s.buf, '\n')
					if len(s.buf) > maxRecord {
						return nil, start, s.lineError(errTooLong, start)
					}
					if line, err = s.readLine(); err == io.EOF {
						return nil, start, &problemError{Problem{Line: start, Column: len(s.ends) + 1, Code: CodeCSVBroken,
							Message: "tanda kutip (\") pembuka tidak pernah ditutup sampai akhir file"}}
					} else if err != nil {
						return nil, start, s.lineError(err, start)
					}
					pos = 0
					continue
				}
				s.buf = append(s.buf, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					s.buf = append(s.buf, '"')
					pos++
					continue
				}
				break
			}
		}
		i := bytes.IndexByte(line[pos:], s.comma)
		if i < 0 {
			i = len(line) - pos
		}
		s.buf = append(s.buf, line[pos:pos+i]...)
		s.ends = append(s.ends, len(s.buf))
		pos += i
		if pos >= len(line) {
			break
		}
	}
	if !utf8.Valid(s.buf) {
		return nil, start, s.utf8Error()
	}
	str := string(s.buf)
	s.cells = s.cells[:0]
	from := 0
	for _, end := range s.ends {
		s.cells = append(s.cells, str[from:end])
		from = end
	}
	return s.cells, start, nil
}

// lineError turns a read error into a Problem where it is about the file's
// content, and passes I/O errors through.
func (s *csvSource) lineError(err error, line int) error {
	if errors.Is(err, errTooLong) {
		return &problemError{Problem{Line: line, Code: CodeRecordTooLong,
			Message: fmt.Sprintf("baris lebih dari %d KiB; periksa pemisah baris dan tanda kutip", maxRecord>>10)}}
	}
	return err
}

// utf8Error locates the first invalid byte of the current record.
func (s *csvSource) utf8Error() *problemError {
	from := 0
	for i, end := range s.ends {
		v := s.buf[from:end]
		if !utf8.Valid(v) {
			at := 0
			for at < len(v) {
				r, n := utf8.DecodeRune(v[at:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				at += n
			}
			return notUTF8(s.lines[i], i+1, v[at], utf8.RuneCount(v[:at])+1)
		}
		from = end
	}
	return notUTF8(s.lines[0], 1, 0, 1) // unreachable: some value is invalid
}

// notUTF8 is the problem of an invalid byte b at character pos of a cell.
func notUTF8(line, column int, b byte, pos int) *problemError {
	return &problemError{Problem{Line: line, Column: column, Code: CodeNotUTF8, Message: fmt.Sprintf(
		"teks bukan UTF-8 (byte 0x%02X pada karakter ke-%d); file kemungkinan disimpan sebagai "+
			"Latin-1/ANSI: simpan ulang sebagai \"CSV UTF-8\"", b, pos)}}
}

// detectDelimiter chooses ',' or ';' for the header line h: the one that
// occurs outside quotes, or when both do, the one that splits h into more
// known column names. It returns 0 when neither occurs.
func detectDelimiter(h []byte) byte {
	var commas, semis int
	quoted := false
	for _, c := range h {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	switch {
	case commas == 0 && semis == 0:
		return 0
	case semis == 0:
		return ','
	case commas == 0:
		return ';'
	}
	if knownNames(h, ';') > knownNames(h, ',') {
		return ';'
	}
	return ','
}

// knownNames counts the cells of h split at sep that are known column names.
func knownNames(h []byte, sep byte) int {
	n := 0
	for _, f := range bytes.Split(h, []byte{sep}) {
		if _, ok := columnIndex(string(bytes.Trim(f, " \t\r\""))); ok {
			n++
		}
	}
	return n
}
