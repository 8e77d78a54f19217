package payout_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/payout"
	"tepat/program"
	"tepat/region"
)

// collect is a RealizationSink keeping what it gets.
type collect struct {
	head payout.Realization
	rows []payout.RealizationRow
	end  payout.Realization
}

func (c *collect) Begin(r payout.Realization) error  { c.head = r; return nil }
func (c *collect) Row(r payout.RealizationRow) error { c.rows = append(c.rows, r); return nil }
func (c *collect) End(r payout.Realization) error    { c.end = r; return nil }
func (c *collect) total() (t payout.RealizationRow)  { return c.end.Total }
func realize(t *testing.T, ctx context.Context, d *db.DB, req payout.RealizationRequest) *collect {
	t.Helper()
	c := &collect{}
	r, err := payout.Realize(ctx, d, req, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != c.end.Total || r.Regions != int64(len(c.rows)) {
		t.Fatalf("returned %+v, sink got %+v", r, c.end)
	}
	return c
}

// byRegion sums the stored outcomes per region code at level, as the
// report should: entitled, paid, failed.
func byRegion(t *testing.T, d *db.DB, cycle int64, width int) map[string]payout.RealizationRow {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT e.village, e.amount, COALESCE(r.outcome, '') FROM entitlement e
		LEFT JOIN reconciliation r ON r.cycle_id = e.cycle_id AND r.family_id = e.family_id WHERE e.cycle_id = $1 AND e.reserve = 0`, cycle)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]payout.RealizationRow{}
	for rows.Next() {
		var v, amount int64
		var outcome string
		rows.Scan(&v, &amount, &outcome)
		code := region.Dotted(fmt.Sprintf("%010d", v)[:width])
		r := out[code]
		r.Families++
		r.Amount += amount
		switch outcome {
		case payout.OutcomePaid:
			r.PaidFamilies++
			r.PaidAmount += amount
		case payout.OutcomeFailed:
			r.FailedFamilies++
			r.FailedAmount += amount
		}
		out[code] = r
	}
	return out
}

func TestRealization(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, _ := disbursing(t, d)
		c := w.cycle.ID
		if _, err := program.SetQuota(pusatA, d, "PKH", 2026, "32.01", 25); err != nil {
			t.Fatal(err)
		}
		regency := payout.RealizationRequest{Cycle: c, Level: region.Regency}

		// Before any reconciliation: the entitlements, nothing paid.
		r := realize(t, pusatA, d, regency)
		if r.head.Reconciled || len(r.rows) != 3 || r.total().Families != w.cycle.Families || r.total().Amount != w.cycle.Amount ||
			r.total().PaidFamilies != 0 || r.rows[0].Code != "32.01" || r.rows[0].Quota == nil || *r.rows[0].Quota != 25 || r.rows[1].Quota != nil ||
			r.total().Quota != nil {
			t.Fatalf("unreconciled: %+v %+v", r.head, r.rows)
		}

		// Every payout credited but a failure in each bank's first two.
		var fails []ent
		extra := map[string][]string{}
		skip := map[int64]bool{}
		for _, bank := range []string{"BRI", "BNI", "MANDIRI"} {
			for _, e := range paidBy(t, d, w, bank)[:2] {
				fails = append(fails, e)
				skip[e.family] = true
				extra[bank] = append(extra[bank], line(c, e, bank, "status=GAGAL", "reason=REKENING_TUTUP", "at="))
			}
		}
		reportAll(t, d, w, "all", skip, extra)
		rec := reconcile(t, pusatA, d, c)

		// Each level: the rows are the regions' sums, the totals the
		// cycle's and the reconciliation's.
		for _, lv := range []struct {
			level region.Level
			width int
		}{{region.Province, 2}, {region.Regency, 4}, {region.District, 6}, {region.Village, 10}} {
			r := realize(t, pusatA, d, payout.RealizationRequest{Cycle: c, Level: lv.level})
			want := byRegion(t, d, c, lv.width)
			tot := r.total()
			if !r.head.Reconciled || len(r.rows) != len(want) || tot.Families != w.cycle.Families || tot.Amount != w.cycle.Amount ||
				tot.PaidFamilies != rec.Outcomes.Paid.Count || tot.PaidAmount != rec.Outcomes.Paid.Amount ||
				tot.FailedFamilies != rec.Outcomes.Failed.Count || tot.FailedAmount != rec.Outcomes.Failed.Amount || tot.Returned != tot.FailedAmount {
				t.Fatalf("level %d: %d rows, want %d; total %+v; reconciliation %+v", lv.level, len(r.rows), len(want), tot, rec.Outcomes)
			}
			for i, row := range r.rows {
				x := want[row.Code]
				if i > 0 && row.Code <= r.rows[i-1].Code || row.Families != x.Families || row.Amount != x.Amount ||
					row.PaidFamilies != x.PaidFamilies || row.PaidAmount != x.PaidAmount || row.FailedAmount != x.FailedAmount {
					t.Fatalf("level %d row %+v, want %+v", lv.level, row, x)
				}
				if reg, err := region.Lookup(row.Code); err != nil || row.Name != reg.Name {
					t.Fatalf("%s named %q", row.Code, row.Name)
				}
				tenths, ok := row.PaidTenths()
				if pct := float64(row.PaidAmount) * 100 / float64(row.Amount); !ok || float64(tenths)/10-pct > 0.05 || pct-float64(tenths)/10 > 0.05 {
					t.Fatalf("%s: %d tenths for %.3f%%", row.Code, tenths, pct)
				}
			}
		}
		for _, tc := range []struct {
			row                 payout.RealizationRow
			tenths              int64
			ok                  bool
			csvText, pdfPercent string
		}{
			{payout.RealizationRow{Amount: 3, PaidAmount: 2}, 667, true, "66.7", "66,7"},
			{payout.RealizationRow{Amount: 2000, PaidAmount: 1}, 1, true, "0.1", "0,1"}, // 0.05 % rounds up
			{payout.RealizationRow{Amount: 2000, PaidAmount: 2000}, 1000, true, "100.0", "100,0"},
			{payout.RealizationRow{}, 0, false, "", ""},
		} {
			if n, ok := tc.row.PaidTenths(); n != tc.tenths || ok != tc.ok {
				t.Errorf("%+v: %d %v", tc.row, n, ok)
			}
		}

		// Within a region; a region below the level is refused.
		r = realize(t, pusatA, d, payout.RealizationRequest{Cycle: c, Level: region.Regency, Region: "32"})
		if len(r.rows) != 2 || r.head.RegionName == "" || r.total().Families != byRegion(t, d, c, 2)["32"].Families {
			t.Fatalf("region 32: %+v", r.rows)
		}
		_, err := payout.Realize(pusatA, d, payout.RealizationRequest{Cycle: c, Level: region.Province, Region: "32.01"}, &collect{})
		wantErr(t, err, tepat.EINVALID, "TINGKAT_TIDAK_SESUAI")
		_, err = payout.Realize(pusatA, d, payout.RealizationRequest{Cycle: c, Level: 7}, &collect{})
		wantErr(t, err, tepat.EINVALID, "TINGKAT_TIDAK_VALID")
		_, err = payout.Realize(pusatA, d, payout.RealizationRequest{Cycle: 9999, Level: region.Regency}, &collect{})
		wantErr(t, err, tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN")
		_, err = payout.Realize(context.Background(), d, regency, &collect{})
		wantErr(t, err, tepat.EUNAUTHORIZED, "BELUM_MASUK")

		// Scopes: dinsos their regency, as their reconciliation counts it;
		// a region outside is not found; a bank its families.
		r = realize(t, dinsos, d, payout.RealizationRequest{Cycle: c, Level: region.District})
		mine := reconcile(t, dinsos, d, c)
		if tot := r.total(); tot.Families != mine.Entitlements || tot.Amount != mine.Amount || tot.PaidAmount != mine.Outcomes.Paid.Amount ||
			tot.FailedFamilies != mine.Outcomes.Failed.Count || !strings.HasPrefix(r.rows[0].Code, "32.01.") {
			t.Fatalf("dinsos: %+v, reconciliation %+v", tot, mine)
		}
		if r := realize(t, dinsos, d, payout.RealizationRequest{Cycle: c, Level: region.Regency, Region: "32"}); len(r.rows) != 1 ||
			r.total().Quota == nil || *r.total().Quota != 25 {
			t.Fatalf("dinsos in 32: %+v", r.rows)
		}
		_, err = payout.Realize(dinsos, d, payout.RealizationRequest{Cycle: c, Level: region.Regency, Region: "33"}, &collect{})
		wantErr(t, err, tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL")
		r = realize(t, bri, d, regency)
		theirs := reconcile(t, bri, d, c)
		if tot := r.total(); tot.Families != theirs.Entitlements || tot.PaidAmount != theirs.Outcomes.Paid.Amount || tot.FailedFamilies != 2 {
			t.Fatalf("bri: %+v, reconciliation %+v", tot, theirs)
		}
		realize(t, as("humas", tepat.RoleHumas), d, regency)

		// A failed family with another account: its money is not returned.
		if _, err := payout.LoadAccounts(pusatA, d, "BRI", accountFile(t, "BRI", 2, fails[0])); err != nil {
			t.Fatal(err)
		}
		r = realize(t, pusatA, d, regency)
		if tot := r.total(); tot.Returned != tot.FailedAmount-fails[0].amount {
			t.Fatalf("returned %d of %d failed", tot.Returned, tot.FailedAmount)
		}
		if n := audited(t, d, "report.realization", ""); n < 10 {
			t.Fatalf("%d realization reports audited", n)
		}
		if audited(t, d, "report.realization", "tingkat district (wilayah 32.01)") != 1 {
			t.Fatal("dinsos report not audited with its scope")
		}
	})
}

// TestRealizationFiles: each format opens and holds the report.
func TestRealizationFiles(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w, _ := disbursing(t, d)
		c := w.cycle.ID
		reportAll(t, d, w, "all", nil, nil)
		reconcile(t, pusatA, d, c)
		files := map[string][]byte{}
		var villages payout.Realization
		for _, format := range payout.RealizationFormats {
			var buf bytes.Buffer
			s, err := payout.NewRealizationWriter(format, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if villages, err = payout.Realize(pusatA, d, payout.RealizationRequest{Cycle: c, Level: region.Village}, s); err != nil {
				t.Fatal(err)
			}
			files[format] = buf.Bytes()
		}
		_, err := payout.NewRealizationWriter("docx", io.Discard)
		wantErr(t, err, tepat.EINVALID, "FORMAT_TIDAK_DIKENAL")
		tot := villages.Total
		tenths, _ := tot.PaidTenths()
		share := fmt.Sprintf("%d.%d", tenths/10, tenths%10)

		recs := readCSV(t, files["csv"])
		last := recs[len(recs)-1]
		if strings.Join(recs[0], ",") != strings.Join(payout.RealizationHeader, ",") || int64(len(recs)) != villages.Regions+2 ||
			last[0] != "" || last[1] != "JUMLAH" || last[3] != fmt.Sprint(tot.Families) || last[6] != fmt.Sprint(tot.PaidAmount) || last[7] != share {
			t.Fatalf("csv: %v … %v", recs[0], last)
		}

		book, err := excelize.OpenReader(bytes.NewReader(files["xlsx"]))
		if err != nil {
			t.Fatal(err)
		}
		sheet, err := book.GetRows("Realisasi", excelize.Options{RawCellValue: true})
		book.Close()
		if err != nil || !strings.HasPrefix(sheet[0][0], "Laporan Realisasi Penyaluran PKH 2026 Periode 1") || sheet[4][0] != "Kode" ||
			len(sheet) != 5+int(villages.Regions)+1 {
			t.Fatalf("xlsx: %d rows: %v", len(sheet), sheet[:5])
		}
		total := sheet[len(sheet)-1]
		if total[1] != "JUMLAH" || total[4] != fmt.Sprint(tot.Amount) || total[7] != strings.TrimSuffix(share, ".0") {
			t.Fatalf("xlsx totals %v", total)
		}

		pages, text := pdfContent(t, files["pdf"])
		if pages < 2 || !strings.Contains(text, "Laporan Realisasi Penyaluran PKH 2026 Periode 1") ||
			!strings.Contains(text, fmt.Sprintf("halaman %d dari %d", pages, pages)) || !strings.Contains(text, program.Rupiah(tot.Amount)) ||
			!strings.Contains(text, "JUMLAH") || !strings.Contains(text, strings.Replace(share, ".", ",", 1)) {
			t.Fatalf("pdf: %d pages, text %.300q", pages, text)
		}
	})
}

var (
	pdfCount  = regexp.MustCompile(`/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)`)
	pdfPage   = regexp.MustCompile(`/Type /Page\s`)
	pdfStream = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	pdfShow   = regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\)\s*Tj`)
)

// pdfContent checks that b is a PDF whose page tree counts its pages, and
// returns the number of pages and the text its pages show.
func pdfContent(t *testing.T, b []byte) (int, string) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.20q", b)
	}
	m := pdfCount.FindSubmatch(b)
	if m == nil {
		t.Fatal("no page tree")
	}
	pages, _ := strconv.Atoi(string(m[1]))
	if n := len(pdfPage.FindAll(b, -1)); n != pages {
		t.Fatalf("page tree counts %d pages, %d page objects", pages, n)
	}
	var text strings.Builder
	for _, s := range pdfStream.FindAllSubmatch(b, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(s[1]))
		if err != nil {
			continue // fonts and the like
		}
		content, err := io.ReadAll(zr)
		if err != nil {
			continue
		}
		for _, show := range pdfShow.FindAllSubmatch(content, -1) {
			text.Write(show[1])
			text.WriteByte('\n')
		}
	}
	return pages, text.String()
}
