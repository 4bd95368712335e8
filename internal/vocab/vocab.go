// Package vocab is the vocabulary of generated power items, shared by the
// speed tools (cmd/powerbench, cmd/powerload): realistic names of items and
// of Hunan's departments, legal bases citing 《…》 and articles, in the
// proportions of the report (DOMAIN.md).
package vocab

import (
	"fmt"
	"math/rand/v2"

	"github.com/powerreg/powerreg/server/registry"
)

// The vocabulary of generated items: objects of administration, the
// actions penalties name, laws, and the province's cities and bureaus.

var objects = []string{
	"土地", "矿产资源", "森林", "草原", "水资源", "河道", "食品", "药品", "医疗器械", "化妆品",
	"特种设备", "危险化学品", "烟花爆竹", "建筑工程", "城市道路", "户外广告", "燃气", "道路运输", "船舶", "渔业",
	"野生动物", "农作物种子", "农药", "兽药", "饲料", "生猪屠宰", "文物", "出版物", "互联网上网服务", "娱乐场所",
	"旅馆业", "校外培训", "民办学校", "职业技能培训", "劳动用工", "社会保险", "住房公积金", "消防", "安全生产", "环境噪声",
	"大气污染", "水污染", "固体废物", "排污", "价格", "计量器具", "标准化", "产品质量", "商标", "专利",
	"统计", "档案", "测绘", "气象设施", "地震监测设施", "人防工程", "宗教活动场所", "殡葬", "慈善组织", "社会团体",
	"彩票", "烟草专卖品", "食盐", "电力设施", "石油天然气管道", "无线电台", "邮政", "城市供水", "城镇排水", "园林绿化",
	"市容环境卫生", "物业管理", "房地产开发", "建设用地", "城乡规划", "公路", "水路运输", "港口", "机动车维修", "驾驶员培训",
	"出租汽车", "医疗机构", "执业医师", "母婴保健", "传染病防治", "职业病防治", "放射诊疗", "公共场所卫生", "生活饮用水", "粮食流通",
	"农业机械", "植物检疫", "动物防疫", "水土保持", "取水", "防汛", "采砂", "林木采伐", "种畜禽", "乳品",
}

var penaltyActions = []string{
	"未经许可从事%s经营活动", "擅自改变%s用途", "违反%s管理规定", "伪造、变造%s许可证件", "拒不接受%s监督检查",
	"非法占用%s", "未按规定报送%s资料", "超越许可范围从事%s活动", "隐瞒有关情况或者提供虚假%s材料", "未建立%s管理制度",
}

var categoryPatterns = map[registry.Category][]string{
	registry.CategoryLicensing:         {"%s经营许可", "%s许可", "%s作业许可", "%s设立审批"},
	registry.CategoryManagementService: {"%s信息查询服务", "%s政策咨询服务", "%s技术指导服务"},
	registry.CategorySupervision:       {"对%s的监督检查", "对%s活动的行政检查", "%s安全监督"},
	registry.CategoryAdjudication:      {"%s权属争议裁决", "%s侵权纠纷裁决"},
	registry.CategoryCoercion:          {"查封、扣押违法%s", "责令停止%s违法行为", "强制拆除违法%s设施"},
	registry.CategoryLevy:              {"%s费征收", "%s补偿费征收"},
	registry.CategoryBenefit:           {"%s补助金给付", "%s困难救助金给付"},
	registry.CategoryConfirmation:      {"%s登记", "%s资格认定", "%s权属确认"},
	registry.CategoryOther:             {"%s备案", "%s先进单位奖励", "%s年度报告公示"},
}

// SubItemCases name the cases of a penalty's sub-items (分项), appended to
// the main item's name.
var SubItemCases = []string{"（情节较轻的）", "（情节严重的）", "（逾期不改正的）", "（造成严重后果的）"}

type law struct {
	level int
	title string
}

var laws = []law{
	{registry.LevelLaw, "《中华人民共和国行政处罚法》"}, {registry.LevelLaw, "《中华人民共和国行政许可法》"},
	{registry.LevelLaw, "《中华人民共和国土地管理法》"}, {registry.LevelLaw, "《中华人民共和国食品安全法》"},
	{registry.LevelLaw, "《中华人民共和国环境保护法》"}, {registry.LevelLaw, "《中华人民共和国安全生产法》"},
	{registry.LevelLaw, "《中华人民共和国药品管理法》"}, {registry.LevelLaw, "《中华人民共和国森林法》"},
	{registry.LevelLaw, "《中华人民共和国水法》"}, {registry.LevelLaw, "《中华人民共和国道路交通安全法》"},
	{registry.LevelAdministrativeRegulation, "《特种设备安全监察条例》"}, {registry.LevelAdministrativeRegulation, "《危险化学品安全管理条例》"},
	{registry.LevelAdministrativeRegulation, "《城镇排水与污水处理条例》"}, {registry.LevelAdministrativeRegulation, "《医疗机构管理条例》"},
	{registry.LevelLocalRegulation, "《湖南省环境保护条例》"}, {registry.LevelLocalRegulation, "《湖南省实施〈中华人民共和国土地管理法〉办法》"},
	{registry.LevelRule, "《湖南省行政程序规定》"}, {registry.LevelRule, "《湖南省规范行政裁量权办法》"},
}

