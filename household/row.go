package household

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tepat"
	"tepat/nik"
	"tepat/region"
)

// parseKeys is parseRow for Options.KeysOnly: the KK number as written
// (trimmed) and the NIK if valid.
func (r *Reader) parseKeys(cells []string, line int) {
	r.pend = Person{Line: line}
	r.pendProbs = r.pendProbs[:0]
	if i := r.col[colNoKK]; i < len(cells) {
		r.pend.NoKK = strings.TrimSpace(cells[i])
	}
	if i := r.col[colNIK]; i < len(cells) {
		if s := strings.TrimSpace(cells[i]); s != "" {
			if _, err := nik.ParseAt(s, r.opts.Now); err == nil {
				r.pend.NIK = s
			}
		}
	}
}

// parseRow validates one row into r.pend, appending its problems to
// r.pendProbs (which it resets). Messages never quote a cell's value, which
// may be personal data when columns are shifted; the line and column locate it.
func (r *Reader) parseRow(cells []string, line int) {
	r.pend = Person{Line: line}
	r.pendProbs = r.pendProbs[:0]
	p := &r.pend
	if !r.xlsx && len(cells) != r.width {
		r.problem(line, -1, CodeFieldCount, fmt.Sprintf("baris berisi %d kolom, sedangkan header %d kolom; "+
			"nilai yang memuat pemisah kolom (mis. koma pada alamat) harus diapit tanda kutip", len(cells), r.width))
	}
	var v [numCols]string
	for k, i := range r.col {
		if i < len(cells) {
			v[k] = strings.TrimSpace(cells[i])
		}
	}
	for k := range v {
		if v[k] == "" && k != colAlamat {
			r.problem(line, k, CodeEmptyValue, fmt.Sprintf("kolom %s wajib diisi", header[k]))
		}
	}

	p.NoKK = v[colNoKK]
	if p.NoKK != "" {
		if err := nik.ParseKK(p.NoKK); err != nil {
			r.problem(line, colNoKK, tepat.ErrorReason(err), numberMessage(p.NoKK, err))
		}
	}
	var n nik.NIK
	nikOK := false
	if s := v[colNIK]; s != "" {
		var err error
		if n, err = nik.ParseAt(s, r.opts.Now); err != nil {
			r.problem(line, colNIK, tepat.ErrorReason(err), numberMessage(s, err))
		} else {
			p.NIK, nikOK = s, true
		}
	}
	if s := v[colNama]; s != "" {
		if c := utf8.RuneCountInString(s); c > MaxNama {
			r.problem(line, colNama, CodeNamaTooLong, fmt.Sprintf("nama paling banyak %d karakter, tetapi %d", MaxNama, c))
		} else {
			p.Nama = s
		}
	}
	switch s := v[colJenisKelamin]; {
	case s == "L" || s == "l":
		p.JenisKelamin = 'L'
	case s == "P" || s == "p":
		p.JenisKelamin = 'P'
	case s != "":
		r.problem(line, colJenisKelamin, CodeJenisKelamin, "jenis_kelamin harus L atau P")
	}
	r.parseBirthDate(v[colTanggalLahir], line)
	if s := v[colHubungan]; s != "" {
		if p.Hubungan = Relation(oneOf(s, relations)); p.Hubungan == "" {
			r.problem(line, colHubungan, CodeHubungan,
				"hubungan harus KEPALA, PASANGAN, ANAK, ORANGTUA, FAMILI atau LAINNYA")
		}
	}
	if s := v[colKodeWilayah]; s != "" {
		p.KodeWilayah = r.village(s, line)
	}
	if s := v[colAlamat]; utf8.RuneCountInString(s) > MaxAlamat {
		r.problem(line, colAlamat, CodeAlamatTooLong, fmt.Sprintf(
			"alamat paling banyak %d karakter, tetapi %d", MaxAlamat, utf8.RuneCountInString(s)))
	} else {
		p.Alamat = s
	}
	p.Hamil = r.flag(v[colHamil], line, colHamil, CodeHamil)
	if p.Hamil && p.JenisKelamin == 'L' {
		r.problem(line, colHamil, CodeHamilMale, "hamil bernilai 1 tetapi jenis_kelamin L")
	}
	p.DisabilitasBerat = r.flag(v[colDisabilitas], line, colDisabilitas, CodeDisabilitas)
	if s := v[colSekolah]; s != "" {
		if p.Sekolah = School(oneOf(s, schools)); p.Sekolah == "" {
			r.problem(line, colSekolah, CodeSekolah, "sekolah harus TIDAK, SD, SMP atau SMA")
		}
	}
	if s := v[colDesil]; s != "" {
		if p.Desil = smallInt(s); p.Desil < 1 || p.Desil > 10 {
			p.Desil = 0
			r.problem(line, colDesil, CodeDesil, "desil harus bilangan bulat 1–10")
		}
	}
	if s := v[colStatus]; s != "" {
		if p.Status = Status(oneOf(s, statuses)); p.Status == "" {
			r.problem(line, colStatus, CodeStatus, "status harus HIDUP, MENINGGAL atau PINDAH")
		}
	}
	if nikOK {
		r.checkNIK(n, line)
	}
}

