package importer

import (
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
)

// Regulations whose column duties are written as running clauses, written afresh for these
// tests in the shape of county website rules.

// Three clauses of columns with their clocks inside one article, among clauses that are no
// column list: the reports of meetings and activities, an office's duty.
func TestClausesColumnDutiesInAnArticle(t *testing.T) {
	text := `某某县统计局门户网站内容保障制度
第一条 为加强门户网站内容保障工作，结合本局实际，制定本制度。
第二条 局办公室负责网站的日常管理，各股室负责本股室信息的采集和报送。
第三条 栏目更新要求：单位概况、内设机构和联系方式须及时更新；工作动态、统计分析每周更新一条；统计公报、统计年鉴应每年至少更新一次。重要会议、专项活动要在结束后两日内报送信息，局办公室、信息股要及时更新。
第四条 本制度自印发之日起施行。
`
	res := load(t, "制度.txt", []byte(text), testDir("某某县统计局", []string{"办公室", "信息股"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	want := map[string]string{
		"单位概况": "timely", "内设机构": "timely", "联系方式": "timely",
		"工作动态": "quota week", "统计分析": "quota week",
		"统计公报": "quota year", "统计年鉴": "quota year",
	}
	if len(res.Items) != len(want) {
		var got []string
		for _, it := range res.Items {
			got = append(got, it.Title)
		}
		t.Fatalf("%d items %v, want the %d columns", len(res.Items), got, len(want))
	}
	for _, it := range res.Items {
		w, ok := want[it.Title]
		if !ok {
			t.Errorf("item %q is no column of the list", it.Title)
			continue
		}
		got := string(it.Rule.Kind)
		if it.Rule.Period != "" {
			got += " " + string(it.Rule.Period)
		}
		if got != w {
			t.Errorf("%s: rule %s (%q), want %s", it.Title, got, it.Rule.Text, w)
		}
		if strings.Join(it.Path, "/") != "第三条" {
			t.Errorf("%s: path %v, want the article 第三条", it.Title, it.Path)
		}
		if !strings.Contains(it.Requirement, it.Title) || strings.Contains(it.Requirement, "；") {
			t.Errorf("%s: requirement %q, want its own clause", it.Title, it.Requirement)
		}
		if !it.Unassigned {
			t.Errorf("%s: offices %v, want 待分派 (the clauses name no owner)", it.Title, officeNames(it))
		}
	}
	if it := findItem(t, res, "", "统计分析"); it.Rule.Count != 1 {
		t.Errorf("每周更新一条: count %d, want one article a week", it.Rule.Count)
	}
}

// A clause whose clock the schedule package does not read as written keeps its wording and
// leaves the rule unread; its names are cut before the time word (半年), not inside a name.
func TestClausesUnreadClockKeepsItsWording(t *testing.T) {
	lines := []line{
		{Text: "第五条 信息公开栏目、政策解读应当及时更新，", No: 3},
		{Text: "办事服务、互动交流每月至少更新两次，公示公告、招标采购半年要进行维护。", No: 4},
	}
	tb := clauseTable(lines, "正文", 2026)
	if tb == nil {
		t.Fatal("no table from two lines of column clauses")
	}
	var titles, clocks []string
	for _, r := range tb.Rows {
		titles = append(titles, r[1].Text)
		clocks = append(clocks, r[3].Text)
		if r[0].Text != "第五条" {
			t.Errorf("%s: path %q, want 第五条 (the run goes on over the line break)", r[1].Text, r[0].Text)
		}
	}
	if got := strings.Join(titles, "/"); got != "信息公开栏目/政策解读/办事服务/互动交流/公示公告/招标采购" {
		t.Errorf("titles %s", got)
	}
	if clocks[0] != "及时更新" || clocks[2] != "每月至少更新两次" || clocks[5] != "半年要进行维护" {
		t.Errorf("clocks %q", clocks)
	}
	if r := parseRule(clocks[5], 2026); r.Kind != schedule.KindUnparsed {
		t.Errorf("半年要进行维护 read as %s: the clause reader must not guess what schedule does not read", r.Kind)
	}
}

// A regulation with clocks and lists that are not columns — per-event reports, an office's
// duties, a single thing to update — is refused as having no task table.
func TestClausesRegulationWithoutColumnList(t *testing.T) {
	text := `某某镇政府信息公开工作制度
第一条 为规范政府信息公开工作，制定本制度。
第二条 党政办公室、综合服务中心要及时做好信息的审核发布。
第三条 重大会议、重要活动要在活动结束后两日内报送信息，一般的会议信息在三日内报送。
第四条 依申请公开的，应在收到申请之日起20个工作日内答复。
第五条 门户网站要及时更新，确保信息准确。
第六条 本制度由镇党政办公室负责解释。
`
	if tb := clauseTable(textLines(text), "正文", 2026); tb != nil {
		t.Fatalf("a regulation without a column list read as %d rows: %v", len(tb.Rows), tb.Rows)
	}
	for _, s := range []string{"党政办公室、综合服务中心要及时做好信息的审核发布", "重大会议、重要活动要在活动结束后两日内报送信息", "一般的会议信息在三日内报送"} {
		if c, ok := readClause(s, 2026); ok {
			t.Errorf("%s read as columns %v: offices and events are no columns", s, c.names)
		}
	}
	res := load(t, "制度.txt", []byte(text), testDir("某某镇人民政府", nil, nil), 2026, BuildOptions{})
	if res.OK() || !strings.Contains(res.Errors[0].Error(), "没有找到任务表格") {
		t.Fatalf("want 没有找到任务表格, got %d items, errors %v", len(res.Items), res.Errors)
	}
}

// A notice asking for one clause of updates names four columns and one clock: it is a
// request, not a column-duty list.
func TestClausesNoticeWithOneClause(t *testing.T) {
	text := `关于做好国庆期间网站内容更新工作的通知
各股室：
为做好节日期间的信息公开工作，请将工作动态、通知公告、政策文件、办事指南每周更新一次，确保内容准确。
特此通知。
某某县农业农村局办公室
`
	if tb := clauseTable(textLines(text), "正文", 2026); tb != nil {
		t.Fatalf("a notice with one clause read as %d rows: %v", len(tb.Rows), tb.Rows)
	}
	// the clause itself is read: it is the one clock that keeps the notice from being a list
	if cs := lineClauses("请将工作动态、通知公告、政策文件、办事指南每周更新一次，确保内容准确", 2026); len(cs) != 1 || len(cs[0].names) != 4 || cs[0].names[0] != "工作动态" {
		t.Errorf("clauses %+v, want the one clause of four names", cs)
	}
	res := load(t, "通知.txt", []byte(text), testDir("某某县农业农村局", nil, nil), 2026, BuildOptions{})
	if res.OK() || !strings.Contains(res.Errors[0].Error(), "没有找到任务表格") {
		t.Fatalf("want 没有找到任务表格, got %d items, errors %v", len(res.Items), res.Errors)
	}
}

func textLines(text string) []line {
	var out []line
	for i, s := range strings.Split(text, "\n") {
		out = append(out, line{Text: s, No: i + 1})
	}
	return out
}

// In Traditional characters the clauses read the same, and the items keep the text as written.
func TestClausesTraditional(t *testing.T) {
	lines := []line{{Text: "第三條 機構概況、領導簡介應及時更新，工作動態、圖片新聞每週更新一條，通知公告、政策文件、辦事指南半年要進行維護，規劃計劃、統計數據每年至少發佈一次。", No: 7}}
	tb := clauseTable(lines, "正文", 2026)
	if tb == nil {
		t.Fatal("no table from a Traditional article of column clauses")
	}
	var titles, clocks []string
	for _, r := range tb.Rows {
		titles = append(titles, r[1].Text)
		clocks = append(clocks, r[3].Text)
		if r[0].Text != "第三條" || r[1].Row != 7 {
			t.Errorf("%s: path %q row %d, want 第三條 on line 7", r[1].Text, r[0].Text, r[1].Row)
		}
	}
	if got := strings.Join(titles, "/"); got != "機構概況/領導簡介/工作動態/圖片新聞/通知公告/政策文件/辦事指南/規劃計劃/統計數據" {
		t.Errorf("titles %s", got)
	}
	if got := strings.Join(clocks, "/"); got != "及時更新/及時更新/每週更新一條/每週更新一條/半年要進行維護/半年要進行維護/半年要進行維護/每年至少發佈一次/每年至少發佈一次" {
		t.Errorf("clocks %s", got)
	}
}

// Under a section title of its own the clauses take the title as their path; 等栏目 closes a
// list and is no part of its last name.
func TestClausesUnderASectionTitle(t *testing.T) {
	lines := []line{
		{Text: "二、栏目更新要求", No: 10},
		{Text: "工作动态、图片新闻等栏目每周更新一条，政策文件、通知公告每月更新。", No: 11},
	}
	tb := clauseTable(lines, "正文", 2026)
	if tb == nil || len(tb.Rows) != 4 {
		t.Fatalf("table %+v, want the 4 columns", tb)
	}
	for _, r := range tb.Rows {
		if r[0].Text != "二、栏目更新要求" || r[0].Row != 10 {
			t.Errorf("%s: path %q (line %d), want the section title on line 10", r[1].Text, r[0].Text, r[0].Row)
		}
	}
	if tb.Rows[1][1].Text != "图片新闻" || tb.Rows[3][3].Text != "每月更新" {
		t.Errorf("rows %v", tb.Rows)
	}
}

// The same regulation as a Word document or a web page reads the same columns: every reader of
// prose tries the clause reader last.
func TestClausesInWordAndHTML(t *testing.T) {
	paras := []string{
		"某某县水利局网站信息更新管理办法",
		"第一条 为规范网站信息更新，制定本办法。",
		"第二条 栏目更新要求：机构职能、领导信息须及时更新；水利动态、通知公告每周更新一条；水资源公报、年度报告每年至少更新一次。",
		"第三条 本办法自印发之日起施行。",
	}
	var body, page strings.Builder
	page.WriteString("<html><body>")
	for _, p := range paras {
		body.WriteString("<w:p><w:r><w:t>" + p + "</w:t></w:r></w:p>")
		page.WriteString("<p>" + p + "</p>")
	}
	page.WriteString("</body></html>")
	for name, data := range map[string][]byte{"办法.docx": docxOf(t, body.String()), "办法.html": []byte(page.String())} {
		res := load(t, name, data, testDir("某某县水利局", []string{"办公室"}, nil), 2026, BuildOptions{})
		mustOK(t, res)
		if len(res.Items) != 6 {
			var got []string
			for _, it := range res.Items {
				got = append(got, it.Title+"="+string(it.Rule.Kind))
			}
			t.Errorf("%s: %d items %v, want the 6 columns", name, len(res.Items), got)
			continue
		}
		if it := findItem(t, res, "", "通知公告"); it.Rule.Kind != schedule.KindQuota || it.Rule.Period != schedule.Week {
			t.Errorf("%s: 通知公告 rule %s %s, want a weekly quota", name, it.Rule.Kind, it.Rule.Period)
		}
	}
}

// Column duties one article each: the articles in a row count together, each keeps its own
// article as path, and 栏目 after the names is no part of them.
func TestClausesOneArticleEach(t *testing.T) {
	text := `某某县人民政府门户网站栏目更新管理规定
第一条 为做好县政府门户网站内容保障，制定本规定。
第二条 县政府办公室负责网站的日常管理。
第三条 工作动态、通知公告栏目每周更新不少于2条。
第四条 政策文件栏目及时更新。
第五条 人事信息、规划计划栏目每季度至少更新一次。
第六条 统计数据栏目每月更新。
第七条 本规定自印发之日起施行。
`
	res := load(t, "规定.txt", []byte(text), testDir("某某县政府办", []string{"办公室"}, nil), 2026, BuildOptions{})
	mustOK(t, res)
	want := map[string]string{"工作动态": "第三条 quota", "通知公告": "第三条 quota", "政策文件": "第四条 timely",
		"人事信息": "第五条 quota", "规划计划": "第五条 quota", "统计数据": "第六条 recurring"}
	if len(res.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(res.Items), len(want))
	}
	for _, it := range res.Items {
		if got := strings.Join(it.Path, "/") + " " + string(it.Rule.Kind); got != want[it.Title] {
			t.Errorf("%s: %s, want %s", it.Title, got, want[it.Title])
		}
	}
	if it := findItem(t, res, "", "工作动态"); it.Rule.Period != schedule.Week || it.Rule.Count != 2 {
		t.Errorf("工作动态: %+v, want two a week (动态 names the column, 每周 is the clock)", it.Rule)
	}
}
