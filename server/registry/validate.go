package registry

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Field limits. They are generous for real lists (the longest names in the
// Guang'an data are under 100 characters) and stop abuse.
const (
	maxNameRunes   = 500
	maxTextRunes   = 10000
	maxListEntries = 200
)

// codePattern admits the codes real lists use, such as
// 430400-CF-012-0045-00 and 511Z07001006-511602000000-000-115113010-1-00.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// regionPattern admits GB/T 2260 codes of a county (6 digits), a township
// (9) or a village (12), as lists write them (Guang'an: 511602000000).
var regionPattern = regexp.MustCompile(`^[0-9]{6}([0-9]{3}){0,2}$`)

// checkText checks a text field: its size, and its characters (text.go).
func checkText(v *violations, field, s string, max int, required bool) {
	if checkSize(v, field, s, max, required) {
		checkChars(v, field, s)
	}
}

// checkSize checks that a text field is given when required, is UTF-8 and
// is at most max characters long. It reports whether it is.
func checkSize(v *violations, field, s string, max int, required bool) bool {
	switch {
	case required && s == "":
		v.add(field, "必填", "required")
	case !utf8.ValidString(s):
		v.add(field, "不是有效的 UTF-8 文本", "not valid UTF-8 text")
	case utf8.RuneCountInString(s) > max:
		v.addSize(field, fmt.Sprintf("过长，最多 %d 字", max), fmt.Sprintf("too long; at most %d characters", max))
	default:
		return true
	}
	return false
}

func checkList(v *violations, field string, list []string) {
	if len(list) > maxListEntries {
		v.addSize(field, fmt.Sprintf("条目过多，最多 %d 条", maxListEntries),
			fmt.Sprintf("too many entries; at most %d", maxListEntries))
		return
	}
	for i, s := range list {
		checkSize(v, fmt.Sprintf("%s[%d]", field, i), s, maxTextRunes, true)
	}
}

func checkTimeLimit(v *violations, field string, t TimeLimit) {
	if t.Value < 0 {
		v.add(field+".value", "不能为负数", "must not be negative")
	}
	if t.Unit < 0 || t.Unit > UnitMonth {
		v.add(field+".unit", "单位无效", "unknown unit")
	}
	if t.Value > 0 && t.Unit == 0 {
		v.add(field+".unit", "请注明单位（天、工作日、月）", "give the unit (day, working day, month)")
	}
}

// checkContent adds a violation for each bad field of c, under prefix
// (such as "item"). old is the content c changes (nil for new content):
// text old already holds is not refused for its characters, and an item
// stored over the size cap may be edited as long as it does not grow.
func checkContent(v *violations, prefix string, c, old *Content) {
	f := func(name string) string { return prefix + "." + name }
	checkSize(v, f("display_name"), c.DisplayName, maxNameRunes, true)
	if c.Category == 0 {
		v.add(f("category"), "必填：十类之一，如 CATEGORY_PENALTY", "required: one of the ten, e.g. CATEGORY_PENALTY")
	} else if !c.Category.Valid() {
		v.add(f("category"), "未知的职权类型", "unknown category")
	}
	checkSize(v, f("category_label"), c.CategoryLabel, 50, false)
	if len(c.LegalBases) > maxListEntries {
		v.addSize(f("legal_bases"), fmt.Sprintf("设定依据过多，最多 %d 条", maxListEntries),
			fmt.Sprintf("too many legal bases; at most %d", maxListEntries))
	}
	for i, b := range c.LegalBases {
		bf := fmt.Sprintf("%s[%d]", f("legal_bases"), i)
		checkSize(v, bf+".text", b.Text, maxTextRunes, true)
		checkSize(v, bf+".title", b.Title, maxNameRunes, false)
		checkSize(v, bf+".article", b.Article, maxNameRunes, false)
		if b.Level < 0 || b.Level > LevelNormativeDocument {
			v.add(bf+".level", "未知的法律层级", "unknown level")
		}
	}
	if c.Source < 0 || c.Source > SourceEntrusted {
		v.add(f("source"), "未知的权力来源", "unknown source")
	}
	if c.Source == SourceEntrusted && c.EntrustingBody == "" {
		v.add(f("entrusting_body"), "受委托的职权须写明委托机关", "give the entrusting body of an entrusted power")
	}
	checkSize(v, f("entrusting_body"), c.EntrustingBody, maxNameRunes, false)
	checkSize(v, f("handling_unit"), c.HandlingUnit, maxNameRunes, false)
	checkList(v, f("levels"), c.Levels)
	checkList(v, f("responsibilities"), c.Responsibilities)
	checkList(v, f("accountability"), c.Accountability)
	checkTimeLimit(v, f("legal_time_limit"), c.LegalTimeLimit)
	checkTimeLimit(v, f("promised_time_limit"), c.PromisedTimeLimit)
	checkSize(v, f("fee.basis"), c.Fee.Basis, maxTextRunes, false)
	checkSize(v, f("fee.standard"), c.Fee.Standard, maxTextRunes, false)
	checkSize(v, f("remark"), c.Remark, maxTextRunes, false)
	checkContentChars(v, prefix, c, old)
	checkItemSize(v, prefix, c, old)
}

func checkCode(v *violations, field, code string) {
	if excelNumber(code) {
		v.add(field, fmt.Sprintf("编码 %q 是被 Excel 转成科学计数法的数字，后几位已丢失；请把该列设为“文本”格式，重新填入完整的编码后再导入", code),
			fmt.Sprintf("code %q is a number Excel turned into scientific notation, and its last digits are lost; format the column as Text, type the whole code again and import again", code))
		return
	}
	if code != "" && !codePattern.MatchString(code) {
		v.add(field, "编码只能含字母、数字、点、下划线和连字符，最长 100 位",
			"a code has only letters, digits, '.', '_' and '-', at most 100 characters")
	}
}

// excelNumber reports whether s is what Excel makes of a long code in a
// General cell, saved as CSV: 5.11602E+11, the digits after the sixth gone.
// Only that shape (with the sign, which no valid code has): 12E3 may be a
// code.
func excelNumber(s string) bool { return excelNumberPattern.MatchString(strings.TrimSpace(s)) }

var excelNumberPattern = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+[0-9]+$`)

// NormalizeRegion returns a region code of 6, 9 or 12 digits as the
// shortest code with the same meaning: trailing groups of 000 name no
// township or village (511602000000 → 511602, 511602001000 → 511602001).
// ok is false for any other shape.
func NormalizeRegion(code string) (norm string, ok bool) {
	code = strings.TrimSpace(code)
	if !regionPattern.MatchString(code) {
		return "", false
	}
	for len(code) > 6 && strings.HasSuffix(code, "000") {
		code = code[:len(code)-3]
	}
	return code, true
}

// checkRegion normalises *region (NormalizeRegion), adding a violation on
// field when it is not a region code; empty stays empty.
func checkRegion(v *violations, field string, region *string) {
	if *region == "" {
		return
	}
	norm, ok := NormalizeRegion(*region)
	if !ok && excelNumber(*region) {
		v.add(field, fmt.Sprintf("区划代码 %q 是被 Excel 转成科学计数法的数字，后几位已丢失；请把该列设为“文本”格式，重新填入完整的代码（如 511602000000）后再导入", *region),
			fmt.Sprintf("region code %q is a number Excel turned into scientific notation, and its last digits are lost; format the column as Text, type the whole codes again (e.g. 511602000000) and import again", *region))
		return
	}
	if !ok {
		v.add(field, fmt.Sprintf("区划代码 %q 应为 6、9 或 12 位数字（GB/T 2260），如 511602 或 511602000000", *region),
			fmt.Sprintf("region code %q should be 6, 9 or 12 digits (GB/T 2260), e.g. 511602 or 511602000000", *region))
		return
	}
	*region = norm
}

// MaxItemBytes caps one item's whole encoded size: the field limits alone
// allow an item of about 18 MB, over any request limit and over what a
// gRPC client reads by default. 1 MiB is generous for real lists (an item
// with two legal bases of 2,000 characters is about 12 KB).
const MaxItemBytes = 1 << 20

// checkItemSize refuses content whose encoded size (contentBytes) passes
// MaxItemBytes, naming the item (prefix) and its size. An edit of an item
// stored before the cap (prev) is refused only if it grows it.
func checkItemSize(v *violations, prefix string, c, prev *Content) {
	n := contentBytes(c)
	if n <= MaxItemBytes || prev != nil && n <= contentBytes(prev) {
		return
	}
	name := []rune(c.DisplayName)
	if len(name) > 40 {
		name = append(name[:40], '…')
	}
	v.addSize(prefix, fmt.Sprintf("事项「%s」编码后约 %d 字节，超过每个事项 %d 字节（1 MiB）的上限；请精简设定依据等长文本，或改为引用条款",
		string(name), n, MaxItemBytes),
		fmt.Sprintf("the item %q is about %d bytes encoded, over the limit of %d bytes (1 MiB) per item; shorten its long texts (legal bases, remarks) or cite the articles instead",
			string(name), n, MaxItemBytes))
}

// contentBytes is an upper bound of c's size in an encoded Item: every
// text's UTF-8 bytes plus room for its field's tag and length, and a fixed
// allowance for the numbers and enums. (JSON of the same item is larger;
// the bound is for gRPC's message limits.)
func contentBytes(c *Content) int {
	n := 64
	text := func(s string) { n += len(s) + 8 }
	for _, s := range []string{c.DisplayName, c.CategoryLabel, c.EntrustingBody, c.HandlingUnit,
		c.Fee.Basis, c.Fee.Standard, c.Remark} {
		text(s)
	}
	for _, b := range c.LegalBases {
		n += 16 // the entry's own tag, length and level
		text(b.Title)
		text(b.Article)
		text(b.Text)
	}
	for _, list := range [][]string{c.Levels, c.Responsibilities, c.Accountability} {
		for _, s := range list {
			text(s)
		}
	}
	return n
}
