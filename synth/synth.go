// Package synth generates synthetic but realistic national welfare data for
// load tests and demonstrations: families with Indonesian names, valid and
// unique NIK and KK numbers, real village codes, consistent ages and the
// household CSV layout that package household reads.
//
// Output depends only on the Options: the same options give the same bytes on
// every machine and Go release (the random stream is math/rand/v2's PCG, with
// every draw derived from it here), and nothing reads the clock.
package synth

import (
	"bufio"
	"io"
	"strings"
	"time"

	"tepat"
)

// DefaultReference is the reference date used when Options.Reference is zero.
var DefaultReference = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// header is the column order of household.Header, copied so that synth does
// not pull in the household reader and its XLSX dependency; a test keeps the
// two equal.
var header = []string{"no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan",
	"kode_wilayah", "alamat", "hamil", "disabilitas_berat", "sekolah", "desil", "status"}

// progressEvery is how many families pass between two Progress calls.
const progressEvery = 10000

// Options controls one run of WriteHouseholds.
type Options struct {
	// Families is the number of families (KK) to write; 0 writes only the header.
	Families int64
	// Seed selects the random stream; every seed gives a different data set.
	Seed uint64
	// Region, if not "", limits every family's village to this region, a
	// dotted or plain code of any level. NIKs may still name another district
	// of the same province, as people are registered where they once lived.
	Region string
	// Reference is the "today" of the data set: ages are counted on its
	// calendar date (in its location) and nobody is born after it. Zero means
	// DefaultReference.
	Reference time.Time
	// Progress, if not nil, is called from the writing goroutine with the
	// number of families generated so far: after every 10,000 families and
	// after the last one, so its final call reports opt.Families (no call
	// for 0). It must return quickly.
	Progress func(families int64)
}

// Stats counts what WriteHouseholds wrote.
type Stats struct {
	Families int64
	Persons  int64
}

// WriteHouseholds writes opt.Families families as household CSV to w: the
// header row, then one row per person with the rows of a family consecutive
// and its head (KEPALA) first. It buffers 1 MiB internally and holds memory
// independent of opt.Families; the same Options always give the same bytes.
//
// Every NIK and KK number in one output is distinct: serials come from
// counters per district, sex and birth year (NIK) and per district and issue
// year (KK), whose memory depends on the number of districts only.
//
// It fails with a *tepat.Error of code EINVALID for a negative count, a
// malformed region code or a reference date outside the years 1900–9999;
// ENOTFOUND for an unknown region; EINVALID with reason SYNTH_KAPASITAS when
// the region runs out of unique numbers (only with tens of millions of
// families in one small province); or with the first error of w. Stats then
// counts the families generated before the error.
func WriteHouseholds(w io.Writer, opt Options) (Stats, error) {
	var st Stats
	if opt.Families < 0 {
		return st, tepat.Errorf(tepat.EINVALID, "jumlah keluarga tidak boleh negatif: %d", opt.Families)
	}
	ref := opt.Reference
	if ref.IsZero() {
		ref = DefaultReference
	}
	y, m, d := ref.Date()
	if y < 1900 || y > 9999 {
		return st, tepat.Errorf(tepat.EINVALID, "tanggal acuan harus antara tahun 1900 dan 9999: %d", y)
	}
	s, err := newScope(opt.Region)
	if err != nil {
		return st, err
	}
	g := newGen(s, opt.Seed, dateOf(dayOf(y, int(m), d)))

	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString(strings.Join(header, ",") + "\n"); err != nil {
		return st, err
	}
	buf := make([]byte, 0, 4096)
	for st.Families < opt.Families {
		var n int
		buf, n, err = g.family(buf[:0])
		if err != nil {
			return st, err
		}
		if _, err := bw.Write(buf); err != nil {
			return st, err
		}
		st.Families++
		st.Persons += int64(n)
		if opt.Progress != nil && st.Families%progressEvery == 0 {
			opt.Progress(st.Families)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	if opt.Progress != nil && st.Families%progressEvery != 0 {
		opt.Progress(st.Families)
	}
	return st, nil
}
