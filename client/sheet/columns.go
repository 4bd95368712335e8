package sheet

import (
	"strings"
	"unicode"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// Column is one row of the field table: one thing a sheet or a view says
// about an item. It is the ONE list of item fields the client knows: the
// template's columns, the columns only exports write (identity, state,
// review), what the readers accept as headers, and how powerctl shows a
// value as text. The writers, the readers, `powerctl catalog get`,
// `review show` and the import's mapping of server field paths to columns
// all read it.
type Column struct {
	Key      string   // stable key, e.g. "legal_bases"
	Header   string   // canonical Chinese header, written by the writers
	Synonyms []string // other Chinese headers real lists use
	English  []string // English aliases (matched without regard to case, spaces, '_' and '-')
	Note     string   // what to fill in, for the notes row (bilingual)

	// Role says what the column is for; the zero value is a template
	// column holding item content.
	Role Role
	// Path is the item field the column holds, as a path in the API's
	// Item ("legal_bases", "fee.charged"): what an update mask names and
	// what the server's field violations name. "" for columns that hold
	// no item field (实施主体, 子项名称, the export-only columns).
	Path string
	// Label and EnglishLabel name the field in powerctl's views
	// (catalog get, review show): 设定依据 / legal bases. "" for columns
	// that are not shown there.
	Label, EnglishLabel string
	// Text is the field's value as people read it in those views and in
	// the differences between revisions; nil when not shown.
	Text func(*pb.Item) string
	// value is the cell an export writes for a column that is not one of
	// the template's (those are Cells); nil for read-only columns.
	value func(Row) string
}

// Role is what a column is for.
type Role int

const (
	// RoleContent is a template column: item content, read and written.
	RoleContent Role = iota
	// RoleIdentity is the item's resource name (事项标识) in a working-copy
	// export; Read puts it in Item.Name, so that an import updates that
	// item.
	RoleIdentity
	// RoleRegion is the region code of the row's department (区划代码, as
	// the Guang'an list has it); Read puts it in Row.RegionCode.
	RoleRegion
	// RoleExport is a column that exports write for people (state, pending
	// change, review comments): Read keeps it in Row.Extra and never in
	// the item, so that importing an export is not refused for it.
	RoleExport
)

// FieldLabel is the label of a column in powerctl's views: 设定依据 legal
// bases.
func (c Column) FieldLabel() string { return c.Label + " " + c.EnglishLabel }

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

	// Not in the template.
	KeyItem              = "item"                // 事项标识: the item's resource name
	KeyRegion            = "region_code"         // 区划代码
	KeyState             = "state"               // 状态
	KeyPendingChange     = "pending_change"      // 待发布变更
	KeyLastReviewComment = "last_review_comment" // 最近审核意见
	KeyChange            = "change"              // 变更类型 (review sheet)
	KeyChangedFields     = "changed_fields"      // 变更字段 (review sheet)
	KeyReviewComment     = "review_comment"      // 审核意见（退回时填写）(review sheet, filled by the reviewer)
	KeyRejectReason      = "reject_reason"       // 错误原因 / error (a rejects file, WriteRejects)
)

