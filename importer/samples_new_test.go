package importer

import (
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
)

// The shapes of the second round of samples, imported as a new unit would (--create-offices).
func TestNewShapesSamples(t *testing.T) {
	load := func(file string, year int) *Result {
		t.Helper()
		res := Load(file, readTestdata(t, file), testDir("新单位", nil, nil), Options{Build: BuildOptions{Year: year, CreateOffices: true}})
		mustOK(t, res)
		return res
	}

	// a ledger with 责任处室, ragged rows, 长期推进, 2021年8月前 and a cell with two dated obligations
	res := load("guangdong-wjw-2021-key-task-ledger.txt", 2021)
	if len(res.Items) != 8 {
		t.Fatalf("guangdong: %d items, want 8", len(res.Items))
	}
	it := itemWith(t, res, "提高新冠肺炎疫情信息发布规范化水平")
	if it.Rule.Kind != schedule.KindDeadline || it.Rule.Due.String() != "2021-07-31" || len(it.Offices) != 2 ||
		it.Offices[0].Name != "宣传处" || it.Offices[1].Name != "办公室" {
		t.Errorf("2021年8月前, 宣传处会办公室: %+v %+v", it.Rule, it.Offices)
	}
	it = itemWith(t, res, "积极推进部门所属单位预算")
	if len(it.Rules) != 2 || it.Rules[0].Due.String() != "2021-02-28" || it.Rules[1].Due.String() != "2021-08-31" {
		t.Errorf("two dated obligations: %+v", it.Rules)
	}

	// section rows (一、…) are paths, never items
	res = load("jiangmen-tdcb-key-tasks.txt", 2024)
	if len(res.Items) != 10 {
		t.Fatalf("jiangmen: %d items, want 10", len(res.Items))
	}
	for _, it := range res.Items {
		if len(it.Path) != 1 || !strings.Contains("一二三四五", string([]rune(it.Path[0])[0])) {
			t.Errorf("jiangmen item %q under %v", it.Title, it.Path)
		}
	}

	// a 主动公开事项目录 with a two-row header broken across lines
	res = load("keyouqianqi-2025-disclosure-catalogue.txt", 2025)
	if len(res.Items) != 5 {
		t.Fatalf("keyouqianqi: %d items, want 5", len(res.Items))
	}
	it = itemWith(t, res, "文件及解读/政策解读")
	if it.Rule.Kind != schedule.KindTimely || it.Rule.Clock.N != 5 || it.Offices[0].Name != "综合组" {
		t.Errorf("政策解读: %+v %+v", it.Rule, it.Offices)
	}
	if it := res.Items[0]; it.Rule.Clock == nil || it.Rule.Clock.N != 20 || strings.Join(it.Path, "/") != "政策法规" {
		t.Errorf("first item %v %q %+v", it.Path, it.Title, it.Rule)
	}

	// a scored assessment table with no offices: scores kept, rules read from the criteria,
	// owners 待分派
	res = load("county-2020s-assessment-scored.txt", 2024)
	if len(res.Items) != 12 {
		t.Fatalf("county: %d items, want 12", len(res.Items))
	}
	total := 0.0
	for _, it := range res.Items {
		if it.Score == nil || !it.Unassigned {
			t.Errorf("%q: score %v unassigned %v", it.Title, it.Score, it.Unassigned)
			continue
		}
		total += *it.Score
	}
	if total != 73 {
		t.Errorf("scores add up to %v, want 73", total)
	}
	it = itemWith(t, res, "6月30日之前召开会议部署工作")
	if it.Rule.Kind != schedule.KindDeadline || it.Rule.Due.String() != "2024-06-30" {
		t.Errorf("6月30日之前: %+v", it.Rule)
	}

	// a flattened indicator table with page furniture around it: one cell per line, five
	// levels, scores run into the cells ((2, (0.25, 等0.5) and on lines of their own, an office
	// cell wrapped over two lines, the path repeated after a page break and a criterion wrapped
	// mid-word
	res = load("zhoucun-wjj-2021-indicator-division.txt", 2021)
	if len(res.Items) != 6 {
		t.Fatalf("zhoucun: %d items, want 6", len(res.Items))
	}
	for _, it := range res.Items {
		if strings.ContainsAny(it.Title, "(（") || strings.HasSuffix(it.Title, "0.5") || it.Score == nil {
			t.Errorf("zhoucun %q: a score left in the text, or none kept (%v)", it.Title, it.Score)
		}
		if len(it.Path) != 4 || it.Path[0] != "主动公开" {
			t.Errorf("zhoucun %q under %q, want its four levels", it.Title, it.Path)
		}
	}
	if it := itemWith(t, res, "是否及时公开本地区老年人养老保障"); *it.Score != 0.25 || it.Rule.Kind != schedule.KindTimely ||
		len(it.Offices) != 1 || it.Offices[0].Name != "中医科" || strings.Join(it.Path, "/") != "主动公开/重点领域信息(基层政务公开标准化规范化)/养老服务/补贴发放" {
		t.Errorf("及时公开: %v %+v %+v %q", *it.Score, it.Rule, it.Offices, it.Path)
	}
	if it := itemWith(t, res, "是否按月度公开"); it.Rule.Kind != schedule.KindRecurring || it.Rule.Period != schedule.Month {
		t.Errorf("按月度公开: %+v", it.Rule)
	}
	it = itemWith(t, res, "诊疗活动")
	if !strings.Contains(it.Title, "检查结果及处理信息") || len(it.Offices) != 2 || it.Offices[1].Name != "区卫生健康监督执法大队" {
		t.Errorf("wrapped criterion and office: %q %+v", it.Title, it.Offices)
	}
}

// itemWith finds the item whose path and title (joined by /) contain sub.
func itemWith(t *testing.T, res *Result, sub string) Item {
	t.Helper()
	for _, it := range res.Items {
		if strings.Contains(strings.Join(append(append([]string{}, it.Path...), it.Title), "/"), sub) {
			return it
		}
	}
	t.Fatalf("no item %q", sub)
	return Item{}
}
