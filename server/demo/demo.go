// Package demo loads a small sample catalogue of Hengyang (region 430400)
// into an empty registry, so that a newcomer sees data at once. It goes
// through the public registry.Service methods only, step by step as
// departments, reviewers and publishers would, so that the recorded history
// reads like a real workflow and every state appears somewhere.
package demo

import (
	"fmt"
	"slices"

	"github.com/powerreg/powerreg/server/registry"
)

// Actors of the recorded history: bare names, without tokens, so each name
// is its own person (holder) for four eyes: three different people, none
// of whom created another's token.
const (
	department = "demo-department"
	reviewer   = "demo-reviewer"
	publisher  = "demo-publisher"
)

// region is Hengyang's GB/T 2260 code.
const region = "430400"

// Short names for the registry's enum numbers, to keep the table readable.
const (
	law        = registry.LevelLaw
	regulation = registry.LevelAdministrativeRegulation
	rule       = registry.LevelRule

	day        = registry.UnitDay
	workingDay = registry.UnitWorkingDay
	month      = registry.UnitMonth

	statutory = registry.SourceStatutory
	entrusted = registry.SourceEntrusted
)

// stage is where Load leaves an item.
type stage int

const (
	published stage = iota // in the first central publication
	modified               // published, then a change drafted (the published revision stays in force)
	abolished              // published, then abolished in the second publication
	late                   // in the second publication
	returned               // in the second round, returned alone by the reviewer (note: the comment)
	approved               // approved, not yet published
	submitted              // awaiting review
	rejected               // its whole batch returned (note: the reviewer's comment on it)
	draft                  // never submitted
)

// item is one row of the sample list.
type item struct {
	dept, name string
	cat        registry.Category
	label      string // the category as the department wrote it, when not the registry's own label
	unit       string // 承办机构
	bases      []registry.LegalBasis
	legal      registry.TimeLimit // 法定期限
	promised   registry.TimeLimit // 承诺期限
	fee        registry.Fee
	parent     string         // display name of the main item (子项 only)
	code       string         // the department's own code; empty: assigned at publication
	entrusting string         // entrusting body of an entrusted power
	forward    registry.YesNo // 审核转报; unknown unless said
	stage      stage
	note       string // why abolished, what changed, or the reviewer's comment
}

var departments = []registry.Department{
	{ID: "gtzyj", DisplayName: "衡阳市国土资源局", RegionCode: region},
	{ID: "gsj", DisplayName: "衡阳市市场监督管理局", RegionCode: region},
	{ID: "hbj", DisplayName: "衡阳市生态环境局", RegionCode: region},
	{ID: "jtj", DisplayName: "衡阳市交通运输局", RegionCode: region},
	{ID: "mzj", DisplayName: "衡阳市民政局", RegionCode: region},
	{ID: "sfj", DisplayName: "衡阳市司法局", RegionCode: region},
}

// Titles of the laws cited more than once.
const (
	tdglf  = "《中华人民共和国土地管理法》"
	cpzlf  = "《中华人民共和国产品质量法》"
	hjbhf  = "《中华人民共和国环境保护法》"
	hpf    = "《中华人民共和国环境影响评价法》"
	dlystl = "《中华人民共和国道路运输条例》"
	gonglf = "《中华人民共和国公路法》"
	shjz   = "《社会救助暂行办法》"
	lsf    = "《中华人民共和国律师法》"
)

