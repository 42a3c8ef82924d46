package annualreport

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// XLSX writes part 3 as the form lays it out: the applicant header on two rows (法人或其他组织
// spanning its five kinds), then one row per line with its counts.
func (t Part3) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := t.sheet(f); err != nil {
		return nil, err
	}
	return write(f)
}

// Workbook writes parts 2 and 3 in one file: part 3 on the first sheet, as the xlsx had it
// before part 2 existed, and part 2 on the second.
func Workbook(p2 Part2, p3 Part3) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := p3.sheet(f); err != nil {
		return nil, err
	}
	if err := p2.sheet(f); err != nil {
		return nil, err
	}
	return write(f)
}

func write(f *excelize.File) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("annual report xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// sheet writes part 3 on the file's first sheet, renamed 第三部分.
func (t Part3) sheet(f *excelize.File) error {
	const sheet = "第三部分"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("annual report xlsx: %w", err)
	}
	set := func(cell string, v any) error { return f.SetCellValue(sheet, cell, v) }
	cell := cellName
	title := fmt.Sprintf("%s %d年政府信息公开工作年度报告 三、收到和处理政府信息公开申请情况", t.Unit, t.Year)
	steps := []func() error{
		func() error { return set("A1", title) },
		func() error { return f.MergeCell(sheet, "A1", "H1") },
		func() error {
			return set("A2", "本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和")
		},
		func() error { return f.MergeCell(sheet, "A2", "H2") },
		func() error { return set("B3", "申请人情况") },
		func() error { return f.MergeCell(sheet, "B3", "H3") },
		func() error { return set("B4", Columns[0]) },
		func() error { return f.MergeCell(sheet, "B4", "B5") },
		func() error { return set("C4", "法人或其他组织") },
		func() error { return f.MergeCell(sheet, "C4", "G4") },
		func() error { return set("H4", Columns[Total]) },
		func() error { return f.MergeCell(sheet, "H4", "H5") },
		func() error { return f.MergeCell(sheet, "A3", "A5") },
		func() error { return f.SetColWidth(sheet, "A", "A", 60) },
		func() error { return f.SetColWidth(sheet, "B", "H", 12) },
	}
	for c := 1; c <= 5; c++ {
		c := c
		steps = append(steps, func() error { return set(cell(2+c, 5), Columns[c]) })
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("annual report xlsx: %w", err)
		}
	}
	for i, r := range t.Rows {
		row := 6 + i
		if err := set(cell(1, row), r.Label); err != nil {
			return fmt.Errorf("annual report xlsx: %w", err)
		}
		if r.Code == CodeResults {
			continue // a heading: the form leaves its cells empty
		}
		for c, n := range r.Counts {
			if err := set(cell(2+c, row), n); err != nil {
				return fmt.Errorf("annual report xlsx: %w", err)
			}
		}
	}
	return nil
}
