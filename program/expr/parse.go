package expr

import (
	"slices"
	"strconv"
)

// kind is the kind of a syntax-tree node.
type kind uint8

const (
	kInt    kind = iota // val
	kBool               // val is 1 for true, 0 for false
	kIdent              // name
	kRegion             // name is the region code; lo and hi are set by the checker
	kNeg                // -x
	kNot                // !x
	kBinary             // x op y
)

// node is one node of the syntax tree.
type node struct {
	kind   kind
	op     string // operator of a binary node, as written in the language
	x, y   *node
	val    int64
	name   string
	lo, hi int64 // village-number range of a region
	pos    int   // position of the node's own token: the operator of a binary node
	start  int   // position of the node's first character, parentheses included
	depth  int   // height of the subtree; a leaf has depth 1
}

// Binding power of each operator; higher binds tighter. Leaves and
// parenthesised expressions are atoms.
const (
	precOr = 1 + iota
	precAnd
	precNot
	precCmp
	precSum
	precNeg
	precAtom
)

var binaryPrec = map[string]int{
	"||": precOr, "&&": precAnd,
	"==": precCmp, "!=": precCmp, "<": precCmp, "<=": precCmp, ">": precCmp, ">=": precCmp,
	"+": precSum, "-": precSum,
}

func (n *node) prec() int {
	switch n.kind {
	case kNot:
		return precNot
	case kNeg:
		return precNeg
	case kBinary:
		return binaryPrec[n.op]
	}
	return precAtom
}

// parser is a recursive-descent parser, one method per precedence level:
//
//	or      = and { "||" and }
//	and     = not { "&&" not }
//	not     = "!" not | cmp
//	cmp     = sum [ ("=="|"!="|"<"|"<="|">"|">=") sum ]
//	sum     = neg { ("+"|"-") neg }
//	neg     = "-" neg | primary
//	primary = INT | NAME | "true" | "false" | "(" or ")" | NAME "(" STRING ")"
type parser struct {
	toks []token
	i    int
	nest int // current nesting of parentheses and unary operators
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// peekOp reports whether the next token is one of ops.
func (p *parser) peekOp(ops ...string) bool {
	t := p.peek()
	return t.kind == tOp && slices.Contains(ops, t.text)
}

func (p *parser) parse() (*node, error) {
	if t := p.peek(); t.kind == tEOF {
		return nil, errAt(t.pos, "ekspresi kosong")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tEOF:
		return n, nil
	case tRParen:
		return nil, errAt(t.pos, "\")\" tanpa pasangan \"(\"")
	default:
		return nil, errAt(t.pos, "diharapkan operator atau akhir ekspresi, bukan %s", t.describe())
	}
}

func (p *parser) or() (*node, error)  { return p.chain(p.and, "||") }
func (p *parser) and() (*node, error) { return p.chain(p.not, "&&") }
func (p *parser) sum() (*node, error) { return p.chain(p.neg, "+", "-") }

// chain parses a left-associative sequence of operands joined by ops.
func (p *parser) chain(operand func() (*node, error), ops ...string) (*node, error) {
	x, err := operand()
	for err == nil && p.peekOp(ops...) {
		op := p.next()
		var y *node
		if y, err = operand(); err == nil {
			x, err = binary(op, x, y)
		}
	}
	return x, err
}

var cmpOps = []string{"==", "!=", "<", "<=", ">", ">="}

func (p *parser) cmp() (*node, error) {
	x, err := p.sum()
	if err != nil || !p.peekOp(cmpOps...) {
		return x, err
	}
	op := p.next()
	y, err := p.sum()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); p.peekOp(cmpOps...) {
		return nil, errAt(t.pos, "perbandingan tidak bisa dirangkai; gunakan &&, mis. a < b && b < c")
	}
	return binary(op, x, y)
}

func (p *parser) not() (*node, error) {
	if !p.peekOp("!") {
		return p.cmp()
	}
	return p.prefix(kNot, p.not)
}

func (p *parser) neg() (*node, error) {
	if !p.peekOp("-") {
		return p.primary()
	}
	return p.prefix(kNeg, p.neg)
}

// prefix parses a unary operator, the next token, and its operand.
func (p *parser) prefix(k kind, operand func() (*node, error)) (*node, error) {
	op := p.next()
	if err := p.enter(op); err != nil {
		return nil, err
	}
	x, err := operand()
	p.nest--
	if err != nil {
		return nil, err
	}
	return limit(&node{kind: k, x: x, pos: op.pos, start: op.pos, depth: x.depth + 1}, op)
}

// enter counts one more level of nesting at t.
func (p *parser) enter(t token) error {
	if p.nest++; p.nest > maxDepth {
		return errAt(t.pos, "ekspresi terlalu bersarang: paling dalam %d tingkat", maxDepth)
	}
	return nil
}

func (p *parser) primary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tInt:
		v, _ := strconv.ParseInt(t.text, 10, 64) // at most 12 digits: cannot fail
		return leaf(kInt, t, v), nil
	case tName:
		switch {
		case t.text == "true":
			return leaf(kBool, t, 1), nil
		case t.text == "false":
			return leaf(kBool, t, 0), nil
		case p.peek().kind == tLParen:
			return p.call(t)
		case t.text == "in_region":
			return nil, errAt(t.pos, "in_region harus dipanggil dengan kode wilayah, mis. in_region(\"32.01\")")
		}
		n := leaf(kIdent, t, 0)
		n.name = t.text
		return n, nil
	case tLParen:
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.or()
		p.nest--
		if err != nil {
			return nil, err
		}
		if u := p.next(); u.kind != tRParen {
			return nil, errAt(u.pos, "diharapkan \")\"")
		}
		x.start = t.pos
		return x, nil
	case tEOF:
		return nil, errAt(t.pos, "ekspresi tidak lengkap: diharapkan angka, nama atau \"(\"")
	case tString:
		return nil, errAt(t.pos, "teks hanya boleh menjadi kode wilayah di in_region(\"…\")")
	}
	return nil, errAt(t.pos, "diharapkan angka, nama atau \"(\", bukan %s", t.describe())
}

// call parses a function call; in_region is the only function.
func (p *parser) call(name token) (*node, error) {
	if name.text != "in_region" {
		return nil, errAt(name.pos, "fungsi %q tidak dikenal; yang ada hanya in_region", clip(name.text))
	}
	p.next() // "("
	arg := p.next()
	if arg.kind != tString {
		return nil, errAt(arg.pos, "in_region butuh satu kode wilayah dalam tanda kutip, mis. in_region(\"32.01\")")
	}
	if t := p.next(); t.kind != tRParen {
		return nil, errAt(t.pos, "diharapkan \")\"")
	}
	n := leaf(kRegion, name, 0)
	n.name = arg.text
	return n, nil
}

func leaf(k kind, t token, v int64) *node {
	return &node{kind: k, val: v, pos: t.pos, start: t.pos, depth: 1}
}

func binary(op token, x, y *node) (*node, error) {
	n := &node{kind: kBinary, op: op.text, x: x, y: y, pos: op.pos, start: x.start, depth: max(x.depth, y.depth) + 1}
	return limit(n, op)
}

// limit rejects n if the tree has grown deeper than maxDepth at op.
func limit(n *node, op token) (*node, error) {
	if n.depth > maxDepth {
		return nil, errAt(op.pos, "ekspresi terlalu bersarang: paling dalam %d tingkat", maxDepth)
	}
	return n, nil
}