// items is the sample list, main items before their sub-items. Articles
// follow the texts in force in 2014, when Hengyang built its first list.
var items = []item{
	// 市国土资源局
	{dept: "gtzyj", name: "建设用地审批", cat: registry.CategoryLicensing, unit: "耕地保护科",
		bases: []registry.LegalBasis{basis(law, tdglf, "第四十四条", "建设占用土地，涉及农用地转为建设用地的，应当办理农用地转用审批手续。")},
		legal: days(20), promised: wdays(15)},
	{dept: "gtzyj", name: "农用地转用审批", cat: registry.CategoryLicensing, unit: "耕地保护科", parent: "建设用地审批",
		bases: []registry.LegalBasis{basis(law, tdglf, "第四十四条", "在土地利用总体规划确定的城市和村庄、集镇建设用地规模范围内，为实施该规划而将农用地转为建设用地的，按土地利用年度计划分批次由原批准土地利用总体规划的机关批准。")},
		legal: days(20), promised: wdays(15)},
	{dept: "gtzyj", name: "土地征收审批", cat: registry.CategoryLicensing, unit: "耕地保护科", parent: "建设用地审批",
		bases: []registry.LegalBasis{
			basis(law, tdglf, "第四十五条", "征收下列土地的，由国务院批准：（一）基本农田；（二）基本农田以外的耕地超过三十五公顷的；（三）其他土地超过七十公顷的。"),
			basis(law, tdglf, "第四十六条", "国家征收土地的，依照法定程序批准后，由县级以上地方人民政府予以公告并组织实施。"),
		},
		legal: days(20), promised: wdays(15)},
	{dept: "gtzyj", name: "采矿权新立、延续、变更登记", cat: registry.CategoryLicensing, unit: "矿产开发管理科",
		code: "430400-XK-GT-0001",
		bases: []registry.LegalBasis{
			basis(law, "《中华人民共和国矿产资源法》", "第三条", "勘查、开采矿产资源，必须依法分别申请、经批准取得探矿权、采矿权，并办理登记。"),
			basis(regulation, "《矿产资源开采登记管理办法》", "第三条", "开采矿产资源，采矿权申请人应当向登记管理机关申请登记，领取采矿许可证。"),
		},
		legal: days(40), promised: wdays(20),
		fee: registry.Fee{Charged: registry.Yes, Basis: "《矿产资源开采登记管理办法》第九条", Standard: "采矿权使用费每平方公里每年1000元"}},
	{dept: "gtzyj", name: "对非法占用土地的处罚", cat: registry.CategoryPenalty, unit: "执法监察支队",
		bases: []registry.LegalBasis{basis(law, tdglf, "第七十六条", "未经批准或者采取欺骗手段骗取批准，非法占用土地的，由县级以上人民政府土地行政主管部门责令退还非法占用的土地，对违反土地利用总体规划擅自将农用地改为建设用地的，限期拆除在非法占用的土地上新建的建筑物和其他设施，恢复土地原状，可以并处罚款。")},
		legal: days(90)},
	{dept: "gtzyj", name: "对买卖或者以其他形式非法转让土地的处罚", cat: registry.CategoryPenalty, unit: "执法监察支队",
		bases: []registry.LegalBasis{basis(law, tdglf, "第七十三条", "买卖或者以其他形式非法转让土地的，由县级以上人民政府土地行政主管部门没收违法所得，可以并处罚款。")},
		legal: days(90)},
	{dept: "gtzyj", name: "土地权属争议调处", cat: registry.CategoryAdjudication, unit: "地籍管理科",
		bases: []registry.LegalBasis{
			basis(law, tdglf, "第十六条", "土地所有权和使用权争议，由当事人协商解决；协商不成的，由人民政府处理。"),
			basis(rule, "《土地权属争议调查处理办法》", "第四条", "县级以上国土资源行政主管部门负责土地权属争议案件的调查和调解工作。"),
		},
		legal: registry.TimeLimit{Value: 6, Unit: month}},
	{dept: "gtzyj", name: "国有土地使用权登记", cat: registry.CategoryConfirmation, unit: "地籍管理科",
		bases: []registry.LegalBasis{basis(law, tdglf, "第十一条", "单位和个人依法使用的国有土地，由县级以上人民政府登记造册，核发证书，确认使用权。")},
		legal: days(20), promised: wdays(10),
		fee: registry.Fee{Charged: registry.Yes, Basis: "《国家计委、财政部关于规范房屋所有权登记费计费方式和收费标准等有关问题的通知》", Standard: "按宗收取"}},
	{dept: "gtzyj", name: "征收土地闲置费", cat: registry.CategoryLevy, unit: "土地利用科",
		bases: []registry.LegalBasis{
			basis(law, "《中华人民共和国城市房地产管理法》", "第二十六条", "超过出让合同约定的动工开发日期满一年未动工开发的，可以征收相当于土地使用权出让金百分之二十以下的土地闲置费。"),
			basis(rule, "《闲置土地处置办法》", "第十四条", "未动工开发满一年的，由市、县国土资源主管部门报经本级人民政府批准后，向国有建设用地使用权人下达《征缴土地闲置费决定书》。"),
		},
		fee: registry.Fee{Charged: registry.Yes, Basis: "《城市房地产管理法》第二十六条", Standard: "土地出让或者划拨价款的百分之二十"}},
	{dept: "gtzyj", name: "对违反土地管理法律、法规行为的监督检查", cat: registry.CategorySupervision, unit: "执法监察支队",
		bases: []registry.LegalBasis{basis(law, tdglf, "第六十六条", "县级以上人民政府土地行政主管部门对违反土地管理法律、法规的行为进行监督检查。")}},
	// A draft waiting for its basis: drafts may lack one, submission may not.
	{dept: "gtzyj", name: "不动产统一登记", cat: registry.CategoryConfirmation, unit: "地籍管理科", stage: draft,
		note: "待《不动产登记暂行条例》施行后补充设定依据"},

	// 市市场监督管理局
	{dept: "gsj", name: "公司设立、变更、注销登记", cat: registry.CategoryLicensing, unit: "企业注册科",
		bases: []registry.LegalBasis{
			basis(law, "《中华人民共和国公司法》", "第六条", "设立公司，应当依法向公司登记机关申请设立登记。"),
			basis(regulation, "《中华人民共和国公司登记管理条例》", "第四条", "工商行政管理机关是公司登记机关。"),
		},
		legal: days(15), promised: wdays(3)},
	{dept: "gsj", name: "对无照经营行为的处罚", cat: registry.CategoryPenalty, unit: "经济检查支队", stage: abolished,
		bases: []registry.LegalBasis{basis(regulation, "《无照经营查处取缔办法》", "第十四条", "对于无照经营行为，由工商行政管理部门依法予以取缔，没收违法所得；尚不够刑事处罚的，并处2万元以下的罚款。")},
		legal: days(90),
		note:  "《无照经营查处取缔办法》已被《无证无照经营查处办法》（国务院令第684号）废止，本项职权按新办法重新梳理"},
	{dept: "gsj", name: "对在产品中掺杂、掺假，以假充真，以次充好的处罚", cat: registry.CategoryPenalty, unit: "质量监督科",
		bases: []registry.LegalBasis{basis(law, cpzlf, "第五十条", "在产品中掺杂、掺假，以假充真，以次充好，或者以不合格产品冒充合格产品的，责令停止生产、销售，没收违法生产、销售的产品，并处违法生产、销售产品货值金额百分之五十以上三倍以下的罚款。")},
		legal: days(90)},
	{dept: "gsj", name: "查封、扣押不符合保障人体健康和人身、财产安全标准的产品", cat: registry.CategoryCoercion, unit: "质量监督科",
		bases: []registry.LegalBasis{basis(law, cpzlf, "第十八条", "对有根据认为不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品或者有其他严重质量问题的产品，以及直接用于生产、销售该项产品的原辅材料、包装物、生产工具，予以查封或者扣押。")},
		legal: days(30)},
	{dept: "gsj", name: "企业公示信息抽查", cat: registry.CategorySupervision, label: "行政检查", unit: "企业监管科",
		bases: []registry.LegalBasis{basis(regulation, "《企业信息公示暂行条例》", "第十四条", "国务院工商行政管理部门和省、自治区、直辖市人民政府工商行政管理部门应当采取随机摇号的方式，对企业公示信息的情况进行抽查。")}},
	{dept: "gsj", name: "消费者投诉受理", cat: registry.CategoryManagementService, label: "公共服务", unit: "消费者权益保护科",
		bases: []registry.LegalBasis{basis(law, "《中华人民共和国消费者权益保护法》", "第三十九条", "消费者和经营者发生消费者权益争议的，可以通过下列途径解决：……（四）向有关行政部门投诉。")},
		legal: wdays(7), promised: wdays(5)},
	{dept: "gsj", name: "对发布虚假广告的处罚", cat: registry.CategoryPenalty, unit: "广告监督管理科", stage: submitted,
		bases: []registry.LegalBasis{basis(law, "《中华人民共和国广告法》", "第五十五条", "违反本法规定，发布虚假广告的，由工商行政管理部门责令停止发布广告，责令广告主在相应范围内消除影响，处广告费用三倍以上五倍以下的罚款。")},
		legal: days(90)},

	// 市生态环境局
	{dept: "hbj", name: "建设项目环境影响评价文件审批", cat: registry.CategoryLicensing, unit: "环境影响评价科",
		bases: []registry.LegalBasis{basis(law, hpf, "第二十二条", "建设项目的环境影响评价文件，由建设单位按照国务院的规定报有审批权的环境保护行政主管部门审批。")},
		legal: days(60), promised: wdays(20)},
	{dept: "hbj", name: "征收排污费", cat: registry.CategoryLevy, unit: "环境监察支队",
		bases: []registry.LegalBasis{basis(regulation, "《排污费征收使用管理条例》", "第二条", "直接向环境排放污染物的单位和个体工商户，应当依照本条例的规定缴纳排污费。")},
		fee:   registry.Fee{Charged: registry.Yes, Basis: "《排污费征收标准管理办法》", Standard: "按排放污染物的种类、数量计征"}},
	{dept: "hbj", name: "查封、扣押造成污染物排放的设施、设备", cat: registry.CategoryCoercion, unit: "环境监察支队",
		bases: []registry.LegalBasis{
			basis(law, hjbhf, "第二十五条", "企业事业单位和其他生产经营者违反法律法规规定排放污染物，造成或者可能造成严重污染的，县级以上人民政府环境保护主管部门和其他负有环境保护监督管理职责的部门，可以查封、扣押造成污染物排放的设施、设备。"),
			basis(rule, "《环境保护主管部门实施查封、扣押办法》", "第四条", "排污者有下列情形之一的，环境保护主管部门依法实施查封、扣押。"),
		},
		legal: days(30)},
	{dept: "hbj", name: "对排污单位的现场检查", cat: registry.CategorySupervision, unit: "环境监察支队",
		bases: []registry.LegalBasis{basis(law, hjbhf, "第二十四条", "县级以上人民政府环境保护主管部门及其委托的环境监察机构和其他负有环境保护监督管理职责的部门，有权对排放污染物的企业事业单位和其他生产经营者进行现场检查。")}},
	{dept: "hbj", name: "对保护和改善环境有显著成绩的单位和个人给予奖励", cat: registry.CategoryOther, label: "行政奖励", unit: "宣传教育科",
		bases: []registry.LegalBasis{basis(law, hjbhf, "第十一条", "对保护和改善环境有显著成绩的单位和个人，由人民政府给予奖励。")}},
	{dept: "hbj", name: "对超标排放大气污染物的处罚", cat: registry.CategoryPenalty, unit: "环境监察支队", stage: late,
		bases: []registry.LegalBasis{basis(law, "《中华人民共和国大气污染防治法》", "第九十九条", "超过大气污染物排放标准或者超过重点大气污染物排放总量控制指标排放大气污染物的，由县级以上人民政府环境保护主管部门责令改正或者限制生产、停产整治，并处十万元以上一百万元以下的罚款。")},
		legal: days(90)},
	{dept: "hbj", name: "对未依法报批环境影响评价文件擅自开工建设的处罚", cat: registry.CategoryPenalty, unit: "环境监察支队", stage: returned,
		bases: []registry.LegalBasis{basis(law, hpf, "第三十一条", "建设单位未依法报批建设项目环境影响评价文件，擅自开工建设的，由有权审批该项目环境影响评价文件的环境保护行政主管部门责令停止建设，限期补办手续；逾期不补办手续的，可以处五万元以上二十万元以下的罚款。")},
		legal: days(90),
		note:  "第三十一条的罚款幅度已修改，请按修正后的条文更新设定依据和处罚标准"},

	// 市交通运输局
	{dept: "jtj", name: "道路旅客运输经营许可", cat: registry.CategoryLicensing, unit: "道路运输管理处", stage: modified,
		bases: []registry.LegalBasis{basis(regulation, dlystl, "第十条", "申请从事客运经营的，应当按照下列规定提出申请……依法受理申请的道路运输管理机构应当自受理申请之日起20日内审查完毕，作出许可或者不予许可的决定。")},
		legal: days(20), promised: wdays(15),
		note: "优化营商环境：承诺期限由15个工作日压缩为10个工作日"},
	{dept: "jtj", name: "对未取得道路运输经营许可擅自从事道路运输经营的处罚", cat: registry.CategoryPenalty, unit: "交通运输综合执法支队",
		bases: []registry.LegalBasis{basis(regulation, dlystl, "第六十四条", "未取得道路运输经营许可，擅自从事道路运输经营的，由县级以上道路运输管理机构责令停止经营；有违法所得的，没收违法所得，处违法所得2倍以上10倍以下的罚款。")},
		legal: days(90)},
	{dept: "jtj", name: "暂扣没有车辆营运证又无法当场提供其他有效证明的车辆", cat: registry.CategoryCoercion, unit: "交通运输综合执法支队", stage: submitted,
		bases: []registry.LegalBasis{basis(regulation, dlystl, "第六十三条", "道路运输管理机构的工作人员在实施道路运输监督检查过程中，对没有车辆营运证又无法当场提供其他有效证明的车辆予以暂扣。")}},
	{dept: "jtj", name: "公路超限运输许可", cat: registry.CategoryLicensing, unit: "公路管理局", stage: rejected,
		bases: []registry.LegalBasis{basis(law, gonglf, "第五十条", "超过公路、公路桥梁、公路隧道或者汽车渡船的限载、限高、限宽、限长标准的车辆……确需行驶的，必须经县级以上地方人民政府交通主管部门批准。")},
		note:  "请补充法定期限和承诺期限"},
	{dept: "jtj", name: "公路监督检查", cat: registry.CategorySupervision, unit: "公路管理局", stage: rejected,
		bases: []registry.LegalBasis{basis(law, gonglf, "第六十九条", "交通主管部门、公路管理机构依法对有关公路的法律、法规执行情况进行监督检查。")},
		note:  "承办机构与事项内容不符，请核对"},

	// 市民政局
	{dept: "mzj", name: "最低生活保障金给付", cat: registry.CategoryBenefit, unit: "社会救助科",
		bases: []registry.LegalBasis{basis(regulation, shjz, "第九条", "国家对共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产状况规定的家庭，给予最低生活保障。")},
		legal: days(30)},
	{dept: "mzj", name: "社会团体成立登记", cat: registry.CategoryLicensing, unit: "社会组织管理局",
		bases: []registry.LegalBasis{basis(regulation, "《社会团体登记管理条例》", "第三条", "成立社会团体，应当经其业务主管单位审查同意，并依照本条例的规定进行登记。")},
		legal: days(60), promised: wdays(20)},
	{dept: "mzj", name: "涉外及港澳台居民婚姻登记", cat: registry.CategoryConfirmation, unit: "婚姻登记处",
		entrusting: "湖南省民政厅",
		bases:      []registry.LegalBasis{basis(regulation, "《婚姻登记条例》", "第二条", "中国公民同外国人，内地居民同香港特别行政区居民、澳门特别行政区居民、台湾地区居民、华侨办理婚姻登记的机关是省、自治区、直辖市人民政府民政部门或者省、自治区、直辖市人民政府民政部门确定的机关。")},
		fee:        registry.Fee{Charged: registry.Yes, Basis: "《国家发展改革委 财政部关于降低婚姻登记收费标准的通知》", Standard: "每对9元"}},
	{dept: "mzj", name: "流浪乞讨人员救助", cat: registry.CategoryManagementService, unit: "市救助管理站",
		bases: []registry.LegalBasis{basis(regulation, "《城市生活无着的流浪乞讨人员救助管理办法》", "第二条", "县级以上城市人民政府应当根据需要设立流浪乞讨人员救助站。救助站对流浪乞讨人员的救助是一项临时性社会救助措施。")}},
	{dept: "mzj", name: "收养登记", cat: registry.CategoryConfirmation, unit: "婚姻登记处", stage: approved,
		bases: []registry.LegalBasis{basis(law, "《中华人民共和国收养法》", "第十五条", "收养应当向县级以上人民政府民政部门登记。收养关系自登记之日起成立。")},
		legal: days(30)},

	// 市司法局
	{dept: "sfj", name: "律师事务所设立审核", cat: registry.CategoryLicensing, unit: "律师工作科", forward: registry.Yes,
		bases: []registry.LegalBasis{basis(law, lsf, "第十八条", "设立律师事务所，应当向设区的市级或者直辖市的区人民政府司法行政部门提出申请，受理申请的部门应当自受理之日起二十日内予以审查，并将审查意见和全部申请材料报送省、自治区、直辖市人民政府司法行政部门。")},
		legal: days(20), promised: wdays(15)},
	{dept: "sfj", name: "法律援助申请审查", cat: registry.CategoryManagementService, unit: "市法律援助中心",
		bases: []registry.LegalBasis{basis(regulation, "《法律援助条例》", "第十条", "公民对下列需要代理的事项，因经济困难没有委托代理人的，可以向法律援助机构申请法律援助。")},
		legal: wdays(7), promised: wdays(5),
		// Said explicitly, so that the sample shows all three answers.
		fee: registry.Fee{Charged: registry.No, Basis: "《法律援助条例》第三条"}},
	{dept: "sfj", name: "人民调解工作指导", cat: registry.CategoryOther, label: "其他行政权力", unit: "基层工作科",
		bases: []registry.LegalBasis{basis(law, "《中华人民共和国人民调解法》", "第五条", "县级以上地方人民政府司法行政部门负责指导本行政区域的人民调解工作。")}},
	{dept: "sfj", name: "律师事务所年度检查考核", cat: registry.CategorySupervision, unit: "律师工作科", stage: draft,
		bases: []registry.LegalBasis{basis(law, lsf, "第二十四条", "律师事务所应当于每年的年度考核后，向设区的市级或者直辖市的区人民政府司法行政部门提交本所的年度执业情况报告和律师执业考核结果。")}},
}

