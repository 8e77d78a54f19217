package household_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/household"
)

func TestReaderReadsCommaFile(t *testing.T) {
	t.Parallel()
	r := openTestdata(t, "good_comma.csv", opts)
	fams := readAll(t, r)
	if len(fams) != 2 {
		t.Fatalf("got %d families, want 2", len(fams))
	}
	for _, f := range fams {
		if !f.Valid() || len(f.Problems) != 0 {
			t.Fatalf("family at line %d has problems %v", f.Line, locs(f.Problems))
		}
	}
	var lines []int
	for _, f := range fams {
		for _, m := range f.Members {
			lines = append(lines, m.Line)
		}
	}
	// Dewi's quoted address spans lines 6 and 7, so Sri is on line 8.
	if want := []int{2, 3, 4, 5, 6, 8}; !slices.Equal(lines, want) {
		t.Fatalf("member lines = %v, want %v", lines, want)
	}
	if f := fams[1]; f.NoKK != "3273010202150002" || f.KodeWilayah != "32.73.01.1001" || f.Desil != 1 || f.Line != 5 {
		t.Fatalf("family = %+v", f)
	}
	want := household.Person{
		NoKK: "3273010202150002", NIK: "3273015707450003", Nama: `Sri "Mbah" Wahyuni`, JenisKelamin: 'P',
		TanggalLahir: time.Date(1945, 7, 17, 0, 0, 0, 0, time.UTC), Hubungan: household.Orangtua,
		KodeWilayah: "32.73.01.1001", DisabilitasBerat: true, Sekolah: household.SchoolNone, Desil: 1,
		Status: household.Meninggal, Line: 8,
	}
	if got := fams[1].Members[2]; got != want {
		t.Fatalf("Sri =\n%+v, want\n%+v", got, want)
	}
	if got := fams[1].Members[1].Alamat; got != "Gang Mawar\nBlok C" {
		t.Fatalf("multi-line alamat = %q", got)
	}
	if s := r.Stats(); s != (household.Stats{Rows: 6, Families: 2}) {
		t.Fatalf("Stats = %+v", s)
	}
}

func TestReaderReadsSemicolonCRLFBOMFile(t *testing.T) {
	t.Parallel()
	r := openTestdata(t, "good_semicolon_crlf_bom.csv", opts)
	fams := readAll(t, r)
	if got := locs(r.Warnings()); !slices.Equal(got, []string{"1:14:KOLOM_TIDAK_DIKENAL"}) {
		t.Fatalf("warnings = %v", got)
	}
	if r.Warnings()[0].Field != "catatan" || r.Warnings()[0].Severity != household.SeverityWarning {
		t.Fatalf("warning = %+v", r.Warnings()[0])
	}
	if len(fams) != 2 || len(fams[0].Members) != 3 || len(fams[1].Members) != 1 {
		t.Fatalf("got %d families", len(fams))
	}
	if p := allProblems(fams); len(p) != 0 {
		t.Fatalf("problems %v", locs(p))
	}
	ref := readAll(t, openTestdata(t, "good_comma.csv", opts))
	for i, got := range fams[0].Members {
		want := ref[0].Members[i]
		got.Alamat, want.Alamat = "", ""
		if got.Line != i+2 {
			t.Fatalf("line = %d, want %d", got.Line, i+2)
		}
		got.Line = want.Line
		if got != want {
			t.Fatalf("member %d =\n%+v, want\n%+v", i, got, want)
		}
	}
	// A blank line precedes Ahmad; a quoted value holds the delimiter.
	if m := fams[1].Members[0]; m.Line != 6 || m.Alamat != "Jl. Setiabudi; RT 01" {
		t.Fatalf("Ahmad = %+v", m)
	}
}

