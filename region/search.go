package region

import "strings"

// Search returns up to limit regions whose name contains q, ignoring case,
// ordered by level (provinces first) and then code. Level 0 searches all
// levels. An empty query returns nothing.
func Search(q string, l Level, limit int) []Region {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit <= 0 {
		return nil
	}
	t := tab()
	var out []Region
	for lvl := Province; lvl <= Village; lvl++ {
		if l != 0 && lvl != l {
			continue
		}
		for _, i := range t.byLevel[lvl] {
			if containsFold(t.all[i].Name, q) {
				out = append(out, t.all[i])
				if len(out) == limit {
					return out
				}
			}
		}
	}
	return out
}

// containsFold reports whether s contains the lower-case ASCII needle q,
// ignoring case, without allocating.
func containsFold(s, q string) bool {
	n := len(q)
	for i := 0; i+n <= len(s); i++ {
		match := true
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != q[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
