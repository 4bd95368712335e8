package vocab

import (
	"strings"
	"testing"
)

func TestDepartmentsAreDistinctAndInTheProvince(t *testing.T) {
	seen := map[string]bool{}
	for i := range 400 {
		d := Department(i)
		if seen[d.DisplayName] || seen[d.ID] {
			t.Fatalf("department %d repeats %s / %s", i, d.ID, d.DisplayName)
		}
		seen[d.DisplayName], seen[d.ID] = true, true
		if !strings.HasPrefix(d.RegionCode, "43") {
			t.Fatalf("region %s", d.RegionCode)
		}
	}
}

func TestChineseNumber(t *testing.T) {
	for n, want := range map[int]string{1: "一", 10: "十", 12: "十二", 20: "二十", 77: "七十七", 100: "一百", 105: "一百零五", 110: "一百一十", 120: "一百二十"} {
		if got := ChineseNumber(n); got != want {
			t.Errorf("ChineseNumber(%d) = %s, want %s", n, got, want)
		}
	}
}
