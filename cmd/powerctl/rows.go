package main

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
)

// rowField matches a server field violation of an import: rows[i]…, i
// counted across the rows sent.
var rowField = regexp.MustCompile(`^rows\[(\d+)\]\.?(.*)$`)

// columnOfField maps the field path of a violation, after rows[i]., to the
// sheet column that holds it (the field table's Column.Path).
func columnOfField(path string) string {
	switch {
	case path == "department_display_name":
		return sheet.KeyDepartment
	case path == "main_item":
		return sheet.KeyMainItem
	case path == "region_code":
		return sheet.KeyRegion
	case path == "item.name":
		return sheet.KeyItem
	case strings.HasPrefix(path, "item."):
		return sheet.ColumnOfPath(strings.TrimPrefix(path, "item."))
	}
	return ""
}

// headerOf returns the header, as written in row's file, of the column
// with key; the template's header when the file has no such column.
func headerOf(row sheet.Row, key string) string {
	// A sub-item named in 子项名称 has its name there, not in 职权名称.
	if key == sheet.KeyName {
		if h := headerOf(row, sheet.KeySubItem); h != "" {
			for i, c := range row.Header {
				if strings.TrimSpace(c) == h && i < len(row.Cells) && strings.TrimSpace(row.Cells[i]) != "" {
					return h
				}
			}
		}
	}
	for _, h := range row.Header {
		if k, ok := sheet.KeyOf(h); ok && k == key {
			return strings.TrimSpace(h)
		}
	}
	if key == sheet.KeySubItem {
		return ""
	}
	if c, ok := sheet.ColumnOf(key); ok {
		return c.Header
	}
	return ""
}

// rowProblems turns the server's violations of an import of rows into
// located problems: file, Excel row, header as written. other holds the
// violations that name no row.
func rowProblems(err error, rows []sheet.Row) (located []sheet.Problem, other []client.Problem) {
	for _, p := range client.Problems(err) {
		m := rowField.FindStringSubmatch(p.Where)
		i, convErr := 0, error(nil)
		if m != nil {
			i, convErr = strconv.Atoi(m[1])
		}
		if m == nil || convErr != nil || i >= len(rows) {
			other = append(other, p)
			continue
		}
		r := rows[i]
		col := ""
		if key := columnOfField(m[2]); key != "" {
			col = headerOf(r, key)
		}
		located = append(located, sheet.Problem{File: r.File, Line: r.Line, Column: col, Message: lineNumbers(p.What, rows),
			Header: r.Header, Cells: r.Cells})
	}
	return located, other
}

// The server names other rows of an import by their index in the stream:
// rows[3] in English, 第 3 行 in Chinese. lineNumbers rewrites them as the
// rows' Excel numbers.
var (
	rowIndexEn = regexp.MustCompile(`rows\[(\d+)\]`)
	rowIndexZh = regexp.MustCompile(`第 (\d+) 行`)
)

func lineNumbers(msg string, rows []sheet.Row) string {
	line := func(idx string) (int, bool) {
		i, err := strconv.Atoi(idx)
		if err != nil || i >= len(rows) {
			return 0, false
		}
		return rows[i].Line, true
	}
	msg = rowIndexEn.ReplaceAllStringFunc(msg, func(m string) string {
		if n, ok := line(rowIndexEn.FindStringSubmatch(m)[1]); ok {
			return "row " + strconv.Itoa(n)
		}
		return m
	})
	return rowIndexZh.ReplaceAllStringFunc(msg, func(m string) string {
		if n, ok := line(rowIndexZh.FindStringSubmatch(m)[1]); ok {
			return "第" + strconv.Itoa(n) + "行"
		}
		return m
	})
}

// headline is lineNumbers for an error's first line, whose two halves
// ("中文 / English") both name rows as rows[3]: the Chinese half says 第N行.
func headline(msg string, rows []sheet.Row) string {
	zh, en, ok := strings.Cut(msg, " / ")
	if !ok {
		return lineNumbers(msg, rows)
	}
	zh = rowIndexEn.ReplaceAllStringFunc(zh, func(m string) string {
		i, err := strconv.Atoi(rowIndexEn.FindStringSubmatch(m)[1])
		if err != nil || i >= len(rows) {
			return m
		}
		return "第" + strconv.Itoa(rows[i].Line) + "行"
	})
	return zh + " / " + lineNumbers(en, rows)
}
