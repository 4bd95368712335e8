package filter

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits that guard the parser against abuse.
const (
	MaxLength     = 2000 // bytes of a filter
	MaxDepth      = 32   // nested parentheses and negations
	MaxConditions = 100  // restrictions in a filter
)

// Filter is a parsed filter. The zero and nil Filters match every record.
type Filter struct {
	root node
}

// Parse parses text against the schema; empty text (or only spaces) is a
// filter that matches everything.
func Parse(s *Schema, text string) (*Filter, error) {
	if len(text) > MaxLength {
		return nil, errAt(text, -1, "",
			fmt.Sprintf("筛选条件过长（%d 字节），最多 %d 字节", len(text), MaxLength),
			fmt.Sprintf("the filter is too long (%d bytes); at most %d", len(text), MaxLength))
	}
	p := &parser{s: s, text: text}
	p.skipWS()
	if p.eof() {
		return &Filter{}, nil
	}
	root, err := p.expression()
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if !p.eof() {
		if p.peek() == ')' {
			return nil, p.errHere("", "多余的右括号 )", "unbalanced closing parenthesis )")
		}
		return nil, p.errHere("", "此处应为 AND、OR 或条件的结束", "expected AND, OR or the end of the filter")
	}
	return &Filter{root: root}, nil
}

// Empty reports whether f matches every record.
func (f *Filter) Empty() bool { return f == nil || f.root == nil }

// Match evaluates f on a record.
func (f *Filter) Match(r Record) bool {
	if f.Empty() {
		return true
	}
	return f.root.match(r)
}

// String is the canonical form of f: it parses back to the same filter,
// and two filters that differ only in spacing, quoting or redundant
// parentheses have the same form.
func (f *Filter) String() string {
	if f.Empty() {
		return ""
	}
	var b strings.Builder
	f.root.write(&b, true)
	return b.String()
}

// Prefix returns a text that field starts with in every record f matches
// (from a top-level `field = "p*"`, `field: "p*"` or `field = "p"`), the
// longest when there are several; ok is false when there is none.
func (f *Filter) Prefix(field string) (prefix string, ok bool) {
	if f.Empty() {
		return "", false
	}
	terms := []node{f.root}
	if a, isAnd := f.root.(andNode); isAnd {
		terms = a
	}
	for _, t := range terms {
		c, isCmp := t.(*cmpNode)
		if !isCmp || c.field.Name != field || c.field.Type != String || c.lit.any || c.lit.suffix {
			continue
		}
		exact := c.op == opEq && !c.lit.prefix
		if (c.op == opEq || c.op == opHas) && c.lit.prefix || exact {
			if !ok || len(c.lit.text) > len(prefix) {
				prefix, ok = c.lit.text, true
			}
		}
	}
	return prefix, ok
}

type op int

const (
	opEq op = iota + 1
	opNe
	opLt
	opLe
	opGt
	opGe
	opHas
)

