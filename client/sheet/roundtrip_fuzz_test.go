package sheet

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// FuzzExportImportRoundTrip: any text the server accepts, as a name (one
// line) and as a remark (lines), exported by WriteCSV and WriteXLSX and
// read back by ReadCSV and ReadXLSX, is the same text: formula
// neutralisation, quotes and line breaks included, through the package's
// own writers and readers (not encoding/csv). The name is also written as
// the identity column (事项标识) of a working-copy export and must come back
// as the item's name.
func FuzzExportImportRoundTrip(f *testing.F) {
	for _, s := range []string{"=cmd|'/c calc'!A1", "-", "-5.00", "+86 0826-2345678", "@SUM(1)", "'=x", "''+", "'abc", "'",
		"\"", "a\"b", "\"=1\"", "- 第一条\n- 第二条", "=\n=", "行政处罚", " =1", "a,b", "a;b\tc",
		"departments/d1/items/1", "departments/-/items/12", "=departments/d1/items/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || len(s) > 2000 {
			return
		}
		// What the server accepts: no forbidden character, \n in the
		// remark; a name is one line and not blank. The reader trims
		// cells (clean), so only trimmed text can round-trip.
		remark := strings.TrimSpace(s)
		for _, r := range remark {
			if r != '\n' && controls.Of(r) != controls.None || r == '\uFEFF' || r == utf8.RuneError {
				return
			}
		}
		if strings.Contains(remark, "\n") && clean(remark) != remark {
			return
		}
		name := strings.TrimSpace(strings.ReplaceAll(remark, "\n", " "))
		if name == "" || clean(name) != name || clean(remark) != remark {
			return
		}
		row := Row{Department: "区局", Item: &pb.Item{Name: name, DisplayName: name, Category: pb.Category_CATEGORY_PENALTY, CategoryLabel: "行政处罚", Remark: remark}}
		for _, format := range []string{"csv", "xlsx"} {
			var buf bytes.Buffer
			var err error
			if format == "csv" {
				err = WriteCSVColumns(&buf, []Row{row}, WorkingCopyKeys)
			} else {
				err = WriteXLSXColumns(&buf, []Row{row}, WorkingCopyKeys)
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []Row
			var problems []Problem
			if format == "csv" {
				rows, problems, err = ReadCSV(bytes.NewReader(buf.Bytes()), "x.csv", Options{})
			} else {
				rows, problems, err = ReadXLSX(bytes.NewReader(buf.Bytes()), "x.xlsx", Options{})
			}
			if err != nil || len(problems) != 0 || len(rows) != 1 {
				t.Fatalf("%s of %q: rows %v, problems %v, err %v", format, s, rows, problems, err)
			}
			if got := rows[0].Item; got.GetDisplayName() != name || got.GetRemark() != remark || got.GetName() != name {
				t.Fatalf("%s: name %q remark %q identity %q, want %q %q %q", format, got.GetDisplayName(), got.GetRemark(), got.GetName(), name, remark, name)
			}
		}
	})
}
