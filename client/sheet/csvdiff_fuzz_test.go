package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"testing"
)

// scanAll splits data with the package's CSV scanner, as ReadCSV does
// after the BOM, with no limit on a record's size. open reports a quote
// left open at the end.
func scanAll(t *testing.T, data []byte, sep byte) (records [][]string, open bool) {
	t.Helper()
	sc := &csvScanner{r: bufio.NewReader(bytes.NewReader(data)), sep: sep, max: len(data) + 1}
	for {
		rec, err := sc.next()
		if err == io.EOF {
			return records, false
		}
		if err != nil {
			t.Fatalf("scanner: %v", err)
		}
		fields := make([]string, len(rec.fields))
		for i, f := range rec.fields {
			fields[i] = string(f)
		}
		records = append(records, fields)
		if rec.open {
			return records, true
		}
	}
}

// withoutBlank drops the records of one empty field: encoding/csv skips
// blank lines, which the scanner keeps as rows (Excel numbers them), and
// a line holding only "" is such a record on both sides.
func withoutBlank(records [][]string) [][]string {
	return slices.DeleteFunc(slices.Clone(records), func(r []string) bool { return len(r) == 1 && r[0] == "" })
}

// hasLoneCR reports a CR not followed by LF: the scanner ends a record
// there (old Mac files, as Excel does) where encoding/csv keeps it as data.
func hasLoneCR(data []byte) bool {
	for i, b := range data {
		if b == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			return true
		}
	}
	return false
}

// FuzzCSVScannerMatchesEncodingCSV: on every input encoding/csv (strict,
// LazyQuotes off) accepts, the scanner that replaced it gives the same
// records, comma- or tab-separated, and never reports a quote left open.
// The scanner's own rules are the documented differences: blank lines are
// rows, a lone CR ends a row, and a stray quote is an ordinary character.
func FuzzCSVScannerMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n",
		"名称,类型\r\n\"多\r\n行\",行政处罚\r\n",
		"\"a\"\"b\",c\n",
		"a,\"\",\"\"\"\"\n\n\nb\n",
		"x,\"open\n",
		"a\tb\t\"c\td\"\n",
		"\"a\nb\"",
		"a,b\n,\n,,\n",
		"\xef\xbb\xbfa,b\n",
		"\xb2\xe2,\xca\xd4\n", // GB18030 bytes
		"\"\"\n\"\"",
		"a,\"b\"\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, tab bool) {
		if hasLoneCR(data) {
			return
		}
		sep := byte(',')
		if tab {
			sep = '\t'
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma = rune(sep)
		r.FieldsPerRecord = -1
		want, err := r.ReadAll()
		got, open := scanAll(t, data, sep)
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) || (pe.Err != csv.ErrBareQuote && pe.Err != csv.ErrQuote) {
				t.Fatalf("encoding/csv: %v", err)
			}
			return // a stray quote: the scanner reads it as Excel does
		}
		if open {
			t.Fatalf("the scanner reports a quote left open; encoding/csv read %q", want)
		}
		if g, w := withoutBlank(got), withoutBlank(want); !slices.EqualFunc(g, w, slices.Equal) {
			t.Fatalf("input %q (sep %q):\nscanner      %q\nencoding/csv %q", data, sep, g, w)
		}
	})
}
