// Package filter parses and evaluates the list filters of AIP-160 and the
// orderings of AIP-132 over fields that the caller declares. It knows
// neither protobuf nor storage: a list method declares a Schema, parses the
// request's `filter` and `order_by` once, and evaluates the Filter per
// record through a Record function.
//
// The filter grammar is a subset of AIP-160:
//
//	filter      = [ expression ]
//	expression  = sequence { "AND" sequence }
//	sequence    = factor { factor }            (juxtaposition is AND)
//	factor      = term { "OR" term }
//	term        = [ "NOT" | "-" ] simple
//	simple      = "(" expression ")" | restriction
//	restriction = field comparator value
//	comparator  = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
//	value       = "…" | '…' | bare-word
//
// As in AIP-160, OR binds tighter than AND (`a AND b OR c` is
// `a AND (b OR c)`) and the keywords are upper case. Values of text fields
// may start or end with a `*` wildcard (`code = "430400-CF*"`); `field:*`
// tests presence; `:` on a text field without a wildcard tests for a
// substring. Enums take their value names (CATEGORY_PENALTY), timestamps
// RFC 3339 strings. Errors are *Error, bilingual and located.
package filter

import (
	"fmt"
	"strings"
	"time"
)

// Type is the type of a field.
type Type int

// Field types.
const (
	// String is text: = != : and, unless Field.EqualityOnly, < <= > >=
	// (byte order).
	String Type = iota + 1
	// Enum is one of named values: = != : only.
	Enum
	// Timestamp is a time, written in RFC 3339: every comparison. A record
	// without the time matches no comparison on it.
	Timestamp
)

// Field declares one field a filter or an order may name.
type Field struct {
	Name string
	Type Type
	// Values are the names of an Enum's values and their numbers (0 means
	// unset: never give it a name).
	Values map[string]int64
	// EqualityOnly restricts a String field to = != and :.
	EqualityOnly bool
	// Canon, when set, normalizes a String literal (without its
	// wildcards), e.g. a bare department id to its resource name. It must
	// be idempotent: the canonical form of a filter is parsed again.
	Canon func(string) string
}

// Schema is the set of fields of a list.
type Schema struct {
	fields map[string]*Field
	names  []string // in declaration order
}

// NewSchema declares fields; it panics on a duplicate name or a missing
// type, which are programming errors.
func NewSchema(fields ...Field) *Schema {
	s := &Schema{fields: map[string]*Field{}}
	for _, f := range fields {
		if f.Name == "" || f.Type < String || f.Type > Timestamp || s.fields[f.Name] != nil {
			panic(fmt.Sprintf("filter: bad or duplicate field %q", f.Name))
		}
		if f.Type == Enum && len(f.Values) == 0 {
			panic(fmt.Sprintf("filter: enum field %q has no values", f.Name))
		}
		f := f
		s.fields[f.Name] = &f
		s.names = append(s.names, f.Name)
	}
	return s
}

// Subset is a schema of some of s's fields (for an order_by that takes
// fewer fields than the filter); it panics on an unknown name.
func (s *Schema) Subset(names ...string) *Schema {
	out := &Schema{fields: map[string]*Field{}}
	for _, n := range names {
		f := s.fields[n]
		if f == nil || out.fields[n] != nil {
			panic(fmt.Sprintf("filter: unknown or duplicate field %q in Subset", n))
		}
		out.fields[n] = f
		out.names = append(out.names, n)
	}
	return out
}

func (s *Schema) list() string { return strings.Join(s.names, ", ") }

// Value is a record's value of a field. Build it with Str, Num or Time.
type Value struct {
	Set bool      `json:"v,omitempty"`
	S   string    `json:"s,omitempty"`
	N   int64     `json:"n,omitempty"`
	T   time.Time `json:"t,omitzero"`
}

// Str is a text value; "" is unset.
func Str(s string) Value { return Value{Set: s != "", S: s} }

// Num is an enum value (or a number to break ties); 0 is unset.
func Num(n int64) Value { return Value{Set: n != 0, N: n} }

// Time is a timestamp; the zero time is unset.
func Time(t time.Time) Value { return Value{Set: !t.IsZero(), T: t} }

// Record returns a record's value of a field of the schema.
type Record func(field string) Value

// compare orders two values of a type: unset first, then by value.
func compare(t Type, a, b Value) int {
	switch t {
	case Timestamp:
		switch {
		case !a.Set || !b.Set:
			return boolCmp(a.Set, b.Set)
		case a.T.Before(b.T):
			return -1
		case a.T.After(b.T):
			return 1
		}
		return 0
	case Enum:
		return cmpInt(a.N, b.N)
	}
	return strings.Compare(a.S, b.S)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareTie orders two tie-breaking values (Num or Str): by N, then by S.
func CompareTie(a, b Value) int {
	if c := cmpInt(a.N, b.N); c != 0 {
		return c
	}
	return strings.Compare(a.S, b.S)
}
