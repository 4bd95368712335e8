package filter

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of an order_by.
const (
	MaxOrderLength = 500 // bytes
	MaxOrderKeys   = 8
)

// Key is one field of an order.
type Key struct {
	Field *Field
	Desc  bool
}

// Order is a parsed AIP-132 order_by; nil is the list's default order.
type Order []Key

// ParseOrder parses `field [asc|desc] {, field [asc|desc]}` against the
// schema; empty text is the nil Order.
func ParseOrder(s *Schema, text string) (Order, error) {
	if len(text) > MaxOrderLength {
		return nil, errAt(text, -1, "",
			fmt.Sprintf("排序条件过长（%d 字节），最多 %d 字节", len(text), MaxOrderLength),
			fmt.Sprintf("order_by is too long (%d bytes); at most %d", len(text), MaxOrderLength))
	}
	if strings.TrimFunc(text, unicode.IsSpace) == "" {
		return nil, nil
	}
	var out Order
	off := 0
	for _, part := range strings.Split(text, ",") {
		at := off
		off += len(part) + 1
		words, starts := fieldsAt(part)
		if len(words) == 0 {
			return nil, errAt(text, at, "", "逗号之间缺少字段名", "missing field name between commas")
		}
		name := words[0]
		f := s.fields[name]
		if f == nil {
			return nil, errAt(text, at+starts[0], name,
				fmt.Sprintf("不能按 %q 排序，可用字段：%s", name, s.list()),
				fmt.Sprintf("cannot order by %q; fields: %s", name, s.list()))
		}
		for _, k := range out {
			if k.Field == f {
				return nil, errAt(text, at+starts[0], name, fmt.Sprintf("字段 %s 重复", name),
					fmt.Sprintf("field %s is given twice", name))
			}
		}
		k := Key{Field: f}
		if len(words) > 1 {
			switch words[1] {
			case "asc", "ASC":
			case "desc", "DESC":
				k.Desc = true
			default:
				return nil, errAt(text, at+starts[1], name, fmt.Sprintf("%q 应为 asc 或 desc", words[1]),
					fmt.Sprintf("%q should be asc or desc", words[1]))
			}
		}
		if len(words) > 2 {
			return nil, errAt(text, at+starts[2], name, fmt.Sprintf("字段 %s 的排序方向后多了 %q；多个字段请用逗号分隔", name, words[2]),
				fmt.Sprintf("unexpected %q after %s's direction; separate fields with commas", words[2], name))
		}
		out = append(out, k)
		if len(out) > MaxOrderKeys {
			return nil, errAt(text, at+starts[0], "", fmt.Sprintf("排序字段过多，最多 %d 个", MaxOrderKeys),
				fmt.Sprintf("too many order fields; at most %d", MaxOrderKeys))
		}
	}
	return out, nil
}

// fieldsAt splits s at spaces, with the byte offset of each word.
func fieldsAt(s string) (words []string, starts []int) {
	start := -1
	for i := 0; i <= len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if i == len(s) || unicode.IsSpace(r) {
			if start >= 0 {
				words, starts = append(words, s[start:i]), append(starts, start)
				start = -1
			}
			if i == len(s) {
				break
			}
		} else if start < 0 {
			start = i
		}
		i += n
	}
	return words, starts
}

// String is the canonical form: `field` or `field desc`, comma-separated.
func (o Order) String() string {
	parts := make([]string, len(o))
	for i, k := range o {
		parts[i] = k.Field.Name
		if k.Desc {
			parts[i] += " desc"
		}
	}
	return strings.Join(parts, ", ")
}

// Values are a record's values of the order's fields: its sort key.
func (o Order) Values(r Record) []Value {
	out := make([]Value, len(o))
	for i, k := range o {
		out[i] = r(k.Field.Name)
	}
	return out
}

// Compare orders two sort keys from Values; keys of another length than
// the order compare by their common part, then by length.
func (o Order) Compare(a, b []Value) int {
	for i, k := range o {
		if i >= len(a) || i >= len(b) {
			return cmpInt(int64(len(a)), int64(len(b)))
		}
		c := compare(k.Field.Type, a[i], b[i])
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
