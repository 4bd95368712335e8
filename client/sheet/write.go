package sheet

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// SheetName is the name of the sheet WriteXLSX and WriteTemplate write.
const SheetName = "权力清单"

// RejectHeader is the last column of a rejects file.
const RejectHeader = "错误原因 / error"

// templateRows is how far down the category drop-down reaches (at least).
const templateRows = 10000

// written returns the positions in allColumns of the columns keys names,
// for rows: all of them, except 实施主体 when there are rows and none has a
// department (a file read without a department column), since Read reports
// an empty department in a file that has the column. An unknown key is an
// error of the caller.
func written(rows []Row, keys []string) ([]int, error) {
	keepDepartment := len(rows) == 0
	for _, r := range rows {
		if r.Department != "" {
			keepDepartment = true
			break
		}
	}
	out := make([]int, 0, len(keys))
	for _, k := range keys {
		i := columnIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("sheet: 未知的列“%s” / unknown column key %q", k, k)
		}
		if i != cDepartment || keepDepartment {
			out = append(out, i)
		}
	}
	return out, nil
}

// rowCells returns the cells of row in the columns cols (positions in
// allColumns): the template's from Cells, the others from their value.
func rowCells(row Row, cols []int) []string {
	tmpl := Cells(row)
	out := make([]string, len(cols))
	for i, c := range cols {
		switch {
		case c < len(Columns):
			out[i] = tmpl[c]
		case allColumns[c].value != nil:
			out[i] = allColumns[c].value(row)
		}
	}
	return out
}

func headers(cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = allColumns[c].Header
	}
	return out
}

// Headers returns the template's Chinese headers, in template order.
func Headers() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Header
	}
	return out
}

// Cells returns row's cells in template order, as the writers write them:
// legal bases (their texts), responsibilities and accountability one per
// line, levels joined with 、, time limits as 20个工作日, 30日 or 3个月,
// yes/no as 是/否 and empty when not stated (never 否), the category
// as its label as written, or else its Chinese label. Only the legal bases'
// texts are written: Read derives title and article from them again, and
// their level is lost.
func Cells(row Row) []string {
	it := row.Item
	if it == nil {
		it = &pb.Item{}
	}
	out := make([]string, len(Columns))
	out[cDepartment] = row.Department
	out[cMainItem] = row.MainItem
	out[cName] = it.GetDisplayName()
	out[cCategory] = it.GetCategoryLabel()
	if out[cCategory] == "" {
		out[cCategory] = CategoryLabel(it.GetCategory())
	}
	out[cCode] = it.GetCode()
	texts := make([]string, 0, len(it.GetLegalBases()))
	for _, lb := range it.GetLegalBases() {
		texts = append(texts, lb.GetText())
	}
	out[cLegalBases] = strings.Join(texts, "\n")
	out[cSource] = sourceLabel(it.GetSource())
	out[cEntrustingBody] = it.GetEntrustingBody()
	out[cHandlingUnit] = it.GetHandlingUnit()
	out[cLevels] = strings.Join(it.GetLevels(), "、")
	out[cResponsibilities] = strings.Join(it.GetResponsibilities(), "\n")
	out[cAccountability] = strings.Join(it.GetAccountability(), "\n")
	out[cLegalTimeLimit] = FormatTimeLimit(it.GetLegalTimeLimit())
	out[cPromisedTimeLimit] = FormatTimeLimit(it.GetPromisedTimeLimit())
	out[cFeeCharged] = formatBool(feeCharged(it))
	out[cFeeBasis] = it.GetFee().GetBasis()
	out[cFeeStandard] = it.GetFee().GetStandard()
	out[cReviewAndForward] = formatBool(it.ReviewAndForward)
	out[cRemark] = it.GetRemark()
	return out
}

// writeCSV writes records as CSV for Excel in China: UTF-8 with a
// byte-order mark, CRLF line ends. records calls put with each record;
// put writes every cell through cell (neutral.go).
func writeCSV(w io.Writer, cell func(string) string, records func(put func([]string) error) error) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	var out []string
	put := func(rec []string) error {
		out = out[:0]
		for _, c := range rec {
			out = append(out, cell(c))
		}
		return cw.Write(out)
	}
	if err := records(put); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// csvCell is a text as WriteCSV writes it: control characters escaped and
// a formula neutralised (neutral.go).
func csvCell(s string) string { return neutralize(exportText(s)) }

// WriteCSV writes rows as CSV in the template's columns with Chinese
// headers (without 实施主体 when no row has a department), UTF-8 with a byte-order mark (so that Excel in China opens it
// correctly) and CRLF line ends. There is no notes row. A cell that starts
// with = + - @, a tab or a CR gets a leading ' so that no spreadsheet
// program runs it as a formula, and control characters are shown as
// [U+001B] (neutral.go). Read reads it back to the same rows.
func WriteCSV(w io.Writer, rows []Row) error {
	return WriteCSVColumns(w, rows, TemplateKeys)
}

