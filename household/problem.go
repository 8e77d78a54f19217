package household

import (
	"errors"
	"fmt"

	"tepat"
)

// Severity says whether a problem rejects its family (error) or is only
// reported (warning).
type Severity string

// The two severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one finding in a household file. Code is stable and
// machine-readable (the Code* constants and the reasons of package nik);
// Message is in Bahasa Indonesia and never contains a NIK, KK number or name.
type Problem struct {
	Line     int      `json:"line"`             // 1-based physical line (CSV) or sheet row (XLSX); 0 for the whole file
	Column   int      `json:"column,omitempty"` // 1-based column index; 0 when not about one column
	Field    string   `json:"field,omitempty"`  // the column's header name, lower case
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// String returns the problem with its location in Bahasa Indonesia, e.g.
// `baris 3, kolom 2 (nik): NIK harus 16 digit, tetapi panjangnya 15 karakter`.
func (p Problem) String() string {
	switch {
	case p.Line == 0 && p.Column == 0:
		return p.Message
	case p.Column == 0:
		return fmt.Sprintf("baris %d: %s", p.Line, p.Message)
	case p.Field == "":
		return fmt.Sprintf("baris %d, kolom %d: %s", p.Line, p.Column, p.Message)
	}
	return fmt.Sprintf("baris %d, kolom %d (%s): %s", p.Line, p.Column, p.Field, p.Message)
}

// problemError carries a file-level Problem inside a *tepat.Error.
type problemError struct{ p Problem }

// Error gives the location in English for logs; the message is in the
// *tepat.Error that wraps it.
func (e *problemError) Error() string {
	switch {
	case e.p.Line == 0:
		return "household: file"
	case e.p.Column == 0:
		return fmt.Sprintf("household: line %d", e.p.Line)
	}
	return fmt.Sprintf("household: line %d, column %d", e.p.Line, e.p.Column)
}

// fatal returns the *tepat.Error (code EINVALID, reason p.Code) for a
// file-level problem; its Message is p.String().
func fatal(p Problem) error {
	p.Severity = SeverityError
	return &tepat.Error{Code: tepat.EINVALID, Reason: p.Code, Message: p.String(), Err: &problemError{p}}
}

// FileProblem returns the Problem behind a file-level error returned by Open,
// NewReader or Reader.Err, with its line and column.
func FileProblem(err error) (Problem, bool) {
	var e *problemError
	if errors.As(err, &e) {
		return e.p, true
	}
	return Problem{}, false
}

// Codes of file-level problems. All but CodeUnknownColumn stop the reader and
// are returned as a *tepat.Error with code EINVALID and the code as reason.
const (
	CodeEmpty         = "FILE_KOSONG"             // no header, or a header and no data rows
	CodeNotUTF8       = "BUKAN_UTF8"              // invalid UTF-8, or UTF-16 (with or without BOM)
	CodeUnsupported   = "FORMAT_TIDAK_DIDUKUNG"   // an old binary .xls (Excel 97–2003) file
	CodeDelimiter     = "DELIMITER_TIDAK_DIKENAL" // the header has neither ',' nor ';'
	CodeMissingColumn = "KOLOM_TIDAK_ADA"         // a required column is not in the header
	CodeDuplicateCol  = "KOLOM_GANDA"             // a column appears twice in the header
	CodeUnknownColumn = "KOLOM_TIDAK_DIKENAL"     // warning: an extra column, ignored
	CodeXLSXBroken    = "XLSX_RUSAK"              // not a readable XLSX workbook (e.g. truncated)
	CodeCSVBroken     = "CSV_RUSAK"               // a quoted value never closed before the end of file
	CodeRecordTooLong = "BARIS_TERLALU_PANJANG"   // one row over 64 KiB
)

// Codes of row problems, all of severity error. The reasons of nik.Parse
// (NIK_*) and nik.ParseKK (KK_*) are used as codes too.
const (
	CodeFieldCount     = "JUMLAH_KOLOM"                   // a CSV row has more or fewer cells than the header
	CodeEmptyValue     = "NILAI_KOSONG"                   // a required cell is empty
	CodeNamaTooLong    = "NAMA_TERLALU_PANJANG"           // nama over MaxNama characters
	CodeJenisKelamin   = "JENIS_KELAMIN_TIDAK_VALID"      // not L or P
	CodeTanggalLahir   = "TANGGAL_LAHIR_TIDAK_VALID"      // unknown format or impossible date
	CodeFutureBirth    = "TANGGAL_LAHIR_MASA_DEPAN"       // after the reference date
	CodeHubungan       = "HUBUNGAN_TIDAK_VALID"           // not one of the Relation values
	CodeWilayahInvalid = "WILAYAH_TIDAK_VALID"            // not a 10-digit village code
	CodeWilayahUnknown = "WILAYAH_TIDAK_DIKENAL"          // a well-formed village code that does not exist
	CodeAlamatTooLong  = "ALAMAT_TERLALU_PANJANG"         // alamat over MaxAlamat characters
	CodeHamil          = "HAMIL_TIDAK_VALID"              // not 0 or 1
	CodeHamilMale      = "HAMIL_TIDAK_SESUAI"             // hamil 1 with jenis_kelamin L
	CodeDisabilitas    = "DISABILITAS_TIDAK_VALID"        // not 0 or 1
	CodeSekolah        = "SEKOLAH_TIDAK_VALID"            // not one of the School values
	CodeDesil          = "DESIL_TIDAK_VALID"              // not an integer 1–10
	CodeStatus         = "STATUS_TIDAK_VALID"             // not one of the Status values
	CodeNIKBirthDate   = "NIK_TANGGAL_TIDAK_SESUAI"       // NIK digits 7–12 disagree with tanggal_lahir
	CodeNIKSex         = "NIK_JENIS_KELAMIN_TIDAK_SESUAI" // NIK day (+40 for women) disagrees with jenis_kelamin
	CodeDuplicateNIK   = "NIK_GANDA"                      // the NIK is on an earlier row of the file
)

// Codes of family problems, all of severity error.
const (
	CodeNoHead          = "KEPALA_TIDAK_ADA"       // no member with hubungan KEPALA
	CodeManyHeads       = "KEPALA_GANDA"           // more than one KEPALA
	CodeWilayahMismatch = "WILAYAH_TIDAK_SAMA"     // members in different villages
	CodeDesilMismatch   = "DESIL_TIDAK_SAMA"       // members with different desil
	CodeNotContiguous   = "KK_TIDAK_BERURUTAN"     // the KK's rows reappear after another family
	CodeFamilyTooLarge  = "KELUARGA_TERLALU_BESAR" // over MaxMembers rows
)
