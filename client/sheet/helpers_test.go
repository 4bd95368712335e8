package sheet

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// guangan is the real list of Guang'an district, relative to this package.
const guangan = "../../../shared/data/guangan-511602/items.csv"

// guanganCategories is what a server's ListCategories gives: the ten labels
// of DOMAIN.md plus the aliases real lists use.
func guanganCategories() map[string]pb.Category {
	m := DefaultCategories()
	m["公共服务"] = pb.Category_CATEGORY_MANAGEMENT_SERVICE
	m["其他行政权力"] = pb.Category_CATEGORY_OTHER
	m["行政奖励"] = pb.Category_CATEGORY_OTHER
	m["行政检查"] = pb.Category_CATEGORY_SUPERVISION
	m["处罚"] = pb.Category_CATEGORY_PENALTY
	return m
}

func readGuangan(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(guangan)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent", guangan)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameRows reports how got differs from want in what a caller uses:
// department, main item and item (proto.Equal); lines too when withLines.
func sameRows(t *testing.T, got, want []Row, withLines bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	bad := 0
	for i := range got {
		g, w := got[i], want[i]
		diff := ""
		switch {
		case withLines && g.Line != w.Line:
			diff = fmt.Sprintf("line %d, want %d", g.Line, w.Line)
		case g.Department != w.Department:
			diff = fmt.Sprintf("department %q, want %q", g.Department, w.Department)
		case g.MainItem != w.MainItem:
			diff = fmt.Sprintf("main item %q, want %q", g.MainItem, w.MainItem)
		case g.RegionCode != w.RegionCode:
			diff = fmt.Sprintf("region code %q, want %q", g.RegionCode, w.RegionCode)
		case !proto.Equal(g.Item, w.Item):
			diff = fmt.Sprintf("item\n  %v\nwant\n  %v", g.Item, w.Item)
		}
		if diff != "" {
			t.Errorf("row %d (line %d): %s", i, g.Line, diff)
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

func noProblems(t *testing.T, problems []Problem) {
	t.Helper()
	for i, p := range problems {
		if i == 5 {
			t.Fatalf("… %d problems in all", len(problems))
		}
		t.Errorf("unexpected problem: %s", p)
	}
	if len(problems) > 0 {
		t.FailNow()
	}
}

// checkProblem checks the invariants every problem keeps.
func checkProblem(t testing.TB, p Problem) {
	t.Helper()
	if p.Line < 1 {
		t.Errorf("problem %q: line %d < 1", p.Message, p.Line)
	}
	zh, en, ok := strings.Cut(p.Message, " / ")
	if !ok || strings.TrimSpace(zh) == "" || strings.TrimSpace(en) == "" {
		t.Errorf("problem message %q is not bilingual (中文 / English)", p.Message)
	}
	if s := p.String(); !strings.Contains(s, " / ") || !strings.Contains(s, fmt.Sprint(p.Line)) {
		t.Errorf("problem string %q does not locate it", s)
	}
}

func csvOf(lines ...string) *bytes.Reader {
	return bytes.NewReader([]byte(strings.Join(lines, "\r\n") + "\r\n"))
}
