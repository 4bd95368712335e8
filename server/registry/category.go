package registry

import "strings"

// Category is one of the ten kinds of power; numbers match
// powerreg.v1.Category.
type Category int

// The ten categories (DOMAIN.md).
const (
	CategoryLicensing         Category = 1
	CategoryManagementService Category = 2
	CategoryPenalty           Category = 3
	CategorySupervision       Category = 4
	CategoryAdjudication      Category = 5
	CategoryCoercion          Category = 6
	CategoryLevy              Category = 7
	CategoryBenefit           Category = 8
	CategoryConfirmation      Category = 9
	CategoryOther             Category = 10
)

// CategoryInfo describes a category: its labels, the letters used in codes,
// and the other labels real lists use for it.
type CategoryInfo struct {
	Category     Category
	Label        string
	EnglishLabel string
	Letters      string
	Aliases      []string
}

// Categories is the one documented mapping table between categories and the
// labels real spreadsheets use: the registry's ten, the 2015 national
// guidance's (行政检查 → supervision, 行政奖励 and 其他行政权力 → other,
// 公共服务 → management service) and common short forms.
var Categories = []CategoryInfo{
	{CategoryLicensing, "行政许可", "licensing", "XK", []string{"许可"}},
	{CategoryManagementService, "管理服务", "management service", "FW", []string{"公共服务", "服务"}},
	{CategoryPenalty, "行政处罚", "penalty", "CF", []string{"处罚"}},
	{CategorySupervision, "行政监督", "supervision", "JD", []string{"行政检查", "监督", "检查", "监督检查"}},
	{CategoryAdjudication, "行政裁决", "adjudication", "CJ", []string{"裁决"}},
	{CategoryCoercion, "行政强制", "coercion", "QZ", []string{"强制"}},
	{CategoryLevy, "行政征收", "levy", "ZS", []string{"征收"}},
	{CategoryBenefit, "行政给付", "benefit", "GF", []string{"给付"}},
	{CategoryConfirmation, "行政确认", "confirmation", "QR", []string{"确认"}},
	{CategoryOther, "其他权力", "other", "QT", []string{"其他行政权力", "行政奖励", "其他", "奖励"}},
}

// Info returns the description of c; ok is false for an unknown category.
func (c Category) Info() (CategoryInfo, bool) {
	if c < CategoryLicensing || c > CategoryOther {
		return CategoryInfo{}, false
	}
	return Categories[c-1], true
}

// Valid reports whether c is one of the ten.
func (c Category) Valid() bool {
	_, ok := c.Info()
	return ok
}

// Label is the Chinese label of c, empty for an unknown category.
func (c Category) Label() string {
	info, _ := c.Info()
	return info.Label
}

// CategoryByLabel maps a Chinese label or alias, as written in a list, to
// its category.
func CategoryByLabel(label string) (Category, bool) {
	label = strings.TrimSpace(label)
	for _, info := range Categories {
		if info.Label == label {
			return info.Category, true
		}
		for _, a := range info.Aliases {
			if a == label {
				return info.Category, true
			}
		}
	}
	return 0, false
}
