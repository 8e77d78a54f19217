package tepat_test

import (
	"testing"

	"tepat"
)

func TestThousands(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int64
		sep  byte
		want string
	}{{0, '.', "0"}, {999, '.', "999"}, {1000, '.', "1.000"}, {-1234567, '.', "-1.234.567"}, {9750000, ',', "9,750,000"}, {-100, ',', "-100"}} {
		if got := tepat.Thousands(c.n, c.sep); got != c.want {
			t.Errorf("Thousands(%d, %q) = %q, want %q", c.n, c.sep, got, c.want)
		}
	}
}
