package household

import (
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxOptions bound what a workbook may expand to, against zip bombs.
var xlsxOptions = excelize.Options{UnzipSizeLimit: 4 << 30}

// xlsxSource streams the rows of a workbook's first sheet. A zip archive
// must be read whole before any row can be read, so the workbook is in memory
// (Excel's limit of 1,048,576 rows bounds it); the sheet itself is streamed.
type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	row  int // sheet row number of the last row read
}

// openXLSX opens the workbook and its first sheet. Every failure is an
// XLSX_RUSAK problem.
func openXLSX(open func() (*excelize.File, error)) (*xlsxSource, error) {
	f, err := open()
	if err != nil {
		return nil, brokenXLSX(0, "file tidak dapat dibaca sebagai XLSX (mungkin terpotong atau bukan workbook Excel)")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, brokenXLSX(0, "workbook tidak memiliki sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, brokenXLSX(0, "sheet pertama tidak dapat dibaca")
	}
	return &xlsxSource{f: f, rows: rows}, nil
}

func brokenXLSX(line int, msg string) error {
	return &problemError{Problem{Line: line, Code: CodeXLSXBroken, Message: msg}}
}

// next returns the cells of the next row with a non-blank cell and its sheet
// row number, or io.EOF. Cell values are raw: numbers as stored (so a date
// cell gives its serial number) and text as typed.
func (s *xlsxSource) next() ([]string, int, error) {
	for s.rows.Next() {
		s.row++
		cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, s.row, brokenXLSX(s.row, "baris sheet tidak dapat dibaca (XLSX rusak)")
		}
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				return cells, s.row, nil
			}
		}
	}
	if err := s.rows.Error(); err != nil {
		return nil, s.row, brokenXLSX(s.row, "sheet tidak dapat dibaca sampai akhir (XLSX rusak)")
	}
	return nil, s.row, io.EOF
}

// Close releases the workbook and its temporary files.
func (s *xlsxSource) Close() error {
	err := s.rows.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
