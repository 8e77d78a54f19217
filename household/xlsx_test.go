package household_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tepat/household"
)

// workbook writes a test workbook: header on row 1, a family on rows 2–3 and
// 5 (row 4 left empty), dates both as date cells and as text, numbers as
// numbers, an extra column, and a second sheet that must be ignored.
func workbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	hdr := append(slices.Clone(household.Header), "Keterangan")
	for i, h := range hdr {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr(sheet, cell, h)
	}
	rows := [][]any{
		{"3201010101100001", "3201011205800001", "Budi Santoso", "L", time.Date(1980, 5, 12, 0, 0, 0, 0, time.UTC), "KEPALA", "32.01.01.1001", "Jl. Raya", 0, 0, "TIDAK", 2, "HIDUP", "catatan"},
		{"3201010101100001", "3201014308830002", "Siti Aminah", "P", "1983-08-03", "PASANGAN", "3201011001", "", 1, 0, "TIDAK", 2, "HIDUP"},
		nil,
		{"3201010101100001", "32010160011000O3", "Rina", "P", "20/01/2010", "ANAK", "32.01.01.1001", "", 0, 0, "SMP", 2, "HIDUP"},
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.NewSheet("Lain")
	f.SetCellStr("Lain", "A1", "bukan data")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReaderReadsXLSX(t *testing.T) {
	t.Parallel()
	data := workbook(t)
	// A workbook is recognized by content, whatever its name.
	path := filepath.Join(t.TempDir(), "kiriman.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, err := household.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer fromFile.Close()
	fromStream, err := household.NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer fromStream.Close()
	for _, r := range []*household.Reader{fromFile, fromStream} {
		fams := readAll(t, r)
		if len(fams) != 1 || len(fams[0].Members) != 3 {
			t.Fatalf("got %d families", len(fams))
		}
		if got := locs(fams[0].Problems); !slices.Equal(got, []string{"5:2:NIK_BUKAN_ANGKA"}) {
			t.Fatalf("problems = %v", got)
		}
		if got := locs(r.Warnings()); !slices.Equal(got, []string{"1:14:KOLOM_TIDAK_DIKENAL"}) {
			t.Fatalf("warnings = %v", got)
		}
		m := fams[0].Members
		if m[0].TanggalLahir != time.Date(1980, 5, 12, 0, 0, 0, 0, time.UTC) || m[0].Desil != 2 || m[0].Line != 2 {
			t.Fatalf("date cell member = %+v", m[0])
		}
		if m[1].KodeWilayah != "32.01.01.1001" || !m[1].Hamil || m[1].Line != 3 {
			t.Fatalf("second member = %+v", m[1])
		}
		if m[2].TanggalLahir != time.Date(2010, 1, 20, 0, 0, 0, 0, time.UTC) || m[2].Line != 5 {
			t.Fatalf("third member = %+v", m[2])
		}
	}
}

func TestReaderRejectsTruncatedXLSX(t *testing.T) {
	t.Parallel()
	data := workbook(t)
	for _, n := range []int{4, 100, len(data) / 2, len(data) - 10} {
		err := fileError(t, func() (*household.Reader, error) {
			return household.NewReader(bytes.NewReader(data[:n]), opts)
		})
		wantFileProblem(t, err, household.CodeXLSXBroken, 0, 0, "XLSX")
	}
	path := filepath.Join(t.TempDir(), "rusak.xlsx")
	if err := os.WriteFile(path, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	err := fileError(t, func() (*household.Reader, error) { return household.Open(path, opts) })
	wantFileProblem(t, err, household.CodeXLSXBroken, 0, 0, "terpotong")
}

func TestReaderRejectsXLSXWithoutColumns(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	f.SetCellStr("Sheet1", "A3", "no_kk")
	f.SetCellStr("Sheet1", "B3", "nik")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err := household.NewReader(&buf, opts)
	wantFileProblem(t, err, household.CodeMissingColumn, 3, 0, "nama")
}
