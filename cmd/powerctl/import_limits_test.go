package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/powerreg/powerreg/client/sheet"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// refused runs an import that must fail, say each of says on stderr, and
// create nothing.
func (e *env) refused(says []string, args ...string) result {
	e.t.Helper()
	r := e.fails(1, "clerk", append([]string{"import", "--create-departments"}, args...)...)
	for _, s := range says {
		if !strings.Contains(r.stderr, s) {
			e.t.Errorf("stderr lacks %q:\n%s", s, r)
		}
	}
	if strings.Contains(r.stderr, "rpc error") {
		e.t.Errorf("a raw gRPC error:\n%s", r)
	}
	if d, it := e.departments(), e.items(); len(d) != 0 || len(it) != 0 {
		e.t.Errorf("a refused file created %d departments and %d items", len(d), len(it))
	}
	return r
}

const quoteHeader = "实施主体,职权名称,职权类型,设定依据\n"

// A quote left open imported one item holding the next rows, exit 0,
// "imported 1 rows".
func TestImportOpenQuoteRefused(t *testing.T) {
	e := start(t)
	path := writeFile(t, "q.csv", quoteHeader+
		"区局,事项甲,行政处罚,\"《甲法》第三条\n"+
		"区局,事项乙,行政处罚,《乙法》第四条\n"+
		"区局,事项丙,行政处罚,《丙法》第五条\n"+
		"区局,事项丁,行政处罚,《丁法》第六条\n")
	e.refused([]string{"q.csv 第2行「设定依据」", "其后的 3 行", "q.csv row 2, column 设定依据", "never closed", "nothing was imported"}, path)
	// --skip-invalid cannot import part of such a file.
	e.refused([]string{"never closed"}, "--skip-invalid", path)
}

// A stray quote closed by a later one: the rows between are in one cell;
// a warning stops the import unless --force.
func TestImportSwallowedRowsWarning(t *testing.T) {
	e := start(t)
	path := writeFile(t, "w.csv", quoteHeader+
		"区局,事项甲,行政处罚,\"《甲法》第三条\n"+
		"区局,事项乙,行政处罚,《乙法》第四条\n"+
		"区局,事项丙,行政处罚,《丙法》\"第五条\"\n"+
		"区局,事项丁,行政处罚,《丁法》第六条\n")
	e.refused([]string{"w.csv 第2行「设定依据」: 警告", "look like whole rows", "1 suspect cells (see the warnings above); nothing was imported", "--force"}, path)
	e.refused([]string{"--force"}, "--skip-invalid", path)
	r := e.ok("clerk", "import", "--create-departments", "--force", path)
	if !strings.Contains(r.stdout, "2 new, 0 changed") || !strings.Contains(r.stderr, "警告") {
		t.Errorf("--force:\n%s", r)
	}
}

// A cell of several MB gave a raw English gRPC error without a row
// (item 18): it is refused before sending, at its row and column.
func TestImportHugeCellRefused(t *testing.T) {
	e := start(t)
	path := writeFile(t, "big.csv", quoteHeader+"区局,事项甲,行政处罚,《甲法》\n区局,事项乙,行政处罚,"+strings.Repeat("很长的依据", 600000)+"\n")
	e.refused([]string{"big.csv 第3行「设定依据」", "超过每行 1.0 MB 的上限", "over the limit of 1.0 MB per row", "nothing was imported"}, path)
}

// A UTF-8 header with a GB18030 row was reported as having no 职权名称
// column (item 18).
func TestImportMixedEncodingsRefused(t *testing.T) {
	e := start(t)
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("区局,事项乙,行政处罚,《乙法》\n")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "m.csv", quoteHeader+"区局,事项甲,行政处罚,《甲法》\n"+gb)
	r := e.refused([]string{"m.csv 第3行", "mixes two encodings", "CSV UTF-8"}, path)
	if strings.Contains(r.stderr, "职权名称") {
		t.Errorf("blamed on a missing column:\n%s", r)
	}
}

// Reading a long file shows the rows read on a terminal, on one line
// erased at the end; elsewhere nothing.
func TestReadProgress(t *testing.T) {
	var b strings.Builder
	progress, done := readProgress(&b, true, "/tmp/items.csv")
	rows, _, err := sheet.Read(writeFile(t, "items.csv", "职权名称,职权类型\n"+strings.Repeat("甲,行政许可\n", 25000)), sheet.Options{Progress: progress})
	done()
	if err != nil || len(rows) != 25000 {
		t.Fatalf("%d rows, err %v", len(rows), err)
	}
	if want := "\ritems.csv: 已读 10000 行 / read 10000 rows\ritems.csv: 已读 20000 行 / read 20000 rows\r\033[K"; b.String() != want {
		t.Errorf("progress %q, want %q", b.String(), want)
	}
	if progress, done := readProgress(&b, false, "items.csv"); progress != nil {
		t.Error("progress off a terminal")
	} else {
		done()
	}
}

// A file that cannot be read at all was printed with its name twice
// ("x.xlsx: x.xlsx: 无法读取…"), and a missing file in English only.
func TestImportFileErrorsNamedOnce(t *testing.T) {
	e := start(t)
	notZip := writeFile(t, "x.xlsx", "PK\x03\x04 not a zip")
	r := e.refused([]string{"x.xlsx: 无法读取 XLSX 文件", "cannot read the XLSX file"}, notZip)
	if strings.Contains(r.stderr, "x.xlsx: x.xlsx") || strings.Contains(r.stderr, notZip+":") {
		t.Errorf("the file is named twice:\n%s", r)
	}
	// --skip-invalid cannot help with a file that cannot be read: not offered.
	if strings.Contains(r.stderr, "--skip-invalid") || !strings.Contains(r.stderr, "Fix the file as said above") {
		t.Errorf("the summary offers --skip-invalid for a file that cannot be read:\n%s", r)
	}
	missing := filepath.Join(t.TempDir(), "missing.csv")
	r = e.refused([]string{"missing.csv: 无法打开文件", "cannot open the file"}, missing)
	if strings.Count(r.stderr, "missing.csv") != 2 { // the name, and the path in the system's reason
		t.Errorf("the file is not named once:\n%s", r)
	}
}

// A path that cannot be read as a file (a directory named .csv) was
// reported in English only: "read d.csv: is a directory".
func TestImportUnreadableBilingual(t *testing.T) {
	e := start(t)
	dir := filepath.Join(t.TempDir(), "d.csv")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e.refused([]string{"d.csv: 无法读取文件", "cannot read the file"}, dir)
}

// A file of a header only said "no rows to import", not what to do.
func TestImportHeaderOnly(t *testing.T) {
	e := start(t)
	e.refused([]string{"h.csv: 没有可导入的行", "put one item per row below the header"}, writeFile(t, "h.csv", quoteHeader))
}
