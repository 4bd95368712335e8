package filter

import (
	"strings"
	"time"
)

// node is a parsed filter expression.
type node interface {
	match(Record) bool
	// write writes the canonical form; top is false inside another node,
	// where AND and OR groups are parenthesized.
	write(b *strings.Builder, top bool)
}

type andNode []node

type orNode []node

type notNode struct{ x node }

type cmpNode struct {
	field *Field
	op    op
	lit   literal
}

// and flattens nested conjunctions: (a AND b) AND c is a AND b AND c.
func and(parts []node) node {
	if len(parts) == 1 {
		return parts[0]
	}
	var out andNode
	for _, p := range parts {
		if a, ok := p.(andNode); ok {
			out = append(out, a...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func (a andNode) match(r Record) bool {
	for _, x := range a {
		if !x.match(r) {
			return false
		}
	}
	return true
}

func (o orNode) match(r Record) bool {
	for _, x := range o {
		if x.match(r) {
			return true
		}
	}
	return false
}

func (n notNode) match(r Record) bool { return !n.x.match(r) }

func (c *cmpNode) match(r Record) bool {
	v := r(c.field.Name)
	if c.lit.any {
		return v.Set
	}
	switch c.field.Type {
	case Enum:
		if c.op == opNe {
			return v.N != c.lit.n
		}
		return v.N == c.lit.n
	case Timestamp:
		if !v.Set {
			return false
		}
		return holds(c.op, compareTime(v.T, c.lit.t))
	}
	switch c.op {
	case opEq:
		return c.lit.matchText(v.S)
	case opNe:
		return !c.lit.matchText(v.S)
	case opHas:
		if c.lit.prefix || c.lit.suffix {
			return c.lit.matchText(v.S)
		}
		return strings.Contains(v.S, c.lit.text)
	}
	return holds(c.op, strings.Compare(v.S, c.lit.text))
}

func compareTime(a, b time.Time) int {
	switch {
	case a.Before(b):
		return -1
	case a.After(b):
		return 1
	}
	return 0
}

// holds applies an operator to the result of a comparison.
func holds(o op, c int) bool {
	switch o {
	case opEq, opHas:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	}
	return false
}

// matchText matches s against a text literal with its wildcards.
func (l *literal) matchText(s string) bool {
	switch {
	case l.prefix && l.suffix:
		return strings.Contains(s, l.text)
	case l.prefix:
		return strings.HasPrefix(s, l.text)
	case l.suffix:
		return strings.HasSuffix(s, l.text)
	}
	return s == l.text
}

func (a andNode) write(b *strings.Builder, top bool) { writeGroup(b, top, a, " AND ") }

func (o orNode) write(b *strings.Builder, top bool) { writeGroup(b, top, o, " OR ") }

func writeGroup(b *strings.Builder, top bool, parts []node, sep string) {
	if !top {
		b.WriteByte('(')
	}
	for i, x := range parts {
		if i > 0 {
			b.WriteString(sep)
		}
		x.write(b, false)
	}
	if !top {
		b.WriteByte(')')
	}
}

func (n notNode) write(b *strings.Builder, _ bool) {
	b.WriteString("NOT ")
	n.x.write(b, false)
}

func (c *cmpNode) write(b *strings.Builder, _ bool) {
	b.WriteString(c.field.Name)
	if c.lit.any {
		b.WriteString(":*")
		return
	}
	if c.op == opHas {
		b.WriteString(": ")
	} else {
		b.WriteString(" " + opNames[c.op] + " ")
	}
	switch c.field.Type {
	case Enum:
		// Several names of one number would be equivalent: write the
		// smallest, for a stable form.
		best := ""
		for name, n := range c.field.Values {
			if n == c.lit.n && (best == "" || name < best) {
				best = name
			}
		}
		b.WriteString(best)
	case Timestamp:
		t := c.lit.t.UTC()
		if t.Year() < 0 || t.Year() > 9999 {
			t = c.lit.t // UTC would leave RFC 3339's years
		}
		b.WriteString(`"` + t.Format(time.RFC3339Nano) + `"`)
	default:
		b.WriteByte('"')
		if c.lit.suffix {
			b.WriteByte('*')
		}
		for i := 0; i < len(c.lit.text); i++ {
			switch ch := c.lit.text[i]; ch {
			case '"', '\\', '*':
				b.WriteByte('\\')
				b.WriteByte(ch)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				b.WriteByte(ch)
			}
		}
		if c.lit.prefix {
			b.WriteByte('*')
		}
		b.WriteByte('"')
	}
}
