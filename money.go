package tepat

import "strconv"

// Thousands writes n with sep between groups of three digits:
// Thousands(-1234567, '.') is "-1.234.567". Money in Tepat is int64 whole
// rupiah; Indonesian text groups with '.', English with ','.
func Thousands(n int64, sep byte) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	b := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		b = append(b, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, sep)
		}
		b = append(b, s[i])
	}
	return string(b)
}
