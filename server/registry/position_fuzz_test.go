package registry

import (
	"math"
	"testing"
)

// FuzzParsePosition: a change-feed position read from a page token is
// exactly what String writes, and the first change after it comes after it.
func FuzzParsePosition(f *testing.F) {
	for _, s := range []string{"0.0", "1.4294967295", "12.3", "9223372036854775807.4294967295", "-1.0", "1", "1.", ".1",
		"01.2", "1.02", "+1.2", "1.2.3", "1.4294967296", " 1.2", "１.２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePosition(s)
		if !ok {
			return
		}
		if p.String() != s || p.rev < 0 {
			t.Fatalf("parsePosition(%q) = %v", s, p)
		}
		rev, index := p.start()
		if p.rev == math.MaxInt64 && p.index == math.MaxUint32 {
			if rev != p.rev || index != p.index {
				t.Fatalf("the last position there is starts at %d.%d", rev, index)
			}
			return
		}
		if rev < p.rev || rev == p.rev && index <= p.index || p.index == math.MaxUint32 && (rev != p.rev+1 || index != 0) {
			t.Fatalf("position %v starts at %d.%d", p, rev, index)
		}
		if !p.covers(p.rev-1) || p.rev < math.MaxInt64 && p.covers(p.rev+1) {
			t.Fatalf("position %v: covers is wrong around its revision", p)
		}
	})
}
