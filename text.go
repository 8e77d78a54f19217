package tepat

// Clip shortens s to at most n characters (runes, never splitting one)
// followed by "…", for quoting what someone typed or sent in a message.
func Clip(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
