// Package expr is the eligibility language of social-assistance programs:
// small boolean expressions over one family's integer facts, such as
//
//	desil <= 4 && components > 0
//	(sd + smp + sma >= 2 || lansia > 0) && !in_region("32.01")
//
// Parse checks an expression once; the result compiles to one SQL boolean
// expression that runs unchanged on SQLite and PostgreSQL (SQL), and
// evaluates in Go (Eval), the reference the SQL is tested against.
//
// The language has integer literals of at most 12 digits, lower-case
// identifiers naming integer facts, true and false, the operators (lowest
// precedence first) ||, &&, unary !, the comparisons == != < <= > >= (which
// do not chain), binary + and -, unary -, parentheses, and one function,
// in_region("CODE"), true when the family lives inside the region with that
// Kemendagri code. Values are integers or booleans and never mix: && || !
// take booleans, comparisons and + - take integers, and the whole
// expression must be boolean.
//
// All errors are *tepat.Error values with code EINVALID and reason
// EKSPRESI_TIDAK_VALID; their message, in Bahasa Indonesia, starts with the
// 1-based character position of the problem ("posisi 7: diharapkan \")\""),
// which Position also returns.
package expr

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"tepat"
)

// Limits on the source. The depth limit keeps the SQL far below the
// expression depth SQLite accepts (1,000) and the recursion in Go shallow.
const (
	maxLen    = 2000 // bytes
	maxDepth  = 64   // nesting of parentheses and unary operators; height of the tree
	maxDigits = 12   // so that sums of facts and literals stay far from int64 overflow
)

// Expr is a parsed, type-checked eligibility expression. Only Parse makes
// usable values. An Expr is immutable and safe for concurrent use.
type Expr struct {
	root    *node
	idents  []string
	regions []string
}

// Parse parses src and checks it against idents, the names of the integer
// facts the expression may use (for example "desil", "members",
// "components", "ibu_hamil"), and every in_region code against package
// region. It rejects sources longer than 2,000 bytes, more than 64
// parentheses and unary operators inside one another, and operator trees
// more than 64 levels high (so a chain like a || b || … has at most 64
// terms). Every error is a *tepat.Error with code EINVALID whose message
// starts with the position of the problem. Parse is safe for concurrent use.
func Parse(src string, idents []string) (*Expr, error) {
	if len(src) > maxLen {
		return nil, errAt(runePos(src, maxLen), "ekspresi terlalu panjang: paling banyak %d byte", maxLen)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	c := &checker{known: idents, names: map[string]bool{}, regions: map[string]bool{}}
	if err := c.want(root, typeBool, ""); err != nil {
		return nil, err
	}
	return &Expr{root: root, idents: sortedKeys(c.names), regions: sortedKeys(c.regions)}, nil
}

// String returns the canonical form of e: single spaces around binary
// operators, region codes dotted, literals without leading zeros, and only
// the parentheses the grammar needs, plus those around a binary operand of
// ! or unary - (so that !(desil < 4) reads as it parses). Parsing String
// again always succeeds and gives the same String.
func (e *Expr) String() string {
	var b strings.Builder
	e.root.format(&b)
	return b.String()
}

// Idents returns the identifiers e uses, sorted and without duplicates.
func (e *Expr) Idents() []string { return append([]string(nil), e.idents...) }

// Regions returns the region codes e uses in in_region, in dotted form,
// sorted and without duplicates.
func (e *Expr) Regions() []string { return append([]string(nil), e.regions...) }

// Position returns the 1-based character position of the problem that err
// (from Parse) reports, or 0 if err carries none.
func Position(err error) int {
	var pe *posError
	if errors.As(err, &pe) {
		return pe.pos
	}
	return 0
}

// errAt returns the error Parse reports for a problem at pos.
func errAt(pos int, format string, args ...any) error {
	e := tepat.Reasonf(tepat.EINVALID, "EKSPRESI_TIDAK_VALID", "posisi %d: %s", pos, fmt.Sprintf(format, args...))
	e.Err = &posError{pos}
	return e
}

// posError carries the position inside the *tepat.Error that Parse returns.
type posError struct{ pos int }

// Error gives the position in English for logs; the message is in the
// *tepat.Error that wraps it.
func (e *posError) Error() string { return fmt.Sprintf("expr: position %d", e.pos) }

// runePos returns the 1-based character position of byte offset i in src.
func runePos(src string, i int) int { return len([]rune(src[:i])) + 1 }

// clip shortens user text quoted in a message.
func clip(s string) string { return tepat.Clip(s, 20) }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