// Columns are the template's columns, in template order.
var Columns = []Column{
	{Key: KeyDepartment, Header: "实施主体", Synonyms: []string{"部门", "实施部门", "法定主体", "实施机关"}, English: []string{"department"},
		Note: "必填，部门全称，如“市国土资源局” / required: the department's full name"},
	{Key: KeyMainItem, Header: "大项", Synonyms: []string{"主项", "大项名称", "主项名称"}, English: []string{"main_item", "parent"},
		Note:  "本行是子项时填所属大项的名称，否则留空 / for a sub-item: the name of its main item; else empty",
		Path:  "parent",
		Label: "大项", EnglishLabel: "main item", Text: func(it *pb.Item) string { return it.GetParent() }},
	{Key: KeySubItem, Header: "子项名称", Synonyms: []string{"子项"}, English: []string{"sub_item"},
		Note: "填写时本行是“职权名称”的子项，一般留空 / when filled, this row is a sub-item of 职权名称; usually empty"},
	{Key: KeyName, Header: "职权名称", Synonyms: []string{"事项名称", "权力名称", "权力事项名称"}, English: []string{"name", "display_name"},
		Note:  "必填 / required",
		Path:  "display_name",
		Label: "名称", EnglishLabel: "name", Text: func(it *pb.Item) string { return it.GetDisplayName() }},
	{Key: KeyCategory, Header: "职权类型", Synonyms: []string{"事项类型", "权力类型", "权力类别", "职权类别"}, English: []string{"category"},
		Note:  "必填，从下拉列表选择 / required: choose from the list",
		Path:  "category",
		Label: "类型", EnglishLabel: "category", Text: CategoryText},
	{Key: KeyCode, Header: "职权编码", Synonyms: []string{"事项编码", "实施编码", "权力编码", "编码"}, English: []string{"code"},
		Note:  "已有编码照填，没有留空（发布时赋码） / the existing code, or empty (assigned at publication)",
		Path:  "code",
		Label: "编码", EnglishLabel: "code", Text: func(it *pb.Item) string { return it.GetCode() }},
	{Key: KeyLegalBases, Header: "设定依据", Synonyms: []string{"实施依据", "法律依据", "设定和实施依据", "依据"}, English: []string{"legal_bases"},
		Note:  "每条依据一行（单元格内换行 Alt+Enter），如“《中华人民共和国土地管理法》第七十七条” / one basis per line (Alt+Enter), e.g. 《…》第七十七条",
		Path:  "legal_bases",
		Label: "设定依据", EnglishLabel: "legal bases", Text: func(it *pb.Item) string { return LegalBasesText(it.GetLegalBases()) }},
	{Key: KeySource, Header: "权力来源", Synonyms: []string{"职权来源"}, English: []string{"source"},
		Note:  "法定、授权或受委托 / 法定 (statutory), 授权 (delegated) or 受委托 (entrusted)",
		Path:  "source",
		Label: "权力来源", EnglishLabel: "source", Text: func(it *pb.Item) string { return sourceLabel(it.GetSource()) }},
	{Key: KeyEntrustingBody, Header: "委托机关", Synonyms: []string{"委托单位"}, English: []string{"entrusting_body"},
		Note:  "受委托时填委托机关 / the entrusting body, when entrusted",
		Path:  "entrusting_body",
		Label: "委托机关", EnglishLabel: "entrusting body", Text: func(it *pb.Item) string { return it.GetEntrustingBody() }},
	{Key: KeyHandlingUnit, Header: "承办机构", Synonyms: []string{"承办科室", "内设机构", "责任科室"}, English: []string{"handling_unit"},
		Note:  "部门内承办的科室 / the office inside the department",
		Path:  "handling_unit",
		Label: "承办机构", EnglishLabel: "handling unit", Text: func(it *pb.Item) string { return it.GetHandlingUnit() }},
	{Key: KeyLevels, Header: "行使层级", Synonyms: []string{"层级"}, English: []string{"levels"},
		Note:  "如“市级、县级”，用顿号分隔 / e.g. 市级、县级, separated by 、",
		Path:  "levels",
		Label: "行使层级", EnglishLabel: "levels", Text: func(it *pb.Item) string { return strings.Join(it.GetLevels(), "、") }},
	{Key: KeyResponsibilities, Header: "责任事项", English: []string{"responsibilities"},
		Note:  "每项一行或用分号分隔，如“立案；调查取证；决定” / one per line or separated by ；",
		Path:  "responsibilities",
		Label: "责任事项", EnglishLabel: "responsibilities", Text: func(it *pb.Item) string { return strings.Join(it.GetResponsibilities(), "；") }},
	{Key: KeyAccountability, Header: "追责情形", Synonyms: []string{"问责情形", "追责情形及依据"}, English: []string{"accountability"},
		Note:  "每种情形一行或用分号分隔 / one per line or separated by ；",
		Path:  "accountability",
		Label: "追责情形", EnglishLabel: "accountability", Text: func(it *pb.Item) string { return strings.Join(it.GetAccountability(), "；") }},
	{Key: KeyLegalTimeLimit, Header: "法定期限", Synonyms: []string{"法定办结时限"}, English: []string{"legal_time_limit"},
		Note:  "如“20个工作日”“30日”“3个月”，没有留空 / e.g. 20个工作日, 30日, 3个月; empty if none",
		Path:  "legal_time_limit",
		Label: "法定期限", EnglishLabel: "legal time limit", Text: func(it *pb.Item) string { return FormatTimeLimit(it.GetLegalTimeLimit()) }},
	{Key: KeyPromisedTimeLimit, Header: "承诺期限", Synonyms: []string{"承诺办结时限"}, English: []string{"promised_time_limit"},
		Note:  "写法同法定期限 / as 法定期限",
		Path:  "promised_time_limit",
		Label: "承诺期限", EnglishLabel: "promised time limit", Text: func(it *pb.Item) string { return FormatTimeLimit(it.GetPromisedTimeLimit()) }},
	{Key: KeyFeeCharged, Header: "是否收费", English: []string{"fee_charged"},
		Note:  "是或否，不确定留空 / 是 (yes) or 否 (no); empty when not known",
		Path:  "fee.charged",
		Label: "是否收费", EnglishLabel: "fee charged", Text: func(it *pb.Item) string { return formatBool(feeCharged(it)) }},
	{Key: KeyFeeBasis, Header: "收费依据", English: []string{"fee_basis"},
		Note:  "收费时填写 / when a fee is charged",
		Path:  "fee.basis",
		Label: "收费依据", EnglishLabel: "fee basis", Text: func(it *pb.Item) string { return it.GetFee().GetBasis() }},
	{Key: KeyFeeStandard, Header: "收费标准", English: []string{"fee_standard"},
		Note:  "如“每件50元” / e.g. 每件50元",
		Path:  "fee.standard",
		Label: "收费标准", EnglishLabel: "fee standard", Text: func(it *pb.Item) string { return it.GetFee().GetStandard() }},
	{Key: KeyReviewAndForward, Header: "是否审核转报", Synonyms: []string{"审核转报"}, English: []string{"review_and_forward"},
		Note:  "只审核后转报上级时填“是”，自行决定填“否”，不确定留空 / 是 when the department only checks and forwards, 否 when it decides; empty when not known",
		Path:  "review_and_forward",
		Label: "审核转报", EnglishLabel: "review and forward", Text: func(it *pb.Item) string { return formatBool(it.ReviewAndForward) }},
	{Key: KeyRemark, Header: "备注", English: []string{"remark"},
		Note:  "选填 / optional",
		Path:  "remark",
		Label: "备注", EnglishLabel: "remark", Text: func(it *pb.Item) string { return it.GetRemark() }},
}

