package main

import (
	"slices"
	"testing"
)

// TestLineChanges: a field of several lines shows the lines removed and
// added; equal lines are counted, so that one of two equal lines removed
// shows as a removal, and only a real reordering says order changed.
func TestLineChanges(t *testing.T) {
	for _, c := range []struct {
		from, to string
		want     []string
	}{
		{"a\nb", "a\nb\nc", []string{"    L:", "      + c"}},
		{"a\nb\nc", "a\nc", []string{"    L:", "      - b"}},
		{"a\na\nb", "a\nb", []string{"    L:", "      - a"}},
		{"a\nb", "a\nb\nb", []string{"    L:", "      + b"}},
		{"a\nb", "b\na", []string{"    L: 顺序变化 / order changed"}},
	} {
		if got := lineChanges("L", c.from, c.to); !slices.Equal(got, c.want) {
			t.Errorf("lineChanges(%q → %q) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
