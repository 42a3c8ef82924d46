package importer

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
)

func TestJinzhaiSample(t *testing.T) {
	res := load(t, "jinzhai-2024-responsibility-list.txt", readTestdata(t, "jinzhai-2024-responsibility-list.txt"), jinzhaiDir(), 2024, BuildOptions{})
	mustOK(t, res)
	if res.Format != FormatText || !strings.Contains(res.Title, "2024年政务公开专项提升行动") {
		t.Errorf("format %s title %q", res.Format, res.Title)
	}
	// two tables: the 2024 list and the older one after it, each a section
	if len(res.Sections) != 2 || res.Sections[0].Items != 34 || res.Sections[1].Items != 20 || len(res.Items) != 54 {
		t.Fatalf("sections %+v, %d items; want 34 + 20", res.Sections, len(res.Items))
	}
	if res.Sections[0].Name != "2024年政务公开专项提升行动责任清单" {
		t.Errorf("section name %q", res.Sections[0].Name)
	}
	for _, it := range res.Items {
		if it.Rule.Kind != schedule.KindDeadline || it.RuleFrom != "完成时限" {
			t.Errorf("%s: rule %+v from %q, want a deadline from 完成时限", it.Title, it.Rule, it.RuleFrom)
		}
		if len(it.Offices) == 0 {
			t.Errorf("%s: no office", it.Title)
		}
	}

	it := findItem(t, res, "2024年", "部门文件")
	if !equalStrings(it.Path, []string{"政策法规"}) || it.Rule.Due.String() != "2024-06-30" || it.Rule.Text != "6月底" {
		t.Errorf("部门文件: path %v rule %+v", it.Path, it.Rule)
	}
	if !equalStrings(officeNames(it), []string{"政策法规股:lead", "文化股:lead"}) || len(it.Groups) != 1 || it.Groups[0].Name != "文件起草发布相关业务股室" {
		t.Errorf("部门文件: offices %v groups %+v", officeNames(it), it.Groups)
	}
	if !strings.HasPrefix(it.Requirement, "①2021年至今未梳理继续有效文件目录的") || it.Source.Row != 23 {
		t.Errorf("部门文件: requirement %q row %d", shorten(it.Requirement, 20), it.Source.Row)
	}
	// no office and no deadline of its own: both inherited from the merged cells above
	it = findItem(t, res, "2024年", "机构简介")
	if !equalStrings(officeNames(it), []string{"办公室:lead"}) || it.Rule.Due.String() != "2024-04-30" || !equalStrings(it.Path, []string{"机构设置"}) {
		t.Errorf("机构简介: offices %v rule %+v path %v", officeNames(it), it.Rule, it.Path)
	}
	it = findItem(t, res, "2024年", "人大代表建议办理")
	if !equalStrings(officeNames(it), []string{"办公室:lead"}) || it.Rule.Due.String() != "2024-06-30" {
		t.Errorf("人大代表建议办理: offices %v rule %+v", officeNames(it), it.Rule)
	}
	it = findItem(t, res, "2024年", "网上政务服务")
	if !equalStrings(officeNames(it), []string{"政务服务窗口:lead"}) {
		t.Errorf("网上政务服务: %v", officeNames(it))
	}
	// 上级政策⏎解读 and 监督⏎保障: cells a line break split
	findItem(t, res, "2024年", "上级政策解读")
	findItem(t, res, "2024年", "负责人解读")
	it = findItem(t, res, "2024年", "公开制度")
	if !equalStrings(it.Path, []string{"监督保障"}) {
		t.Errorf("公开制度 path %v", it.Path)
	}
	// 各股室 means every office until the admin assigns it
	it = findItem(t, res, "2024年", "其他解读")
	if len(it.Offices) != 8 || !it.Groups[0].AllOffices {
		t.Errorf("其他解读: %v %+v", officeNames(it), it.Groups)
	}
	// the older table, after the 2024 one
	it = findItem(t, res, "表2", "信息维护")
	if !equalStrings(it.Path, []string{"监督保障", "依申请公开"}) || it.Rule.Due.String() != "2024-04-30" {
		t.Errorf("信息维护: path %v rule %+v", it.Path, it.Rule)
	}
	// the web page goes on after the table: not an item, but said
	for _, it := range res.Items {
		if strings.Contains(it.Title, "政策咨询") || strings.Contains(it.Requirement, "拨打标题上方的电话") {
			t.Errorf("page text imported as an item: %v", it)
		}
	}
	if !hasIssue(res.Warnings, 459, "未导入") {
		t.Errorf("no warning about the text after the table: %v", res.Warnings)
	}
}