// WriteCSVColumns is WriteCSV in the columns keys names, in that order
// (such as WorkingCopyKeys or ReviewKeys). Read reads the file back to the
// same rows: item, region code and export-only columns (Row.Extra)
// included.
func WriteCSVColumns(w io.Writer, rows []Row, keys []string) error {
	cols, err := written(rows, keys)
	if err != nil {
		return err
	}
	return writeCSV(w, csvCell, func(put func([]string) error) error {
		if err := put(headers(cols)); err != nil {
			return err
		}
		for _, r := range rows {
			if err := put(rowCells(r, cols)); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteXLSX writes rows as an XLSX workbook with one sheet 权力清单: the
// header row, the notes row (row 2), then one row per item, with the
// template's drop-down, frozen header and column widths (and without
// 实施主体 when there are rows and none has a department). A cell that
// starts with = + - @, a tab or a CR is text with Excel's quote prefix
// (shown and printed without the quote, never run as a formula, not even
// once edited), and control characters are shown as [U+001B] (neutral.go).
// Read reads it back to the same rows.
func WriteXLSX(w io.Writer, rows []Row) error {
	return writeWorkbook(w, rows, TemplateKeys)
}

// WriteXLSXColumns is WriteXLSX in the columns keys names, in that order
// (such as WorkingCopyKeys or ReviewKeys), with a note for each in the
// notes row.
func WriteXLSXColumns(w io.Writer, rows []Row, keys []string) error {
	return writeWorkbook(w, rows, keys)
}

// WriteTemplate writes the empty template: an XLSX workbook with one sheet
// 权力清单 holding the header row, a notes row (row 2, its first cell starts
// with 说明：) saying what to fill in each column, a drop-down of the ten
// Chinese category labels on the category column for rows 3 to 10000, a
// frozen header row and column widths. Read reads it as no rows and no
// problems.
func WriteTemplate(w io.Writer) error {
	return writeWorkbook(w, nil, TemplateKeys)
}

// Column widths in characters, by key; others get defaultWidth.
var columnWidths = map[string]float64{
	KeyDepartment:        18,
	KeyMainItem:          24,
	KeySubItem:           24,
	KeyName:              36,
	KeyCategory:          12,
	KeyCode:              26,
	KeyLegalBases:        48,
	KeyResponsibilities:  30,
	KeyAccountability:    36,
	KeyFeeBasis:          24,
	KeyRemark:            24,
	KeyItem:              26,
	KeyLastReviewComment: 30,
	KeyChangedFields:     24,
	KeyReviewComment:     30,
}

const defaultWidth = 14

func writeWorkbook(w io.Writer, rows []Row, keys []string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), SheetName); err != nil {
		return err
	}
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{
			{Type: "left", Color: "9BC2E6", Style: 1}, {Type: "right", Color: "9BC2E6", Style: 1},
			{Type: "top", Color: "9BC2E6", Style: 1}, {Type: "bottom", Color: "9BC2E6", Style: 1},
		},
	})
	if err != nil {
		return err
	}
	notesStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Italic: true, Size: 9, Color: "666666"},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return err
	}
	bodyStyle, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	textStyle, err := quotePrefixStyle(f)
	if err != nil {
		return err
	}

	cols, err := written(rows, keys)
	if err != nil {
		return err
	}
	catCol := 0
	for i, c := range cols {
		if c == cCategory {
			catCol = i + 1
		}
	}
	// The drop-down is part of the worksheet the stream writer starts from.
	col, err := excelize.ColumnNumberToName(catCol)
	if err != nil {
		return err
	}
	last := max(templateRows, len(rows)+2)
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s3:%s%d", col, col, last))
	if err := dv.SetDropList(CategoryLabels()); err != nil {
		return err
	}
	// A warning rather than a stop: labels such as 公共服务 or 行政检查 are
	// accepted on import too.
	dv.SetError(excelize.DataValidationErrorStyleWarning, "职权类型 / category",
		"请从下拉列表选择职权类型 / choose a category from the list")
	dv.SetInput("职权类型 / category", "请从下拉列表选择 / choose from the list")
	if err := f.AddDataValidation(SheetName, dv); err != nil {
		return err
	}

	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	for i, c := range cols {
		width, ok := columnWidths[allColumns[c].Key]
		if !ok {
			width = defaultWidth
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetColStyle(1, len(cols), bodyStyle); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	header := make([]any, len(cols))
	notes := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: headerStyle, Value: allColumns[c].Header}
		note := allColumns[c].Note
		if i == 0 {
			note = notesPrefix + note
		}
		notes[i] = excelize.Cell{StyleID: notesStyle, Value: note}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", notes, excelize.RowOpts{Height: 64}); err != nil {
		return err
	}
	values := make([]any, len(cols))
	for n, r := range rows {
		for i, v := range rowCells(r, cols) {
			v = exportText(v)
			if size := len(utf16.Encode([]rune(v))); size > excelize.TotalCellChars {
				// excelize would cut the cell silently: a legal basis
				// lost on the way back, a reviewer judging half of it.
				h, who := allColumns[cols[i]].Header, r.Item.GetName()
				if who == "" {
					who = "“" + r.Item.GetDisplayName() + "”"
				}
				return fmt.Errorf("第%d行（%s）的「%s」有 %d 个字符，超过 XLSX 单元格 %d 个字符的上限，写入会被截断；请改用 CSV（--format csv） / "+
					"row %d (%s), column %s: %d characters, over the %d an XLSX cell holds; it would be cut: use CSV instead (--format csv)",
					n+3, who, h, size, excelize.TotalCellChars, n+3, who, h, size, excelize.TotalCellChars)
			}
			switch {
			case v == "":
				values[i] = nil
			case needsQuote(v):
				if v[0] == '\'' {
					v = neutralize(v) // quotes before a trigger: one more, which Read removes
				}
				values[i] = excelize.Cell{StyleID: textStyle, Value: v}
			default:
				values[i] = excelize.Cell{StyleID: bodyStyle, Value: v}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, n+3)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, values); err != nil {
			return fmt.Errorf("第%d行 / row %d: %w", n+3, n+3, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// quotePrefixStyle adds the body's style as text (number format @) with
// Excel's quote prefix: what Excel gives a cell typed with a leading ',
// which it then never takes for a formula. excelize's Style has no field
// for it: the attribute is set on the cell format NewStyle made (the
// styles part is written from f.Styles; TestExportNeutralisesFormulas reads
// it back from the file).
func quotePrefixStyle(f *excelize.File) (int, error) {
	id, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return 0, err
	}
	if f.Styles == nil || f.Styles.CellXfs == nil || id >= len(f.Styles.CellXfs.Xf) {
		return 0, errors.New("sheet: excelize 的样式表结构已变 / excelize's style sheet changed: cannot set the quote prefix")
	}
	yes := true
	f.Styles.CellXfs.Xf[id].QuotePrefix = &yes
	return id, nil
}

// WriteRejects writes rows handed back to a department as CSV (UTF-8 with a
// byte-order mark, CRLF): header, then each line's cells followed by its
// reason in a last column 错误原因 / error. The department fixes the cells
// and imports the file again; Read ignores the reason column. header and
// lines are the cells as read (Problem.Header and Problem.Cells, or
// Row.Header and Row.Cells for a row the server refused); RejectLines
// gathers them from problems. lines and reasons must have the same length.
func WriteRejects(w io.Writer, header []string, lines [][]string, reasons []string) error {
	if len(lines) != len(reasons) {
		return errors.New("sheet.WriteRejects: 行数与原因数不一致 / lines and reasons differ in length")
	}
	width := len(header)
	for _, l := range lines {
		width = max(width, len(l))
	}
	// The cells are as read: Read took a neutralising quote off, and
	// writing them back neutralises them again.
	cell := func(s string) string { return csvCell(unneutralize(s)) }
	return writeCSV(w, cell, func(put func([]string) error) error {
		rec := make([]string, width+1)
		copy(rec, header)
		rec[width] = RejectHeader
		if err := put(rec); err != nil {
			return err
		}
		for i, l := range lines {
			clear(rec)
			copy(rec, l)
			rec[width] = reasons[i]
			if err := put(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// RejectLines gathers the rows of problems for WriteRejects: one line per
// bad row, in the order of the problems, with the reasons of its problems
// (Problem.Reason, which names the original row) one per line. Problems of
// the whole file (a bad header) have no row and are left out: report them
// instead. header is the first header found among the problems.
func RejectLines(problems []Problem) (header []string, lines [][]string, reasons []string) {
	at := map[string]int{} // file and line → index in lines
	for _, p := range problems {
		if header == nil && p.Header != nil {
			header = p.Header
		}
		if p.Cells == nil {
			continue
		}
		key := fmt.Sprintf("%s\x00%d", p.File, p.Line)
		if i, ok := at[key]; ok {
			reasons[i] += "\n" + p.Reason()
			continue
		}
		at[key] = len(lines)
		lines = append(lines, p.Cells)
		reasons = append(reasons, p.Reason())
	}
	return header, lines, reasons
}

// feeCharged is the item's 是否收费, nil when unknown.
func feeCharged(it *pb.Item) *bool {
	if f := it.GetFee(); f != nil {
		return f.Charged
	}
	return nil
}
