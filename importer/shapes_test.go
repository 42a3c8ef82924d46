package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
)

// Shapes of real lists, written afresh for these tests (not copied from the corpus), so that each
// rule the importer learnt from one list is checked on wording it was not written against.

// A 主动公开基本目录 states its clock once, in the preamble, and the table has no clock column.
func TestPreambleClockAppliesToEveryRow(t *testing.T) {
	text := `某某县林业局主动公开基本目录
一、编制说明
（一）【责任主体】某某县林业局。
（二）【公开时限】自政府信息形成或者变更之日起20个工作日内（法律、法规另有规定的从其规定）。
（三）【公开方式】县政府门户网站。
序号 | 公开事项 | 公开内容 | 责任股室 |
1 | 机构职能 | 本局主要职责 | 办公室 |
2 | 林长制 | 林长名单及责任区域 | 生态股 |
3 | 行政许可 | 许可事项目录 | 审批股 |
`
	res := load(t, "目录.txt", []byte(text), testDir("某某县林业局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(res.Items), res.Items)
	}
	for _, it := range res.Items {
		if it.Rule.Kind != schedule.KindTimely || it.RuleFrom != "公开时限（文件说明）" {
			t.Errorf("%s: rule %s from %q, want the preamble's 20-working-day clock", it.Title, it.Rule.Kind, it.RuleFrom)
		}
	}
}

// A clock column, when there is one, is the row's own: the preamble does not override it.
func TestPreambleClockYieldsToTheRowsClock(t *testing.T) {
	text := `公开时限：信息形成之日起20个工作日内
序号 | 公开事项 | 责任股室 | 公开时限 |
1 | 政策解读 | 办公室 | |
2 | 部门预算 | 财务股 | 每年3月底前 |
`
	res := load(t, "目录.txt", []byte(text), testDir("某某县林业局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if it := findItem(t, res, "", "部门预算"); it.Rule.Kind != schedule.KindDeadline {
		t.Errorf("部门预算: %s from %q, want its own deadline", it.Rule.Kind, it.RuleFrom)
	}
	if it := findItem(t, res, "", "政策解读"); it.Rule.Kind != schedule.KindTimely {
		t.Errorf("政策解读: %s from %q, want the preamble clock", it.Rule.Kind, it.RuleFrom)
	}
}

// A short excerpt of a pipe table is a pipe table; a requirement header left of the level
// columns is the top level, and the deepest level is the task.
func TestShortPipeTableWithRequirementFirst(t *testing.T) {
	text := `某某县教育局政务公开工作要点分工
工作要求 | 一级要点 | 二级要点 | 责任科室 |
一、夯实公开基础 | （一）规范文件公开。 | 1.清理规范性文件并公布现行有效目录。 | 法规股牵头，办公室配合 |
2.做好政策解读，与文件同步发布解读材料。 | 办公室 | ||
`
	res := load(t, "分工.txt", []byte(text), testDir("某某县教育局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	first := res.Items[0]
	if !equalStrings(first.Path, []string{"一、夯实公开基础", "（一）规范文件公开。"}) {
		t.Errorf("path %q", first.Path)
	}
	if got := officeNames(first); !equalStrings(got, []string{"法规股:lead", "办公室:co"}) {
		t.Errorf("offices %v", got)
	}
	if got := officeNames(res.Items[1]); !equalStrings(got, []string{"办公室:lead"}) {
		t.Errorf("second row offices %v", got)
	}
}

// A ledger writes its deadline in 备注 and a status in 完成情况; neither is a title, and the
// status is not a clock.
func TestLedgerDeadlineInRemarks(t *testing.T) {
	text := `重点工作任务提示单
工作任务 |
具 体 要 求 |
责任单位 |
完成情况 |
备注 |
||
一、专项任务 |
|
|||||
1.公开年度决算 |
1.按规定公开部门决算及说明。2.同步公开三公经费。 |
财务股 |
推进中 |
9月底前完成 |
||
`
	res := load(t, "提示单.txt", []byte(text), testDir("某某县教育局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 1 {
		t.Fatalf("%d items, want 1: %+v", len(res.Items), res.Items)
	}
	it := res.Items[0]
	if it.Rule.Kind != schedule.KindDeadline || it.Rule.Due == nil || it.Rule.Due.String() != "2026-09-30" || it.RuleFrom != "备注" {
		t.Errorf("rule %+v from %q, want the 9月底 deadline from 备注", it.Rule, it.RuleFrom)
	}
	if !strings.Contains(it.Requirement, "三公经费") || it.Fields["完成情况"] != "推进中" {
		t.Errorf("requirement %q fields %v", it.Requirement, it.Fields)
	}
}

// A catalogue that names neither owner nor clock is still a list: its items wait for an office.
func TestCatalogueWithoutOwnerOrClock(t *testing.T) {
	text := `公开事项 | 公开内容 | 公开依据 | 公开范围 |
机构信息 | 内设机构及职责 | 《中华人民共和国政府信息公开条例》第二十条 | 全社会 |
财政信息 | 部门预决算 | 《中华人民共和国预算法》 | 全社会 |
`
	res := load(t, "目录.txt", []byte(text), testDir("某某县教育局", []string{"办公室"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	for _, it := range res.Items {
		if !it.Unassigned || !strings.Contains(it.Fields["公开依据"], "《") || it.Fields["公开范围"] != "全社会" {
			t.Errorf("%s: unassigned %v fields %v", it.Title, it.Unassigned, it.Fields)
		}
	}
}

// A web page's furniture after a table is not a row, even when the flattening glued it on.
func TestPageFurnitureEndsTheTable(t *testing.T) {
	text := `公开事项 |
公开内容 |
公开主体 |
公开时限 |
|||
一级事项 |
二级事项 |
|||
应急管理 |
应急预案 |
本级总体应急预案 |
县应急管理局 |
信息形成之日起20个工作日内公开,长期公开 |
|||
灾害救助 |
救助标准 |
县应急管理局 |
信息形成之日起20个工作日内公开,长期公开 |
责任编辑:
相关稿件
`
	res := load(t, "目录.txt", []byte(text), testDir("某某县应急管理局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	for _, it := range res.Items {
		if strings.Contains(it.Title, "责任编辑") || it.Rule.Kind != schedule.KindTimely {
			t.Errorf("%s: %s (%q)", it.Title, it.Rule.Kind, it.Rule.Text)
		}
	}
}

// The preamble clock reads the same from Word and from a web page.
func TestPreambleClockInWordAndHTML(t *testing.T) {
	p := func(s string) string { return `<w:p><w:r><w:t>` + s + `</w:t></w:r></w:p>` }
	tc := func(s string) string { return `<w:tc>` + p(s) + `</w:tc>` }
	tr := func(cells ...string) string {
		var b strings.Builder
		for _, c := range cells {
			b.WriteString(tc(c))
		}
		return `<w:tr>` + b.String() + `</w:tr>`
	}
	docx := docxOf(t, p("某某县水利局主动公开基本目录")+p("（二）【公开时限】信息形成或者变更之日起20个工作日内。")+
		`<w:tbl><w:tblGrid/>`+tr("序号", "公开事项", "公开内容", "责任股室")+tr("1", "水利规划", "本县水利发展规划", "规划股")+`</w:tbl>`)
	page := `<html><body><h1>某某县水利局主动公开基本目录</h1><p>公开时限：信息形成或者变更之日起20个工作日内。</p>
<table><tr><th>序号</th><th>公开事项</th><th>公开内容</th><th>责任股室</th></tr>
<tr><td>1</td><td>水利规划</td><td>本县水利发展规划</td><td>规划股</td></tr></table></body></html>`
	for name, data := range map[string][]byte{"目录.docx": docx, "目录.html": []byte(page)} {
		res := load(t, name, data, testDir("某某县水利局", nil, nil), 2026, BuildOptions{CreateOffices: true})
		mustOK(t, res)
		if len(res.Items) != 1 {
			t.Fatalf("%s: %d items, want 1", name, len(res.Items))
		}
		if it := res.Items[0]; it.Rule.Kind != schedule.KindTimely || it.RuleFrom != "公开时限（文件说明）" {
			t.Errorf("%s: rule %s from %q, want the preamble clock", name, it.Rule.Kind, it.RuleFrom)
		}
	}
}

// A row wider than its header: a note cell the header has no column for sits before the clock,
// and a channel (政府网站) in 公开形式 is not the 公开主体 after it.
func TestRowWithAnExtraNoteCell(t *testing.T) {
	text := `序号 | 公开事项 | 内容规范 | 公开时限 | 公开形式 | 公开主体 |
1 | 机构信息 | 机构职能 | 公开本局职责和内设机构。 | 10个工作日内 | 政府网站 | 综合科 |
2 | 人事信息 | 公开干部任免、招录信息。 | 招录信息须包含职位表、报名方式和考试安排等内容。 | 自信息形成之日起5个工作日内公开 | 政府网站 | 人事科 |
`
	res := load(t, "目录.txt", []byte(text), testDir("某某县审计局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	for i, want := range []struct {
		office string
		days   int
	}{{"综合科", 10}, {"人事科", 5}} {
		it := res.Items[i]
		if got := officeNames(it); !equalStrings(got, []string{want.office + ":lead"}) {
			t.Errorf("%s: offices %v, want %s", it.Title, got, want.office)
		}
		if it.Rule.Kind != schedule.KindTimely || it.Rule.Clock == nil || it.Rule.Clock.N != want.days {
			t.Errorf("%s: rule %+v, want %d working days", it.Title, it.Rule, want.days)
		}
		if it.Fields["公开形式"] != "政府网站" {
			t.Errorf("%s: fields %v", it.Title, it.Fields)
		}
	}
	if !strings.Contains(res.Items[1].Requirement, "职位表") {
		t.Errorf("the note cell is lost: %q", res.Items[1].Requirement)
	}
}

// A pipe row whose level cells were merged away starts with its 序号 although the header has
// no 序号 column: the number is not the task.
func TestBareNumberWhereTheHeaderHasNoSeq(t *testing.T) {
	text := `工作任务 | 具体要求 | 责任单位 | 时限要求 | ||
一、深化重点领域公开 | 1 | 公开年度财政预决算，细化到项级科目。 | 财政股 | 持续推进 |
2 | 公开重大建设项目批准和实施信息，及时更新进展。 | 发改股 | 持续推进 |
`
	res := load(t, "分工.txt", []byte(text), testDir("某某县政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	it := res.Items[1]
	if it.Title == "2" || !strings.Contains(it.Title, "重大建设项目") {
		t.Errorf("second row: title %q number %q", it.Title, it.Number)
	}
	if got := officeNames(it); !equalStrings(got, []string{"发改股:lead"}) {
		t.Errorf("second row offices %v", got)
	}
}

// A one-cell-per-line assessment splits a criterion cell into its numbered points, each on its
// own line: they are one row's 评分标准, not one item each.
func TestNumberedPointsOfOneCell(t *testing.T) {
	text := `考评项目
分值
评分标准
政策解读
20分
1、重要政策文件同步发布解读材料。
2、未同步解读的，每件扣2分。
3、解读形式单一的，扣1分。
依申请公开
15分
1、按期答复依申请公开事项。
2、逾期答复的，每件扣3分。
`
	res := load(t, "细则.txt", []byte(text), testDir("某某县政府办", []string{"办公室"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	if it := res.Items[0]; it.Title != "政策解读" || !strings.Contains(it.Requirement, "3、解读形式单一") || it.Score == nil || *it.Score != 20 {
		t.Errorf("first criterion: %q %q score %v", it.Title, it.Requirement, it.Score)
	}
	if it := res.Items[1]; it.Title != "依申请公开" || !strings.Contains(it.Requirement, "2、逾期答复") {
		t.Errorf("second criterion: %q %q", it.Title, it.Requirement)
	}
}

// Rows wrapped over several lines of cells: the header spread over three lines, each row
// starting at its 序号 and continuing on the next lines (the clock and owner on the second, the
// tick marks on the third); an extra level (一级目录) before 公开事项, whose sub-levels are the
// 一级/二级事项 of the second header row; the owner a 人民政府 with an alternative in brackets.
func TestWrappedRowsStartAtTheirNumber(t *testing.T) {
	text := `某某县退役军人事务局主动公开目录
序号 | 一级目录 | 公开事项 | 公开内容 |
公开依据 | 公开时限 | 公开主体 | 公开对象 | ||||
一级事项 | 二级事项 | 全社会 | 特定群体 | ||||
1 | 优抚安置 | 政策文件 | 优待抚恤政策 | 现行优待抚恤政策文件 |
《退役军人保障法》 | 信息形成或者变更之日起20个工作日内 | 退役军人事务局 |
√ | |
2 | 优抚安置 | 服务指南 | 抚恤金申领指南 |
《军人抚恤优待条例》 | 信息形成或者变更之日起10个工作日内 | 乡镇人民政府(街道办事处) |
√ | √ |
3 | 权益维护 | 信访渠道 | 来信来访地址和电话 |
《信访工作条例》 | 信息形成或者变更之日起5个工作日内 | 退役军人事务局 |
√ | |
`
	res := load(t, "目录.txt", []byte(text), testDir("某某县", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(res.Items), res.Items)
	}
	days := map[string]int{"优待抚恤政策": 20, "抚恤金申领指南": 10, "来信来访地址和电话": 5}
	for _, it := range res.Items {
		if it.Rule.Kind != schedule.KindTimely || it.Rule.Clock == nil || it.Rule.Clock.N != days[it.Title] {
			t.Errorf("%q (path %q): rule %s %q, want its own %d-working-day clock", it.Title, it.Path, it.Rule.Kind, it.Rule.Text, days[it.Title])
		}
	}
	if it := findItem(t, res, "", "抚恤金申领指南"); !slices.Contains(officeNames(it), "乡镇人民政府(街道办事处):lead") {
		t.Errorf("抚恤金申领指南 offices %v, want the 人民政府 of its 公开主体", officeNames(it))
	}
	if it := findItem(t, res, "", "优待抚恤政策"); !equalStrings(it.Path, []string{"优抚安置", "政策文件"}) {
		t.Errorf("优待抚恤政策 path %q, want 优抚安置 / 政策文件", it.Path)
	}
}

// One cell per line, each closed by a lone pipe, and a cell that wraps over several lines
// (three channels, one per line) before its pipe: the lines up to the pipe are one cell. The
// channels are read as the 公開形式 they are in Traditional characters too.
func TestCellsClosedByALonePipe(t *testing.T) {
	cells := [][]string{
		{"類別", "公開內容", "公開形式", "公開時限"},
		{"財務收支", "鎮財政的預算和決算", "財務公開欄\n政務發布會", "及時公開"},
		{"幹部任用", "幹部選拔任用的條件、程序及結果", "政務公開欄\n座談會\n政務論壇", "每季度公開"},
		{"低保救助", "低保對象名單及救助標準", "村務公開欄", "每月公開"},
	}
	var b strings.Builder
	b.WriteString("某鎮政務公開目錄\n")
	for _, row := range cells {
		for _, c := range row {
			b.WriteString(c + "\n|\n")
		}
	}
	res := load(t, "目錄.txt", []byte(b.String()), testDir("某鎮", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(res.Items), res.Items)
	}
	want := map[string]schedule.Kind{"財務收支": schedule.KindTimely, "幹部任用": schedule.KindRecurring, "低保救助": schedule.KindRecurring}
	for _, it := range res.Items {
		if k, ok := want[it.Title]; !ok || it.Rule.Kind != k {
			t.Errorf("item %q (requirement %q): rule %s %q", it.Title, it.Requirement, it.Rule.Kind, it.Rule.Text)
		}
	}
}

// An owner cut short by the PDF it was copied from (自然资源 for 县自然资源局) between the clock
// and the channels is the row's owner all the same, kept as written for the directory match to
// report; a row without its 公开内容 cell keeps its law in 公开依据.
func TestShortOwnerBetweenClockAndChannels(t *testing.T) {
	text := `林业领域基层政务公开标准目录
序号 | 公开事项 | 公开内容 | 公开依据 | 公开时限 | 公开主体 | 公开渠道和载体 | 公开对象 | ||
一级事项 | 二级事项 | 全社会 | 特定群体 | ||||||
1 | 机构信息 | 机构职能 | 机构名称、职能、办公地址 | 《政府信息公开条例》 | 信息形成或者变更之日起20个工作日内 | 林业 | ■政府网站 ■公开查阅点 | √ | |
2 | 公共服务 | 政策文件 | 本级出台的林业政策文件 | 《政府信息公开条例》 | 信息形成或者变更之日起20个工作日内 | 县林业局 | ■政府网站 | √ | |
3 | 公共服务 | 办事指南 | 《政府信息公开条例》 | 信息形成或者变更之日起10个工作日内 | 县林业局 | ■政府网站 | √ | |
`
	res := load(t, "目录.txt", []byte(text), testDir("某县", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(res.Items), res.Items)
	}
	if it := findItem(t, res, "", "机构职能"); !slices.Contains(officeNames(it), "林业:lead") {
		t.Errorf("机构职能 offices %v, want the cut-short 林业 as written", officeNames(it))
	}
	it := findItem(t, res, "", "办事指南")
	if it.Rule.Clock == nil || it.Rule.Clock.N != 10 || strings.Contains(it.Requirement, "条例") {
		t.Errorf("办事指南: rule %q, requirement %q; want its 10-day clock and the law kept out of its 内容", it.Rule.Text, it.Requirement)
	}
}

// Every cell written as “| ⏎ cell |” so that a row spans many lines, and the tick columns at
// the end of each row: the ticks are no item of their own.
func TestTickMarksAreNoItems(t *testing.T) {
	rows := [][]string{
		{"序号", "公开事项", "公开内容", "公开时限", "公开主体", "公开渠道和载体", "公开对象"},
		{"1", "救助政策", "临时救助政策文件", "制定或获取信息之日起10个工作日内", "县民政局", "■政府网站", "√", "√"},
		{"2", "救助标准", "临时救助标准", "制定或获取信息之日起10个工作日内", "县民政局", "■政府网站", "√", "√"},
		{"3", "办事指南", "申请条件、材料和流程", "制定或获取信息之日起5个工作日内", "县民政局", "■政府网站", "√", "√"},
	}
	var b strings.Builder
	b.WriteString("社会救助领域基层政务公开标准目录\n")
	for _, r := range rows {
		b.WriteString("| \n")
		for _, c := range r {
			b.WriteString(" " + c + "  | \n")
		}
	}
	res := load(t, "目录.txt", []byte(b.String()), testDir("某县", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		var ts []string
		for _, it := range res.Items {
			ts = append(ts, it.Title)
		}
		t.Fatalf("%d items, want 3: %q", len(res.Items), ts)
	}
	for _, it := range res.Items {
		if strings.Contains(it.Title+it.Requirement, "√") {
			t.Errorf("item %q (%q) holds a tick mark", it.Title, it.Requirement)
		}
	}
}

// A catalogue without an owner column names an item like an office (内设科室): with no owner
// column to fill, it is the item, and the rows after it are read on.
func TestOfficeLikeTitleWithoutOwnerColumn(t *testing.T) {
	text := `序号 | 公开事项 | 公开内容 | 公开时限 | 公开渠道和载体 |
1 | 机构职能 | 本部门的职能职责 | 信息形成或变更之日起20个工作日内 | 政府网站 |
2 | 内设科室 | 内设机构的名称、职责和联系方式 | 信息形成或变更之日起20个工作日内 | 政府网站 |
3 | 政策文件 | 本部门制定的规范性文件 | 信息形成或变更之日起10个工作日内 | 政府网站 |
`
	res := load(t, "目录.txt", []byte(text), testDir("某局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	var ts []string
	for _, it := range res.Items {
		ts = append(ts, it.Title)
	}
	if !equalStrings(ts, []string{"机构职能", "内设科室", "政策文件"}) {
		t.Fatalf("items %q, want 机构职能, 内设科室, 政策文件", ts)
	}
}

// 内容标准 elements in brackets continue on lines of their own (【职责】 | ||||) under the row
// whose 内容 starts with one: they are more of that 内容, not items.
func TestBracketElementsContinueTheContent(t *testing.T) {
	text := `序号 | 信息类别 | 内容标准 | 公开时限 | 公开形式 |
1 | 内设机构 | 【机构名称】 | 信息形成或者变更之日起20个工作日内 | 政府网站 |
【职责】 | ||||
【联系方式】 | ||||
2 | 部门预算 | 【预算说明】【预算表】 | 批复后20日内公开 | 政府网站 |
3 | 信息公开年报 | 【标题】【内容】 | 按年公开 | 政府网站 |
`
	res := load(t, "标准.txt", []byte(text), testDir("某局", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		var ts []string
		for _, it := range res.Items {
			ts = append(ts, it.Title+"/"+it.Requirement)
		}
		t.Fatalf("%d items, want 3: %q", len(res.Items), ts)
	}
	if it := findItem(t, res, "", "内设机构"); !strings.Contains(it.Requirement, "【职责】") || !strings.Contains(it.Requirement, "【联系方式】") {
		t.Errorf("内设机构 requirement %q, want its three elements", it.Requirement)
	}
}

// An assessment table whose points column is 得分 (no 分值 column): 得分 is what each item is
// worth, and the group total beside it (合计得分) is not.
func TestScoreColumnNamedDeFen(t *testing.T) {
	text := `类别 | 考核内容 | 得分 | 合计得分 |
组织保障 | 明确分管领导和承办科室 | 2分 | 4分 |
配备专职工作人员 | 2分 | ||
平台建设 | 门户网站栏目及时更新 | 5分 | 5分 |
`
	res := load(t, "考核.txt", []byte(text), testDir("某县", nil, nil), 2026, BuildOptions{CreateOffices: true, DefaultRule: "年底前"})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3", len(res.Items))
	}
	want := map[string]float64{"明确分管领导和承办科室": 2, "配备专职工作人员": 2, "门户网站栏目及时更新": 5}
	for _, it := range res.Items {
		w, ok := want[it.Title]
		if !ok {
			w, ok = want[it.Requirement]
		}
		if !ok || it.Score == nil || *it.Score != w {
			t.Errorf("item %q / %q: score %v, want %v", it.Title, it.Requirement, it.Score, w)
		}
	}
}

// The list's title on the line before its header (基層政務公開標準目錄) is no header cell, and
// the notes after the table (標準目錄要素說明：…) end it: neither becomes a column or an item.
func TestListTitleAndNotesAroundTheTable(t *testing.T) {
	lines := []string{"附件2:", "基層政務公開標準目錄",
		"序號", "公開事項", "公開內容", "公開時限", "公開主體",
		"1", "公租房保障", "保障對象名單及補貼標準", "信息形成之日起20個工作日內", "某縣住房和城鄉建設局",
		"2", "棚戶區改造", "改造計劃及進度", "信息形成之日起20個工作日內", "某縣住房和城鄉建設局",
		"標準目錄要素說明: 1.公開事項名稱。按照上級目錄填寫。2.公開時限。"}
	text := strings.Join(lines, "\n|\n") + "\n|\n"
	res := load(t, "目錄.txt", []byte(text), testDir("某縣", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	var ts []string
	for _, it := range res.Items {
		ts = append(ts, strings.Join(append(append([]string{}, it.Path...), it.Title), "/"))
	}
	if len(ts) != 2 || !strings.Contains(ts[0], "公租房保障") || !strings.Contains(ts[1], "棚戶區改造") {
		t.Fatalf("items %q, want 公租房保障 and 棚戶區改造 alone", ts)
	}
}

// A list's title is no header cell, however many header words it holds (标准, 任务); a level
// named 目录 still is one.
func TestListTitleIsNoHeader(t *testing.T) {
	for _, s := range []string{"基层政务公开标准目录", "基層政務公開標準目錄", "2026年政务公开重点任务分解表", "主动公开事项清单(试行)"} {
		if r, known := headerRole(s); known {
			t.Errorf("headerRole(%q) = %s, want no header", s, r)
		}
	}
	for s, want := range map[string]Role{"一级目录": RoleLevel, "公开内容": RoleRequirement, "具体要求": RoleRequirement} {
		if r, known := headerRole(s); !known || r != want {
			t.Errorf("headerRole(%q) = %s %v, want %s", s, r, known, want)
		}
	}
}

// A row that breaks after its 内容 continues on the next line, which starts with its law; and
// an office whose name holds 法规 (法规科) is an office, not a law.
func TestRowBrokenAfterItsContent(t *testing.T) {
	text := `一级目录 | 二级目录 | 公开内容 | 公开依据 | 公开时限 | 责任科室 | 公开渠道和载体 |
政策 | 规范性文件 | 本局制定的规范性文件全文 | 《政府信息公开条例》 | 信息形成或者变更之日起20个工作日内 | 办公室、法规科 | 门户网站 |
政策解读 | 文字解读、图解和专家解读等多种形式的解读材料 |
《政府信息公开条例》 | 与政策文件同步发布 | 政策制定科室 | 门户网站 |
机构信息 | 机构职能 | 本局职能、内设机构和联系方式 | 《政府信息公开条例》 | 信息形成或者变更之日起20个工作日内 | 办公室 | 门户网站 |
`
	res := load(t, "目录.txt", []byte(text), testDir("某局", []string{"办公室", "法规科"}, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		var ts []string
		for _, it := range res.Items {
			ts = append(ts, it.Title)
		}
		t.Fatalf("%d items, want 3: %q", len(res.Items), ts)
	}
	if it := findItem(t, res, "", "规范性文件"); !equalStrings(officeNames(it), []string{"办公室:lead", "法规科:lead"}) && len(it.Offices) != 2 {
		t.Errorf("规范性文件 offices %v, want 办公室 and 法规科", officeNames(it))
	}
	for _, it := range res.Items {
		if strings.Contains(strings.Join(append(append([]string{}, it.Path...), it.Title), "/"), "政策解读") &&
			(it.Rule.Kind != schedule.KindTimely || !strings.Contains(it.Rule.Text, "同步")) {
			t.Errorf("政策解读: rule %s %q, want its own clock from the line after", it.Rule.Kind, it.Rule.Text)
		}
	}
}

// A 事项 that reads like an office (村民小组, 监督委员会) where the row's level is due is a level:
// its content, clock and owner all follow it in the row.
func TestOfficeLikeLevelBeforeItsContent(t *testing.T) {
	text := `序号 |
类别 |
公开事项 |
公开内容 |
公开时限 |
公开主体 |
公开渠道 |
1 |
村务公开 |
组织机构 |
村委会成员姓名、职务、联系方式 |
信息形成或者变更之日起20个工作日内 |
某某村民委员会 |
■ 公示栏 |
2 |
村务监督委员会 |
监督委员会成员、职责和监督电话 |
信息形成或者变更之日起20个工作日内 |
某某村民委员会 |
■ 公示栏 |
3 |
村民小组 |
各村民小组组长姓名及联系方式 |
自信息形成之日起10个工作日内 |
某某村民委员会 |
■ 公示栏 |
`
	res := load(t, "村务目录.txt", []byte(text), testDir("某某村", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(res.Items), res.Items)
	}
	for i, want := range []string{"组织机构", "村务监督委员会", "村民小组"} {
		it := res.Items[i]
		path := strings.Join(append(append([]string{}, it.Path...), it.Title), ">")
		if !strings.Contains(path, want) || len(it.Offices) != 1 || it.Offices[0].Name != "某某村民委员会" {
			t.Errorf("item %d: path %q offices %+v, want %s owned by 某某村民委员会", i+1, path, it.Offices, want)
		}
	}
}

// A pipe table whose first level (具体职责) is merged over many rows: the row that has it
// writes the duty out in full and keeps its width; the rows after it lost that cell. A row
// that broke after its 内容 is ended by the next line, and 【…】 elements are content.
func TestMergedDutyColumnAndBrokenRows(t *testing.T) {
	text := `序号 | 主要职责 | 业务事项 | 信息类别 | 内容标准 | 公开时限 | 公开形式 |
1 | 负责本局行政许可事项的受理、审查和决定工作 | 行政许可 | 办事指南 | 【事项名称】 | 信息形成或者变更之日起20个工作日内 | 政府网站 |
【办理流程】 | ||||||
2 | 行政许可 | 许可结果 | 【许可决定】【许可日期】 | 作出决定之日起7个工作日内 | 政府网站 | |
3 | 行政许可 | 收费标准 | 【收费项目】 【收费依据】 |
信息形成或者变更之日起20个工作日内 | 政府网站 | |
4 | 统计信息 | 统计数据 | 按照统计制度执行 | 每季度结束后15日内 | 政府网站 | |
`
	res := load(t, "公开标准.txt", []byte(text), testDir("某某局", []string{"办公室"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	if len(res.Items) != 4 {
		t.Fatalf("%d items, want 4: %+v", len(res.Items), res.Items)
	}
	if it := res.Items[0]; !strings.Contains(it.Requirement, "【办理流程】") || !slices.Contains(it.Path, "行政许可") {
		t.Errorf("first row: path %q requirement %q, want 行政许可 with 【办理流程】 in its content", it.Path, it.Requirement)
	}
	if it := res.Items[2]; it.Rule.Kind != schedule.KindTimely || !strings.Contains(it.Path[len(it.Path)-1]+it.Title, "收费标准") {
		t.Errorf("broken row: path %q title %q rule %s, want 收费标准 with its clock from the next line", it.Path, it.Title, it.Rule.Kind)
	}
	if it := res.Items[3]; !strings.Contains(it.Requirement, "按照统计制度执行") || it.Rule.Kind != schedule.KindRecurring {
		t.Errorf("last row: requirement %q rule %s, want the 内容 before the clock and a quarterly rule", it.Requirement, it.Rule.Kind)
	}
}

// A column framework whose clock lives in its second text column (内容说明 then 具体要求), one
// cell per line: a bare 及时更新 there is the requirement, a heading wrapped before 及… is one
// heading, and the points 1. / 2. of a requirement stay one cell, spaced or not.
func TestColumnFrameworkClockInTheSecondTextColumn(t *testing.T) {
	text := `版块

一级栏目

二级栏目

内容说明

具体要求

政务公开

机构概况

单位简介

发布单位名称、职能、地址和电话。

及时更新

规划计划

及总结

年度计划

发布年度工作计划。

1. 及时更新,最大更新间隔不得超过12个月。

2. 栏目无内容时不得空置。

工作总结

发布年度工作总结。

每年更新
`
	res := load(t, "栏目.txt", []byte(text), testDir("某某局", []string{"办公室"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3: %+v", len(res.Items), res.Items)
	}
	if it := res.Items[0]; it.Title != "单位简介" || it.Rule.Kind != schedule.KindTimely {
		t.Errorf("first: %q rule %s, want 单位简介 timely", it.Title, it.Rule.Kind)
	}
	it := res.Items[1]
	if it.Title != "年度计划" || !slices.Contains(it.Path, "规划计划及总结") || !strings.Contains(it.Requirement, "栏目无内容时不得空置") {
		t.Errorf("second: path %q title %q requirement %q", it.Path, it.Title, it.Requirement)
	}
	if !slices.ContainsFunc(it.Rules, func(r schedule.Rule) bool { return r.Kind == schedule.KindMaxGap }) {
		t.Errorf("second: rules %+v, want a max gap", it.Rules)
	}
	if it := res.Items[2]; it.Rule.Kind != schedule.KindRecurring {
		t.Errorf("third: rule %s, want yearly", it.Rule.Kind)
	}
}

// A sub-header whose tick word lost its end in the copy (全社 for 全社会) is still the sub-header,
// and a row one 事项 cell short keeps its description as content, not as a second level, when the
// law of the 公开依据 column follows it.
func TestTruncatedSubHeaderAndShortRows(t *testing.T) {
	text := `序号 | 公开事项 | 公开内容 | 公开依据 | 公开时限 | 公开渠道 | 公开对象 | |
一级 | 二级 | 全社 | 特定群体 | |||
1 | 办事服务 | 办事指南 | 办理条件、材料、流程和时限 | 《政府信息公开条例》 | 信息形成或变更之日起20个工作日内 | 政府网站 | √ | |
2 | 收费标准 | 本单位行政事业性收费的项目和依据 | 《政府信息公开条例》 | 信息形成或变更之日起20个工作日内 | 政府网站 | √ | |
3 | 统计数据 | 按照统计制度公布的年度数据 | 《统计法》 | 每年3月31日前 | 政府网站 | √ | |
`
	res := load(t, "目录.txt", []byte(text), testDir("某某局", []string{"办公室"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want 3 (the sub-header is no item): %+v", len(res.Items), res.Items)
	}
	for _, c := range []struct{ title, content string }{{"办事指南", "办理条件"}, {"收费标准", "行政事业性收费"}, {"统计数据", "年度数据"}} {
		it := findItem(t, res, "", c.title)
		if !strings.Contains(it.Requirement, c.content) {
			t.Errorf("%s: requirement %q, want its 公开内容 (%s)", c.title, it.Requirement, c.content)
		}
	}
	if it := findItem(t, res, "", "统计数据"); it.Rule.Kind != schedule.KindDeadline || it.Rule.Due.String() != "2026-03-31" {
		t.Errorf("统计数据: rule %s %v, want the deadline 2026-03-31", it.Rule.Kind, it.Rule.Due)
	}
}

// One cell per line: a long 二级事项 that lists things (法律、法规、政策文件) is a level when
// counting back from the row's clock leaves it no other column, and the description after it
// (名称、文号、发文部门) is the content, not an owner.
func TestLevelsCountedBackFromTheClock(t *testing.T) {
	text := `序号 |
公开事项 |
公开内容 |
公开依据 |
公开时限 |
公开主体 |
一级事项 |
二级事项 |
1 |
就业政策 |
国家和省市就业创业相关法律、法规、政策文件 |
文件名称、文号、发文部门 |
《政府信息公开条例》 |
信息形成或变更之日起20个工作日内 |
某某镇人民政府 |
2 |
创业扶持政策清单 |
扶持项目、扶持对象、申请条件和标准 |
《政府信息公开条例》 |
信息形成或变更之日起10个工作日内 |
某某镇人民政府 |
`
	res := load(t, "就业.txt", []byte(text), testDir("某某镇", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	it := res.Items[0]
	if it.Title != "国家和省市就业创业相关法律、法规、政策文件" || it.Requirement != "文件名称、文号、发文部门" {
		t.Errorf("first: title %q requirement %q, want the long 二级事项 as title and the elements as content", it.Title, it.Requirement)
	}
	if names := officeNames(it); len(names) != 1 || names[0] != "某某镇人民政府:lead" {
		t.Errorf("first: offices %v, want only the 公开主体", names)
	}
	if it := res.Items[1]; it.Rule.Clock == nil || it.Rule.Clock.N != 10 || !slices.Contains(it.Path, "就业政策") {
		t.Errorf("second: path %q rule %+v, want 就业政策 inherited and its 10-day clock", it.Path, it.Rule)
	}
}

// Scores a copy ran into the text come off it; dates, numbers inside the text and closed
// brackets stay.
func TestSplitGluedScore(t *testing.T) {
	for in, want := range map[string][2]string{
		"养老服务(2":            {"养老服务", "2"},
		"是否公开相关政策(0.25":     {"是否公开相关政策", "0.25"},
		"检查结果及处理信息等0.5":     {"检查结果及处理信息等", "0.5"},
		"政务公开（10分":          {"政务公开", "10"},
		"是否公开2021年计划":       {"是否公开2021年计划", ""},
		"重点领域信息(基层政务公开标准化)": {"重点领域信息(基层政务公开标准化)", ""},
		"每年更新1次":            {"每年更新1次", ""},
		"版本2.0":             {"版本2.0", ""},
	} {
		text, score := splitGluedScore(in)
		if text != want[0] || score != want[1] {
			t.Errorf("splitGluedScore(%q) = %q, %q; want %q, %q", in, text, score, want[0], want[1])
		}
	}
}