func TestReaderReportsEveryProblem(t *testing.T) {
	t.Parallel()
	r := openTestdata(t, "bad_rows.csv", opts)
	fams := readAll(t, r)
	want := []string{
		"3:2:NIK_PANJANG",
		"4:2:NIK_PANJANG",
		"5:2:NIK_BUKAN_ANGKA",
		"6:2:NIK_TANGGAL_TIDAK_VALID",
		"7:2:NIK_WILAYAH_TIDAK_DIKENAL",
		"9:6:KEPALA_GANDA",
		"9:12:DESIL_TIDAK_SAMA",
		"10:7:WILAYAH_TIDAK_DIKENAL",
		"11:2:NIK_GANDA",
		"11:6:KEPALA_TIDAK_ADA",
		"12:2:NIK_TANGGAL_TIDAK_SESUAI",
		"13:2:NIK_JENIS_KELAMIN_TIDAK_SESUAI",
		"13:9:HAMIL_TIDAK_SESUAI",
		"14:5:TANGGAL_LAHIR_MASA_DEPAN",
		"15:1:KK_TIDAK_BERURUTAN",
		"16:1:KK_WILAYAH_TIDAK_DIKENAL",
		"16:3:NILAI_KOSONG",
		"16:4:JENIS_KELAMIN_TIDAK_VALID",
		"16:6:HUBUNGAN_TIDAK_VALID",
		"16:6:KEPALA_TIDAK_ADA",
		"16:9:HAMIL_TIDAK_VALID",
		"16:10:DISABILITAS_TIDAK_VALID",
		"16:11:SEKOLAH_TIDAK_VALID",
		"16:12:DESIL_TIDAK_VALID",
		"16:13:STATUS_TIDAK_VALID",
		"17:0:JUMLAH_KOLOM",
		"17:4:NILAI_KOSONG",
		"17:5:NILAI_KOSONG",
		"17:6:NILAI_KOSONG",
		"17:6:KEPALA_TIDAK_ADA",
		"17:7:NILAI_KOSONG",
		"17:9:NILAI_KOSONG",
		"17:10:NILAI_KOSONG",
		"17:11:NILAI_KOSONG",
		"17:12:NILAI_KOSONG",
		"17:13:NILAI_KOSONG",
	}
	probs := allProblems(fams)
	if got := locs(probs); !slices.Equal(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range probs {
		if p.Severity != household.SeverityError || p.Message == "" || (p.Column > 0 && p.Field != household.Header[p.Column-1]) {
			t.Fatalf("malformed problem %+v", p)
		}
		if strings.Contains(p.Message, "3201011205800001") || strings.Contains(p.Message, "Budi") {
			t.Fatalf("message leaks personal data: %q", p.Message)
		}
	}
	if len(fams) != 8 {
		t.Fatalf("got %d families, want 8", len(fams))
	}
	if s := r.Stats(); s.Families != 8 || s.InvalidFamilies != 8 || s.Rows != 16 || s.Errors != len(want) {
		t.Fatalf("Stats = %+v", s)
	}
	// The invalid NIK leaves the field empty; the rest of the row is kept.
	if m := fams[0].Members[1]; m.NIK != "" || m.Nama != "Siti Aminah" || m.Line != 3 {
		t.Fatalf("member = %+v", m)
	}
	for _, p := range probs {
		if p.Code == household.CodeDuplicateNIK && !strings.Contains(p.Message, "baris 2") {
			t.Fatalf("duplicate NIK message %q does not name the first line", p.Message)
		}
	}
}

func TestReaderRejectsFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		file         string
		code         string
		line, column int
		fragment     string
	}{
		{"Latin1", "latin1.csv", household.CodeNotUTF8, 3, 3, "kolom 3 (nama): teks bukan UTF-8 (byte 0xE9 pada karakter ke-9)"},
		{"UTF16WithBOM", "utf16.csv", household.CodeNotUTF8, 1, 1, "UTF-16"},
		{"MissingColumn", "missing_column.csv", household.CodeMissingColumn, 1, 0, "tidak ada di header: desil"},
		{"TabDelimiter", "tab.csv", household.CodeDelimiter, 1, 0, "tab"},
		{"HeaderOnly", "header_only.csv", household.CodeEmpty, 0, 0, "tanpa baris data"},
		{"Empty", "empty.csv", household.CodeEmpty, 0, 0, "kosong"},
		{"DuplicateColumn", "duplicate_column.csv", household.CodeDuplicateCol, 1, 14, "kolom 2 dan 14"},
		{"UnclosedQuote", "unclosed_quote.csv", household.CodeCSVBroken, 3, 3, "tidak pernah ditutup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := fileError(t, func() (*household.Reader, error) { return household.Open("testdata/"+tt.file, opts) })
			wantFileProblem(t, err, tt.code, tt.line, tt.column, tt.fragment)
		})
	}
}

func TestReaderRejectsStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		in           string
		code         string
		line, column int
		fragment     string
	}{
		{"UTF16WithoutBOM", "n\x00o\x00_\x00k\x00k\x00,\x00\n\x00", household.CodeNotUTF8, 1, 0, "UTF-16"},
		{"OldExcel", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", household.CodeUnsupported, 0, 0, ".xls"},
		{"OnlyBlankLines", "\xEF\xBB\xBF\r\n\r\n", household.CodeEmpty, 0, 0, "kosong"},
		{"RowTooLong", csvOf() + strings.Repeat("x", 70<<10) + "\n", household.CodeRecordTooLong, 2, 0, "64 KiB"},
		{"QuotedValueTooLong", csvOf() + "\"" + strings.Repeat("x\n", 40<<10), household.CodeRecordTooLong, 2, 0, "64 KiB"},
		{"InvalidUTF8InLaterLine", csvOf(validRow(nil)) + "3201010101100002,\xff", household.CodeNotUTF8, 3, 2, "(nik)"},
		{"ManyMissingColumns", "no_kk;nik\n", household.CodeMissingColumn, 1, 0, "nama, jenis_kelamin"},
		{"CROnlyLineEnds", strings.ReplaceAll(csvOf(validRow(nil)), "\n", "\r"), household.CodeCSVBroken, 1, 0, "CR"},
		{"Latin1InHeader", "no_kk,nama\xe9\n", household.CodeNotUTF8, 1, 2, "baris 1, kolom 2: teks bukan UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := fileError(t, func() (*household.Reader, error) {
				return household.NewReader(strings.NewReader(tt.in), opts)
			})
			wantFileProblem(t, err, tt.code, tt.line, tt.column, tt.fragment)
		})
	}
}

