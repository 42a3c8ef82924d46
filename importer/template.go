package importer

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Neutralize makes text safe to put in a spreadsheet cell: text starting with = + - @ (or a
// tab or carriage return, or their full-width forms) would be read as a formula by Excel or
// WPS once the cell is edited or the sheet saved as CSV (CSV/formula injection), so it gets a
// leading apostrophe. zwgk writes every spreadsheet cell through it; Build takes the
// apostrophe off again when such a file is imported.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(s, p) {
			return "'" + s
		}
	}
	return s
}

// SetCellText writes text into a cell as a string, neutralised; the 督办单 export and the
// template use it for every cell.
func SetCellText(f *excelize.File, sheet, cell, text string) error {
	return f.SetCellStr(sheet, cell, Neutralize(text))
}

// SetRowTexts writes a row of text cells starting at column A of the given 1-based row.
func SetRowTexts(f *excelize.File, sheet string, row int, texts ...string) error {
	for i, t := range texts {
		ref, err := excelize.CoordinatesToCellName(i+1, row)
		if err != nil {
			return err
		}
		if err := SetCellText(f, sheet, ref, t); err != nil {
			return err
		}
	}
	return nil
}

// Template sheets; Build skips them when a filled-in template comes back.
const (
	templateSheet    = "任务清单"
	instructionSheet = "填写说明"
	officeListSheet  = "科室列表"
)

// TemplateHeader is the header row of the template.
var TemplateHeader = []string{"序号", "一级指标", "二级指标", "工作任务", "具体要求", "责任科室", "完成时限", "更新频率", "备注"}

// TemplateFrequencies are the choices of the frequency drop-down; each is wording the
// schedule parser reads.
var TemplateFrequencies = []string{"及时更新", "每周更新", "每月更新", "每季度更新", "每半年更新", "每年更新", "常态化"}

const templateRows = 500

// WriteTemplate writes a blank list template: the list sheet with its header, drop-downs for
// the frequency and the offices, an instructions sheet, and the office names the drop-down
// offers (offices may be empty: the admin then types names, or fills in 科室列表).
func WriteTemplate(w io.Writer, offices []string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", templateSheet); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"#DDEBF7"}, Pattern: 1},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "#000000", Style: 1}},
	})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	if err := SetRowTexts(f, templateSheet, 1, TemplateHeader...); err != nil {
		return err
	}
	last := colName(len(TemplateHeader) - 1)
	if err := f.SetCellStyle(templateSheet, "A1", last+"1", head); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A2", fmt.Sprintf("%s%d", last, templateRows+1), wrap); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 6, "B": 14, "C": 16, "D": 24, "E": 50, "F": 22, "G": 14, "H": 14, "I": 16} {
		if err := f.SetColWidth(templateSheet, col, col, width); err != nil {
			return err
		}
	}
	if err := f.SetPanes(templateSheet, &excelize.Panes{Freeze: true, Split: false, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}

	freq := excelize.NewDataValidation(true)
	freq.Sqref = fmt.Sprintf("H2:H%d", templateRows+1)
	if err := freq.SetDropList(TemplateFrequencies); err != nil {
		return err
	}
	freq.SetInput("更新频率", "从列表中选择；按完成时限办的事项留空")
	freq.SetError(excelize.DataValidationErrorStyleWarning, "更新频率", "不是列表中的写法，zwgk 可能读不懂；确定要保留吗？")
	if err := f.AddDataValidation(templateSheet, freq); err != nil {
		return err
	}

	if _, err := f.NewSheet(officeListSheet); err != nil {
		return err
	}
	if err := SetCellText(f, officeListSheet, "A1", "科室"); err != nil {
		return err
	}
	for i, o := range offices {
		if err := SetCellText(f, officeListSheet, fmt.Sprintf("A%d", i+2), o); err != nil {
			return err
		}
	}
	n := max(len(offices)+1, 2)
	off := excelize.NewDataValidation(true)
	off.Sqref = fmt.Sprintf("F2:F%d", templateRows+1)
	off.SetSqrefDropList(fmt.Sprintf("'%s'!$A$2:$A$%d", officeListSheet, max(n, 200)))
	off.SetInput("责任科室", "从列表中选择；多个科室用“、”分隔，第一个为牵头科室，也可写“办公室牵头，财务室配合”")
	// information style: several offices in one cell are allowed
	off.SetError(excelize.DataValidationErrorStyleInformation, "责任科室", "不在科室列表中：导入时会核对，未知科室会列出来")
	if err := f.AddDataValidation(templateSheet, off); err != nil {
		return err
	}
	if len(offices) > 0 {
		if err := f.SetSheetVisible(officeListSheet, false); err != nil {
			return err
		}
	}

	if _, err := f.NewSheet(instructionSheet); err != nil {
		return err
	}
	for i, l := range templateInstructions {
		if err := SetCellText(f, instructionSheet, fmt.Sprintf("A%d", i+1), l); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(instructionSheet, "A", "A", 110); err != nil {
		return err
	}
	if err := f.SetCellStyle(instructionSheet, "A1", "A1", head); err != nil {
		return err
	}
	idx, err := f.GetSheetIndex(templateSheet)
	if err != nil {
		return err
	}
	f.SetActiveSheet(idx)
	_, err = f.WriteTo(w)
	return err
}

var templateInstructions = []string{
	"政务公开任务清单导入模板：填写说明",
	"",
	"每一行是一项任务。请在“任务清单”工作表中填写，不要改动第一行表头。",
	"序号：可留空。",
	"一级指标、二级指标：任务所属的类别；同一类别的多行可以合并单元格，或只在第一行填写，导入时自动向下填充。",
	"工作任务：任务名称，如“部门文件”“机构简介”；同一类别下不能重复。",
	"具体要求：考察点、公开内容和要求；要求里写明的时限（如“每年3月31日前”“5个工作日内”“每季度”）也会被识别。",
	"责任科室：从下拉列表选择，或填写多个科室，用“、”分隔，第一个为牵头科室；也可写“办公室牵头，财务室配合”。",
	"可以写科室组，如“各科室”“各相关科室”“各股室”；组包括哪些科室由管理员在科室目录中指定。“谁承办谁更新”表示每次登记事件时再指定科室。",
	"完成时限：如“4月底”“6月底前”“3月31日前”“年底前”“上半年”“8月至12月”“常态化”“持续推进”。",
	"更新频率：从下拉列表选择，如“及时更新”（信息形成或变更之日起20个工作日内）“每月更新”“每季度更新”“每年更新”；也可写“每周更新不少于2次”“至少2周内更新一次”“5个工作日内”。",
	"完成时限和更新频率填一个即可；都不填时，按具体要求中的时限用语，仍没有的会在导入时列出。",
	"备注：不导入。",
	"",
	"注意：",
	"不要使用公式（包括以“=”开头的内容），请粘贴为数值；文件不要设置打开密码；文件大小不超过20MB、行数不超过50000行。",
	"日期请写成“6月30日”这样的文字或日期格式单元格；不存在的日期（如“2月30日”）会被拒绝。",
	"导入前可以先预览（zwgk import 文件 --unit 单位 --year 年度 --dry-run），确认无误再正式导入。",
}
