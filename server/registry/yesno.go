package registry

import (
	"bytes"
	"fmt"
)

// YesNo is a three-state answer (是否收费, 是否审核转报): nobody has said
// (Unknown, the zero value), yes or no. A legally binding list must not say
// "no" when nobody said so, so unknown is kept apart from no.
//
// A value type rather than *bool: Content and Fee stay comparable with ==
// (a pointer compares addresses), and a copied Content shares nothing.
// Stored as JSON true/false and omitted when unknown, so the records keep
// the shape they had when the field was a bool: a stored true still reads
// as Yes (migration 4 → 5 turned the old implicit false into Unknown or No).
type YesNo uint8

// The three answers.
const (
	Unknown YesNo = 0 // nobody has said: shown empty, never as 否
	Yes     YesNo = 1 // 是
	No      YesNo = 2 // 否
)

// YesNoOf is b as an answer: nil is Unknown.
func YesNoOf(b *bool) YesNo {
	switch {
	case b == nil:
		return Unknown
	case *b:
		return Yes
	}
	return No
}

// Bool is the answer as an optional bool: nil when Unknown.
func (y YesNo) Bool() *bool {
	switch y {
	case Yes:
		b := true
		return &b
	case No:
		b := false
		return &b
	}
	return nil
}

// Text is the answer as a list writes it: 是, 否, or empty when unknown.
func (y YesNo) Text() string {
	switch y {
	case Yes:
		return "是"
	case No:
		return "否"
	}
	return ""
}

// MarshalJSON writes true, false, or null for Unknown (which the records'
// omitempty leaves out).
func (y YesNo) MarshalJSON() ([]byte, error) {
	switch y {
	case Yes:
		return []byte("true"), nil
	case No:
		return []byte("false"), nil
	case Unknown:
		return []byte("null"), nil
	}
	return nil, fmt.Errorf("yes/no value %d is none of unknown, yes, no", uint8(y))
}

// UnmarshalJSON reads true, false or null.
func (y *YesNo) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true":
		*y = Yes
	case "false":
		*y = No
	case "null":
		*y = Unknown
	default:
		return fmt.Errorf("a yes/no value is true, false or null, not %.20s", b)
	}
	return nil
}