// checkNIK compares the NIK with the row's birth date and sex.
func (r *Reader) checkNIK(n nik.NIK, line int) {
	p := &r.pend
	if !p.TanggalLahir.IsZero() {
		ny, nm, nd := n.BirthDate.Date()
		y, m, d := p.TanggalLahir.Date()
		if nd != d || nm != m || ny%100 != y%100 {
			r.problem(line, colNIK, CodeNIKBirthDate, "tanggal lahir pada NIK (digit 7–12) tidak sesuai dengan kolom tanggal_lahir")
		}
	}
	switch {
	case n.Female && p.JenisKelamin == 'L':
		r.problem(line, colNIK, CodeNIKSex, "NIK menunjukkan perempuan (tanggal lahir + 40) tetapi jenis_kelamin L")
	case !n.Female && p.JenisKelamin == 'P':
		r.problem(line, colNIK, CodeNIKSex, "NIK menunjukkan laki-laki tetapi jenis_kelamin P")
	}
}

// duplicateNIK reports whether p's NIK is on an earlier row of the file (of
// the family when DisableNIKCheck is set), and returns that problem. It is
// called once the row is known to belong to the current family.
func (r *Reader) duplicateNIK(p *Person) (Problem, bool) {
	if p.NIK == "" {
		return Problem{}, false
	}
	seen := r.nikLines
	if seen == nil {
		seen = r.famNIKs
	}
	key := digits(p.NIK)
	if first, dup := seen[key]; dup {
		return r.newProblem(p.Line, colNIK, CodeDuplicateNIK, fmt.Sprintf("NIK ini sudah tercantum di baris %d", first)), true
	}
	seen[key] = uint32(min(p.Line, 1<<32-1))
	return Problem{}, false
}

// parseBirthDate sets r.pend.TanggalLahir from s: YYYY-MM-DD, DD-MM-YYYY,
// DD/MM/YYYY, or in XLSX a date cell's serial number.
func (r *Reader) parseBirthDate(s string, line int) {
	if s == "" {
		return
	}
	y, m, d, ok := parseDate(s)
	if !ok && r.xlsx {
		y, m, d, ok = excelSerial(s)
	}
	switch {
	case !ok:
		r.problem(line, colTanggalLahir, CodeTanggalLahir,
			"tanggal_lahir harus berformat YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY")
	case y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y):
		r.problem(line, colTanggalLahir, CodeTanggalLahir,
			"tanggal_lahir bukan tanggal yang ada di kalender (atau sebelum tahun 1900)")
	case [3]int{y, m, d} != r.today && !dateBefore(y, m, d, r.today):
		r.problem(line, colTanggalLahir, CodeFutureBirth, fmt.Sprintf(
			"tanggal_lahir berada di masa depan (setelah %04d-%02d-%02d)", r.today[0], r.today[1], r.today[2]))
	default:
		r.pend.TanggalLahir = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	}
}

// village returns the dotted form of a 10-digit village code, or "" after
// reporting why it is not one. Results are interned: a file names few villages.
func (r *Reader) village(s string, line int) string {
	if d, ok := r.villages[s]; ok {
		return d
	}
	if !villageSyntax(s) {
		msg := "kode_wilayah harus kode desa/kelurahan 10 digit (mis. 32.01.01.2001 atau 3201012001)"
		if strings.Trim(s, "0123456789.") == "" {
			msg += fmt.Sprintf(", bukan %q", clip(s)) // a code, never personal data
		}
		r.problem(line, colKodeWilayah, CodeWilayahInvalid, msg)
		return ""
	}
	if !region.ExistsAt(s, region.Village) {
		r.problem(line, colKodeWilayah, CodeWilayahUnknown, fmt.Sprintf(
			"kode_wilayah %s bukan desa/kelurahan yang dikenal", region.Dotted(s)))
		return ""
	}
	d := region.Dotted(s)
	if len(r.villages) < 1<<17 {
		r.villages[s] = d
	}
	return d
}

// flag parses a 0/1 cell; an empty cell was already reported.
func (r *Reader) flag(s string, line, k int, code string) bool {
	switch s {
	case "0", "":
		return false
	case "1":
		return true
	}
	r.problem(line, k, code, header[k]+" harus 0 atau 1")
	return false
}

// problem records an error of the pending row in column k (-1: the row).
func (r *Reader) problem(line, k int, code, msg string) {
	r.pendProbs = append(r.pendProbs, r.newProblem(line, k, code, msg))
}

// newProblem returns an error at line in column k (-1: the whole row).
func (r *Reader) newProblem(line, k int, code, msg string) Problem {
	p := Problem{Line: line, Code: code, Message: msg, Severity: SeverityError}
	if k >= 0 {
		p.Column, p.Field = r.col[k]+1, header[k]
	}
	return p
}

// numberMessage is the message of a nik error, with a hint when a
// spreadsheet turned the number into scientific notation.
func numberMessage(s string, err error) string {
	msg := tepat.ErrorMessage(err)
	if strings.ContainsAny(s, "Ee") && strings.ContainsAny(s, "+.,") {
		msg += " (tampaknya disimpan sebagai angka oleh Excel; format kolom sebagai Teks)"
	}
	return msg
}