func TestZhangdianSample(t *testing.T) {
	res := load(t, "zhangdian-2023-routine-task-list.txt", readTestdata(t, "zhangdian-2023-routine-task-list.txt"), zhangdianDir(), 2023, BuildOptions{})
	mustOK(t, res)
	if len(res.Items) != 67 || len(res.Sections) != 1 {
		t.Fatalf("%d items in %d sections, want 67 in 1 (the header repeats at page breaks)", len(res.Items), len(res.Sections))
	}
	if res.Title != "张店区2023年政务公开常态化工作任务清单" {
		t.Errorf("title %q", res.Title)
	}
	first := res.Items[0]
	if !equalStrings(first.Path, []string{"主动公开", "基础信息公开", "行政规范"}) || first.Title != "做好行政规范性文件的集中、规范公开工作" {
		t.Errorf("first item %v / %q", first.Path, first.Title)
	}
	// 区司法局 is the directory's 司法局; the groups carry it out
	if first.Offices[0].Name != "司法局" || first.Offices[0].Role != Lead || first.Offices[0].Written != "区司法局" {
		t.Errorf("lead of the first item: %+v", first.Offices[0])
	}
	var groups []string
	for _, g := range first.Groups {
		groups = append(groups, g.Name+":"+g.Role)
	}
	if !equalStrings(groups, []string{"区各行政规范性文件制定主体:co", "各成员单位:co"}) {
		t.Errorf("groups of the first item: %v", groups)
	}
	// 常态化 list: no deadlines; the title says ongoing, wording in a requirement wins
	if first.Rule.Kind != schedule.KindOngoing || first.RuleFrom != "标题" {
		t.Errorf("first rule %+v from %q", first.Rule, first.RuleFrom)
	}
	kinds := map[schedule.Kind]int{}
	for _, it := range res.Items {
		kinds[it.Rule.Kind]++
	}
	if kinds[schedule.KindUnparsed] != 0 || kinds[schedule.KindTimely] == 0 || kinds[schedule.KindMaxGap] != 1 {
		t.Errorf("rule kinds %v", kinds)
	}
	it := findItem(t, res, "", "回应时限")
	if it.Rule.Kind != schedule.KindTimely || it.Rule.Clock == nil || it.Rule.Clock.Unit != schedule.Hours || it.RuleFrom != "具体要求" {
		t.Errorf("回应时限: %+v from %q", it.Rule, it.RuleFrom)
	}
	it = findItem(t, res, "", "规划计划")
	if it.Offices[0].Name != "区发展和改革局" || it.Offices[0].Role != Lead || it.Groups[0].Name != "有关部门单位" {
		t.Errorf("规划计划: %v %+v", officeNames(it), it.Groups)
	}
	it = findItem(t, res, "", "在本单位政府信息公开国办页面中,集中公开地区执行的行政事业性收费目录")
	if !equalStrings(officeNames(it), []string{"张店区财政局:lead"}) || it.Offices[0].Written != "区财政局" {
		t.Errorf("收费目录: %+v", it.Offices)
	}
	// the list is for 2023; importing it as 2024 is probably a mistake
	res = load(t, "zhangdian.txt", readTestdata(t, "zhangdian-2023-routine-task-list.txt"), zhangdianDir(), 2024, BuildOptions{})
	if !hasIssue(res.Warnings, 0, "2023年") {
		t.Errorf("no year warning: %v", res.Warnings)
	}
}

