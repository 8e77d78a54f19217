package expr

import (
	"slices"
	"strings"

	"tepat"
	"tepat/region"
)

// typ is the type of a value: the language has integers and booleans.
type typ uint8

const (
	typeInt typ = iota
	typeBool
)

func (t typ) String() string {
	if t == typeBool {
		return "nilai benar/salah"
	}
	return "angka"
}

// checker resolves names and region codes and checks types, collecting the
// identifiers and regions it meets.
type checker struct {
	known   []string
	names   map[string]bool
	regions map[string]bool
}

// want checks n and that it has type t; op is the operator n is an operand
// of, or "" for the whole expression (which Parse wants boolean). A type
// error is reported at the start of the operand.
func (c *checker) want(n *node, t typ, op string) error {
	got, err := c.check(n)
	switch {
	case err != nil:
		return err
	case got == t:
		return nil
	case op == "":
		return errAt(n.start, "ekspresi harus bernilai benar/salah, bukan angka")
	}
	return errAt(n.start, "%q butuh %s, bukan %s", op, t, got)
}

// check returns n's type, or the first problem found in n, left to right.
func (c *checker) check(n *node) (typ, error) {
	switch n.kind {
	case kInt:
		return typeInt, nil
	case kBool:
		return typeBool, nil
	case kIdent:
		if !slices.Contains(c.known, n.name) {
			known := "tidak ada nama yang dikenal"
			if len(c.known) > 0 {
				known = "yang dikenal: " + strings.Join(c.known, ", ")
			}
			return 0, errAt(n.pos, "nama tidak dikenal %q (%s)", clip(n.name), known)
		}
		c.names[n.name] = true
		return typeInt, nil
	case kRegion:
		return typeBool, c.region(n)
	case kNeg:
		return typeInt, c.want(n.x, typeInt, "-")
	case kNot:
		return typeBool, c.want(n.x, typeBool, "!")
	}
	operand, result := typeInt, typeBool // comparisons
	switch n.op {
	case "&&", "||":
		operand = typeBool
	case "+", "-":
		result = typeInt
	}
	if err := c.want(n.x, operand, n.op); err != nil {
		return 0, err
	}
	return result, c.want(n.y, operand, n.op)
}

// region validates the code of an in_region call, normalises it to the
// dotted form and resolves it to its village-number range.
func (c *checker) region(n *node) error {
	r, err := region.Lookup(n.name)
	if tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return errAt(n.pos, "wilayah %q tidak dikenal", clip(n.name))
	} else if err != nil {
		return errAt(n.pos, "kode wilayah %q tidak valid: harus 2, 4, 6 atau 10 digit, mis. \"32.01\"", clip(n.name))
	}
	if n.lo, n.hi, err = region.VillageRange(r.Code); err != nil {
		return errAt(n.pos, "wilayah %q tidak dikenal", clip(n.name))
	}
	n.name = r.Code
	c.regions[r.Code] = true
	return nil
}
