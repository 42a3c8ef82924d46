package importer

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/schedule"
)

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":         "'=1+1",
		"+86 551 1234": "'+86 551 1234",
		"-2分":          "'-2分",
		"@SUM(A1)":     "'@SUM(A1)",
		"\t=cmd":       "'\t=cmd",
		"＝HYPERLINK()": "'＝HYPERLINK()",
		"办公室":          "办公室",
		"部门文件 = 规范性文件": "部门文件 = 规范性文件",
		"":             "",
	} {
		if got := Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
		if in != "" && in[0] != '\t' && unneutralize(Neutralize(in)) != in {
			t.Errorf("round trip of %q", in)
		}
	}
}

func TestTemplate(t *testing.T) {
	for _, fr := range TemplateFrequencies {
		if r := schedule.Parse(fr, 2024); r.Kind == schedule.KindUnparsed {
			t.Errorf("drop-down choice %q is not understood: %s", fr, r.Reason)
		}
	}
	offices := []string{"办公室", "财务室", "执法大队"}
	var buf bytes.Buffer
	must(t, WriteTemplate(&buf, offices))
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	if got := f.GetSheetList(); !equalStrings(got, []string{templateSheet, officeListSheet, instructionSheet}) {
		t.Fatalf("sheets %v", got)
	}
	if v, _ := f.GetSheetVisible(officeListSheet); v {
		t.Error("the office list sheet is visible")
	}
	head, _ := f.GetRows(templateSheet)
	if len(head) != 1 || !equalStrings(head[0], TemplateHeader) {
		t.Errorf("header %v", head)
	}
	dvs, err := f.GetDataValidations(templateSheet)
	must(t, err)
	var freq, office *excelize.DataValidation
	for _, dv := range dvs {
		switch {
		case strings.HasPrefix(dv.Sqref, "H2"):
			freq = dv
		case strings.HasPrefix(dv.Sqref, "F2"):
			office = dv
		}
	}
	if freq == nil || freq.Type != "list" || !strings.Contains(freq.Formula1, "每季度更新") {
		t.Errorf("frequency drop-down %+v", freq)
	}
	if office == nil || office.Type != "list" || !strings.Contains(office.Formula1, officeListSheet) {
		t.Errorf("office drop-down %+v", office)
	}
	listed, _ := f.GetRows(officeListSheet)
	if len(listed) != 4 || listed[1][0] != "办公室" {
		t.Errorf("office list %v", listed)
	}
	instr, _ := f.GetRows(instructionSheet)
	if len(instr) < 10 || !strings.Contains(instr[0][0], "填写说明") {
		t.Errorf("instructions %v", instr)
	}

	// fill it in as an admin would, with a cell that must not become a formula
	rows := [][]string{
		{"1", "政策法规", "", "部门文件", "公开本部门文件", "办公室", "6月底", ""},
		{"2", "", "", "规范性文件", "=按季度备案", "财务室、办公室", "", "每季度更新"},
		{"3", "机构信息", "", "机构简介", "", "执法大队", "", "及时更新"},
	}
	for i, r := range rows {
		must(t, SetRowTexts(f, templateSheet, i+2, r...))
	}
	if v, _ := f.GetCellValue(templateSheet, "E3"); v != "'=按季度备案" {
		t.Errorf("neutralised cell %q", v)
	}
	var filled bytes.Buffer
	_, err = f.WriteTo(&filled)
	must(t, err)
	res := Load("模板.xlsx", filled.Bytes(), testDir("单位", offices, nil), Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings for a filled template: %v", res.Warnings)
	}
	if len(res.Items) != 3 {
		t.Fatalf("%d items", len(res.Items))
	}
	it := res.Items[1]
	if it.Title != "规范性文件" || !equalStrings(it.Path, []string{"政策法规"}) || it.Requirement != "=按季度备案" || it.Rule.Period != schedule.Quarter ||
		!equalStrings(officeNames(it), []string{"财务室:lead", "办公室:co"}) {
		t.Errorf("item 2: %+v", it)
	}
	if it := res.Items[0]; it.Rule.Kind != schedule.KindDeadline || it.RuleFrom != "完成时限" {
		t.Errorf("item 1: %+v", it)
	}
}

// A 10,000-row workbook: read (merged cells expanded, formulas checked), columns detected,
// offices matched, rules parsed, items keyed and checked for duplicates.
func BenchmarkLoadXLSX10k(b *testing.B) {
	const n = 10_000
	offices := []string{"办公室", "财务室", "执法大队", "政策法规股", "文化股", "体育股", "旅游股", "项目办", "政务服务窗口", "人事股"}
	rows := [][]string{{"序号", "一级指标", "二级指标", "工作任务", "具体要求", "责任科室", "完成时限", "更新频率"}}
	deadlines := []string{"4月底", "6月底", "年底前", "3月31日前", "", ""}
	freqs := []string{"", "", "", "", "每月更新", "及时更新"}
	var merges [][2]string
	for i := 1; i <= n; i++ {
		l1, l2 := "", ""
		if (i-1)%100 == 0 {
			l1 = fmt.Sprintf("一级指标%d", (i-1)/100+1)
			merges = append(merges, [2]string{fmt.Sprintf("B%d", i+1), fmt.Sprintf("B%d", min(i+99, n)+1)})
		}
		if (i-1)%10 == 0 {
			l2 = fmt.Sprintf("二级指标%d", (i-1)/10+1)
		}
		rows = append(rows, []string{
			fmt.Sprint(i), l1, l2, fmt.Sprintf("任务%d", i),
			fmt.Sprintf("考察点：①公开第%d项信息；②按要求更新，内容准确完整，及时回应社会关切。", i),
			offices[i%len(offices)] + "、" + offices[(i+3)%len(offices)],
			deadlines[i%len(deadlines)], freqs[i%len(freqs)],
		})
	}
	data := xlsxOf(b, rows, merges...)
	dir := testDir("基准单位", offices, nil)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		res := Load("bench.xlsx", data, dir, Options{Build: BuildOptions{Year: 2024}})
		if len(res.Items) != n || !res.OK() {
			b.Fatalf("%d items, errors %v", len(res.Items), res.Errors[:min(3, len(res.Errors))])
		}
	}
}
