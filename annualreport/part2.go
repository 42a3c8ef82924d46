package annualreport

import (
	"fmt"

	"github.com/zwgk/zwgk/store"
)

// Part2Block is one article's block of the table 主动公开政府信息情况: its heading
// (第二十条第（一）项), the column heads after 信息内容, and its rows.
type Part2Block struct {
	Article string     `json:"article"`
	Heads   []string   `json:"heads"`
	Rows    []Part2Row `json:"rows"`
}

// Part2Row is one line of a block. Its cells are text, not numbers: zwgk records no document,
// licence, penalty or fee counts, and a blank the admin fills in is honest where a 0 would
// report that nothing was issued.
type Part2Row struct {
	Label string   `json:"label"`
	Cells []string `json:"cells"`
}

// Part2 is part 2 of the annual report: the form's table, left for the admin to fill in, and
// what zwgk does know of the year's 主动公开, the completion of the task list's items.
type Part2 struct {
	Unit       string       `json:"unit"`
	Year       int          `json:"year"`
	Form       []Part2Block `json:"form"`
	Supplement Supplement   `json:"supplement"`
}

// Supplement is 本年度主动公开事项完成情况: the unit's task list cycles due in the year by
// category, and their total.
type Supplement struct {
	Rows  []store.CategoryFigures `json:"rows"`
	Total store.CategoryFigures   `json:"total"`
}

// SupplementHeads are the supplement's column heads, in the order of CategoryFigures' counts.
var SupplementHeads = []string{"类别", "事项数", "应完成次数", "已完成", "按时完成"}

// Uncategorized labels the items whose list gave them neither a path nor a section.
const Uncategorized = "（未分类）"

// part2Form is the table as 国办公开办函〔2021〕30号 lays it out, every cell blank.
func part2Form() []Part2Block {
	block := func(article string, heads []string, labels ...string) Part2Block {
		b := Part2Block{Article: article, Heads: heads}
		for _, l := range labels {
			b.Rows = append(b.Rows, Part2Row{Label: l, Cells: make([]string, len(heads))})
		}
		return b
	}
	decisions := []string{"本年处理决定数量"}
	return []Part2Block{
		block("第二十条第（一）项", []string{"本年制发件数", "本年废止件数", "现行有效件数"}, "规章", "行政规范性文件"),
		block("第二十条第（五）项", decisions, "行政许可"),
		block("第二十条第（六）项", decisions, "行政处罚", "行政强制"),
		block("第二十条第（八）项", []string{"本年收费金额（单位：万元）"}, "行政事业性收费"),
	}
}

// ComputePart2 builds part 2 of a unit's report from the figures of store.AnnualItemFigures.
func ComputePart2(unit string, year int, figures []store.CategoryFigures) Part2 {
	p := Part2{Unit: unit, Year: year, Form: part2Form()}
	p.Supplement.Total.Category = "合计"
	for _, f := range figures {
		if f.Category == "" {
			f.Category = Uncategorized
		}
		p.Supplement.Rows = append(p.Supplement.Rows, f)
		t := &p.Supplement.Total
		t.Items += f.Items
		t.Due += f.Due
		t.Done += f.Done
		t.OnTime += f.OnTime
	}
	return p
}

// Check verifies the supplement: the total row is the sum of the rows in every column, and no
// row has more done than due or more on time than done.
func (p Part2) Check() error {
	var sum store.CategoryFigures
	for _, r := range p.Supplement.Rows {
		if r.Done > r.Due || r.OnTime > r.Done {
			return fmt.Errorf("annual report: %s: 应完成 %d, 已完成 %d, 按时 %d", r.Category, r.Due, r.Done, r.OnTime)
		}
		sum.Items += r.Items
		sum.Due += r.Due
		sum.Done += r.Done
		sum.OnTime += r.OnTime
	}
	t := p.Supplement.Total
	if sum.Items != t.Items || sum.Due != t.Due || sum.Done != t.Done || sum.OnTime != t.OnTime {
		return fmt.Errorf("annual report: 合计 %d/%d/%d/%d, the rows sum to %d/%d/%d/%d",
			t.Items, t.Due, t.Done, t.OnTime, sum.Items, sum.Due, sum.Done, sum.OnTime)
	}
	return nil
}

// Counts are a supplement row's figures in the order of SupplementHeads after 类别.
func Counts(f store.CategoryFigures) []int { return []int{f.Items, f.Due, f.Done, f.OnTime} }
