package expr

import (
	"slices"
	"strconv"
	"strings"
)

// SQL returns e as an SQL boolean expression that means the same on SQLite
// and PostgreSQL. col maps an identifier to the SQL expression of its column
// and village is the SQL expression of the family's ten-digit village number
// (BIGINT); the caller guarantees both are safe SQL. Both must give
// non-NULL integers (wrap nullable columns in COALESCE(…, 0)) for the result
// to agree with Eval.
//
// Every operation is parenthesised; integers are written as literals,
// in_region as (village BETWEEN lo AND hi), true and false as (1=1) and
// (1=0), ! as NOT. The result holds no placeholders and no string literal:
// nothing from the source reaches it but digits and the operators.
func (e *Expr) SQL(col func(ident string) string, village string) string {
	var b strings.Builder
	e.root.sql(&b, col, village)
	return b.String()
}

var sqlOps = map[string]string{"||": "OR", "&&": "AND", "==": "=", "!=": "<>"}

func (n *node) sql(b *strings.Builder, col func(string) string, village string) {
	switch n.kind {
	case kInt:
		b.WriteString(strconv.FormatInt(n.val, 10))
	case kBool:
		b.WriteString([]string{"(1=0)", "(1=1)"}[n.val])
	case kIdent:
		b.WriteString(col(n.name))
	case kRegion:
		b.WriteString("(" + village + " BETWEEN " + strconv.FormatInt(n.lo, 10) + " AND " + strconv.FormatInt(n.hi, 10) + ")")
	case kNeg:
		// A space keeps "- -x" from becoming "--", an SQL comment.
		b.WriteString("(- ")
		n.x.sql(b, col, village)
		b.WriteString(")")
	case kNot:
		b.WriteString("(NOT ")
		n.x.sql(b, col, village)
		b.WriteString(")")
	case kBinary:
		op, ok := sqlOps[n.op]
		if !ok {
			op = n.op
		}
		b.WriteString("(")
		n.x.sql(b, col, village)
		b.WriteString(" " + op + " ")
		n.y.sql(b, col, village)
		b.WriteString(")")
	}
}

// Eval reports whether a family satisfies e. facts gives each identifier's
// value (a missing one is 0) and village the family's ten-digit village
// number. Arithmetic is on int64; the 12-digit limit on literals keeps sums
// of realistic facts far from overflow.
func (e *Expr) Eval(facts map[string]int64, village int64) bool {
	return e.root.bool(facts, village)
}

func (n *node) bool(facts map[string]int64, village int64) bool {
	switch n.kind {
	case kBool:
		return n.val == 1
	case kRegion:
		return n.lo <= village && village <= n.hi
	case kNot:
		return !n.x.bool(facts, village)
	}
	switch n.op {
	case "||":
		return n.x.bool(facts, village) || n.y.bool(facts, village)
	case "&&":
		return n.x.bool(facts, village) && n.y.bool(facts, village)
	}
	x, y := n.x.int(facts, village), n.y.int(facts, village)
	switch n.op {
	case "==":
		return x == y
	case "!=":
		return x != y
	case "<":
		return x < y
	case "<=":
		return x <= y
	case ">":
		return x > y
	}
	return x >= y
}

func (n *node) int(facts map[string]int64, village int64) int64 {
	switch n.kind {
	case kInt:
		return n.val
	case kIdent:
		return facts[n.name]
	case kNeg:
		return -n.x.int(facts, village)
	}
	x, y := n.x.int(facts, village), n.y.int(facts, village)
	if n.op == "+" {
		return x + y
	}
	return x - y
}

// format writes the canonical source of n (see Expr.String).
func (n *node) format(b *strings.Builder) {
	switch n.kind {
	case kInt:
		b.WriteString(strconv.FormatInt(n.val, 10))
	case kBool:
		b.WriteString([]string{"false", "true"}[n.val])
	case kIdent:
		b.WriteString(n.name)
	case kRegion:
		b.WriteString(`in_region("` + n.name + `")`)
	case kNeg, kNot:
		switch {
		case n.kind == kNot:
			b.WriteString("!")
		case n.x.kind == kNeg:
			b.WriteString("- ") // "--" would read as a decrement or an SQL comment
		default:
			b.WriteString("-")
		}
		// A binary operand is parenthesised even where the grammar does not
		// need it, so that !(desil > 4) reads as it parses. Only binary nodes
		// get parentheses: the nesting of the output (parentheses plus unary
		// operators) then never exceeds the tree's depth, which Parse has
		// already bounded, so String always parses again.
		if n.x.kind == kBinary {
			n.x.operand(b, precAtom)
		} else {
			n.x.format(b)
		}
	case kBinary:
		p := n.prec()
		left := p
		if p == precCmp {
			left++ // comparisons do not chain
		}
		n.x.operand(b, left)
		b.WriteString(" " + n.op + " ")
		n.y.operand(b, p+1) // left-associative
	}
}

// operand formats n, in parentheses if it binds less tightly than need.
func (n *node) operand(b *strings.Builder, need int) {
	if n.prec() >= need {
		n.format(b)
		return
	}
	b.WriteString("(")
	n.format(b)
	b.WriteString(")")
}

// ConjunctSQL returns the SQL of the top-level conjuncts of e (the terms
// of its outermost chain of &&, or e itself) that use no identifier
// outside only, joined with AND; "" when there is none. Such a condition
// is implied by e, so a caller may filter with it early (for instance on
// the family's decile before reading its members) without changing the
// result. col and village are as for SQL.
func (e *Expr) ConjunctSQL(only []string, col func(ident string) string, village string) string {
	var terms []string
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind == kBinary && n.op == "&&" {
			walk(n.x)
			walk(n.y)
			return
		}
		if n.uses(only) {
			var b strings.Builder
			n.sql(&b, col, village)
			terms = append(terms, b.String())
		}
	}
	walk(e.root)
	return strings.Join(terms, " AND ")
}

// uses reports whether every identifier under n is in only.
func (n *node) uses(only []string) bool {
	if n == nil {
		return true
	}
	if n.kind == kIdent && !slices.Contains(only, n.name) {
		return false
	}
	return n.x.uses(only) && n.y.uses(only)
}
