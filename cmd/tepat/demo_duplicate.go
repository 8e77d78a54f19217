package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"tepat/db"
	"tepat/household"
	"tepat/nik"
	"tepat/registry"
	"tepat/synth"
)

// demoDuplicateHeads is how many heads of demo families in 32.01 are
// registered a second time, in a new family of the same village.
const demoDuplicateHeads = 4

// loadDemoDuplicates gives the demo something for /duplikat: from the
// generated file of 32.01 in dir it writes a small file of new families
// whose members repeat the name and birth date of existing persons in the
// same village under new NIKs (same district of registration, serials from
// 9001 that the generator never reaches), imports it as the actor in ctx
// and returns how many possible duplicates were queued.
//
// Four families repeat a head (two of them with the name in title case,
// equal once normalised); a fifth repeats a head and lists one of that family's
// children twice, which is also a duplicate within one family. Everything
// follows from the generated file, so the demo stays deterministic.
func loadDemoDuplicates(ctx context.Context, d *db.DB, dir string) (int64, error) {
	src := filepath.Join(dir, "demo-32.01.csv")
	r, err := household.Open(src, household.Options{Now: synth.DefaultReference})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	path := filepath.Join(dir, "demo-32.01-ganda.csv")
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := household.NewWriter(f)
	serial := 9001
	again := func(p household.Person, kk string, rel household.Relation) *household.Person {
		p.NoKK = kk
		p.NIK = nik.Build(p.NIK[:6], p.TanggalLahir, p.JenisKelamin == 'P', serial)
		p.Hubungan = rel
		p.Alamat = fmt.Sprintf("Kp. Baru No. %d", serial-9000)
		serial++
		return &p
	}
	written, withChild := 0, false
	for r.Next() && !withChild {
		fam := r.Family()
		head, child := -1, -1
		for i, m := range fam.Members {
			switch {
			case m.Hubungan == household.Kepala:
				head = i
			case m.Hubungan == household.Anak && m.Status == household.Hidup && child < 0:
				child = i
			}
		}
		if !fam.Valid() || head < 0 || (written == demoDuplicateHeads && child < 0) {
			continue
		}
		// A new, valid card: the family's regency and district, an issue
		// date and a serial the generator does not use.
		kk := fam.NoKK[:6] + "010119" + fmt.Sprintf("%04d", 9001+written)
		p := again(fam.Members[head], kk, household.Kepala)
		if written%2 == 1 {
			p.Nama = titleCase(p.Nama)
		}
		if err := w.Write(p); err != nil {
			return 0, err
		}
		if written == demoDuplicateHeads {
			for range 2 {
				if err := w.Write(again(fam.Members[child], kk, household.Anak)); err != nil {
					return 0, err
				}
			}
			withChild = true
		}
		written++
	}
	if err := r.Err(); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := registry.Import(ctx, d, path, registry.ImportOptions{Now: synth.DefaultReference, FileName: "demo-32.01-ganda.csv"})
	return st.PossibleDuplicates, err
}

// titleCase writes each word with a capital and the rest in small letters:
// "SITI AMINAH" → "Siti Aminah".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(words, " ")
}
