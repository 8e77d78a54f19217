package payout

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"tepat/auth"
	"tepat/nik"
	"tepat/program"
	"tepat/region"
)

// exceptions writes the reconciliation's exceptions through sink, as CSV
// and XLSX from one pass, tallying the flagged lines on the way, and
// returns how many lines it wrote.
func (rc *reconciler) exceptions(ctx context.Context, res *Reconciliation, sink Sink) (int64, error) {
	x, err := newSheets("Rekonsiliasi")
	if err != nil {
		return 0, err
	}
	defer x.close()
	reveal := auth.Can(rc.a, auth.PermExport)
	var n int64
	base := ExceptionsName(rc.c.ID)
	err = sink(base+".csv", func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(ExceptionsHeader); err != nil {
			return err
		}
		emit := func(f flagged) error {
			text, cells := f.record(reveal)
			if err := cw.Write(text); err != nil {
				return err
			}
			n++
			return x.write(cells)
		}
		if err := rc.eachException(ctx, emit); err != nil {
			return err
		}
		if err := rc.flags(ctx, res, emit); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return n, err
	}
	return n, sink(base+".xlsx", x.writeTo)
}

// eachException hands fn the entitlements in scope that are not PAID, by
// family id.
func (rc *reconciler) eachException(ctx context.Context, fn func(flagged) error) error {
	rows, err := rc.tx.Query(ctx, `SELECT o.family_id, o.no_kk, o.village, o.bank, o.outcome, o.amount, o.credited, o.reason,
			o.nomor_rekening, o.report_id, o.line
		FROM (`+rc.outcomeQuery()+`) o WHERE o.outcome <> 'PAID' ORDER BY o.family_id`, rc.argv()...)
	if err != nil {
		return fmt.Errorf("reconcile cycle %d: exceptions: %w", rc.c.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f flagged
		var entitled int64
		if err := rows.Scan(&f.familyID, &f.kk, &f.village, &f.bank, &f.finding, &entitled, &f.credited, &f.reason,
			&f.rekening, &f.reportID, &f.line); err != nil {
			return err
		}
		f.reference = program.Reference(rc.c.ID, f.familyID)
		f.entitled = &entitled
		if err := fn(f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// record returns f as text (CSV, in ExceptionsHeader order) and as cells
// (XLSX: numbers as numbers, KK numbers as text so no digit is lost).
// Without reveal the KK number is masked.
func (f flagged) record(reveal bool) ([]string, []any) {
	var kk, wilayah string
	if f.kk != 0 {
		kk = strconv.FormatInt(f.kk, 10)
		if !reveal {
			kk = nik.Mask(kk)
		}
	}
	if f.village != 0 {
		wilayah = region.VillageCode(f.village)
	}
	num := func(p *int64) (string, any) {
		if p == nil {
			return "", nil
		}
		return strconv.FormatInt(*p, 10), *p
	}
	entitled, entitledCell := num(f.entitled)
	report, reportCell := num(f.reportID)
	line, lineCell := num(f.line)
	text := []string{f.reference, kk, wilayah, f.bank, f.finding, entitled, strconv.FormatInt(f.credited, 10), f.reason, f.rekening, report, line}
	cells := []any{f.reference, kk, wilayah, f.bank, f.finding, entitledCell, f.credited, f.reason, f.rekening, reportCell, lineCell}
	return text, cells
}

// sheets streams rows into an XLSX workbook, starting a new sheet with
// the header again when one is full.
type sheets struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	name   string
	sheet  int
	row    int
	header []any
}

func newSheets(name string) (*sheets, error) {
	x := &sheets{f: excelize.NewFile(), name: name}
	for _, h := range ExceptionsHeader {
		x.header = append(x.header, h)
	}
	if err := x.f.SetSheetName("Sheet1", name); err != nil {
		x.f.Close()
		return nil, err
	}
	if err := x.next(); err != nil {
		x.f.Close()
		return nil, err
	}
	return x, nil
}

// next starts the next sheet and writes the header on it.
func (x *sheets) next() error {
	x.sheet++
	name := x.name
	if x.sheet > 1 {
		if err := x.sw.Flush(); err != nil {
			return err
		}
		name = fmt.Sprintf("%s %d", x.name, x.sheet)
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw, x.row = sw, 0
	return x.write(x.header)
}

func (x *sheets) write(cells []any) error {
	if x.row == excelize.TotalRows {
		if err := x.next(); err != nil {
			return err
		}
	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, cells)
}

// writeTo finishes the workbook and writes it to w.
func (x *sheets) writeTo(w io.Writer) error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(w)
	return err
}

func (x *sheets) close() { x.f.Close() }
