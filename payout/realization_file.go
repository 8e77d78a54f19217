package payout

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"

	"tepat"
	"tepat/program"
)

// RealizationFormats are the file formats of a realization report.
var RealizationFormats = []string{"csv", "xlsx", "pdf"}

// RealizationHeader names the columns of a realization report in CSV; the
// last line is the totals (nama_wilayah JUMLAH, kode_wilayah empty).
var RealizationHeader = []string{"kode_wilayah", "nama_wilayah", "kuota", "kpm_berhak", "nilai_berhak", "kpm_dibayar", "nilai_dibayar",
	"persen_dibayar", "kpm_gagal", "nilai_gagal", "dana_retur"}

// realizationLabels are the same columns for people (XLSX and PDF).
var realizationLabels = []string{"Kode", "Wilayah", "Kuota", "KPM berhak", "Nilai berhak (Rp)", "KPM dibayar", "Nilai dibayar (Rp)",
	"% dibayar", "KPM gagal", "Nilai gagal (Rp)", "Dana retur (Rp)"}

// totalName names the totals line.
const totalName = "JUMLAH"

// NewRealizationWriter returns a sink writing a realization report to w
// as csv (RealizationHeader; percentages with a decimal point), xlsx (a
// title, then the table with rupiah formatted) or pdf (A4 landscape:
// title, the table with its header on every page, page numbers);
// FORMAT_TIDAK_DIKENAL for another format. Rows stream into CSV and XLSX;
// the PDF is put together in memory and written at End.
func NewRealizationWriter(format string, w io.Writer) (RealizationSink, error) {
	switch format {
	case "csv":
		return &realizationCSV{w: csv.NewWriter(w)}, nil
	case "xlsx":
		return &realizationXLSX{w: w}, nil
	case "pdf":
		return &realizationPDF{w: w, compress: true}, nil
	}
	return nil, tepat.Reasonf(tepat.EINVALID, "FORMAT_TIDAK_DIKENAL", "format %q tidak dikenal: csv, xlsx atau pdf", clip(format))
}

// realizationText returns a row's cells as text: numbers plain, the
// percentage with sep as its decimal mark, rupiah through money.
func realizationText(r RealizationRow, sep string, money func(int64) string) []string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	name := r.Name
	if r.Code == "" {
		name = totalName
	}
	return []string{r.Code, name, quotaText(r.Quota), n(r.Families), money(r.Amount), n(r.PaidFamilies), money(r.PaidAmount),
		percent(r, sep), n(r.FailedFamilies), money(r.FailedAmount), money(r.Returned)}
}

type realizationCSV struct{ w *csv.Writer }

func (c *realizationCSV) Begin(Realization) error { return c.w.Write(RealizationHeader) }

func (c *realizationCSV) Row(r RealizationRow) error {
	return c.w.Write(realizationText(r, ".", func(v int64) string { return strconv.FormatInt(v, 10) }))
}

func (c *realizationCSV) End(rep Realization) error {
	if err := c.Row(rep.Total); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// realizationXLSX streams the report into one sheet: title lines, a blank
// line, the header, the rows and the totals in bold.
type realizationXLSX struct {
	w                          io.Writer
	f                          *excelize.File
	sw                         *excelize.StreamWriter
	row                        int
	title, head, text, num, rp int
	pct, boldText, boldNum     int
	boldRp, boldPct            int
}

func (x *realizationXLSX) Begin(rep Realization) error {
	x.f = excelize.NewFile()
	const sheet = "Realisasi"
	if err := x.f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	rupiah, pct, count := `"Rp "#,##0`, `0.0`, `#,##0`
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&x.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&x.head, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}}},
		{&x.text, excelize.Style{}},
		{&x.num, excelize.Style{CustomNumFmt: &count}},
		{&x.rp, excelize.Style{CustomNumFmt: &rupiah}},
		{&x.pct, excelize.Style{CustomNumFmt: &pct}},
		{&x.boldText, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&x.boldNum, excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &count}},
		{&x.boldRp, excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &rupiah}},
		{&x.boldPct, excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &pct}},
	} {
		id, err := x.f.NewStyle(&s.style)
		if err != nil {
			return err
		}
		*s.id = id
	}
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	x.sw = sw
	for i, w := range []float64{15, 30, 10, 12, 20, 12, 20, 10, 11, 18, 18} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	for i, line := range realizationTitle(rep) {
		style := x.title
		if i > 0 {
			style = x.text
		}
		if err := x.put([]any{excelize.Cell{StyleID: style, Value: line}}); err != nil {
			return err
		}
	}
	x.row++ // a blank line
	head := make([]any, len(realizationLabels))
	for i, l := range realizationLabels {
		head[i] = excelize.Cell{StyleID: x.head, Value: l}
	}
	return x.put(head)
}

