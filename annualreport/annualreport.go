// Package annualreport computes the tables of the 政府信息公开工作年度报告 in the national format
// (国办公开办函〔2021〕30号). Part 3, 收到和处理政府信息公开申请情况, is a pure function of the register's
// rows of a unit, so that the printable page, the xlsx and the reconciliation test count the
// same way.
package annualreport

import (
	"fmt"

	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// Columns of part 3, in the form's order: 自然人, the five kinds of 法人或其他组织, 总计.
var Columns = []string{"自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"}

// Total is the index of the 总计 column.
const Total = 6

// Row is one line of the table. Level 0 is a section (一、二、三、四), 1 a result type with its
// subtotal, 2 a reason.
type Row struct {
	Code   string   `json:"code"`
	Label  string   `json:"label"`
	Level  int      `json:"level"`
	Counts [7]int   `json:"counts"`
	Parts  []string `json:"-"` // the codes of the rows this one is the sum of
}

// Part3 is the table 收到和处理政府信息公开申请情况 of one unit and year.
type Part3 struct {
	Unit string `json:"unit"`
	Year int    `json:"year"`
	Rows []Row  `json:"rows"`
}

// Row codes of the sections.
const (
	CodeNew        = "new"       // 一、本年新收政府信息公开申请数量
	CodeCarriedIn  = "carried"   // 二、上年结转政府信息公开申请数量
	CodeResults    = "results"   // 三、本年度办理结果 (heading)
	CodeTotal      = "total"     // （七）总计
	CodeCarriedOut = "carry_out" // 四、结转下年度继续办理
)

var cnNumbers = []string{"（一）", "（二）", "（三）", "（四）", "（五）", "（六）"}

// layout is the empty table in the form's order.
func layout() []Row {
	rows := []Row{
		{Code: CodeNew, Label: "一、本年新收政府信息公开申请数量"},
		{Code: CodeCarriedIn, Label: "二、上年结转政府信息公开申请数量"},
		{Code: CodeResults, Label: "三、本年度办理结果"},
	}
	var types []string
	for i, k := range application.Kinds {
		label := cnNumbers[i] + k.Label
		if k.Type == application.Partial {
			label += "（区分处理的，只计这一情形，不计其他情形）"
		}
		r := Row{Code: string(k.Type), Label: label, Level: 1}
		for _, reason := range k.Reasons {
			r.Parts = append(r.Parts, string(reason.Code))
		}
		rows = append(rows, r)
		types = append(types, string(k.Type))
		for j, reason := range k.Reasons {
			rows = append(rows, Row{Code: string(reason.Code), Label: fmt.Sprintf("%d．%s", j+1, reason.Label), Level: 2})
		}
	}
	rows = append(rows,
		Row{Code: CodeTotal, Label: "（七）总计", Level: 1, Parts: types},
		Row{Code: CodeCarriedOut, Label: "四、结转下年度继续办理"},
	)
	return rows
}

func column(applicant string) (int, error) {
	for i, a := range application.Applicants {
		if string(a) == applicant {
			return i, nil
		}
	}
	return 0, fmt.Errorf("annual report: applicant type %q", applicant)
}

// ComputePart3 counts the applications of a unit for a year: received in the year (一), received
// before and still open on January 1 (二), answered or withdrawn in the year by result (三), and
// still open on December 31 (四). Applications outside the year are ignored, so the register's
// rows can be passed as they are.
func ComputePart3(unit string, year int, apps []store.Application) (Part3, error) {
	t := Part3{Unit: unit, Year: year, Rows: layout()}
	at := map[string]int{}
	for i, r := range t.Rows {
		at[r.Code] = i
	}
	first, last := calendar.D(year, 1, 1), calendar.D(year, 12, 31)
	add := func(code string, col int) {
		t.Rows[at[code]].Counts[col]++
		t.Rows[at[code]].Counts[Total]++
	}
	for _, a := range apps {
		if a.Received.After(last) {
			continue
		}
		finished := a.FinishedOn
		if !finished.IsZero() && finished.Before(first) {
			continue
		}
		col, err := column(a.ApplicantType)
		if err != nil {
			return Part3{}, err
		}
		if a.Received.Before(first) {
			add(CodeCarriedIn, col)
		} else {
			add(CodeNew, col)
		}
		if finished.IsZero() || finished.After(last) {
			add(CodeCarriedOut, col)
			continue
		}
		typ := application.ReplyType(a.ReplyType)
		if err := application.CheckReply(typ, application.Reason(a.ReplyReason)); err != nil {
			return Part3{}, fmt.Errorf("annual report: application %d: %w", a.ID, err)
		}
		if a.ReplyReason != "" {
			add(a.ReplyReason, col)
		}
		add(a.ReplyType, col)
		add(CodeTotal, col)
	}
	return t, nil
}

// Row returns the row of a code.
func (t Part3) Row(code string) (Row, bool) {
	for _, r := range t.Rows {
		if r.Code == code {
			return r, true
		}
	}
	return Row{}, false
}

// Check verifies the form's arithmetic: each result type equals the sum of its reasons, （七）总计
// the sum of the types, 一 + 二 = 三（七） + 四 in every column, and 总计 the sum of the other
// columns in every row. A table that fails it must not be published.
func (t Part3) Check() error {
	byCode := map[string]Row{}
	for _, r := range t.Rows {
		byCode[r.Code] = r
	}
	for _, r := range t.Rows {
		sum := 0
		for c := 0; c < Total; c++ {
			sum += r.Counts[c]
		}
		if sum != r.Counts[Total] {
			return fmt.Errorf("annual report: %s: 总计 %d, columns sum to %d", r.Label, r.Counts[Total], sum)
		}
		if len(r.Parts) == 0 {
			continue
		}
		for c := range r.Counts {
			sum := 0
			for _, p := range r.Parts {
				sum += byCode[p].Counts[c]
			}
			if sum != r.Counts[c] {
				return fmt.Errorf("annual report: %s, %s: %d, its parts sum to %d", r.Label, Columns[c], r.Counts[c], sum)
			}
		}
	}
	for c := range Columns {
		in := byCode[CodeNew].Counts[c] + byCode[CodeCarriedIn].Counts[c]
		out := byCode[CodeTotal].Counts[c] + byCode[CodeCarriedOut].Counts[c]
		if in != out {
			return fmt.Errorf("annual report: %s: 一+二 = %d, 三（七）+四 = %d", Columns[c], in, out)
		}
	}
	return nil
}
