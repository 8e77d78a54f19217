// Package household reads and writes the household file: the CSV or XLSX
// file with one row per person that every regional social office (Dinsos)
// sends to propose or update the families of its region. The format is
// specified in docs/formats.md.
//
// A Reader streams a file of any size and hands out one family (all rows
// sharing a KK number) at a time, with every problem found in its rows and
// in the family rules. Rows of one family must be consecutive. Memory stays
// constant except for two file-wide sets, of NIKs and of KK numbers, which
// Options can turn off.
package household

import "time"

// Header is the canonical column order of a household file, as written by
// Writer. A Reader accepts the columns in any order. Callers must not modify it.
var Header = []string{
	"no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "kode_wilayah",
	"alamat", "hamil", "disabilitas_berat", "sekolah", "desil", "status",
}

// Column indexes into header, in the canonical order.
const (
	colNoKK = iota
	colNIK
	colNama
	colJenisKelamin
	colTanggalLahir
	colHubungan
	colKodeWilayah
	colAlamat
	colHamil
	colDisabilitas
	colSekolah
	colDesil
	colStatus
	numCols
)

// header is a private copy of Header so that a caller modifying Header
// cannot change what the Reader accepts.
var header = [numCols]string(Header)

// Limits of the text columns, in characters (runes).
const (
	MaxNama   = 100
	MaxAlamat = 200
	// MaxMembers is the largest family a Reader accepts; rows beyond it are
	// counted and flagged but not kept (a KK has a few dozen members at
	// most, so this only triggers on a broken no_kk column). The payment
	// rules count members in 8 bits (package program), so it stays below 256.
	MaxMembers = 255
)

// Relation is a member's relation to the head of the family (column hubungan).
type Relation string

// The values of column hubungan.
const (
	Kepala   Relation = "KEPALA"   // head of the family
	Pasangan Relation = "PASANGAN" // spouse
	Anak     Relation = "ANAK"     // child
	Orangtua Relation = "ORANGTUA" // parent
	Famili   Relation = "FAMILI"   // other relative
	Lainnya  Relation = "LAINNYA"  // other
)

// School is the school level a member attends now (column sekolah).
type School string

// The values of column sekolah.
const (
	SchoolNone School = "TIDAK" // not in school
	SchoolSD   School = "SD"    // primary
	SchoolSMP  School = "SMP"   // junior secondary
	SchoolSMA  School = "SMA"   // senior secondary
)

// Status is whether a member is still part of the family (column status).
type Status string

// The values of column status.
const (
	Hidup     Status = "HIDUP"     // alive and in the family
	Meninggal Status = "MENINGGAL" // deceased
	Pindah    Status = "PINDAH"    // moved out
)

// Person is one row of a household file. Values are trimmed and
// normalized: enumerations upper case, KodeWilayah dotted. A field whose
// cell is invalid holds its zero value (the row's problems say why), except
// NoKK, kept as written because it groups the rows; so a Person is
// trustworthy only when its family has no error.
type Person struct {
	NoKK             string    // family card number, 16 digits
	NIK              string    // 16 digits
	Nama             string    // 1–MaxNama characters
	JenisKelamin     byte      // 'L' or 'P'
	TanggalLahir     time.Time // midnight UTC
	Hubungan         Relation
	KodeWilayah      string // dotted village code, "32.01.01.2001"
	Alamat           string // 0–MaxAlamat characters
	Hamil            bool
	DisabilitasBerat bool
	Sekolah          School
	Desil            int // welfare decile, 1–10
	Status           Status
	Line             int // line of the row in the file (sheet row for XLSX)
}

// Family is the consecutive rows sharing one no_kk value. A family with the
// problem KK_TIDAK_BERURUTAN is a later run of a KK already returned as an
// earlier Family; the importer must reject both.
type Family struct {
	NoKK        string   // the no_kk cell as written (trimmed), valid or not
	KodeWilayah string   // the head's village (or the first valid one), "" if none is valid
	Desil       int      // the head's decile (or the first valid one), 0 if none is valid
	Line        int      // line of the first row
	Members     []Person // in file order; at most MaxMembers
	// Cells holds each member row's original cells, aligned with Members,
	// when Options.KeepCells is set.
	Cells [][]string
	// Problems holds every error and warning of the rows and of the family
	// rules, ordered by line and column.
	Problems []Problem
}

// Valid reports whether the family has no problem of severity error. The
// importer accepts or rejects a family as a whole.
func (f *Family) Valid() bool {
	for i := range f.Problems {
		if f.Problems[i].Severity == SeverityError {
			return false
		}
	}
	return true
}