// put writes cells on the next row.
func (x *realizationXLSX) put(cells []any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, cells)
}

func (x *realizationXLSX) Row(r RealizationRow) error {
	text, num, rp, pct := x.text, x.num, x.rp, x.pct
	name := r.Name
	if r.Code == "" {
		text, num, rp, pct, name = x.boldText, x.boldNum, x.boldRp, x.boldPct, totalName
	}
	var quota, share any
	if r.Quota != nil {
		quota = *r.Quota
	}
	if t, ok := r.PaidTenths(); ok {
		share = float64(t) / 10
	}
	return x.put([]any{
		excelize.Cell{StyleID: text, Value: r.Code}, excelize.Cell{StyleID: text, Value: name},
		excelize.Cell{StyleID: num, Value: quota}, excelize.Cell{StyleID: num, Value: r.Families},
		excelize.Cell{StyleID: rp, Value: r.Amount}, excelize.Cell{StyleID: num, Value: r.PaidFamilies},
		excelize.Cell{StyleID: rp, Value: r.PaidAmount}, excelize.Cell{StyleID: pct, Value: share},
		excelize.Cell{StyleID: num, Value: r.FailedFamilies}, excelize.Cell{StyleID: rp, Value: r.FailedAmount},
		excelize.Cell{StyleID: rp, Value: r.Returned},
	})
}

func (x *realizationXLSX) End(rep Realization) error {
	defer x.f.Close()
	if err := x.Row(rep.Total); err != nil {
		return err
	}
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
}

// realizationPDF lays the report out on A4 landscape pages with the core
// Helvetica font (text translated to its code page).
type realizationPDF struct {
	w        io.Writer
	compress bool
	pdf      *fpdf.Fpdf
	tr       func(string) string
}

// pdfWidths are the columns' widths in mm: 277 mm between the margins.
var pdfWidths = []float64{28, 50, 18, 20, 30, 20, 30, 16, 18, 24, 23}

func (p *realizationPDF) Begin(rep Realization) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	p.pdf, p.tr = pdf, pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetCompression(p.compress)
	pdf.SetCreationDate(rep.GeneratedAt)
	pdf.SetModificationDate(rep.GeneratedAt)
	pdf.SetTitle(realizationTitle(rep)[0], true)
	pdf.SetCreator("Tepat", true)
	pdf.SetMargins(10, 10, 10)
	pdf.SetAutoPageBreak(true, 14)
	pdf.AliasNbPages("{nb}")
	title := realizationTitle(rep)
	pdf.SetHeaderFunc(func() {
		if pdf.PageNo() == 1 {
			pdf.SetFont("Helvetica", "B", 13)
			pdf.CellFormat(0, 7, p.tr(title[0]), "", 1, "L", false, 0, "")
			pdf.SetFont("Helvetica", "", 9)
			for _, l := range title[1:] {
				pdf.CellFormat(0, 5, p.tr(l), "", 1, "L", false, 0, "")
			}
			pdf.Ln(3)
		}
		pdf.SetFont("Helvetica", "B", 8)
		pdf.SetFillColor(221, 230, 240)
		for i, l := range realizationLabels {
			pdf.CellFormat(pdfWidths[i], 9, p.tr(l), "1", 0, "C", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 8)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, p.tr(fmt.Sprintf("Siklus %d · halaman %d dari {nb}", rep.Cycle, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	return pdf.Error()
}

func (p *realizationPDF) Row(r RealizationRow) error {
	cells := realizationText(r, ",", program.Rupiah)
	if r.Code == "" {
		p.pdf.SetFont("Helvetica", "B", 8)
	}
	for i, c := range cells {
		align := "R"
		if i < 2 {
			align = "L"
		}
		p.pdf.CellFormat(pdfWidths[i], 6, p.fit(c, pdfWidths[i]), "1", 0, align, false, 0, "")
	}
	p.pdf.Ln(-1)
	return p.pdf.Error()
}

// fit translates s and shortens it with "..." to fit a cell w mm wide.
func (p *realizationPDF) fit(s string, w float64) string {
	s = p.tr(s)
	if p.pdf.GetStringWidth(s) <= w-2 {
		return s
	}
	for len(s) > 0 && p.pdf.GetStringWidth(s+"...") > w-2 {
		s = s[:len(s)-1]
	}
	return s + "..."
}

func (p *realizationPDF) End(rep Realization) error {
	if err := p.Row(rep.Total); err != nil {
		return err
	}
	return p.pdf.Output(p.w)
}