var opNames = map[op]string{opEq: "=", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=", opHas: ":"}

func (o op) ordering() bool { return o >= opLt && o <= opGe }

// literal is a comparison's value.
type literal struct {
	text   string // a String's text, without its wildcards
	prefix bool   // trailing *: text is a prefix
	suffix bool   // leading *: text is a suffix
	any    bool   // the value `*` alone: presence
	n      int64
	t      time.Time
}

type parser struct {
	s          *Schema
	text       string
	i          int
	depth      int
	conditions int
}

func (p *parser) eof() bool { return p.i >= len(p.text) }

func (p *parser) peek() byte { return p.text[p.i] }

func (p *parser) skipWS() {
	for !p.eof() {
		r, n := utf8.DecodeRuneInString(p.text[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += n
	}
}

func (p *parser) errAt(off int, field, zh, en string) error { return errAt(p.text, off, field, zh, en) }

func (p *parser) errHere(field, zh, en string) error { return p.errAt(p.i, field, zh, en) }

// nameEnd is the end of the word at i: a run of characters that are
// neither spaces nor special.
func (p *parser) wordEnd(i int, special string) int {
	for i < len(p.text) {
		r, n := utf8.DecodeRuneInString(p.text[i:])
		if unicode.IsSpace(r) || strings.ContainsRune(special, r) {
			break
		}
		i += n
	}
	return i
}

const (
	nameSpecial  = "()\"'=<>!:"
	valueSpecial = "()\"'=<>!"
)

// atKeyword reports whether the keyword kw starts at the current position,
// followed by a space, a parenthesis or the end.
func (p *parser) atKeyword(kw string) bool {
	if !strings.HasPrefix(p.text[p.i:], kw) {
		return false
	}
	end := p.i + len(kw)
	if end == len(p.text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(p.text[end:])
	return unicode.IsSpace(r) || r == '(' || r == ')'
}

func (p *parser) expression() (node, error) {
	first, err := p.sequence()
	if err != nil {
		return nil, err
	}
	parts := []node{first}
	for {
		p.skipWS()
		if p.eof() || !p.atKeyword("AND") {
			break
		}
		p.i += len("AND")
		next, err := p.sequence()
		if err != nil {
			return nil, err
		}
		parts = append(parts, next)
	}
	return and(parts), nil
}

func (p *parser) sequence() (node, error) {
	first, err := p.factor()
	if err != nil {
		return nil, err
	}
	parts := []node{first}
	for {
		p.skipWS()
		if p.eof() || p.peek() == ')' || p.atKeyword("AND") {
			break
		}
		next, err := p.factor()
		if err != nil {
			return nil, err
		}
		parts = append(parts, next)
	}
	return and(parts), nil
}

func (p *parser) factor() (node, error) {
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	parts := []node{first}
	for {
		p.skipWS()
		if p.eof() || !p.atKeyword("OR") {
			break
		}
		p.i += len("OR")
		next, err := p.term()
		if err != nil {
			return nil, err
		}
		parts = append(parts, next)
	}
	if len(parts) == 1 {
		return first, nil
	}
	return orNode(parts), nil
}

// deeper enters a parenthesis or a negation at byte offset at.
func (p *parser) deeper(at int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errAt(at, "", fmt.Sprintf("括号或否定嵌套过深，最多 %d 层", MaxDepth),
			fmt.Sprintf("parentheses and negations nest too deep; at most %d levels", MaxDepth))
	}
	return nil
}

func (p *parser) term() (node, error) {
	p.skipWS()
	negate, at := false, p.i
	switch {
	case p.eof():
	case p.atKeyword("NOT"):
		p.i += len("NOT")
		negate = true
	case p.peek() == '-' && p.i+1 < len(p.text):
		if r, _ := utf8.DecodeRuneInString(p.text[p.i+1:]); !unicode.IsSpace(r) {
			p.i++
			negate = true
		}
	}
	if !negate {
		return p.simple()
	}
	if err := p.deeper(at); err != nil {
		return nil, err
	}
	x, err := p.term()
	if err != nil {
		return nil, err
	}
	p.depth--
	return notNode{x}, nil
}

func (p *parser) simple() (node, error) {
	p.skipWS()
	if !p.eof() && p.peek() == '(' {
		open := p.i
		p.i++
		if err := p.deeper(open); err != nil {
			return nil, err
		}
		p.skipWS()
		if !p.eof() && p.peek() == ')' {
			return nil, p.errAt(open, "", "括号内缺少条件", "empty parentheses")
		}
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		p.skipWS()
		if p.eof() || p.peek() != ')' {
			return nil, p.errAt(open, "", "左括号 ( 缺少对应的右括号 )", "the parenthesis ( is not closed")
		}
		p.i++
		p.depth--
		return x, nil
	}
	return p.restriction()
}

func (p *parser) restriction() (node, error) {
	start := p.i
	end := p.wordEnd(p.i, nameSpecial)
	name := p.text[start:end]
	switch {
	case p.eof():
		return nil, p.errHere("", "筛选条件不完整：结尾缺少条件（字段 运算符 值）",
			"the filter ends where a condition (field operator value) is expected")
	case name == "":
		r, _ := utf8.DecodeRuneInString(p.text[p.i:])
		return nil, p.errHere("", fmt.Sprintf("此处应为条件（字段 运算符 值），却是 %q", r),
			fmt.Sprintf("expected a condition (field operator value), found %q", r))
	case name == "AND" || name == "OR" || name == "NOT":
		return nil, p.errHere("", fmt.Sprintf("%s 前后缺少条件（字段 运算符 值）", name),
			fmt.Sprintf("expected a condition (field operator value) around %s", name))
	}
	f := p.s.fields[name]
	if f == nil {
		zh := fmt.Sprintf("未知字段 %q，可用字段：%s", name, p.s.list())
		en := fmt.Sprintf("unknown field %q; fields: %s", name, p.s.list())
		if slices.Contains([]string{"and", "or", "not", "And", "Or", "Not"}, name) {
			zh += "（关键字须大写：AND、OR、NOT）"
			en += " (keywords are upper case: AND, OR, NOT)"
		}
		return nil, p.errHere(name, zh, en)
	}
	p.conditions++
	if p.conditions > MaxConditions {
		return nil, p.errHere("", fmt.Sprintf("条件过多，最多 %d 个", MaxConditions),
			fmt.Sprintf("too many conditions; at most %d", MaxConditions))
	}
	p.i = end
	p.skipWS()
	opAt := p.i
	o := p.operator()
	if o == 0 {
		return nil, p.errHere(name, fmt.Sprintf("字段 %s 后应为运算符（= != < <= > >= :）", name),
			fmt.Sprintf("expected an operator (= != < <= > >= :) after %s", name))
	}
	p.skipWS()
	valAt := p.i
	lit, ok, err := p.value()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errHere(name, fmt.Sprintf("字段 %s %s 后缺少比较的值", name, opNames[o]),
			fmt.Sprintf("missing value after %s %s", name, opNames[o]))
	}
	return p.typed(f, o, opAt, lit, valAt)
}

func (p *parser) operator() op {
	rest := p.text[p.i:]
	for _, c := range []struct {
		s string
		o op
	}{{"!=", opNe}, {"<=", opLe}, {">=", opGe}, {"=", opEq}, {"<", opLt}, {">", opGt}, {":", opHas}} {
		if strings.HasPrefix(rest, c.s) {
			p.i += len(c.s)
			return c.o
		}
	}
	return 0
}

// raw is a value as written: its text and whether its first and last
// characters are unescaped stars.
type raw struct {
	text                string
	quoted              bool
	starFirst, starLast bool
}

// value lexes a quoted string or a bare word; ok is false when there is
// none.
func (p *parser) value() (raw, bool, error) {
	if p.eof() {
		return raw{}, false, nil
	}
	if q := p.peek(); q == '"' || q == '\'' {
		return p.quoted(q)
	}
	end := p.wordEnd(p.i, valueSpecial)
	if end == p.i {
		return raw{}, false, nil
	}
	w := p.text[p.i:end]
	p.i = end
	return raw{text: w, starFirst: w[0] == '*', starLast: w[len(w)-1] == '*'}, true, nil
}

func (p *parser) quoted(q byte) (raw, bool, error) {
	open := p.i
	p.i++
	var b strings.Builder
	r := raw{quoted: true}
	first := true
	for {
		if p.eof() {
			return raw{}, false, p.errAt(open, "", "字符串缺少结尾的引号", "unterminated string")
		}
		c := p.peek()
		switch {
		case c == q:
			p.i++
			r.text = b.String()
			return r, true, nil
		case c == '\\':
			if p.i+1 >= len(p.text) {
				return raw{}, false, p.errAt(open, "", "字符串缺少结尾的引号", "unterminated string")
			}
			e := p.text[p.i+1]
			rep, ok := map[byte]byte{'"': '"', '\'': '\'', '\\': '\\', '*': '*', 'n': '\n', 't': '\t', 'r': '\r'}[e]
			if !ok {
				return raw{}, false, p.errHere("", fmt.Sprintf("无效的转义 \\%c，可用：\\\" \\' \\\\ \\* \\n \\t \\r", e),
					fmt.Sprintf("invalid escape \\%c; use one of \\\" \\' \\\\ \\* \\n \\t \\r", e))
			}
			b.WriteByte(rep)
			p.i += 2
			r.starLast = false
		default:
			_, n := utf8.DecodeRuneInString(p.text[p.i:])
			b.WriteString(p.text[p.i : p.i+n])
			p.i += n
			r.starLast = c == '*'
			if first {
				r.starFirst = c == '*'
			}
		}
		first = false
	}
}

// typed checks a comparison against its field's type and builds it.
func (p *parser) typed(f *Field, o op, opAt int, v raw, valAt int) (node, error) {
	name := f.Name
	if v.starFirst && v.text == "*" {
		if o != opHas {
			return nil, p.errAt(valAt, name, fmt.Sprintf("检查字段 %s 是否有值请写 %s:*", name, name),
				fmt.Sprintf("to test whether %s is set, write %s:*", name, name))
		}
		return &cmpNode{field: f, op: o, lit: literal{any: true}}, nil
	}
	wild := v.starFirst || v.starLast
	if wild && f.Type != String {
		return nil, p.errAt(valAt, name, fmt.Sprintf("字段 %s 不支持通配符 *", name),
			fmt.Sprintf("field %s takes no * wildcard", name))
	}
	badOp := func(allowed string) error {
		return p.errAt(opAt, name, fmt.Sprintf("字段 %s 不支持运算符 %s，可用：%s", name, opNames[o], allowed),
			fmt.Sprintf("field %s does not take %s; use one of %s", name, opNames[o], allowed))
	}
	var lit literal
	switch f.Type {
	case String:
		if o.ordering() && f.EqualityOnly {
			return nil, badOp("= != :")
		}
		if o.ordering() && wild {
			return nil, p.errAt(valAt, name, fmt.Sprintf("通配符 * 只能用于 = != :（字段 %s）", name),
				fmt.Sprintf("the * wildcard works only with = != : (field %s)", name))
		}
		text := v.text
		if v.starFirst {
			text, lit.suffix = text[1:], true
		}
		if v.starLast && text != "" {
			text, lit.prefix = text[:len(text)-1], true
		}
		if f.Canon != nil && text != "" && !lit.suffix {
			text = f.Canon(text)
		}
		lit.text = text
	case Enum:
		if o.ordering() {
			return nil, badOp("= != :")
		}
		n, ok := f.Values[v.text]
		if !ok || n == 0 {
			names := enumNames(f)
			return nil, p.errAt(valAt, name, fmt.Sprintf("%q 不是字段 %s 的取值，可用：%s", v.text, name, names),
				fmt.Sprintf("%q is not a value of %s; values: %s", v.text, name, names))
		}
		lit.n = n
	case Timestamp:
		t, err := time.Parse(time.RFC3339Nano, v.text)
		if err != nil {
			return nil, p.errAt(valAt, name,
				fmt.Sprintf("字段 %s 的取值 %q 不是 RFC 3339 时间，例如 \"2014-11-01T00:00:00Z\" 或 \"2014-11-01T08:00:00+08:00\"", name, v.text),
				fmt.Sprintf("%q is not an RFC 3339 time for %s, e.g. \"2014-11-01T00:00:00Z\" or \"2014-11-01T08:00:00+08:00\"", v.text, name))
		}
		lit.t = t
	}
	return &cmpNode{field: f, op: o, lit: lit}, nil
}

// enumNames lists an enum's names by number.
func enumNames(f *Field) string {
	names := make([]string, 0, len(f.Values))
	for n, v := range f.Values {
		if v != 0 {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmpInt(f.Values[a], f.Values[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return strings.Join(names, ", ")
}
