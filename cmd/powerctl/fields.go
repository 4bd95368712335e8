package main

import (
	"strings"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// field is one field of an item as a person reads it: its Chinese and
// English label and its value as text. catalog get shows them; review show
// compares them between revisions.
type field struct {
	zh, en string
	key    string // proto field name, for JSON output
	get    func(*pb.Item) string
}

func (f field) label() string { return f.zh + " " + f.en }

// itemFields are the fields of an item's content, in the template's order.
var itemFields = []field{
	{"名称", "name", "display_name", func(it *pb.Item) string { return it.GetDisplayName() }},
	{"类型", "category", "category", func(it *pb.Item) string { return categoryText(it) }},
	{"大项", "main item", "parent", func(it *pb.Item) string { return it.GetParent() }},
	{"设定依据", "legal bases", "legal_bases", func(it *pb.Item) string { return legalBasesText(it.GetLegalBases()) }},
	{"编码", "code", "code", func(it *pb.Item) string { return it.GetCode() }},
	{"权力来源", "source", "source", func(it *pb.Item) string { return sourceText(it) }},
	{"承办机构", "handling unit", "handling_unit", func(it *pb.Item) string { return it.GetHandlingUnit() }},
	{"行使层级", "levels", "levels", func(it *pb.Item) string { return strings.Join(it.GetLevels(), "、") }},
	{"责任事项", "responsibilities", "responsibilities", func(it *pb.Item) string { return strings.Join(it.GetResponsibilities(), "；") }},
	{"追责情形", "accountability", "accountability", func(it *pb.Item) string { return strings.Join(it.GetAccountability(), "；") }},
	{"法定期限", "legal time limit", "legal_time_limit", func(it *pb.Item) string { return sheet.FormatTimeLimit(it.GetLegalTimeLimit()) }},
	{"承诺期限", "promised time limit", "promised_time_limit", func(it *pb.Item) string { return sheet.FormatTimeLimit(it.GetPromisedTimeLimit()) }},
	{"收费", "fee", "fee", func(it *pb.Item) string { return feeText(it.GetFee()) }},
	{"审核转报", "review and forward", "review_and_forward", func(it *pb.Item) string { return yesNo(it.ReviewAndForward) }},
	{"备注", "remark", "remark", func(it *pb.Item) string { return it.GetRemark() }},
}

// categoryLabels are the Chinese labels of the ten categories.
var categoryLabels = map[pb.Category]string{
	pb.Category_CATEGORY_LICENSING:          "行政许可",
	pb.Category_CATEGORY_MANAGEMENT_SERVICE: "管理服务",
	pb.Category_CATEGORY_PENALTY:            "行政处罚",
	pb.Category_CATEGORY_SUPERVISION:        "行政监督",
	pb.Category_CATEGORY_ADJUDICATION:       "行政裁决",
	pb.Category_CATEGORY_COERCION:           "行政强制",
	pb.Category_CATEGORY_LEVY:               "行政征收",
	pb.Category_CATEGORY_BENEFIT:            "行政给付",
	pb.Category_CATEGORY_CONFIRMATION:       "行政确认",
	pb.Category_CATEGORY_OTHER:              "其他权力",
}

// categoryText is the category's label, with the label as written in the
// source list when it differs: 管理服务（公共服务）.
func categoryText(it *pb.Item) string {
	label := categoryLabels[it.GetCategory()]
	if label == "" {
		label = it.GetCategory().String()
	}
	if l := it.GetCategoryLabel(); l != "" && l != label {
		return label + "（" + l + "）"
	}
	return label
}

var levelLabels = map[pb.LegalBasis_Level]string{
	pb.LegalBasis_LEVEL_LAW:                       "法律",
	pb.LegalBasis_LEVEL_ADMINISTRATIVE_REGULATION: "行政法规",
	pb.LegalBasis_LEVEL_LOCAL_REGULATION:          "地方性法规",
	pb.LegalBasis_LEVEL_RULE:                      "规章",
	pb.LegalBasis_LEVEL_NORMATIVE_DOCUMENT:        "规范性文件",
}

func legalBasesText(list []*pb.LegalBasis) string {
	parts := make([]string, len(list))
	for i, b := range list {
		parts[i] = b.GetText()
		if l := levelLabels[b.GetLevel()]; l != "" {
			parts[i] = "[" + l + "] " + parts[i]
		}
	}
	return strings.Join(parts, "；")
}

func sourceText(it *pb.Item) string {
	switch it.GetSource() {
	case pb.PowerSource_POWER_SOURCE_STATUTORY:
		return "法定"
	case pb.PowerSource_POWER_SOURCE_AUTHORIZED:
		return "授权"
	case pb.PowerSource_POWER_SOURCE_ENTRUSTED:
		if b := it.GetEntrustingBody(); b != "" {
			return "受委托（" + b + "）"
		}
		return "受委托"
	}
	return ""
}

// feeText is the fee as a person reads it. Whether a fee is charged is
// three-state: nobody having said is never shown as 不收费.
func feeText(f *pb.Fee) string {
	var s string
	switch {
	case f == nil || f.Charged == nil && f.Basis == "" && f.Standard == "":
		return ""
	case f.Charged == nil:
		s = "未填写是否收费"
	case *f.Charged:
		s = "收费"
	default:
		s = "不收费"
	}
	if f.GetStandard() != "" {
		s += "，" + f.GetStandard()
	}
	if f.GetBasis() != "" {
		s += "（依据：" + f.GetBasis() + "）"
	}
	return s
}

// yesNo is a three-state answer: 是, 否, or empty when nobody has said
// (never 否: a list must not say no when nobody said so).
func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "是"
	}
	return "否"
}