func TestReaderValidatesCells(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		set      map[string]string
		want     []string // "column:CODE"; none means the row is valid
		fragment string   // in the first problem's message
	}{
		{"AcceptsDayMonthYearDash", map[string]string{"tanggal_lahir": "12-05-1980"}, nil, ""},
		{"AcceptsDayMonthYearSlash", map[string]string{"tanggal_lahir": "12/05/1980"}, nil, ""},
		{"AcceptsLowerCaseValues", map[string]string{"hubungan": "kepala", "jenis_kelamin": "l", "status": "Hidup"}, nil, ""},
		{"AcceptsPlainVillageCode", map[string]string{"kode_wilayah": "3201011001"}, nil, ""},
		{"AcceptsDesilTen", map[string]string{"desil": "10"}, nil, ""},
		{"AcceptsSpacesAroundValues", map[string]string{"nik": " 3201011205800001 ", "desil": " 2"}, nil, ""},
		{"AcceptsNameOf100Characters", map[string]string{"nama": strings.Repeat("é", 100)}, nil, ""},
		{"RejectsNameOf101Characters", map[string]string{"nama": strings.Repeat("a", 101)}, []string{"3:NAMA_TERLALU_PANJANG"}, "101"},
		{"RejectsLongAlamat", map[string]string{"alamat": strings.Repeat("a", 201)}, []string{"8:ALAMAT_TERLALU_PANJANG"}, "200"},
		{"RejectsTwoDigitYear", map[string]string{"tanggal_lahir": "12/05/80"}, []string{"5:TANGGAL_LAHIR_TIDAK_VALID"}, "YYYY-MM-DD"},
		{"RejectsImpossibleDate", map[string]string{"tanggal_lahir": "1981-02-29"}, []string{"5:TANGGAL_LAHIR_TIDAK_VALID"}, "kalender"},
		{"RejectsDistrictAsVillage", map[string]string{"kode_wilayah": "32.01.01"}, []string{"7:WILAYAH_TIDAK_VALID"}, "10 digit"},
		{"RejectsMisplacedDots", map[string]string{"kode_wilayah": "3201.01.1001"}, []string{"7:WILAYAH_TIDAK_VALID"}, "10 digit"},
		{"RejectsUnknownVillage", map[string]string{"kode_wilayah": "3201019999"}, []string{"7:WILAYAH_TIDAK_DIKENAL"}, "32.01.01.9999"},
		{"RejectsDesilZero", map[string]string{"desil": "0"}, []string{"12:DESIL_TIDAK_VALID"}, "1–10"},
		{"RejectsFractionalDesil", map[string]string{"desil": "2.5"}, []string{"12:DESIL_TIDAK_VALID"}, "1–10"},
		{"HintsExcelScientificNIK", map[string]string{"nik": "3.20101E+15"}, []string{"2:NIK_PANJANG"}, "Teks"},
		{"RejectsEmptyKK", map[string]string{"no_kk": ""}, []string{"1:NILAI_KOSONG"}, "no_kk"},
		{"RejectsKKWithLetter", map[string]string{"no_kk": "320101010110000A"}, []string{"1:KK_BUKAN_ANGKA"}, "karakter ke-16"},
		{"RejectsNIKSerial0000", map[string]string{"nik": "3201011205800000"}, []string{"2:NIK_NOMOR_URUT"}, "0000"},
		{"RejectsFemaleNIKForMale", map[string]string{"nik": "3201015205800001"}, []string{"2:NIK_JENIS_KELAMIN_TIDAK_SESUAI"}, "perempuan"},
		{"RejectsMaleNIKForFemale", map[string]string{"jenis_kelamin": "P"}, []string{"2:NIK_JENIS_KELAMIN_TIDAK_SESUAI"}, "laki-laki"},
		{"RejectsBirthBefore1900", map[string]string{"tanggal_lahir": "1880-05-12"}, []string{"5:TANGGAL_LAHIR_TIDAK_VALID"}, "1900"},
		{"RejectsBirthTomorrow", map[string]string{"nik": "3201011606240001", "tanggal_lahir": "2024-06-16"}, []string{"5:TANGGAL_LAHIR_MASA_DEPAN"}, "2024-06-15"},
		{"AcceptsBirthToday", map[string]string{"nik": "3201011506240001", "tanggal_lahir": "2024-06-15"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := household.NewReader(strings.NewReader(csvOf(validRow(tt.set))), opts)
			if err != nil {
				t.Fatal(err)
			}
			fams := readAll(t, r)
			var got []string
			for _, p := range allProblems(fams) {
				got = append(got, strings.SplitN(locs([]household.Problem{p})[0], ":", 2)[1])
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("problems = %v, want %v", got, tt.want)
			}
			if tt.fragment != "" && !strings.Contains(fams[0].Problems[0].Message, tt.fragment) {
				t.Fatalf("message %q does not contain %q", fams[0].Problems[0].Message, tt.fragment)
			}
		})
	}
}

