package sheet

import (
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// FuzzParseLegalBases: a 设定依据 cell splits into trimmed, non-empty bases
// that appear in the cell in order, each with a 《title》 and a 第…条 article
// taken from its own text; written one a line (as WriteCSV does) and read
// again, they are the same bases.
func FuzzParseLegalBases(f *testing.F) {
	for _, s := range []string{
		"《中华人民共和国土地管理法》第七十六条\n《土地管理法实施条例》第四十二条",
		"《中华人民共和国行政许可法》第十二条第一款第（一）项；《四川省城乡规划条例》第三十条",
		"1.《中华人民共和国道路交通安全法》第九十条之一第二款第三项;2.《条例》",
		"《未闭合第一条", "》《第一条》第二条", "第１２条《法》第三条", "；；\n\n", "", "《》", " 《法》 \r\n\u3000《规》\u200b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := clean(s)
		bases := parseLegalBases(cell)
		rest := cell
		texts := make([]string, 0, len(bases))
		for i, b := range bases {
			text := b.GetText()
			if text == "" || strings.TrimFunc(text, isTrimmed) != text || strings.Contains(text, "\n") {
				t.Fatalf("cell %q: basis %d text %q", cell, i, text)
			}
			j := strings.Index(rest, text)
			if j < 0 {
				t.Fatalf("cell %q: basis %d %q is not in the cell, in order", cell, i, text)
			}
			rest = rest[j+len(text):]
			if ti := b.GetTitle(); ti != "" && (!strings.HasPrefix(ti, "《") || !strings.HasSuffix(ti, "》") || !strings.Contains(text, ti)) {
				t.Fatalf("cell %q: basis %q has title %q", cell, text, ti)
			}
			if a := b.GetArticle(); a != "" && (articleRE.FindString(a) != a || !strings.Contains(text, a)) {
				t.Fatalf("cell %q: basis %q has article %q", cell, text, a)
			}
			texts = append(texts, text)
		}
		again := parseLegalBases(clean(strings.Join(texts, "\n")))
		if len(again) != len(bases) {
			t.Fatalf("cell %q: %d bases, written and read again %d", cell, len(bases), len(again))
		}
		for i := range again {
			if !proto.Equal(again[i], bases[i]) {
				t.Fatalf("cell %q: basis %d %v, written and read again %v", cell, i, bases[i], again[i])
			}
		}
	})
}

// FuzzParseTimeLimit: a time limit cell reads as a non-negative number of
// a known unit that FormatTimeLimit writes back to a cell reading the same;
// full-width digits read as ASCII ones; only an empty cell or 无 is no limit.
func FuzzParseTimeLimit(f *testing.F) {
	for _, s := range []string{"20个工作日", "30日", "30天", "3个月", "１５个工作日", "15 工作日", "7", "无", "", "两周", "0日",
		"2147483647日", "2147483648日", "-3日", "20个工作日以内", "3月\u3000"} {
		f.Add(s, 0)
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, unit int) {
		u := pb.TimeLimit_Unit(unit & 3) // a header's unit (headerUnit): one of the three, or none
		tl, ok := parseTimeLimit(s, u)
		if !ok {
			if tl != nil || s == "" || s == "无" {
				t.Fatalf("parseTimeLimit(%q, %v) = %v, not ok", s, u, tl)
			}
			return
		}
		ascii := strings.Map(func(r rune) rune {
			if d := digit(r); d >= 0 {
				return '0' + rune(d)
			}
			return r
		}, s)
		if tl2, ok2 := parseTimeLimit(ascii, u); !ok2 || !proto.Equal(tl, tl2) {
			t.Fatalf("parseTimeLimit(%q) = %v, with ASCII digits %q: %v, %v", s, tl, ascii, tl2, ok2)
		}
		if tl == nil {
			if s != "" && s != "无" {
				t.Fatalf("parseTimeLimit(%q): no limit", s)
			}
			return
		}
		if tl.GetValue() < 0 || tl.GetUnit() == pb.TimeLimit_UNIT_UNSPECIFIED || pb.TimeLimit_Unit_name[int32(tl.GetUnit())] == "" {
			t.Fatalf("parseTimeLimit(%q, %v) = %v", s, u, tl)
		}
		cell := FormatTimeLimit(tl)
		if back, ok := parseTimeLimit(cell, pb.TimeLimit_UNIT_UNSPECIFIED); !ok || !proto.Equal(back, tl) && tl.GetValue() != 0 {
			t.Fatalf("parseTimeLimit(%q) = %v, written %q, read back %v, %v", s, tl, cell, back, ok)
		}
	})
}

// FuzzKeyOf: a header names a column whatever the spaces around it, the
// case of its ASCII letters and the required-field marks; a column's own
// header, synonyms and English names name it.
func FuzzKeyOf(f *testing.F) {
	for _, c := range allColumns {
		f.Add(c.Header)
		for _, s := range c.Synonyms {
			f.Add(s)
		}
		for _, s := range c.English {
			f.Add(s)
		}
	}
	for _, s := range []string{"法定期限（工作日）", "*职权名称（必填）", "Display Name", "displayName", "事项名称 ", "\ufeff部门", "[x]", "（）"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		key, ok := KeyOf(h)
		if ok && columnIndex(key) < 0 {
			t.Fatalf("KeyOf(%q) = %q, no such column", h, key)
		}
		upper := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, h)
		for _, v := range []string{" " + h + "\u3000", upper, "*" + h} {
			if k, o := KeyOf(v); k != key || o != ok {
				t.Fatalf("KeyOf(%q) = %q, %v; KeyOf(%q) = %q, %v", h, key, ok, v, k, o)
			}
		}
		if ok && utf8.ValidString(h) {
			if k, o := KeyOf(allColumns[columnIndex(key)].Header); !o || k != key {
				t.Fatalf("column %q: its header gives %q", key, k)
			}
		}
	})
}