var cities = []struct{ name, code string }{
	{"长沙市", "430100"}, {"株洲市", "430200"}, {"湘潭市", "430300"}, {"衡阳市", "430400"}, {"邵阳市", "430500"},
	{"岳阳市", "430600"}, {"常德市", "430700"}, {"张家界市", "430800"}, {"益阳市", "430900"}, {"郴州市", "431000"},
	{"永州市", "431100"}, {"怀化市", "431200"}, {"娄底市", "431300"}, {"湘西土家族苗族自治州", "433100"},
}

var bureaus = []string{
	"自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
	"文化旅游广电体育局", "卫生健康委员会", "应急管理局", "市场监督管理局", "公安局", "民政局", "司法局",
	"财政局", "人力资源和社会保障局", "教育局", "林业局", "城市管理综合执法局", "医疗保障局",
}

var responsibilities = [][]string{
	{"立案", "调查取证", "审查", "告知", "决定", "送达", "执行"},
	{"受理", "审查", "决定", "送达", "事后监管"},
	{"检查", "处置", "信息公开"},
}

// categoryWeights are the published counts per category of the report
// (DOMAIN.md), index = category - 1.
var categoryWeights = [10]int{191, 71, 2426, 149, 4, 73, 28, 11, 46, 190}

// Department is the i-th generated department (0-based).
func Department(i int) registry.Department {
	c := cities[i%len(cities)]
	b := bureaus[(i/len(cities))%len(bureaus)]
	name := c.name + b
	if round := i / (len(cities) * len(bureaus)); round > 0 {
		name += fmt.Sprintf("第%d分局", round+1)
	}
	return registry.Department{ID: fmt.Sprintf("dept%03d", i+1), DisplayName: name, RegionCode: c.code}
}

// PickCategory draws a category in the report's proportions.
func PickCategory(r *rand.Rand) registry.Category {
	total := 0
	for _, w := range categoryWeights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range categoryWeights {
		if n < w {
			return registry.Category(i + 1)
		}
		n -= w
	}
	return registry.CategoryOther
}

// ItemName is a realistic name of an item of category c.
func ItemName(r *rand.Rand, c registry.Category) string {
	obj := objects[r.IntN(len(objects))]
	if c == registry.CategoryPenalty {
		return "对" + fmt.Sprintf(penaltyActions[r.IntN(len(penaltyActions))], obj) + "的处罚"
	}
	ps := categoryPatterns[c]
	return fmt.Sprintf(ps[r.IntN(len(ps))], obj)
}

// Content is a generated item of category c called name.
func Content(r *rand.Rand, c registry.Category, name string) registry.Content {
	var bases []registry.LegalBasis
	for n := 1 + r.IntN(2); n > 0; n-- {
		l := laws[r.IntN(len(laws))]
		art := fmt.Sprintf("第%s条", ChineseNumber(1+r.IntN(120)))
		bases = append(bases, registry.LegalBasis{Level: l.level, Title: l.title, Article: art,
			Text: l.title + art + "：" + name + "，由县级以上人民政府有关主管部门依法实施。"})
	}
	ct := registry.Content{
		DisplayName:      name,
		Category:         c,
		LegalBases:       bases,
		Source:           registry.SourceStatutory,
		HandlingUnit:     []string{"政策法规科", "行政审批科", "执法监察支队", "综合执法大队"}[r.IntN(4)],
		Levels:           [][]string{{"省级"}, {"市级"}, {"市级", "县级"}, {"县级"}}[r.IntN(4)],
		Responsibilities: responsibilities[r.IntN(len(responsibilities))],
	}
	if c == registry.CategoryLicensing {
		ct.LegalTimeLimit = registry.TimeLimit{Value: 20, Unit: registry.UnitWorkingDay}
		ct.PromisedTimeLimit = registry.TimeLimit{Value: 5 + r.IntN(10), Unit: registry.UnitWorkingDay}
	}
	return ct
}

// ChineseNumber writes 1..999 in Chinese numerals, as articles are cited.
func ChineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	s := ""
	if h := n / 100; h > 0 {
		s += digits[h] + "百"
	}
	t, u := (n/10)%10, n%10
	switch {
	case t > 0 && (t != 1 || n >= 100):
		s += digits[t] + "十"
	case t == 1:
		s += "十"
	case t == 0 && n >= 100 && u > 0:
		s += "零"
	}
	if u > 0 {
		s += digits[u]
	}
	return s
}

// QueryWords are search terms of 1, 2 and 4 characters drawn from the
// vocabulary.
func QueryWords() (one, two, four []string) {
	one = []string{"土", "药", "林", "水", "矿", "税", "船", "粮", "电", "气"}
	seen := map[string]bool{}
	for _, o := range objects {
		rs := []rune(o)
		if len(rs) >= 2 && !seen[string(rs[:2])] {
			seen[string(rs[:2])] = true
			two = append(two, string(rs[:2]))
		}
		if len(rs) >= 4 {
			four = append(four, string(rs[:4]))
		}
	}
	four = append(four, "经营许可", "监督检查", "权属争议", "资格认定")
	return one, two, four
}
