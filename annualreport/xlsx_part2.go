package annualreport

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Part2Note tells the reader of the page and the xlsx where part 2's numbers come from.
const Part2Note = "上表各项为机关自有统计，zwgk 不记录文件、许可、处罚、收费数量，故留空待填写；下表由 zwgk 按任务清单统计。"

// SupplementTitle heads the supplement, saying what it counts.
const SupplementTitle = "本年度主动公开事项完成情况（任务清单中本年到期的各次任务，按清单一级类别；已完成含逾期后完成）"

// sheet adds part 2 as the sheet 第二部分: the form's blocks with their cells left blank where
// zwgk has no number, then the supplement with its 合计 row.
func (p Part2) sheet(f *excelize.File) error {
	const sheet = "第二部分"
	if _, err := f.NewSheet(sheet); err != nil {
		return fmt.Errorf("annual report xlsx: %w", err)
	}
	var err error
	set := func(col, row int, v any) {
		if err == nil {
			err = f.SetCellValue(sheet, cellName(col, row), v)
		}
	}
	merge := func(c1, r1, c2, r2 int) {
		if err == nil && (c1 != c2 || r1 != r2) {
			err = f.MergeCell(sheet, cellName(c1, r1), cellName(c2, r2))
		}
	}
	const width = 4 // 信息内容 and the widest block's three columns
	row := 1
	set(1, row, fmt.Sprintf("%s %d年政府信息公开工作年度报告 二、主动公开政府信息情况", p.Unit, p.Year))
	merge(1, row, width, row)
	for _, b := range p.Form {
		row++
		set(1, row, b.Article)
		merge(1, row, width, row)
		// a block of one column spans the three, as the form prints it
		span := (width - 1) / len(b.Heads)
		line := func(label string, cells []string) {
			row++
			set(1, row, label)
			for i, c := range cells {
				col := 2 + i*span
				if c != "" {
					set(col, row, c)
				}
				merge(col, row, col+span-1, row)
			}
		}
		line("信息内容", b.Heads)
		for _, r := range b.Rows {
			line(r.Label, r.Cells)
		}
	}
	row++
	set(1, row, Part2Note)
	merge(1, row, len(SupplementHeads), row)
	row += 2
	set(1, row, SupplementTitle)
	merge(1, row, len(SupplementHeads), row)
	row++
	for i, h := range SupplementHeads {
		set(1+i, row, h)
	}
	for _, r := range append(p.Supplement.Rows, p.Supplement.Total) {
		row++
		set(1, row, r.Category)
		for i, n := range Counts(r) {
			set(2+i, row, n)
		}
	}
	if err == nil {
		err = f.SetColWidth(sheet, "A", "A", 40)
	}
	if err == nil {
		err = f.SetColWidth(sheet, "B", "E", 16)
	}
	if err != nil {
		return fmt.Errorf("annual report xlsx: %w", err)
	}
	return nil
}