func basis(level int, title, article, text string) registry.LegalBasis {
	// Text keeps the raw wording as spreadsheets carry it: title, article and provision in one.
	return registry.LegalBasis{Level: level, Title: title, Article: article, Text: title + article + "：" + text}
}

func days(n int) registry.TimeLimit  { return registry.TimeLimit{Value: n, Unit: day} }
func wdays(n int) registry.TimeLimit { return registry.TimeLimit{Value: n, Unit: workingDay} }

// Duties (责任事项) by kind of power; the penalty chain is the one the
// national guidance lists.
var (
	penaltyDuties = []string{"立案", "调查取证", "审查", "告知", "决定", "送达", "执行"}
	licenceDuties = []string{"受理", "审查", "决定", "送达", "事后监管"}
	otherDuties   = []string{"受理", "审查", "决定", "送达", "信息公开"}
	accountable   = []string{
		"没有法律依据或者超越法定职权实施的",
		"违反法定程序实施的",
		"对符合法定条件的申请不予受理、不予办理或者不在法定期限内作出决定的",
		"索取或者收受他人财物、谋取其他利益的",
		"玩忽职守、滥用职权，造成严重后果的",
	}
)

func (it *item) input(ids map[string]uint64) registry.ItemInput {
	c := registry.Content{
		DisplayName: it.name, Category: it.cat, CategoryLabel: it.label, LegalBases: it.bases,
		Source: statutory, EntrustingBody: it.entrusting, HandlingUnit: it.unit, Levels: []string{"市级"},
		Responsibilities: otherDuties, Accountability: accountable,
		LegalTimeLimit: it.legal, PromisedTimeLimit: it.promised, Fee: it.fee, ReviewAndForward: it.forward,
	}
	switch it.cat {
	case registry.CategoryPenalty, registry.CategoryCoercion:
		c.Responsibilities = penaltyDuties
	case registry.CategoryLicensing:
		c.Responsibilities = licenceDuties
	}
	if it.entrusting != "" {
		c.Source = entrusted
	}
	if it.stage == draft {
		c.Remark = it.note
	}
	in := registry.ItemInput{Content: c, Code: it.code}
	if it.parent != "" {
		in.Parent = registry.ItemName(it.dept, ids[it.parent])
	}
	return in
}

