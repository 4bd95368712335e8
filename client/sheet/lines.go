package sheet

import (
	"fmt"
	"strings"

	"github.com/powerreg/powerreg/internal/controls"
)

// oneLineColumns are the columns whose values the server keeps on one line
// (server/registry/text.go): names, the department, the entrusting body and
// the handling unit. 设定依据, 行使层级, 责任事项 and 追责情形 split at line
// breaks instead; the others may hold several lines.
var oneLineColumns = []int{cDepartment, cMainItem, cSubItem, cName, cEntrustingBody, cHandlingUnit}

// joinLines returns the cells of r with the line breaks and tabs inside a
// one-line column (Alt+Enter in Excel) turned into spaces, and a warning
// for each such cell: the server would refuse them, and they are almost
// always a cell's text wrapped by hand. cells is r.cells itself when
// nothing changed.
func (l *layout) joinLines(r rawRow) (cells []string, warnings []Problem) {
	cells = r.cells
	for _, k := range oneLineColumns {
		i := l.idx[k]
		if i < 0 || i >= len(cells) {
			continue
		}
		before := clean(unneutralize(cells[i]))
		if !strings.ContainsFunc(before, breaksLine) {
			continue
		}
		after := strings.Join(strings.FieldsFunc(before, breaksLine), " ")
		if len(warnings) == 0 {
			cells = append([]string(nil), cells...) // r.cells stay as read, for the rejects file
		}
		cells[i] = neutralize(after) // what layout.cell reads back as after
		p := newProblem(l.file, r.line, l.names[k],
			fmt.Sprintf("%s中的换行已改为空格：%s；此列只能写一行", l.names[k], quote(after)),
			fmt.Sprintf("the line break in %s was replaced by a space: %s; this column is one line", l.names[k], quote(after)))
		p.Header, p.Cells = l.header, r.cells
		warnings = append(warnings, p)
	}
	return cells, warnings
}

// breaksLine reports whether r is a line break or a tab.
func breaksLine(r rune) bool {
	k := controls.Of(r)
	return k == controls.LineBreak || k == controls.Tab
}
