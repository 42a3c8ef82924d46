package annualreport_test

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/annualreport"
	"github.com/zwgk/zwgk/store"
)

// figures makes n categories' figures from a fixed seed, each consistent (on time ≤ done ≤ due).
func figures(n int) []store.CategoryFigures {
	rng := rand.New(rand.NewPCG(2, 2021))
	var out []store.CategoryFigures
	for i := range n {
		due := 1 + rng.IntN(40)
		done := rng.IntN(due + 1)
		f := store.CategoryFigures{Category: "类别" + strconv.Itoa(i), Items: 1 + rng.IntN(due), Due: due, Done: done, OnTime: rng.IntN(done + 1)}
		if i == n-1 {
			f.Category = ""
		}
		out = append(out, f)
	}
	return out
}

// The supplement's rows add up to its 合计 row column by column, a total that does not is
// refused, and the form's table keeps every cell blank: zwgk has none of its numbers.
func TestPart2SupplementAddsUp(t *testing.T) {
	in := figures(9)
	p := annualreport.ComputePart2("测试局", 2026, in)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if len(p.Supplement.Rows) != len(in) {
		t.Fatalf("%d rows from %d categories", len(p.Supplement.Rows), len(in))
	}
	sums := make([]int, 4)
	for _, r := range p.Supplement.Rows {
		for i, n := range annualreport.Counts(r) {
			sums[i] += n
		}
	}
	for i, n := range annualreport.Counts(p.Supplement.Total) {
		if n != sums[i] {
			t.Errorf("合计 %s: %d, the rows sum to %d", annualreport.SupplementHeads[1+i], n, sums[i])
		}
	}
	if last := p.Supplement.Rows[len(in)-1]; last.Category != annualreport.Uncategorized {
		t.Errorf("an item without path or section is filed under %q", last.Category)
	}

	var labels []string
	for _, b := range p.Form {
		for _, r := range b.Rows {
			labels = append(labels, r.Label)
			if len(r.Cells) != len(b.Heads) {
				t.Errorf("%s: %d cells under %d heads", r.Label, len(r.Cells), len(b.Heads))
			}
			for _, c := range r.Cells {
				if c != "" {
					t.Errorf("%s: %q, zwgk has no such number", r.Label, c)
				}
			}
		}
	}
	if got := strings.Join(labels, "|"); got != "规章|行政规范性文件|行政许可|行政处罚|行政强制|行政事业性收费" {
		t.Errorf("the form's rows: %s", got)
	}

	bad := p
	bad.Supplement.Total.Done++
	if bad.Check() == nil {
		t.Error("a 合计 off by one passes the check")
	}
	over := annualreport.ComputePart2("测试局", 2026, []store.CategoryFigures{{Category: "x", Items: 1, Due: 1, Done: 2}})
	if over.Check() == nil {
		t.Error("more done than due passes the check")
	}
}

// The workbook keeps part 3 on its first sheet and adds 第二部分 with the form's blank cells
// and the supplement's 合计.
func TestWorkbookHasPart2(t *testing.T) {
	p2 := annualreport.ComputePart2("测试局", 2026, figures(3))
	p3, err := annualreport.ComputePart3("测试局", 2026, register(20))
	if err != nil {
		t.Fatal(err)
	}
	b, err := annualreport.Workbook(p2, p3)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sheets := x.GetSheetList(); len(sheets) != 2 || sheets[0] != "第三部分" || sheets[1] != "第二部分" {
		t.Fatalf("sheets %v", sheets)
	}
	rows, err := x.GetRows("第二部分")
	if err != nil {
		t.Fatal(err)
	}
	var found, total bool
	for _, r := range rows {
		if len(r) > 0 && r[0] == "规章" {
			found = true
			for _, c := range r[1:] {
				if c != "" {
					t.Errorf("规章 row %q: zwgk has no such number", r)
				}
			}
		}
		if len(r) == 5 && r[0] == "合计" {
			total = true
			for i, n := range annualreport.Counts(p2.Supplement.Total) {
				if r[1+i] != strconv.Itoa(n) {
					t.Errorf("合计 %s: %q, want %d", annualreport.SupplementHeads[1+i], r[1+i], n)
				}
			}
		}
	}
	if !found || !total {
		t.Errorf("第二部分 lacks the form (%v) or the 合计 (%v): %q", found, total, rows)
	}
}