func TestReaderDisableNIKCheckKeepsFamilyCheck(t *testing.T) {
	t.Parallel()
	in := csvOf(
		validRow(nil),
		validRow(map[string]string{"no_kk": "3201010101100002"}),
		validRow(map[string]string{"no_kk": "3201010101100002", "hubungan": "ANAK"}),
	)
	for _, tc := range []struct {
		name string
		o    household.Options
		want []string
	}{
		{"FileWide", opts, []string{"3:2:NIK_GANDA", "4:2:NIK_GANDA"}},
		{"FamilyOnly", household.Options{Now: now, DisableNIKCheck: true}, []string{"4:2:NIK_GANDA"}},
	} {
		r, err := household.NewReader(strings.NewReader(in), tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if got := locs(allProblems(readAll(t, r))); !slices.Equal(got, tc.want) {
			t.Fatalf("%s: problems = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReaderDisableOrderCheck(t *testing.T) {
	t.Parallel()
	in := csvOf(
		validRow(nil),
		validRow(map[string]string{"no_kk": "3201010101100002", "nik": "3201011205800002"}),
		validRow(map[string]string{"nik": "3201011205800003", "hubungan": "ANAK"}),
	)
	r, err := household.NewReader(strings.NewReader(in), household.Options{Now: now, DisableOrderCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	// Without the order check the reappearing rows are a family without a head.
	if got := locs(allProblems(readAll(t, r))); !slices.Equal(got, []string{"4:6:KEPALA_TIDAK_ADA"}) {
		t.Fatalf("problems = %v", got)
	}
}

func TestReaderCapsFamilySize(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := household.NewWriter(&buf)
	for i := range household.MaxMembers + 2 {
		p := person(0, i)
		p.NoKK = "3201010101100001"
		if i > 0 {
			p.Hubungan = household.Anak
		}
		w.Write(&p)
	}
	w.Flush()
	r, err := household.NewReader(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	fams := readAll(t, r)
	if len(fams) != 1 || len(fams[0].Members) != household.MaxMembers {
		t.Fatalf("got %d families", len(fams))
	}
	want := []string{fmt.Sprintf("%d:1:KELUARGA_TERLALU_BESAR", household.MaxMembers+2)} // line 1 is the header
	if got := locs(fams[0].Problems); !slices.Equal(got, want) {
		t.Fatalf("problems = %v, want %v", got, want)
	}
	if s := r.Stats(); s.Rows != household.MaxMembers+2 {
		t.Fatalf("Stats = %+v", s)
	}
}

func TestOpenMissingFileIsNotFound(t *testing.T) {
	t.Parallel()
	_, err := household.Open("testdata/tidak-ada.csv", opts)
	if tepat.ErrorCode(err) != tepat.ENOTFOUND {
		t.Fatalf("Open = %v, want ENOTFOUND", err)
	}
}

// TestReaderKeysOnly groups families and keeps KK numbers and valid NIKs,
// checking nothing else.
func TestReaderKeysOnly(t *testing.T) {
	csv := "no_kk,nik,nama,jenis_kelamin,tanggal_lahir,hubungan,kode_wilayah,alamat,hamil,disabilitas_berat,sekolah,desil,status\n" +
		"3201010101190001,3201011205800001,Budi,X,1980-05-12,KEPALA,32.01.01.1001,Jl. Raya 1,0,0,TIDAK,2,HIDUP\n" +
		"3201010101190001,3201019999999999,Siti,P,bukan tanggal,PASANGAN,32.01.01.1001,Jl. Raya 1,1,0,TIDAK,2,HIDUP\n" +
		" 3201010101190002 ,3201011205800002,,L,1980-05-12,KEPALA,,,0,0,TIDAK,99,HIDUP\n"
	r, err := household.NewReader(strings.NewReader(csv), household.Options{KeysOnly: true, DisableNIKCheck: true, DisableOrderCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for r.Next() {
		fam := r.Family()
		if len(fam.Problems) != 0 {
			t.Fatalf("family %s has problems: %+v", fam.NoKK, fam.Problems)
		}
		for _, m := range fam.Members {
			got = append(got, fmt.Sprintf("%s:%s:%d", fam.NoKK, m.NIK, m.Line))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"3201010101190001:3201011205800001:2", "3201010101190001::3", "3201010101190002:3201011205800002:4"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}
