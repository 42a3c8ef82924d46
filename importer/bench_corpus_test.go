package importer

import (
	"fmt"
	"strings"
	"testing"
)

// A 1,000-item 主动公开事项目录 as pasted from a web page: a pipe table with a two-row header
// (公开事项 over 一级/二级事项, 公开对象 over 全社会/特定群体), 公开时限 in the catalogue's wordings,
// 公开主体 and 责任科室, check marks, every row's 公开依据 citing a law.
func BenchmarkLoadCatalogue1000(b *testing.B) {
	const n = 1000
	offices := []string{"办公室", "财务股", "政策法规股", "行政审批股", "人事股", "执法大队"}
	clocks := []string{"信息形成或变更之日起20个工作日内", "自该政府信息形成或者变更之日起20个工作日内予以公开",
		"与政策文件同步发布,时间跨度不超过5个工作日", "每季度结束后10个工作日内", "每年1月31日前", "实时公开"}
	var t strings.Builder
	t.WriteString("| 序号 | 公开事项 | | 公开内容（要素） | 公开依据 | 公开时限 | 公开主体 | 公开渠道和载体 | 公开对象 | | 责任科室 |\n")
	t.WriteString("| | 一级事项 | 二级事项 | | | | | | 全社会 | 特定群体 | |\n")
	t.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&t, "| %d | 一级事项%d | 二级事项%d | 第%d项信息的内容、依据、程序和结果 | 《中华人民共和国政府信息公开条例》 | %s | 测试县某局 | ■政府网站 □政务新媒体 | √ | | %s |\n",
			i, (i-1)/20+1, i, i, clocks[i%len(clocks)], offices[i%len(offices)])
	}
	data := []byte(t.String())
	dir := testDir("基准单位", offices, nil)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		res := Load("catalogue.txt", data, dir, Options{Build: BuildOptions{Year: 2025}})
		if len(res.Items) != n || !res.OK() {
			b.Fatalf("%d items, errors %v", len(res.Items), res.Errors[:min(3, len(res.Errors))])
		}
	}
}

// The plainest catalogue: a markdown table with a two-row header reads as a grid, each row an
// item under its 事项 path, ruled by its 公开时限, owned by its 责任科室, its other columns kept.
func TestMarkdownCatalogue(t *testing.T) {
	md := "| 序号 | 公开事项 | | 公开内容（要素） | 公开依据 | 公开时限 | 公开主体 | 责任科室 |\n" +
		"| | 一级事项 | 二级事项 | | | | | |\n" +
		"|---|---|---|---|---|---|---|---|\n" +
		"| 1 | 机构信息 | 领导信息 | 领导姓名、职务、分工 | 《条例》 | 信息形成或变更之日起20个工作日内 | 某局 | 办公室 |\n" +
		"| 2 | | 机构职能 | 法定职能、内设机构 | 《条例》 | 与政策文件同步发布,时间跨度不超过5个工作日 | 某局 | 人事股 |\n" +
		"| 3 | 财政信息 | 部门预算 | 预算报告及表格 | 《预算法》 | 每年3月31日前 | 某局 | 财务股 |\n"
	res := Load("md.txt", []byte(md), testDir("某局", []string{"办公室", "人事股", "财务股"}, nil), Options{Build: BuildOptions{Year: 2025}})
	mustOK(t, res)
	var got []string
	for _, it := range res.Items {
		got = append(got, strings.Join(append(append([]string{}, it.Path...), it.Title), "/")+"|"+it.Offices[0].Name+"|"+summaryRule(it)+"|"+it.Fields["公开依据"])
	}
	want := []string{
		"机构信息/领导信息|办公室|timely|《条例》",
		"机构信息/机构职能|人事股|timely|《条例》",
		"财政信息/部门预算|财务股|deadline 2025-03-31|《预算法》",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := res.Items[1].Rule.Clock; c == nil || c.N != 5 {
		t.Errorf("同步 with 时间跨度: %+v", res.Items[1].Rule)
	}
}
