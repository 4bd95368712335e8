package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// A difference too long for one line shows old and new each on lines of
// their own; every line fits 80 columns and no text is lost; a fee
// difference is shown per fee column, as the item's fields read.
func TestViewDifferences(t *testing.T) {
	long := strings.Repeat("《中华人民共和国土地管理法》第七十七条，", 6)
	old := &pb.Item{LegalBases: []*pb.LegalBasis{{Text: "《甲法》第三条"}}, Fee: &pb.Fee{Charged: proto.Bool(false)}}
	cur := &pb.Item{LegalBases: []*pb.LegalBasis{{Text: long}}, Fee: &pb.Fee{Charged: proto.Bool(true), Standard: "每件50元"}}
	v := &view{}
	v.addDifferences([]*pb.FieldDifference{{Field: "legal_bases", From: "x", To: "y"}, {Field: "fee", From: "不收费", To: "收费"},
		{Field: "unknown_field", From: "a", To: "b"}}, old, cur)
	var b strings.Builder
	v.write(&b, 2)
	out := b.String()
	for _, line := range strings.Split(out, "\n") {
		if w := width.StringWidth(line); w > screenWidth {
			t.Errorf("a line of %d columns: %q", w, line)
		}
	}
	for _, want := range []string{
		"    设定依据 legal bases:\n      旧 old: 《甲法》第三条\n      新 new: 《中华人民共和国土地管理法》",
		"    是否收费 fee charged   否 → 是\n",
		"    收费标准 fee standard  （空 / empty） → 每件50元\n",
		"    unknown_field          a → b\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("differences lack %q:\n%s", want, out)
		}
	}
	if flat := strings.Join(strings.Fields(out), ""); !strings.Contains(flat, strings.TrimSuffix(long, "，")) {
		t.Errorf("the long value is cut:\n%s", out)
	}
}

// wrap keeps lines within the width, never starts a line with a closing
// mark, and loses nothing.
func TestWrap(t *testing.T) {
	s := "未经批准或者采取欺骗手段骗取批准，非法占用土地的，由县级以上人民政府自然资源主管部门责令退还非法占用的土地。"
	lines := wrap(s, 16)
	if strings.Join(lines, "") != s {
		t.Errorf("wrap lost text: %q", lines)
	}
	for _, l := range lines {
		if width.StringWidth(l) > 20 || strings.ContainsAny(l[:len(string([]rune(l)[0]))], noLineStart) {
			t.Errorf("line %q of %q", l, lines)
		}
	}
	if got := wrap("The remark is long enough to wrap", 20); got[0] != "The remark is long" {
		t.Errorf("Latin text not wrapped at a space: %q", got)
	}
}

// FuzzWrap: wrapping never panics, never loses a character other than the
// spaces at a break, and keeps every line within the width (a single
// rune wider than it aside).
func FuzzWrap(f *testing.F) {
	f.Add("未经批准或者采取欺骗手段骗取批准，非法占用土地的。", 16)
	f.Add("The remark is long enough to wrap at a space.", 20)
	f.Add("，，，，，，，，，，，，，，，，，，，，，，，，，", 20)
	f.Fuzz(func(t *testing.T, s string, w int) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\n") || w > 200 {
			return
		}
		lines := wrap(s, w)
		noSpace := func(x string) string { return strings.ReplaceAll(x, " ", "") }
		if got := noSpace(strings.Join(lines, "")); got != noSpace(s) {
			t.Fatalf("wrap(%q, %d) = %q: text lost", s, w, lines)
		}
		for _, l := range lines {
			if width.StringWidth(l) > max(w, 20) && utf8.RuneCountInString(l) > 1 {
				t.Fatalf("wrap(%q, %d): line %q is %d columns", s, w, l, width.StringWidth(l))
			}
		}
	})
}