func TestXuanchengSample(t *testing.T) {
	res := load(t, "xuancheng-2024-column-duties.txt", readTestdata(t, "xuancheng-2024-column-duties.txt"), xuanchengDir(), 2024, BuildOptions{})
	mustOK(t, res)
	if len(res.Sections) != 2 || res.Sections[0].Items != 23 || res.Sections[1].Items != 75 {
		t.Fatalf("sections %+v: want 23 narrative tasks and the 75-row column table", res.Sections)
	}
	table := res.Items[23:]
	periods := map[string]int{}
	for i, it := range table {
		if it.Number != strconv.Itoa(i+1) {
			t.Errorf("row %d has number %q", i+1, it.Number)
		}
		if it.RuleFrom != "更新頻率" {
			t.Errorf("%s: rule from %q", it.Title, it.RuleFrom)
		}
		periods[string(it.Rule.Kind)+"/"+string(it.Rule.Period)]++
	}
	want := map[string]int{"timely/": 67, "recurring/quarter": 4, "recurring/month": 2, "recurring/year": 2}
	for k, n := range want {
		if periods[k] != n {
			t.Errorf("%s: %d rows, want %d (all: %v)", k, periods[k], n, periods)
		}
	}
	for num, want := range map[int]string{8: "季度更新", 24: "每月更新", 50: "年度更新", 55: "月度更新"} {
		it := table[num-1]
		if it.Rule.Text != want || it.Rule.Kind != schedule.KindRecurring {
			t.Errorf("row %d %s: %+v, want %s", num, it.Title, it.Rule, want)
		}
	}
	if it := table[7]; it.Title != "決策部署落實情況" || it.Rule.Period != schedule.Quarter {
		t.Errorf("row 8: %s %+v", it.Title, it.Rule)
	}
	if it := table[54]; it.Title != "依申請公開目錄" || it.Rule.Period != schedule.Month {
		t.Errorf("row 55: %s %+v", it.Title, it.Rule)
	}
	// Traditional names match the Simplified directory
	it := table[60]
	if it.Title != "城鄉低保" || !equalStrings(officeNames(it), []string{"社会救助科:lead"}) || !equalStrings(it.Path, []string{"重點領域信息公開", "社會救助與社會福利"}) {
		t.Errorf("row 61: %s %v %v", it.Title, it.Path, officeNames(it))
	}
	// 誰承辦誰更新: the office is chosen per event
	it = table[55]
	if len(it.Offices) != 0 || len(it.Groups) != 1 || !it.Groups[0].PerEvent {
		t.Errorf("row 56: %v %+v", officeNames(it), it.Groups)
	}
	// the converter's pinyin noise is gone, its mangled row is kept and flagged
	for _, it := range res.Items {
		if strings.Contains(it.Title, "(xiàn)") || strings.Contains(it.Requirement, "(zé)") {
			t.Errorf("pinyin noise in %q", it.Title)
		}
	}
	if !hasIssue(res.Warnings, 160, "乱码") {
		t.Errorf("no warning for the mangled row 60: %v", res.Warnings)
	}

	// the narrative tasks: headings are the path, the annotation the offices
	n := res.Items[1]
	if !equalStrings(n.Path, []string{"一、圍繞中心工作抓好主動公開", "(一)以公開保障和改善民生"}) || n.Title != "加強低保對象、特困人員、流浪人員等救助供養" {
		t.Errorf("narrative 2: %v %q", n.Path, n.Title)
	}
	if !equalStrings(officeNames(n), []string{"办公室:lead", "社会救助科:co", "社会事务科:co", "未成年人保护和儿童福利科:co"}) || n.Source.Row != 25 {
		t.Errorf("narrative 2: %v row %d", officeNames(n), n.Source.Row)
	}
	if strings.Contains(n.Requirement, "責任科室") {
		t.Errorf("annotation left in the requirement: %q", n.Requirement)
	}
	n = findItem(t, res, "", "積極開展“政府開放日”等活動,展示為民、務實的形象")
	if n.Rule.Kind != schedule.KindQuota || n.Rule.Period != schedule.Year || n.Rule.Count != 1 || n.RuleFrom != "工作任务" {
		t.Errorf("开放日: %+v from %q", n.Rule, n.RuleFrom)
	}
	if !equalStrings(officeNames(n), []string{"办公室:lead"}) || n.Groups[0].Name != "政府开放日、线下宣传日承办科室" {
		t.Errorf("开放日 offices %v %+v", officeNames(n), n.Groups)
	}
	// a task whose text continues in the next paragraph, where its annotation is
	n = findItem(t, res, "", "政策性文件與解讀材料同步組織、同步審簽、同步部署")
	if !strings.Contains(n.Requirement, "政務公開工作機構提前介入審查") || n.Source.Row != 49 {
		t.Errorf("continued task: %q row %d", n.Requirement, n.Source.Row)
	}
	// tasks that give no rule are reported, not dropped
	unparsed := 0
	for _, it := range res.Items {
		if it.Rule.Kind == schedule.KindUnparsed {
			unparsed++
			if !hasIssue(res.Warnings, it.Source.Row, "没有完成时限或更新频率") {
				t.Errorf("unparsed %q not reported", it.Title)
			}
		}
	}
	if unparsed == 0 {
		t.Error("expected narrative tasks without rule wording")
	}
	// with a default rule they all get one; shown in Simplified on request
	res = load(t, "xuancheng.txt", readTestdata(t, "xuancheng-2024-column-duties.txt"), xuanchengDir(), 2024, BuildOptions{DefaultRule: "年底前", Simplified: true})
	mustOK(t, res)
	for _, it := range res.Items {
		if it.Rule.Kind == schedule.KindUnparsed {
			t.Errorf("%s still unparsed", it.Title)
		}
	}
	if it := res.Items[23+60]; it.Title != "城乡低保" {
		t.Errorf("simplified title %q", it.Title)
	}
}

func hasIssue(is []Issue, row int, substr string) bool {
	for _, i := range is {
		rowOK := row == 0 || i.Row == row
		for _, r := range i.Rows {
			rowOK = rowOK || r == row
		}
		if rowOK && strings.Contains(i.Message, substr) {
			return true
		}
	}
	return false
}