// Load fills an empty registry with a small sample catalogue of a city
// (Hengyang, region 430400) so that a newcomer sees data at once. It does
// nothing when the registry already has a department, so that restarting
// with --demo on the same data dir duplicates nothing.
func Load(svc *registry.Service) error {
	deps, _, err := svc.ListDepartments(1, "")
	if err != nil || len(deps) > 0 {
		return err
	}
	l := &loader{svc: svc, ids: map[string]uint64{}, rows: map[uint64]*item{}}
	for _, d := range departments {
		if _, err := svc.CreateDepartment(department, d, ""); err != nil {
			return fmt.Errorf("demo: department %s: %w", d.ID, err)
		}
	}
	for i := range items {
		it := &items[i]
		v, err := svc.CreateItem(department, it.dept, it.input(l.ids), "")
		if err != nil {
			return fmt.Errorf("demo: item %s: %w", it.name, err)
		}
		l.ids[it.name], l.rows[v.Item.ID] = v.Item.ID, it
	}
	if err := l.run(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// loader walks the sample list through the workflow.
type loader struct {
	svc  *registry.Service
	ids  map[string]uint64 // item id by display name
	rows map[uint64]*item  // row by item id
}

func (l *loader) run() error {
	// Round one: every department reports its list, the reviewer approves
	// it, the publisher publishes all batches at once.
	first, err := l.submit("2014年度行政权力清单梳理报送", published, modified, abolished)
	if err == nil {
		err = l.approve(first, "经市编办、市政府法制办联合审核，同意")
	}
	if err == nil {
		err = l.publish(first, "衡阳市市级行政权力清单第一批集中发布")
	}
	if err != nil {
		return err
	}

	// Dynamic adjustment (动态调整): a power whose basis was repealed is
	// abolished, and a late batch comes in with one item sent back.
	for _, it := range l.at(abolished) {
		if _, err := l.svc.AbolishItem(department, it.dept, l.ids[it.name], it.note, ""); err != nil {
			return err
		}
	}
	second, err := l.submit("权力清单动态调整报送", abolished, late, returned)
	if err == nil {
		err = l.approve(second, "同意，退回事项请按意见修改后重新报送")
	}
	if err == nil {
		err = l.publish(second, "衡阳市市级行政权力清单动态调整第一批集中发布")
	}
	if err != nil {
		return err
	}

	// Work in progress, so that the review queue and the publisher's desk
	// are not empty: a change to a published item, an approved batch, a
	// batch awaiting review and a batch returned whole.
	for _, it := range l.at(modified) {
		in := it.input(l.ids)
		in.Content.PromisedTimeLimit, in.Content.Remark = wdays(10), it.note
		_, err := l.svc.UpdateItem(department, it.dept, l.ids[it.name], in, []string{"promised_time_limit", "remark"}, "")
		if err != nil {
			return err
		}
	}
	ok, err := l.submit("补充报送", approved)
	if err == nil {
		err = l.approve(ok, "同意，待下一批集中发布")
	}
	if err == nil {
		_, err = l.submit("补充报送", submitted)
	}
	if err != nil {
		return err
	}
	bad, err := l.submit("补充报送", rejected)
	if err != nil {
		return err
	}
	for _, sub := range bad {
		in := registry.ReviewInput{Comment: "本批次事项要素不全，请按意见补充后重新报送"}
		for _, id := range sub.Items {
			in.ItemComments = append(in.ItemComments, registry.ItemComment{Item: id, Comment: l.rows[id].note})
		}
		if _, err := l.svc.RejectSubmission(reviewer, sub.Department, sub.ID, in, ""); err != nil {
			return err
		}
	}
	return nil
}

// at returns the rows at a stage.
func (l *loader) at(s stage) []*item {
	var out []*item
	for i := range items {
		if items[i].stage == s {
			out = append(out, &items[i])
		}
	}
	return out
}

// submit puts the items at the given stages into one batch per department
// and submits the batches.
func (l *loader) submit(comment string, stages ...stage) ([]*registry.Submission, error) {
	var subs []*registry.Submission
	for _, d := range departments {
		var names []string
		for _, it := range items {
			if it.dept == d.ID && slices.Contains(stages, it.stage) {
				names = append(names, registry.ItemName(d.ID, l.ids[it.name]))
			}
		}
		if len(names) == 0 {
			continue
		}
		sub, err := l.svc.CreateSubmission(department, d.ID, names, comment, "")
		if err == nil {
			sub, err = l.svc.SubmitSubmission(department, d.ID, sub.ID, "", "")
		}
		if err != nil {
			return nil, fmt.Errorf("submit %s: %w", d.ID, err)
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// approve approves batches, returning the items whose row says so.
func (l *loader) approve(subs []*registry.Submission, comment string) error {
	for _, sub := range subs {
		in := registry.ReviewInput{Comment: comment}
		for _, id := range sub.Items {
			if it := l.rows[id]; it.stage == returned {
				in.Returned = append(in.Returned, registry.ItemComment{Item: id, Comment: it.note})
			}
		}
		if _, err := l.svc.ApproveSubmission(reviewer, sub.Department, sub.ID, in, ""); err != nil {
			return fmt.Errorf("approve %s: %w", registry.SubmissionName(sub.Department, sub.ID), err)
		}
	}
	return nil
}

// publish publishes batches together.
func (l *loader) publish(subs []*registry.Submission, comment string) error {
	var names []string
	for _, sub := range subs {
		names = append(names, registry.SubmissionName(sub.Department, sub.ID))
	}
	_, err := l.svc.CreatePublication(publisher, names, comment, "")
	return err
}
