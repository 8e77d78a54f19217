package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/household"
	"tepat/nik"
	"tepat/registry"
	"tepat/synth"
)

const header = "no_kk,nik,nama,jenis_kelamin,tanggal_lahir,hubungan,kode_wilayah,alamat,hamil,disabilitas_berat,sekolah,desil,status\n"

// writeCSV writes a household file from rows (without header) and returns its path.
func writeCSV(t *testing.T, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.csv")
	if err := os.WriteFile(path, []byte(header+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func imp(t *testing.T, ctx context.Context, d *db.DB, path string, opt ...registry.ImportOptions) registry.ImportSummary {
	t.Helper()
	o := registry.ImportOptions{Now: synth.DefaultReference, Chunk: 3}
	if len(opt) > 0 {
		o = opt[0]
		o.Now = synth.DefaultReference
	}
	sum, err := registry.Import(ctx, d, path, o)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// Families in 11.01.01 (Bakongan, Aceh Selatan), built by hand.
var (
	kkA = "1101012705160001"
	kkB = "1101012705160002"
	kkC = "1101012705160003"
	v   = "11.01.01.2001"
)

func person(kk, n, nama, jk, born, hub string) string {
	return strings.Join([]string{kk, n, nama, jk, born, hub, v, "DUSUN A", "0", "0", "TIDAK", "3", "HIDUP"}, ",")
}

var (
	headA   = person(kkA, "1101011203800001", "BUDI SANTOSO", "L", "1980-03-12", "KEPALA")
	wifeA   = person(kkA, "1101015506820001", "SITI AMINAH", "P", "1982-06-15", "PASANGAN")
	childA  = person(kkA, "1101010101100001", "AHMAD", "L", "2010-01-01", "ANAK")
	headB   = person(kkB, "1101011111700001", "JOKO", "L", "1970-11-11", "KEPALA")
	headC   = person(kkC, "1101012202750001", "RUDI", "L", "1975-02-22", "KEPALA")
	sameNIK = person(kkC, "1101011111700001", "JOKO LAIN", "L", "1970-11-11", "ANAK") // headB's NIK in family C
)

func counts(t *testing.T, d *db.DB) (fams, persons int) {
	t.Helper()
	ctx := context.Background()
	d.QueryRow(ctx, `SELECT COUNT(*) FROM family WHERE ver_to IS NULL`).Scan(&fams)
	d.QueryRow(ctx, `SELECT COUNT(*) FROM person WHERE ver_to IS NULL`).Scan(&persons)
	return
}

func TestImportReplacesAndIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		sum := imp(t, sys, d, writeCSV(t, headA, wifeA, childA, headB))
		if sum.FamiliesAccepted != 2 || sum.PersonsAccepted != 4 || sum.Rows != 4 {
			t.Fatalf("first import: %+v", sum)
		}
		var v1 int64
		d.QueryRow(context.Background(), `SELECT version FROM registry_head`).Scan(&v1)
		// The same file again changes nothing, not even the version.
		sum = imp(t, sys, d, writeCSV(t, headA, wifeA, childA, headB))
		var v2 int64
		d.QueryRow(context.Background(), `SELECT version FROM registry_head`).Scan(&v2)
		if sum.FamiliesUnchanged != 2 || v2 != v1 {
			t.Fatalf("second import changed something: %+v, version %d → %d", sum, v1, v2)
		}
		// Family A: the child removed, the wife renamed, desil changed; B untouched (not in file).
		wife2 := strings.Replace(wifeA, "SITI AMINAH", "SITI AMINAH BINTI ALI", 1)
		head2 := strings.Replace(headA, ",3,HIDUP", ",4,HIDUP", 1)
		wife2 = strings.Replace(wife2, ",3,HIDUP", ",4,HIDUP", 1)
		sum = imp(t, sys, d, writeCSV(t, head2, wife2))
		if sum.FamiliesAccepted != 1 || sum.FamiliesUnchanged != 0 {
			t.Fatalf("third import: %+v", sum)
		}
		if f, p := counts(t, d); f != 2 || p != 3 {
			t.Fatalf("after replace: %d families, %d persons", f, p)
		}
		fa, err := registry.FamilyByKK(sys, d, kkA, true)
		if err != nil || fa.Desil != 4 || len(fa.Members) != 2 || fa.Members[1].Nama != "SITI AMINAH BINTI ALI" {
			t.Fatalf("family A: %+v %v", fa, err)
		}
		// History keeps the old versions: 3 current + removed child + old wife = 5 person rows.
		var all int
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM person`).Scan(&all)
		var changes int
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM family_change WHERE family_id = $1`, fa.ID).Scan(&changes)
		if all != 5 || changes != 2 {
			t.Fatalf("history: %d person rows, %d changes of A", all, changes)
		}
	})
}

