package importer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// A workbook as admins make them: a title row merged across, a two-row header, a category
// row merged across, hierarchy merged down and across, a date-formatted deadline, a second
// sheet with another table, a second table under the first, a hidden helper sheet.
func TestWorkbookLayouts(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	s := "2024年清单"
	must(t, f.SetSheetName("Sheet1", s))
	set := func(sheet, ref string, v any) { must(t, f.SetCellValue(sheet, ref, v)) }
	merge := func(sheet, a, b string) { must(t, f.MergeCell(sheet, a, b)) }
	set(s, "A1", "某局2024年政务公开任务清单")
	merge(s, "A1", "F1")
	set(s, "A2", "序号")
	set(s, "B2", "工作任务")
	merge(s, "B2", "C2")
	set(s, "D2", "具体要求")
	set(s, "E2", "责任科室")
	set(s, "F2", "完成时限")
	set(s, "B3", "一级指标")
	set(s, "C3", "二级指标")
	set(s, "A4", "一、主动公开")
	merge(s, "A4", "F4")
	rows := [][]any{
		{1, "政策法规", "部门文件", "公开本部门文件", "办公室", "6月底"},
		{2, "", "规范性文件", "按季度备案", "财务室", nil},
		{3, "机构领导", "", "公开领导分工", "办公室", nil},
	}
	for i, r := range rows {
		for j, v := range r {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+5)
			if v != nil && v != "" {
				set(s, ref, v)
			}
		}
	}
	merge(s, "B5", "B6") // 政策法规 spans two rows
	merge(s, "B7", "C7") // 机构领导 spans both levels
	merge(s, "E5", "E6") // 办公室 is responsible for both rows
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(t, err)
	must(t, f.SetCellValue(s, "F6", time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC)))
	must(t, f.SetCellStyle(s, "F6", "F6", style))
	set(s, "F7", "4月底")
	// a second table under the first
	set(s, "A9", "附：上年度遗留事项")
	set(s, "A10", "工作内容")
	set(s, "B10", "责任单位")
	set(s, "C10", "时限要求")
	set(s, "A11", "整改隐私信息")
	set(s, "B11", "执法大队")
	set(s, "C11", "上半年")
	// another sheet, and a hidden helper
	_, err = f.NewSheet("专项")
	must(t, err)
	for j, v := range []string{"工作任务", "责任科室", "更新频率"} {
		ref, _ := excelize.CoordinatesToCellName(j+1, 1)
		set("专项", ref, v)
	}
	set("专项", "A2", "双随机一公开")
	set("专项", "B2", "执法大队")
	set("专项", "C2", "每月更新")
	_, err = f.NewSheet("下拉")
	must(t, err)
	set("下拉", "A1", "序号")
	set("下拉", "B1", "工作任务")
	set("下拉", "C1", "责任科室")
	set("下拉", "D1", "完成时限")
	set("下拉", "B2", "不应导入")
	set("下拉", "C2", "办公室")
	set("下拉", "D2", "6月底")
	must(t, f.SetSheetVisible("下拉", false))
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	must(t, err)

	res := Load("清单.xlsx", buf.Bytes(), jinzhaiDir(), Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	got := map[string]Item{}
	for _, it := range res.Items {
		got[it.Title] = it
	}
	if len(res.Items) != 5 || len(res.Sections) != 3 {
		t.Fatalf("%d items in sections %+v", len(res.Items), res.Sections)
	}
	if res.Sections[0].Name != "某局2024年政务公开任务清单" || res.Sections[1].Name != "附：上年度遗留事项" || res.Sections[2].Name != "专项" {
		t.Errorf("sections %+v", res.Sections)
	}
	it := got["部门文件"]
	if !equalStrings(it.Path, []string{"一、主动公开", "政策法规"}) || it.Source.Row != 5 || it.Source.Table != "工作表“2024年清单”" {
		t.Errorf("部门文件: %v %+v", it.Path, it.Source)
	}
	it = got["规范性文件"]
	if !equalStrings(it.Path, []string{"一、主动公开", "政策法规"}) || it.Rule.Due == nil || it.Rule.Due.String() != "2024-09-30" {
		t.Errorf("规范性文件 (merged level, date cell): %v %+v", it.Path, it.Rule)
	}
	// a merged office cell covers the row under it
	if !equalStrings(officeNames(it), []string{"办公室:lead"}) {
		t.Errorf("规范性文件 offices %v", officeNames(it))
	}
	it = got["机构领导"]
	if !equalStrings(it.Path, []string{"一、主动公开"}) || it.Rule.Due.String() != "2024-04-30" {
		t.Errorf("机构领导 (merged across both levels): %v %+v", it.Path, it.Rule)
	}
	if it := got["整改隐私信息"]; it.Rule.Due.String() != "2024-06-30" || it.Section != "附：上年度遗留事项" {
		t.Errorf("second table: %+v", it)
	}
	if it := got["双随机一公开"]; it.Rule.Period != "month" || it.Source.Table != "工作表“专项”" {
		t.Errorf("second sheet: %+v", it)
	}
	for _, it := range res.Items {
		if strings.Contains(it.Title, "不应导入") {
			t.Error("hidden sheet imported")
		}
	}
	// --sheet reads one sheet, hidden or not
	res = Load("清单.xlsx", buf.Bytes(), jinzhaiDir(), Options{Read: ReadOptions{Sheet: "下拉"}, Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	if len(res.Items) != 1 || res.Items[0].Title != "不应导入" {
		t.Errorf("--sheet: %+v", res.Items)
	}
	res = Load("清单.xlsx", buf.Bytes(), jinzhaiDir(), Options{Read: ReadOptions{Sheet: "没有"}, Build: BuildOptions{Year: 2024}})
	if res.OK() || !strings.Contains(res.Errors[0].Message, "没有名为“没有”的工作表") {
		t.Errorf("unknown sheet: %v", res.Errors)
	}
}
