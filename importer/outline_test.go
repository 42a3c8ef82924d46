package importer

import (
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
)

// Lists written as a numbered outline, with no table and no （责任科室：…） brackets. Written
// afresh for these tests, in the shapes of real plans and scoring rules.

// A 工作方案 whose points carry their own deadlines, the number running into the year, and the
// website's furniture after it.
func TestOutlinePlanWithDeadlinesInItsPoints(t *testing.T) {
	text := `某某区政务公开标准化工作方案
一、工作目标
到年底，全区基层政务公开标准体系基本建立。
二、主要任务
（一）编制目录
1.2026年5月底前，各街道完成本级政务公开事项目录的编制
2.6月底前完成目录的审核和发布
3、按季度对目录进行动态调整
（二）完善平台
1.2026年8月底前完成政务公开专栏的改版
三、进度安排
1.2026年4月底前制定工作方案
2.2026年10月底前组织验收
主办单位：某某区人民政府办公室 版权所有
网站标识码：1234567890 京ICP备12345678号
`
	res := load(t, "方案.txt", []byte(text), testDir("某某区政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 6 {
		t.Fatalf("%d items, want the 6 points: %+v", len(res.Items), res.Items)
	}
	want := map[string]string{"各街道完成本级": "2026-05-31", "目录的审核和发布": "2026-06-30", "专栏的改版": "2026-08-31", "制定工作方案": "2026-04-30", "组织验收": "2026-10-31"}
	for title, due := range want {
		it := outlineItemWith(t, res, title)
		if it.Rule.Kind != schedule.KindDeadline || it.Rule.Due == nil || it.Rule.Due.String() != due {
			t.Errorf("%s: %s %v, want deadline %s", title, it.Rule.Kind, it.Rule.Due, due)
		}
	}
	if it := outlineItemWith(t, res, "动态调整"); it.Rule.Kind != schedule.KindRecurring || it.Rule.Period != schedule.Quarter {
		t.Errorf("按季度: %s %s", it.Rule.Kind, it.Rule.Period)
	}
	for _, it := range res.Items {
		if strings.Contains(it.Title+it.Requirement, "主办单位") || len(it.Offices) != 1 || !it.Unassigned {
			t.Errorf("%s: offices %v, unassigned %v (the plan names no owner: 待分派)", it.Title, it.Offices, it.Unassigned)
		}
	}
	if it := outlineItemWith(t, res, "专栏的改版"); strings.Join(it.Path, "/") != "二、主要任务/（二）完善平台" {
		t.Errorf("path %v", it.Path)
	}
}

// A plan whose task paragraphs are followed by owner and time lines of their own; a heading
// with its own lines is a task; prose and an orphan time line are not.
func TestOutlineOwnerAndTimeLines(t *testing.T) {
	text := `完成时间：2026年3月10日前。
4.集中公示。各单位编制的目录应及时发布到政府门户网站进行公示，广泛征求意见。
责任单位：区政府办公室，区政府各部门(单位)、各镇(街道)。
完成时间：2026年3月20日前。
（三）检查验收
对各单位目录编制情况进行检查验收，并进行总结评比。
责任单位：区政府办公室。
完成时间：2026年3月底。
四、工作要求
各单位要高度重视，认真组织实施。
`
	res := load(t, "方案.txt", []byte(text), testDir("某某区政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(res.Items), res.Items)
	}
	pub := outlineItemWith(t, res, "集中公示")
	if pub.Rule.Kind != schedule.KindDeadline || pub.Rule.Due.String() != "2026-03-20" {
		t.Errorf("集中公示: %s %v, want its own 完成时间, not the orphan line above it", pub.Rule.Kind, pub.Rule.Due)
	}
	var groups []string
	for _, p := range ParseOffices(pub.OfficesText) {
		if p.Group {
			groups = append(groups, p.Name)
		}
	}
	if strings.Join(groups, "|") != "区政府各部门(单位)|各镇(街道)" {
		t.Errorf("groups %q of %q", groups, pub.OfficesText)
	}
	if it := outlineItemWith(t, res, "检查验收"); it.Rule.Due == nil || it.Rule.Due.String() != "2026-03-31" {
		t.Errorf("检查验收: %s %v", it.Rule.Kind, it.Rule.Due)
	}
}

// A scoring rule whose criteria run together inside one paragraph: one item per criterion,
// under its point, each read for its clock.
func TestOutlineCriteriaInOneParagraph(t *testing.T) {
	text := `某某县2026年政务公开考核细则
一、考核对象
各乡镇人民政府、县政府各部门。
二、评分标准
（一）基础工作（40分）
1、制度建设（计20分）。（1）是否明确分管领导和工作人员，有得5分，无扣2分；（2）是否每季度召开专题会议研究政务公开工作，有得10分；（3）是否建立信息发布审核制度，有得5分。
2、信息发布（计20分）。（1）全年发布信息不少于150条，得10分，未完成扣2分；（2）栏目每月更新，得10分。
`
	res := load(t, "细则.txt", []byte(text), testDir("某某县政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 5 {
		t.Fatalf("%d items, want the 5 criteria: %+v", len(res.Items), res.Items)
	}
	if it := outlineItemWith(t, res, "专题会议"); it.Rule.Kind != schedule.KindRecurring || it.Rule.Period != schedule.Quarter {
		t.Errorf("每季度召开: %s %s", it.Rule.Kind, it.Rule.Period)
	}
	if it := outlineItemWith(t, res, "不少于150条"); it.Rule.Kind != schedule.KindQuota || it.Rule.Count != 150 {
		t.Errorf("150条: %s %d", it.Rule.Kind, it.Rule.Count)
	}
	if it := outlineItemWith(t, res, "审核制度"); it.Rule.Kind != schedule.KindUnparsed {
		t.Errorf("审核制度 has no clock: %s", it.Rule.Kind)
	}
	if it := outlineItemWith(t, res, "栏目每月更新"); !strings.Contains(strings.Join(it.Path, "/"), "2、信息发布") {
		t.Errorf("path %v", it.Path)
	}
}

// Numbered lines without any heading are the parts of table cells, and a notice with a few
// numbered sentences is no task list: both are still refused as having no task table.
func TestOutlineNeedsHeadingsAndClocks(t *testing.T) {
	for name, text := range map[string]string{
		"cells.txt": "栏目\n要求\n机构信息\n1.及时更新，最大更新间隔不得超过12个月\n2.每月更新一次\n3.每季度更新\n",
		"notice.txt": `关于做好政务公开工作的通知
一、提高认识
1.各单位要高度重视政务公开工作。
2.要加强组织领导。
二、抓好落实
1.认真组织实施。
`,
	} {
		res := load(t, name, []byte(text), testDir("某某县政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
		if res.OK() || !strings.Contains(res.Errors[0].Error(), "没有找到任务表格") {
			t.Errorf("%s: want no task table, got %d items, errors %v", name, len(res.Items), res.Errors)
		}
	}
}

// A website's column framework names levels and requirements but no owner and no clock column:
// a list all the same, its clock read from the requirement.
func TestColumnFrameworkIsAList(t *testing.T) {
	text := `一级栏目 | 二级栏目 | 内容说明 | 具体要求 |
机构信息 | 机构职能 | 发布本单位职能 | 及时更新 |
机构信息 | 人事信息 | 发布人事任免 | 及时更新，最大更新间隔不得超过12个月 |
政策文件 | 规范性文件 | 发布规范性文件 | 更新间隔不超过6个月 |
`
	res := load(t, "栏目.txt", []byte(text), testDir("某某县政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items: %+v", len(res.Items), res.Items)
	}
	if it := outlineItemWith(t, res, "人事信息"); it.Rule.Kind != schedule.KindMaxGap {
		t.Errorf("人事信息: %s (及时 with a gap is the gap)", it.Rule.Kind)
	}
}

func outlineItemWith(t *testing.T, res *Result, words string) Item {
	t.Helper()
	for _, it := range res.Items {
		if strings.Contains(it.Title+it.Requirement, words) {
			return it
		}
	}
	t.Fatalf("no item with %q", words)
	return Item{}
}

// Headings that no point follows are tasks when they carry their own clock: the milestones of an
// 实施方案, in Traditional with the pinyin a copy site inserts.
func TestOutlineMilestoneHeadings(t *testing.T) {
	text := `某某市基層政務公開標準化規(guī)范化工作實施方案
一、目標要求
堅持“應公開、盡公開”原則，全面推進基層政務公開標準化規(guī)范化建設。
（一）2026年年底前，初步建成26個試點領域事項目錄體系。
（二）2027年6月底前，制定完成基層政務公開標準和規範。
（三）2028年底前，基本建成統一規範的標準體系。
二、保障措施
（一）加強組織領導
各地要高度重視。
`
	res := load(t, "方案.txt", []byte(text), testDir("某某市政府办", nil, nil), 2026, BuildOptions{CreateOffices: true})
	mustOK(t, res)
	if len(res.Items) != 3 {
		t.Fatalf("%d items, want the 3 milestones: %+v", len(res.Items), res.Items)
	}
	for words, due := range map[string]string{"試點領域": "2026-12-31", "標準和規範": "2027-06-30", "統一規範": "2028-12-31"} {
		if it := outlineItemWith(t, res, words); it.Rule.Due == nil || it.Rule.Due.String() != due {
			t.Errorf("%s: %s %v, want %s", words, it.Rule.Kind, it.Rule.Due, due)
		}
	}
}
