// Package coding assigns codes (职权编码) to items that a department gave
// none. It is one small piece so that a province with another scheme can
// replace it.
package coding

import (
	"fmt"
	"strings"
)

// Request is what a scheme may use to build a code.
type Request struct {
	Region     string // GB/T 2260 region code, e.g. 430400
	Letters    string // category letters, e.g. CF
	Department int    // department number
	Sequence   uint64 // item sequence within the department and category (main items)
	ParentCode string // code of the main item (sub-items only)
	SubSeq     uint64 // sub-item sequence within the main item (sub-items only)
}

// Scheme builds a code; the registry retries with the next sequence when a
// code is already taken.
type Scheme interface {
	Code(r Request) string
}

// Default is the scheme seen in several provinces:
// region-letters-department-item-subitem, e.g. 430400-CF-012-0045-00; a
// sub-item replaces the main item's trailing "00" with its own sequence,
// or appends one when the main item's code is the department's own.
type Default struct{}

// Code implements Scheme.
func (Default) Code(r Request) string {
	if r.ParentCode != "" {
		if base, ok := strings.CutSuffix(r.ParentCode, "-00"); ok {
			return fmt.Sprintf("%s-%02d", base, r.SubSeq)
		}
		return fmt.Sprintf("%s-%02d", r.ParentCode, r.SubSeq)
	}
	return fmt.Sprintf("%s-%s-%03d-%04d-00", r.Region, r.Letters, r.Department, r.Sequence)
}
