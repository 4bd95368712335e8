package sheet

import (
	"google.golang.org/protobuf/proto"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// clean tidies a cell: line breaks become "\n", NBSP becomes a space, and
// white space (including full-width spaces and NBSP), zero-width spaces and
// byte-order marks are trimmed at both ends.
func clean(s string) string {
	if s == "" {
		return s
	}
	if strings.IndexByte(s, '\r') >= 0 || strings.Contains(s, "\u00a0") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		s = strings.ReplaceAll(s, "\u00a0", " ")
	}
	return strings.TrimFunc(s, isTrimmed)
}

func isTrimmed(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

// splitList splits s at any of the separators in seps (and at line breaks),
// trims the pieces and drops empty ones. It returns nil for no pieces.
func splitList(s string, seps string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || strings.ContainsRune(seps, r) }) {
		if p = strings.TrimFunc(p, isTrimmed); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Separators of list cells.
const (
	listSeps  = "；;"
	levelSeps = "；;、，,"
)

// newBasisRE is how a legal basis starts: a 《title》, maybe after a list
// number (2. 2、 (2) （二） 二、).
var newBasisRE = regexp.MustCompile(`^(?:(?:[0-9０-９]+[.．、)）]|[（(][0-9０-９一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)\s*)?《`)

// splitBases splits a one-line 设定依据 cell at the semicolons that start a
// new basis: "《甲法》第三条；《乙条例》第五条" and "1.《甲法》第三条；2.《乙条例》"
// are two bases, "《甲法》第三条；第四条" is one citing two articles.
func splitBases(s string) []string {
	var pieces []string
	start := 0
	for i, r := range s {
		if !strings.ContainsRune(listSeps, r) {
			continue
		}
		next := i + utf8.RuneLen(r)
		if newBasisRE.MatchString(strings.TrimLeftFunc(s[next:], isTrimmed)) {
			pieces = append(pieces, s[start:i])
			start = next
		}
	}
	pieces = append(pieces, s[start:])
	out := pieces[:0]
	for _, p := range pieces {
		p = strings.TrimFunc(p, func(r rune) bool { return isTrimmed(r) || strings.ContainsRune(listSeps, r) })
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

var articleRE = regexp.MustCompile(`第[0-9０-９一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十]+)?(?:第[0-9０-９一二三四五六七八九十百千零〇两]+款)?(?:第[0-9０-９一二三四五六七八九十百千零〇两]+项)?`)

// parseLegalBases splits a 设定依据 cell into bases: at line breaks when the
// cell has any, otherwise at semicolons. Title is the first 《…》 of a piece,
// Article the first 第…条 (with a following 第…款 and 第…项) after it.
func parseLegalBases(s string) []*pb.LegalBasis {
	var pieces []string
	if strings.Contains(s, "\n") {
		pieces = splitList(s, "")
	} else {
		pieces = splitBases(s)
	}
	if len(pieces) == 0 {
		return nil
	}
	out := make([]*pb.LegalBasis, 0, len(pieces))
	for _, p := range pieces {
		lb := &pb.LegalBasis{Text: p}
		rest := p
		if i := strings.Index(p, "《"); i >= 0 {
			if j := strings.Index(p[i:], "》"); j >= 0 {
				end := i + j + len("》")
				lb.Title = p[i:end]
				rest = p[end:]
			}
		}
		lb.Article = articleRE.FindString(rest)
		out = append(out, lb)
	}
	return out
}

// parseSource reads 权力来源. ok is false for an unknown value.
func parseSource(s string) (pb.PowerSource, bool) {
	switch s {
	case "":
		return pb.PowerSource_POWER_SOURCE_UNSPECIFIED, true
	case "法定":
		return pb.PowerSource_POWER_SOURCE_STATUTORY, true
	case "授权":
		return pb.PowerSource_POWER_SOURCE_AUTHORIZED, true
	case "受委托", "委托":
		return pb.PowerSource_POWER_SOURCE_ENTRUSTED, true
	}
	if v, ok := pb.PowerSource_value[strings.ToUpper(s)]; ok && v != 0 {
		return pb.PowerSource(v), true
	}
	return 0, false
}

// Time-limit units as written, longest first so that 个工作日 wins over 日.
var timeUnits = []struct {
	suffix string
	unit   pb.TimeLimit_Unit
}{
	{"个工作日", pb.TimeLimit_UNIT_WORKING_DAY},
	{"工作日", pb.TimeLimit_UNIT_WORKING_DAY},
	{"个自然日", pb.TimeLimit_UNIT_DAY},
	{"自然日", pb.TimeLimit_UNIT_DAY},
	{"日", pb.TimeLimit_UNIT_DAY},
	{"天", pb.TimeLimit_UNIT_DAY},
	{"个月", pb.TimeLimit_UNIT_MONTH},
	{"月", pb.TimeLimit_UNIT_MONTH},
}

// parseTimeLimit reads a time limit such as 20个工作日, 30日, 30天, 3个月. An
// empty cell or 无 gives nil. A bare number is in unit, the unit the header
// names (法定期限（工作日）), if any. ok is false for anything else.
func parseTimeLimit(s string, unit pb.TimeLimit_Unit) (tl *pb.TimeLimit, ok bool) {
	if s == "" || s == "无" {
		return nil, true
	}
	// Full-width digits and spaces between number and unit are accepted.
	i := strings.IndexFunc(s, func(r rune) bool { return digit(r) < 0 })
	if i < 0 {
		i = len(s)
	}
	if i == 0 {
		return nil, false
	}
	var n int64
	for _, r := range s[:i] {
		if n = n*10 + int64(digit(r)); n > 1<<31-1 {
			return nil, false
		}
	}
	rest := strings.TrimFunc(s[i:], isTrimmed)
	if rest == "" && unit != pb.TimeLimit_UNIT_UNSPECIFIED {
		return &pb.TimeLimit{Value: int32(n), Unit: unit}, true
	}
	for _, u := range timeUnits {
		if rest == u.suffix {
			return &pb.TimeLimit{Value: int32(n), Unit: u.unit}, true
		}
	}
	return nil, false
}

// headerUnit returns the unit a time-limit header names in brackets, as in
// 法定期限（工作日）, or UNIT_UNSPECIFIED.
func headerUnit(header string) pb.TimeLimit_Unit {
	_, remark := splitRemark(strings.TrimFunc(header, isTrimmed))
	for _, u := range timeUnits {
		if remark == u.suffix {
			return u.unit
		}
	}
	return pb.TimeLimit_UNIT_UNSPECIFIED
}

// digit returns the value of an ASCII or full-width decimal digit, or -1.
func digit(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '０' && r <= '９':
		return int(r - '０')
	}
	return -1
}

// FormatTimeLimit writes a time limit as the template does (and Read reads it). A
// limit without a unit is written in days.
func FormatTimeLimit(tl *pb.TimeLimit) string {
	if tl == nil || (tl.GetValue() == 0 && tl.GetUnit() == pb.TimeLimit_UNIT_UNSPECIFIED) {
		return ""
	}
	v := strconv.Itoa(int(tl.GetValue()))
	switch tl.GetUnit() {
	case pb.TimeLimit_UNIT_WORKING_DAY:
		return v + "个工作日"
	case pb.TimeLimit_UNIT_MONTH:
		return v + "个月"
	default:
		return v + "日"
	}
}

// parseBool reads a yes/no cell: an empty cell is unknown (nil), never
// "no", because a legally binding list must not say "no fee" when nobody
// said so.
func parseBool(s string) (v *bool, ok bool) {
	switch strings.ToLower(s) {
	case "":
		return nil, true
	case "否", "不收费", "免费", "n", "no", "false", "0", "无":
		return proto.Bool(false), true
	case "是", "收费", "y", "yes", "true", "1":
		return proto.Bool(true), true
	}
	return nil, false
}

// formatBool writes a yes/no cell; unknown is empty.
func formatBool(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "是"
	}
	return "否"
}
