package sheet

import (
	"strings"
	"unicode"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// Column is one column of the template: its canonical Chinese header, the
// synonyms real lists use, English aliases, and a note for the notes row.
type Column struct {
	Key      string   // stable key, e.g. "legal_bases"
	Header   string   // canonical Chinese header, written by the writers
	Synonyms []string // other Chinese headers real lists use
	English  []string // English aliases (matched without regard to case, spaces, '_' and '-')
	Note     string   // what to fill in, for the notes row (bilingual)
}

// Column keys.
const (
	KeyDepartment        = "department"
	KeyMainItem          = "main_item"
	KeySubItem           = "sub_item"
	KeyName              = "name"
	KeyCategory          = "category"
	KeyCode              = "code"
	KeyLegalBases        = "legal_bases"
	KeySource            = "source"
	KeyEntrustingBody    = "entrusting_body"
	KeyHandlingUnit      = "handling_unit"
	KeyLevels            = "levels"
	KeyResponsibilities  = "responsibilities"
	KeyAccountability    = "accountability"
	KeyLegalTimeLimit    = "legal_time_limit"
	KeyPromisedTimeLimit = "promised_time_limit"
	KeyFeeCharged        = "fee_charged"
	KeyFeeBasis          = "fee_basis"
	KeyFeeStandard       = "fee_standard"
	KeyReviewAndForward  = "review_and_forward"
	KeyRemark            = "remark"
)

// Columns are the template's columns, in template order.
var Columns = []Column{
	{Key: KeyDepartment, Header: "实施主体", Synonyms: []string{"部门", "实施部门", "法定主体", "实施机关"}, English: []string{"department"},
		Note: "必填，部门全称，如“市国土资源局” / required: the department's full name"},
	{Key: KeyMainItem, Header: "大项", Synonyms: []string{"主项", "大项名称", "主项名称"}, English: []string{"main_item", "parent"},
		Note: "本行是子项时填所属大项的名称，否则留空 / for a sub-item: the name of its main item; else empty"},
	{Key: KeySubItem, Header: "子项名称", Synonyms: []string{"子项"}, English: []string{"sub_item"},
		Note: "填写时本行是“职权名称”的子项，一般留空 / when filled, this row is a sub-item of 职权名称; usually empty"},
	{Key: KeyName, Header: "职权名称", Synonyms: []string{"事项名称", "权力名称", "权力事项名称"}, English: []string{"name", "display_name"},
		Note: "必填 / required"},
	{Key: KeyCategory, Header: "职权类型", Synonyms: []string{"事项类型", "权力类型", "权力类别", "职权类别"}, English: []string{"category"},
		Note: "必填，从下拉列表选择 / required: choose from the list"},
	{Key: KeyCode, Header: "职权编码", Synonyms: []string{"事项编码", "实施编码", "权力编码", "编码"}, English: []string{"code"},
		Note: "已有编码照填，没有留空（发布时赋码） / the existing code, or empty (assigned at publication)"},
	{Key: KeyLegalBases, Header: "设定依据", Synonyms: []string{"实施依据", "法律依据", "设定和实施依据", "依据"}, English: []string{"legal_bases"},
		Note: "每条依据一行（单元格内换行 Alt+Enter），如“《中华人民共和国土地管理法》第七十七条” / one basis per line (Alt+Enter), e.g. 《…》第七十七条"},
	{Key: KeySource, Header: "权力来源", Synonyms: []string{"职权来源"}, English: []string{"source"},
		Note: "法定、授权或受委托 / 法定 (statutory), 授权 (delegated) or 受委托 (entrusted)"},
	{Key: KeyEntrustingBody, Header: "委托机关", Synonyms: []string{"委托单位"}, English: []string{"entrusting_body"},
		Note: "受委托时填委托机关 / the entrusting body, when entrusted"},
	{Key: KeyHandlingUnit, Header: "承办机构", Synonyms: []string{"承办科室", "内设机构", "责任科室"}, English: []string{"handling_unit"},
		Note: "部门内承办的科室 / the office inside the department"},
	{Key: KeyLevels, Header: "行使层级", Synonyms: []string{"层级"}, English: []string{"levels"},
		Note: "如“市级、县级”，用顿号分隔 / e.g. 市级、县级, separated by 、"},
	{Key: KeyResponsibilities, Header: "责任事项", English: []string{"responsibilities"},
		Note: "每项一行或用分号分隔，如“立案；调查取证；决定” / one per line or separated by ；"},
	{Key: KeyAccountability, Header: "追责情形", Synonyms: []string{"问责情形", "追责情形及依据"}, English: []string{"accountability"},
		Note: "每种情形一行或用分号分隔 / one per line or separated by ；"},
	{Key: KeyLegalTimeLimit, Header: "法定期限", Synonyms: []string{"法定办结时限"}, English: []string{"legal_time_limit"},
		Note: "如“20个工作日”“30日”“3个月”，没有留空 / e.g. 20个工作日, 30日, 3个月; empty if none"},
	{Key: KeyPromisedTimeLimit, Header: "承诺期限", Synonyms: []string{"承诺办结时限"}, English: []string{"promised_time_limit"},
		Note: "写法同法定期限 / as 法定期限"},
	{Key: KeyFeeCharged, Header: "是否收费", English: []string{"fee_charged"},
		Note: "是或否 / 是 (yes) or 否 (no)"},
	{Key: KeyFeeBasis, Header: "收费依据", English: []string{"fee_basis"},
		Note: "收费时填写 / when a fee is charged"},
	{Key: KeyFeeStandard, Header: "收费标准", English: []string{"fee_standard"},
		Note: "如“每件50元” / e.g. 每件50元"},
	{Key: KeyReviewAndForward, Header: "是否审核转报", Synonyms: []string{"审核转报"}, English: []string{"review_and_forward"},
		Note: "只审核后转报上级时填“是” / 是 when the department only checks and forwards"},
	{Key: KeyRemark, Header: "备注", English: []string{"remark"},
		Note: "选填 / optional"},
}

// notesPrefix starts the first cell of the notes row; Read skips such rows.
const notesPrefix = "说明："

// columnIndex returns the position of key in Columns, or -1.
func columnIndex(key string) int {
	for i, c := range Columns {
		if c.Key == key {
			return i
		}
	}
	return -1
}

// headerKeys maps a normalised header (see normHeader) to its column key.
var headerKeys = func() map[string]string {
	m := map[string]string{}
	for _, c := range Columns {
		m[normHeader(c.Header)] = c.Key
		for _, s := range c.Synonyms {
			m[normHeader(s)] = c.Key
		}
		for _, s := range c.English {
			m[normHeader(s)] = c.Key
		}
	}
	return m
}()

// KeyOf returns the key of the column a header written in a file stands
// for (by its Chinese header, a synonym or an English alias).
func KeyOf(header string) (key string, ok bool) {
	key, ok = headerKeys[normHeader(header)]
	return key, ok
}

// normHeader normalises a header for matching: white space (including
// full-width spaces and NBSP) anywhere, required-field markers "*" at either
// end, and a trailing remark in brackets, such as （必填） or （工作日）, are
// dropped; ASCII letters are lower-cased and '_' and '-' dropped, so that
// "Display Name", "display_name" and "displayName" match.
func normHeader(h string) string {
	var b strings.Builder
	for _, r := range h {
		switch {
		case unicode.IsSpace(r), r == '\u200b', r == '\ufeff', r == '_', r == '-':
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), "*＊")
	s, _ = splitRemark(s)
	return strings.Trim(s, "*＊")
}

// splitRemark splits a trailing remark in brackets off a header:
// 法定期限（工作日） is 法定期限 and 工作日.
func splitRemark(h string) (head, remark string) {
	for _, br := range [][2]string{{"（", "）"}, {"(", ")"}, {"【", "】"}, {"[", "]"}} {
		if strings.HasSuffix(h, br[1]) {
			if i := strings.LastIndex(h, br[0]); i > 0 {
				return h[:i], h[i+len(br[0]) : len(h)-len(br[1])]
			}
		}
	}
	return h, ""
}

// The ten categories and their Chinese labels, in enum order. This is the
// package's only table of labels.
var categoryLabels = []struct {
	Category pb.Category
	Label    string
}{
	{pb.Category_CATEGORY_LICENSING, "行政许可"},
	{pb.Category_CATEGORY_MANAGEMENT_SERVICE, "管理服务"},
	{pb.Category_CATEGORY_PENALTY, "行政处罚"},
	{pb.Category_CATEGORY_SUPERVISION, "行政监督"},
	{pb.Category_CATEGORY_ADJUDICATION, "行政裁决"},
	{pb.Category_CATEGORY_COERCION, "行政强制"},
	{pb.Category_CATEGORY_LEVY, "行政征收"},
	{pb.Category_CATEGORY_BENEFIT, "行政给付"},
	{pb.Category_CATEGORY_CONFIRMATION, "行政确认"},
	{pb.Category_CATEGORY_OTHER, "其他权力"},
}

// CategoryLabel returns the Chinese label of c, such as 行政处罚, or "" for
// CATEGORY_UNSPECIFIED and unknown values.
func CategoryLabel(c pb.Category) string {
	for _, l := range categoryLabels {
		if l.Category == c {
			return l.Label
		}
	}
	return ""
}

// CategoryLabels returns the ten Chinese labels in enum order.
func CategoryLabels() []string {
	out := make([]string, len(categoryLabels))
	for i, l := range categoryLabels {
		out[i] = l.Label
	}
	return out
}

// DefaultCategories returns the ten Chinese labels mapped to their
// categories. Read uses it when Options.Categories is nil; callers that talk
// to a server should build the map from ListCategories instead (labels and
// aliases such as 公共服务 or 行政检查).
func DefaultCategories() map[string]pb.Category {
	m := make(map[string]pb.Category, len(categoryLabels))
	for _, l := range categoryLabels {
		m[l.Label] = l.Category
	}
	return m
}

// Power sources as written in the sheet.
var sourceLabels = []struct {
	Source pb.PowerSource
	Label  string
}{
	{pb.PowerSource_POWER_SOURCE_STATUTORY, "法定"},
	{pb.PowerSource_POWER_SOURCE_AUTHORIZED, "授权"},
	{pb.PowerSource_POWER_SOURCE_ENTRUSTED, "受委托"},
}

func sourceLabel(s pb.PowerSource) string {
	for _, l := range sourceLabels {
		if l.Source == s {
			return l.Label
		}
	}
	return ""
}
