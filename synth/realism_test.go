package synth_test

import (
	"strings"
	"testing"
	"time"

	"tepat/synth"
)

// age returns the age in completed years on ref.
func age(birth, ref time.Time) int {
	a := ref.Year() - birth.Year()
	if ref.Month() < birth.Month() || (ref.Month() == birth.Month() && ref.Day() < birth.Day()) {
		a--
	}
	return a
}

// TestWriteHouseholdsIsPlausible checks the rules every family obeys and the
// rates the data set is tuned to, on 20,000 families.
func TestWriteHouseholdsIsPlausible(t *testing.T) {
	t.Parallel()
	ref := time.Date(2024, time.July, 15, 0, 0, 0, 0, time.UTC)
	data, st := generate(t, synth.Options{Families: 20000, Seed: 3, Reference: ref})
	all := rows(t, data)

	var women, pregnant, disabled, awayNIK, poor int
	deciles := map[string]int{}
	provinces := map[string]int{}
	seen := map[string]bool{}
	for i := 0; i < len(all); {
		kk := all[i]["no_kk"]
		if seen[kk] {
			t.Fatalf("rows of KK %s are not consecutive", kk[:4])
		}
		seen[kk] = true
		j := i
		for j < len(all) && all[j]["no_kk"] == kk {
			j++
		}
		fam := all[i:j]
		i = j

		head := fam[0]
		if head["hubungan"] != "KEPALA" || head["status"] != "HIDUP" {
			t.Fatalf("first member is %s %s, want a living KEPALA", head["hubungan"], head["status"])
		}
		headBirth, _ := time.Parse(time.DateOnly, head["tanggal_lahir"])
		var mother time.Time // the card's mother of ANAK members, if any
		if head["jenis_kelamin"] == "P" {
			mother = headBirth
		}
		deciles[head["desil"]]++
		provinces[head["kode_wilayah"][:2]]++
		if d := atoi(t, head["desil"]); d <= 4 {
			poor++
		}
		if w := head["kode_wilayah"]; kk[:4] != w[0:2]+w[3:5] {
			t.Fatalf("KK regency %s is not the family's %s", kk[:4], w[:5])
		}
		for k, m := range fam {
			if k > 0 && m["hubungan"] == "KEPALA" {
				t.Fatal("a family has two KEPALA")
			}
			for _, c := range []string{"kode_wilayah", "alamat", "desil"} {
				if m[c] != head[c] {
					t.Fatalf("member's %s differs from the head's", c)
				}
			}
			if m["nama"] == "" || m["nama"] != strings.ToUpper(m["nama"]) || strings.Contains(m["nama"], "  ") {
				t.Fatalf("bad name %q", m["nama"])
			}
			birth, err := time.Parse(time.DateOnly, m["tanggal_lahir"])
			if err != nil {
				t.Fatal(err)
			}
			a := age(birth, ref)
			if birth.After(ref) || a >= 100 {
				t.Fatalf("born %s, age %d on %s", m["tanggal_lahir"], a, ref.Format(time.DateOnly))
			}
			if m["hubungan"] == "PASANGAN" && m["jenis_kelamin"] == "P" {
				mother = birth
			}
			if m["hubungan"] == "ORANGTUA" && age(birth, headBirth) < 18 {
				t.Fatalf("parent born %s, head born %s", m["tanggal_lahir"], head["tanggal_lahir"])
			}
			if m["hubungan"] == "ANAK" && !mother.IsZero() {
				if at := age(mother, birth); at < 17 || at > 45 {
					t.Fatalf("child born when its mother was %d", at)
				}
			}
			if m["jenis_kelamin"] == "P" && a >= 15 && a <= 45 {
				women++
			}
			if m["hamil"] == "1" {
				pregnant++
				if m["jenis_kelamin"] != "P" || a < 15 || a > 45 || m["status"] != "HIDUP" {
					t.Fatalf("pregnant: %s aged %d, %s", m["jenis_kelamin"], a, m["status"])
				}
			}
			if m["disabilitas_berat"] == "1" {
				disabled++
			}
			if s, want := m["sekolah"], level(a); s != "TIDAK" && s != want {
				t.Fatalf("age %d attends %s", a, s)
			}
			if m["nik"][:6] != strings.ReplaceAll(m["kode_wilayah"][:8], ".", "") {
				awayNIK++
			}
		}
	}

	persons := float64(st.Persons)
	rate := func(name string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %.4f, want %.4f–%.4f", name, got, lo, hi)
		}
	}
	rate("persons per family", persons/float64(st.Families), 3.2, 3.8)
	rate("pregnant share of women 15–45", float64(pregnant)/float64(women), 0.015, 0.035)
	rate("severely disabled share", float64(disabled)/persons, 0.008, 0.025)
	rate("NIK registered away from home", float64(awayNIK)/persons, 0.06, 0.14)
	rate("deciles 1–4", float64(poor)/float64(st.Families), 0.65, 0.85)
	if len(deciles) != 10 {
		t.Errorf("deciles used: %v, want all of 1–10", deciles)
	}
	if len(provinces) != 38 || provinces["32"] < provinces["35"] || provinces["35"] < provinces["31"] {
		t.Errorf("families per province %v: want all 38, West Java > East Java > Jakarta", provinces)
	}
}

// level is the school level of an age when attending.
func level(age int) string {
	switch {
	case age >= 7 && age <= 12:
		return "SD"
	case age >= 13 && age <= 15:
		return "SMP"
	case age >= 16 && age <= 18:
		return "SMA"
	}
	return "-"
}
