package household

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"tepat/nik"
)

// Next reads the next family: the run of consecutive rows with the same
// no_kk cell. It returns false at the end of the file or when a file-level
// problem stops the reader (see Err).
func (r *Reader) Next() bool {
	r.fam = Family{}
	if r.done || r.err != nil {
		return false
	}
	if !r.hasPend && !r.readRow() {
		r.finish()
		return false
	}
	r.hasPend, r.overflow = false, false
	fam := &r.fam
	fam.NoKK, fam.Line = r.pend.NoKK, r.pend.Line
	fam.Members = make([]Person, 0, 4)
	if r.famNIKs != nil {
		clear(r.famNIKs)
	}
	r.checkOrder(fam)
	r.add(fam)
	for r.readRow() {
		if r.pend.NoKK != fam.NoKK {
			r.hasPend = true
			break
		}
		r.add(fam)
	}
	if r.err != nil {
		r.fam = Family{}
		return false
	}
	if !r.opts.KeysOnly {
		r.checkFamily(fam)
	}
	slices.SortStableFunc(fam.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	r.stats.Families++
	for i := range fam.Problems {
		if fam.Problems[i].Severity == SeverityError {
			r.stats.Errors++
		} else {
			r.stats.Warnings++
		}
	}
	if !fam.Valid() {
		r.stats.InvalidFamilies++
	}
	return true
}

// Family returns the family read by the last successful call to Next. The
// caller owns it: the Reader does not reuse its slices.
func (r *Reader) Family() Family { return r.fam }

// readRow reads and validates the next non-blank row into r.pend. It
// returns false at the end or on a file-level problem (r.err).
func (r *Reader) readRow() bool {
	for {
		cells, line, err := r.src.next()
		if err == io.EOF {
			r.done = true
			return false
		} else if err != nil {
			r.err = r.fatalErr(err)
			return false
		}
		if blank(cells) {
			continue
		}
		r.stats.Rows++
		if r.opts.KeysOnly {
			r.parseKeys(cells, line)
		} else {
			r.parseRow(cells, line)
		}
		if r.opts.KeepCells {
			r.pendCells = slices.Clone(cells)
		}
		return true
	}
}

// finish runs at the end of the file.
func (r *Reader) finish() {
	if r.err == nil && r.stats.Rows == 0 {
		r.err = fatal(Problem{Code: CodeEmpty, Message: "file hanya berisi header, tanpa baris data"})
	}
}

// add appends the pending row to fam, with its problems.
func (r *Reader) add(fam *Family) {
	if len(fam.Members) == MaxMembers {
		if !r.overflow {
			r.overflow = true
			fam.Problems = append(fam.Problems, r.newProblem(r.pend.Line, colNoKK, CodeFamilyTooLarge, fmt.Sprintf(
				"keluarga lebih dari %d anggota; baris ini dan berikutnya dengan nomor KK yang sama diabaikan", MaxMembers)))
		}
		if r.nikLines != nil {
			r.duplicateNIK(&r.pend) // keep the file-wide set complete
		}
		return
	}
	if r.opts.KeysOnly {
		fam.Members = append(fam.Members, r.pend)
		return
	}
	fam.Problems = append(fam.Problems, r.pendProbs...)
	if p, dup := r.duplicateNIK(&r.pend); dup {
		fam.Problems = append(fam.Problems, p)
	}
	fam.Members = append(fam.Members, r.pend)
	if r.opts.KeepCells {
		fam.Cells = append(fam.Cells, r.pendCells)
	}
}

// checkOrder reports a KK whose rows already appeared before another family.
func (r *Reader) checkOrder(fam *Family) {
	if r.kkLines == nil || nik.ParseKK(fam.NoKK) != nil {
		return
	}
	key := digits(fam.NoKK)
	if first, seen := r.kkLines[key]; seen {
		fam.Problems = append(fam.Problems, r.newProblem(fam.Line, colNoKK, CodeNotContiguous, fmt.Sprintf(
			"nomor KK ini sudah muncul mulai baris %d; semua baris satu keluarga harus berurutan", first)))
		return
	}
	r.kkLines[key] = uint32(min(fam.Line, 1<<32-1))
}

// checkFamily applies the family rules: one head, one village, one decile.
// Members whose cell is invalid were already reported and are not compared.
func (r *Reader) checkFamily(fam *Family) {
	head := -1
	for i := range fam.Members {
		m := &fam.Members[i]
		if m.Hubungan != Kepala {
			continue
		}
		if head < 0 {
			head = i
			continue
		}
		fam.Problems = append(fam.Problems, r.newProblem(m.Line, colHubungan, CodeManyHeads, fmt.Sprintf(
			"keluarga ini sudah memiliki KEPALA di baris %d; harus tepat satu", fam.Members[head].Line)))
	}
	if head < 0 {
		fam.Problems = append(fam.Problems, r.newProblem(fam.Line, colHubungan, CodeNoHead,
			"keluarga ini tidak memiliki anggota dengan hubungan KEPALA"))
	}
	ref := func(ok func(*Person) bool) int {
		if head >= 0 && ok(&fam.Members[head]) {
			return head
		}
		return slices.IndexFunc(fam.Members, func(p Person) bool { return ok(&p) })
	}
	if w := ref(func(p *Person) bool { return p.KodeWilayah != "" }); w >= 0 {
		fam.KodeWilayah = fam.Members[w].KodeWilayah
		for i := range fam.Members {
			if m := &fam.Members[i]; m.KodeWilayah != "" && m.KodeWilayah != fam.KodeWilayah {
				fam.Problems = append(fam.Problems, r.newProblem(m.Line, colKodeWilayah, CodeWilayahMismatch, fmt.Sprintf(
					"kode_wilayah berbeda dengan baris %d; semua anggota satu KK harus di desa/kelurahan yang sama",
					fam.Members[w].Line)))
			}
		}
	}
	if d := ref(func(p *Person) bool { return p.Desil != 0 }); d >= 0 {
		fam.Desil = fam.Members[d].Desil
		for i := range fam.Members {
			if m := &fam.Members[i]; m.Desil != 0 && m.Desil != fam.Desil {
				fam.Problems = append(fam.Problems, r.newProblem(m.Line, colDesil, CodeDesilMismatch, fmt.Sprintf(
					"desil berbeda dengan baris %d; semua anggota satu KK harus memiliki desil yang sama",
					fam.Members[d].Line)))
			}
		}
	}
}

// blank reports whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
