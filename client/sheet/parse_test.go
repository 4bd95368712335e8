package sheet

import (
	"slices"
	"testing"
)

// TestSplitBases: a one-line 设定依据 cell splits where a new basis (a
// 《title》, maybe numbered) starts, not between the articles of one law.
func TestSplitBases(t *testing.T) {
	for _, c := range []struct {
		cell string
		want []string
	}{
		{"《甲法》第三条；第四条", []string{"《甲法》第三条；第四条"}},
		{"《甲法》第三条；《乙条例》第五条", []string{"《甲法》第三条", "《乙条例》第五条"}},
		{"1.《甲法》第三条;2.《乙条例》", []string{"1.《甲法》第三条", "2.《乙条例》"}},
		{"（一）《甲法》第三条； （二）《乙条例》", []string{"（一）《甲法》第三条", "（二）《乙条例》"}},
		{"一、《甲法》；二、《乙条例》；", []string{"一、《甲法》", "二、《乙条例》"}},
		{"《甲法》第三条；；", []string{"《甲法》第三条"}},
		{"第三条；第四条", []string{"第三条；第四条"}},
		{"；", nil},
	} {
		if got := splitBases(c.cell); !slices.Equal(got, c.want) {
			t.Errorf("splitBases(%q) = %q, want %q", c.cell, got, c.want)
		}
	}
}