// extraColumns are the columns that are not the template's: read when a
// file has them, written by the exports that need them (WorkingCopyKeys,
// ReviewKeys).
var extraColumns = []Column{
	{Key: KeyItem, Header: "事项标识", Synonyms: []string{"事项ID", "事项资源名"}, English: []string{"item", "item_name"},
		Note: "登记系统的事项标识，请勿修改；新增事项留空 / the item in the registry: do not edit; empty for a new item",
		Role: RoleIdentity, value: func(r Row) string { return r.Item.GetName() }},
	{Key: KeyRegion, Header: "区划代码", Synonyms: []string{"行政区划代码", "区划编码", "行政区划编码"}, English: []string{"region_code", "region"},
		Note: "部门所在行政区划代码（6、9或12位），如“511602” / the department's region code (6, 9 or 12 digits), e.g. 511602",
		Role: RoleRegion, value: func(r Row) string { return r.RegionCode }},
	{Key: KeyState, Header: "状态", Synonyms: []string{"事项状态"}, English: []string{"state"},
		Note: "仅供查看，导入时忽略 / for reading only: ignored on import",
		Role: RoleExport, value: func(r Row) string { return StateLabel(r.Item.GetState()) }},
	{Key: KeyPendingChange, Header: "待发布变更", English: []string{"pending_change"},
		Note: "新增、修改或废止，仅供查看 / 新增 (new), 修改 (modified) or 废止 (abolished), for reading only",
		Role: RoleExport, value: func(r Row) string { return ChangeLabel(r.Item.GetPendingChange()) }},
	{Key: KeyLastReviewComment, Header: "最近审核意见", English: []string{"last_review_comment"},
		Note: "审核人最近一次的意见，仅供查看 / the reviewer's last comment, for reading only",
		Role: RoleExport, value: func(r Row) string { return r.Item.GetReviewComment() }},
	{Key: KeyChange, Header: "变更类型", English: []string{"change"},
		Note: "新增、修改或废止 / 新增 (new), 修改 (modified) or 废止 (abolished)",
		Role: RoleExport, value: func(r Row) string { return ChangeLabel(r.Item.GetPendingChange()) }},
	{Key: KeyChangedFields, Header: "变更字段", English: []string{"changed_fields"},
		Note: "与在用版本不同的字段 / the fields that differ from the revision in force",
		Role: RoleExport, value: func(r Row) string { return r.Extra[KeyChangedFields] }},
	{Key: KeyReviewComment, Header: "审核意见（退回时填写）", Synonyms: []string{"退回意见"}, English: []string{"review_comment"},
		Note: "退回的事项填写意见，通过的留空 / the comment for an item to return; empty to approve",
		Role: RoleExport, value: func(r Row) string { return r.Extra[KeyReviewComment] }},
	{Key: KeyRejectReason, Header: RejectHeader, English: []string{"error"},
		Note: "导入时发现的问题；改正后可直接重新导入，此列导入时忽略 / what the import found wrong; fix the row and import the file again: the column is ignored on import",
		Role: RoleExport, value: func(r Row) string { return r.Extra[KeyRejectReason] }},
}

