package nik_test

import (
	"testing"

	"tepat"
	"tepat/nik"
)

func TestParseKK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		reason string // "" means valid
	}{
		{"AcceptsRegency", "3201012304150007", ""},
		{"AcceptsCity", "3273010101010001", ""},
		{"RejectsEmpty", "", nik.ReasonKKLength},
		{"RejectsFifteenDigits", "320101230415000", nik.ReasonKKLength},
		{"RejectsSeventeenDigits", "32010123041500071", nik.ReasonKKLength},
		{"RejectsLetter", "32010123041500x7", nik.ReasonKKDigit},
		{"RejectsDashes", "3201-01-23041500", nik.ReasonKKDigit},
		{"RejectsUnknownRegency", "3299012304150007", nik.ReasonKKRegion},
		{"RejectsProvinceOnly", "3200012304150007", nik.ReasonKKRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := nik.ParseKK(tt.in)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ParseKK(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if tepat.ErrorCode(err) != tepat.EINVALID || tepat.ErrorReason(err) != tt.reason {
				t.Fatalf("ParseKK(%q) = %v, want reason %s", tt.in, err, tt.reason)
			}
		})
	}
}

func BenchmarkParseKK(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := nik.ParseKK("3201012304150007"); err != nil {
			b.Fatal(err)
		}
	}
}