func TestImportRejectsWholeFamilies(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		badChild := strings.Replace(childA, "1101010101100001", "110101010110000", 1) // 15 digits
		sum := imp(t, sys, d, writeCSV(t, headA, wifeA, badChild, headB))
		if sum.FamiliesAccepted != 1 || sum.FamiliesRejected != 1 || sum.RowsRejected != 3 {
			t.Fatalf("%+v", sum)
		}
		if f, p := counts(t, d); f != 1 || p != 1 {
			t.Fatalf("partial family applied: %d families, %d persons", f, p)
		}
		var buf bytes.Buffer
		if err := registry.WriteErrorReport(sys, d, sum.JobID, "csv", &buf); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("report: %v %q", err, buf.String())
		}
		hdr, rec := recs[0], recs[1]
		if strings.Join(hdr[13:], ",") != "baris,kode,keterangan" || rec[1] != "110101010110000" || rec[13] != "4" || rec[14] != nik.ReasonLength {
			t.Fatalf("report row: %v / %v", hdr, rec)
		}
	})
}

func TestImportSameNIKTwoFamiliesOfOneFile(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		sum := imp(t, sys, d, writeCSV(t, headA, headB, headC, sameNIK))
		if sum.FamiliesAccepted != 1 || sum.FamiliesRejected != 2 {
			t.Fatalf("%+v", sum)
		}
		var buf bytes.Buffer
		registry.WriteErrorReport(sys, d, sum.JobID, "csv", &buf)
		out := buf.String()
		if strings.Count(out, "NIK_GANDA") != 2 || !strings.Contains(out, "baris 5") || !strings.Contains(out, "baris 3") {
			t.Fatalf("both families must be named:\n%s", out)
		}
	})
}

func TestImportNIKOfAnotherRegisteredFamily(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		imp(t, sys, d, writeCSV(t, headB))
		sum := imp(t, sys, d, writeCSV(t, headC, sameNIK))
		if sum.FamiliesRejected != 1 || sum.FamiliesAccepted != 0 {
			t.Fatalf("%+v", sum)
		}
		var buf bytes.Buffer
		registry.WriteErrorReport(sys, d, sum.JobID, "csv", &buf)
		if !strings.Contains(buf.String(), "NIK_GANDA") || !strings.Contains(buf.String(), "KK "+kkB) {
			t.Fatalf("the other family must be named:\n%s", buf.String())
		}
	})
}

func TestImportSplitFamilyRejectsBothParts(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		sum := imp(t, sys, d, writeCSV(t, headA, headB, wifeA))
		if sum.FamiliesRejected != 2 || sum.FamiliesAccepted != 1 {
			t.Fatalf("%+v", sum)
		}
	})
}

func TestImportStrictAppliesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		bad := strings.Replace(headB, "1970-11-11", "1970-13-11", 1)
		sum := imp(t, sys, d, writeCSV(t, headA, wifeA, bad), registry.ImportOptions{Strict: true, Chunk: 1})
		if sum.Applied || sum.FamiliesRejected != 1 {
			t.Fatalf("%+v", sum)
		}
		if f, _ := counts(t, d); f != 0 {
			t.Fatalf("strict import applied %d families", f)
		}
		var buf bytes.Buffer
		if err := registry.WriteErrorReport(sys, d, sum.JobID, "csv", &buf); err != nil || !strings.Contains(buf.String(), "TANGGAL_LAHIR") {
			t.Fatalf("strict report: %v %s", err, buf.String())
		}
		job, _ := registry.GetJob(sys, d, sum.JobID)
		if job.Status != "FAILED" || !strings.Contains(job.Error, "ketat") {
			t.Fatalf("%+v", job)
		}
	})
}

func TestImportScope(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		other := tepat.WithActor(context.Background(), &tepat.Actor{Username: "dinsos-jateng", Role: tepat.RoleDinsos, Regions: []string{"33"}})
		sum := imp(t, other, d, writeCSV(t, headA, wifeA))
		if sum.FamiliesRejected != 1 || sum.RowsRejected != 2 {
			t.Fatalf("%+v", sum)
		}
		var buf bytes.Buffer
		registry.WriteErrorReport(other, d, sum.JobID, "csv", &buf)
		if strings.Count(buf.String(), registry.CodeOutOfScope) != 2 {
			t.Fatalf("each row needs its own code:\n%s", buf.String())
		}
		if _, err := registry.Import(tepat.WithActor(context.Background(), &tepat.Actor{Username: "h", Role: tepat.RoleHumas}), d, writeCSV(t, headA), registry.ImportOptions{}); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
			t.Fatalf("humas imported: %v", err)
		}
		// Another user cannot read the job or its report.
		if _, err := registry.GetJob(tepat.WithActor(context.Background(), &tepat.Actor{Username: "x", Role: tepat.RoleDinsos, Regions: []string{"32"}}), d, sum.JobID); tepat.ErrorCode(err) != tepat.ENOTFOUND {
			t.Fatalf("foreign job visible: %v", err)
		}
	})
}

func TestImportFileUnusable(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte("no_kk;nik\n1;2\n"), 0o644)
	_, err := registry.Import(sys, d, path, registry.ImportOptions{})
	if tepat.ErrorReason(err) != household.CodeMissingColumn {
		t.Fatalf("%v", err)
	}
	if _, err := registry.Import(sys, d, filepath.Join(t.TempDir(), "missing.csv"), registry.ImportOptions{}); tepat.ErrorCode(err) != tepat.ENOTFOUND {
		t.Fatalf("%v", err)
	}
	var jobs int
	d.QueryRow(context.Background(), `SELECT COUNT(*) FROM import_job`).Scan(&jobs)
	if jobs != 0 {
		t.Fatalf("an unusable file left %d jobs", jobs)
	}
}

func TestImportXLSXAndReport(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	f := excelize.NewFile()
	rows := [][]string{strings.Split(strings.TrimSpace(header), ","), strings.Split(headA, ","), strings.Split(strings.Replace(headB, "JOKO", "", 1), ",")}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j := range r {
			vals[j] = r[j]
		}
		f.SetSheetRow("Sheet1", cell, &vals)
	}
	path := filepath.Join(t.TempDir(), "h.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	sum := imp(t, sys, d, path)
	if sum.FamiliesAccepted != 1 || sum.FamiliesRejected != 1 {
		t.Fatalf("%+v", sum)
	}
	var buf bytes.Buffer
	if err := registry.WriteErrorReport(sys, d, sum.JobID, "xlsx", &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := x.GetRows("Sheet1")
	if len(got) != 2 || got[1][1] != "1101011111700001" || got[1][14] != "NILAI_KOSONG" {
		t.Fatalf("%v", got)
	}
	es, _ := audit.List(context.Background(), d, audit.Filter{Action: "registry.import"})
	if len(es) != 1 || strings.Contains(es[0].Summary, "JOKO") {
		t.Fatalf("%+v", es)
	}
}
