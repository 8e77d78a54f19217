package nik_test

import (
	"errors"
	"testing"

	"tepat"
	"tepat/nik"
)

var nikReasons = map[string]bool{
	nik.ReasonLength: true, nik.ReasonDigit: true, nik.ReasonRegion: true,
	nik.ReasonBirthDate: true, nik.ReasonSerial: true,
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"3201011506900001", "3273015506909999", "3201012902000001", "3201013102900001",
		"3201011506900000", "9901011506900001", "320101150690001", "３201011506900001", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := nik.ParseAt(s, now)
		if err != nil {
			var e *tepat.Error
			if !errors.As(err, &e) || e.Code != tepat.EINVALID || !nikReasons[e.Reason] || e.Message == "" {
				t.Fatalf("ParseAt(%q) error %#v is not an EINVALID *tepat.Error with a known reason", s, err)
			}
			return
		}
		if len(s) != nik.Len {
			t.Fatalf("ParseAt(%q) accepted %d bytes", s, len(s))
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				t.Fatalf("ParseAt(%q) accepted a non-digit", s)
			}
		}
		if n.BirthDate.After(now) {
			t.Fatalf("ParseAt(%q) birth date %v is after the reference date", s, n.BirthDate)
		}
		if got := nik.Build(n.District, n.BirthDate, n.Female, n.Serial); got != s {
			t.Fatalf("Build(ParseAt(%q)) = %q", s, got)
		}
		if m := nik.Mask(s); m[:4] != s[:4] || m[12:] != s[12:] || m[4:12] != "********" {
			t.Fatalf("Mask(%q) = %q", s, m)
		}
	})
}

func FuzzParseKK(f *testing.F) {
	for _, s := range []string{"3201012304150007", "3299012304150007", "32010123041500x7", "", "3201"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := nik.ParseKK(s)
		if err != nil {
			switch tepat.ErrorReason(err) {
			case nik.ReasonKKLength, nik.ReasonKKDigit, nik.ReasonKKRegion:
			default:
				t.Fatalf("ParseKK(%q) = %v, want a known reason", s, err)
			}
			return
		}
		if len(s) != nik.Len {
			t.Fatalf("ParseKK(%q) accepted %d bytes", s, len(s))
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				t.Fatalf("ParseKK(%q) accepted a non-digit", s)
			}
		}
	})
}