// allColumns are every column the readers know: the template's first, so
// that a position in Columns is the same in allColumns.
var allColumns = append(append([]Column{}, Columns...), extraColumns...)

// Column lists of the files the writers write, by key in order.
var (
	// TemplateKeys are the template's columns (powerctl template, export).
	TemplateKeys = keys(Columns)
	// WorkingCopyKeys are a working-copy export's columns (powerctl export
	// --working-copy): the template's, then the item's identity, its
	// state, its pending change and the reviewer's last comment.
	WorkingCopyKeys = append(keys(Columns), KeyItem, KeyState, KeyPendingChange, KeyLastReviewComment)
	// ReviewKeys are a review sheet's columns (powerctl review export): the
	// template's, then the identity, the change, the changed fields and an
	// empty column for the reviewer's comment.
	ReviewKeys = append(keys(Columns), KeyItem, KeyChange, KeyChangedFields, KeyReviewComment)
)

func keys(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Key
	}
	return out
}

// ColumnOf returns the column with key, from the template's or the extra
// columns.
func ColumnOf(key string) (Column, bool) {
	if i := columnIndex(key); i >= 0 {
		return allColumns[i], true
	}
	return Column{}, false
}

// ItemFields are the columns powerctl shows for an item's content, in
// template order: those with a Text.
func ItemFields() []Column {
	var out []Column
	for _, c := range Columns {
		if c.Text != nil {
			out = append(out, c)
		}
	}
	return out
}

// ColumnOfPath returns the key of the column holding the item field at
// path, a field path of the API's Item such as "legal_bases[2].text" or
// "fee.basis" (the longest column path that path starts with), or "".
func ColumnOfPath(path string) string {
	best, key := 0, ""
	for _, c := range Columns {
		p := c.Path
		if p == "" || len(p) <= best || !strings.HasPrefix(path, p) {
			continue
		}
		if rest := path[len(p):]; rest == "" || rest[0] == '.' || rest[0] == '[' {
			best, key = len(p), c.Key
		}
	}
	switch {
	case key != "":
		return key
	case path == "category_label": // written in the category column too
		return KeyCategory
	case path == "fee" || strings.HasPrefix(path, "fee."): // the fee as a whole
		return KeyFeeCharged
	}
	return ""
}

// UpdateMask returns the paths of ImportItemsRequest.update_mask for a
// file with header: the item fields its columns carry (Column.Path, in
// template order), so that an import of a file without a 设定依据 column
// never clears legal bases. 大项 and 子项名称 carry "main_item" (the row's
// main item); 职权类型 carries "category" and "category_label".
func UpdateMask(header []string) []string {
	has := map[string]bool{}
	for _, h := range header {
		if k, ok := headerKeys[normHeader(h)]; ok {
			has[k] = true
		}
	}
	if has[KeySubItem] {
		has[KeyMainItem] = true
	}
	var out []string
	for _, c := range Columns {
		if c.Path == "" || !has[c.Key] {
			continue
		}
		switch c.Key {
		case KeyMainItem:
			out = append(out, "main_item")
		case KeyCategory:
			out = append(out, "category", "category_label")
		default:
			out = append(out, c.Path)
		}
	}
	return out
}

