package tepat_test

import (
	"testing"

	"tepat"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"", 3, ""},
		{"Jl. Merdeka Ñoño", 14, "Jl. Merdeka Ño…"},
		{"ééé", 2, "éé…"},
	} {
		if got := tepat.Clip(c.in, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
