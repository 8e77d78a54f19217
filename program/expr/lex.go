package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tInt            // decimal digits
	tName           // identifier, keyword or function name
	tString         // double-quoted text; the token's text is without the quotes
	tOp             // operator
	tLParen
	tRParen
	tComma
)

// token is one lexical unit. pos is the 1-based character position of its
// first character; the end-of-input token sits one past the last character.
type token struct {
	kind tokKind
	text string
	pos  int
}

// describe names t for a message: "akhir ekspresi", "\")\"", "teks \"32\"".
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "akhir ekspresi"
	case tString:
		return fmt.Sprintf("teks %q", clip(t.text))
	}
	return fmt.Sprintf("%q", clip(t.text))
}

// twoCharOps are tried before the one-character ones.
var twoCharOps = []string{"||", "&&", "==", "!=", "<=", ">="}

// lex splits src into tokens ending with tEOF. Single =, & and | and
// single-quoted text get messages that say what to write instead.
func lex(src string) ([]token, error) {
	var toks []token
	pos := 1 // character position of src[i]
	for i := 0; i < len(src); {
		c := src[i]
		start := pos
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			pos++
			continue
		case isDigit(c):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j-i > maxDigits {
				return nil, errAt(start, "angka terlalu panjang: paling banyak %d digit", maxDigits)
			}
			if j < len(src) && isNameChar(src[j]) {
				return nil, errAt(start+j-i, "angka harus dipisah dari huruf sesudahnya")
			}
			toks = append(toks, token{tInt, src[i:j], start})
			pos += j - i
			i = j
			continue
		case isNameChar(c):
			j := i
			for j < len(src) && (isNameChar(src[j]) || isDigit(src[j])) {
				j++
			}
			name := src[i:j]
			if lower := strings.ToLower(name); lower != name {
				return nil, errAt(start, "nama %q harus huruf kecil semua: %q", clip(name), clip(lower))
			}
			toks = append(toks, token{tName, name, start})
			pos += j - i
			i = j
			continue
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				j++
			}
			if j == len(src) || src[j] != '"' {
				return nil, errAt(start, "teks tidak ditutup dengan tanda kutip \"")
			}
			toks = append(toks, token{tString, src[i+1 : j], start})
			pos += utf8.RuneCountInString(src[i : j+1])
			i = j + 1
			continue
		}
		op := ""
		for _, two := range twoCharOps {
			if strings.HasPrefix(src[i:], two) {
				op = two
			}
		}
		if op != "" {
			toks = append(toks, token{tOp, op, start})
			i += 2
			pos += 2
			continue
		}
		kind := tOp
		switch c {
		case '<', '>', '!', '+', '-':
		case '(':
			kind = tLParen
		case ')':
			kind = tRParen
		case ',':
			kind = tComma
		case '=':
			return nil, errAt(start, "gunakan == untuk perbandingan")
		case '&':
			return nil, errAt(start, "gunakan && untuk \"dan\"")
		case '|':
			return nil, errAt(start, "gunakan || untuk \"atau\"")
		case '\'':
			return nil, errAt(start, "gunakan tanda kutip ganda untuk teks, mis. in_region(\"32.01\")")
		default:
			_, size := utf8.DecodeRuneInString(src[i:])
			return nil, errAt(start, "karakter %q tidak dikenal", src[i:i+size])
		}
		toks = append(toks, token{kind, src[i : i+1], start})
		i++
		pos++
	}
	return append(toks, token{tEOF, "", pos}), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isNameChar reports whether c may start a name. Upper-case letters are
// accepted here only to be rejected with a clearer message.
func isNameChar(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