// UnknownColumns returns the columns of header that no column of the field
// table matches, as their letter and header as written: F「事项类型代码」;
// and the columns without a header that hold data in rows (cells that
// would be lost without a word), as H（无表头 / no header）.
func UnknownColumns(header []string, rows []Row) []string {
	var out []string
	unnamed := map[int]bool{}
	for _, r := range rows {
		for i, c := range r.Cells {
			if (i >= len(header) || clean(header[i]) == "") && clean(c) != "" {
				unnamed[i] = true
			}
		}
	}
	for i := range max(len(header), maxKey(unnamed)+1) {
		h := ""
		if i < len(header) {
			h = clean(header[i])
		}
		switch {
		case h == "" && unnamed[i]:
			out = append(out, columnName(i+1)+"（无表头 / no header）")
		case h == "":
		default:
			if _, ok := headerKeys[normHeader(h)]; !ok {
				out = append(out, columnName(i+1)+"「"+h+"」")
			}
		}
	}
	return out
}

func maxKey(m map[int]bool) int {
	n := -1
	for k := range m {
		n = max(n, k)
	}
	return n
}

// Item states as the domain names them (DOMAIN.md), in enum order.
var stateLabels = map[pb.Item_State]string{
	pb.Item_STATE_DRAFT:     "草稿",
	pb.Item_STATE_SUBMITTED: "已报送",
	pb.Item_STATE_APPROVED:  "已审核",
	pb.Item_STATE_RETURNED:  "退回修改",
	pb.Item_STATE_PUBLISHED: "已发布",
	pb.Item_STATE_ABOLISHED: "已废止",
}

// StateLabel is the Chinese label of an item state: 草稿, 已报送, 已审核,
// 退回修改, 已发布 or 已废止; "" for STATE_UNSPECIFIED.
func StateLabel(s pb.Item_State) string { return stateLabels[s] }

// ChangeLabel is the Chinese label of a change: 新增, 修改 or 废止; "" for
// none.
func ChangeLabel(c pb.ChangeKind) string {
	switch c {
	case pb.ChangeKind_CHANGE_KIND_CREATE:
		return "新增"
	case pb.ChangeKind_CHANGE_KIND_MODIFY:
		return "修改"
	case pb.ChangeKind_CHANGE_KIND_ABOLISH:
		return "废止"
	}
	return ""
}

// CategoryText is an item's category label, with the label as written in
// the source list when it differs: 管理服务（公共服务）.
func CategoryText(it *pb.Item) string {
	label := CategoryLabel(it.GetCategory())
	if label == "" && it.GetCategory() != pb.Category_CATEGORY_UNSPECIFIED {
		label = it.GetCategory().String()
	}
	if l := it.GetCategoryLabel(); l != "" && l != label {
		return label + "（" + l + "）"
	}
	return label
}

// Levels of legal instruments as people name them.
var levelLabels = map[pb.LegalBasis_Level]string{
	pb.LegalBasis_LEVEL_LAW:                       "法律",
	pb.LegalBasis_LEVEL_ADMINISTRATIVE_REGULATION: "行政法规",
	pb.LegalBasis_LEVEL_LOCAL_REGULATION:          "地方性法规",
	pb.LegalBasis_LEVEL_RULE:                      "规章",
	pb.LegalBasis_LEVEL_NORMATIVE_DOCUMENT:        "规范性文件",
}

// LegalBasisText is one legal basis as people read it, with its level
// when known: [法律] 《中华人民共和国土地管理法》第七十七条.
func LegalBasisText(b *pb.LegalBasis) string {
	if l := levelLabels[b.GetLevel()]; l != "" {
		return "[" + l + "] " + b.GetText()
	}
	return b.GetText()
}

// LegalBasesText is the legal bases on one line, separated by ；.
func LegalBasesText(list []*pb.LegalBasis) string {
	parts := make([]string, len(list))
	for i, b := range list {
		parts[i] = LegalBasisText(b)
	}
	return strings.Join(parts, "；")
}

// notesPrefix starts the first cell of the notes row; Read skips such rows.
const notesPrefix = "说明："

// columnIndex returns the position of key in allColumns (the same as in
// Columns for a template column), or -1.
func columnIndex(key string) int {
	for i, c := range allColumns {
		if c.Key == key {
			return i
		}
	}
	return -1
}

// headerKeys maps a normalised header (see normHeader) to its column key.
var headerKeys = func() map[string]string {
	m := map[string]string{}
	for _, c := range allColumns {
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
