package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// The monthly (or quarterly) 通报: what a 政务公开办 reports to its leaders about one unit's month or quarter — the
// cycles that fell due and how each office did, the items overdue as of today with their
// working days, and the escalations — as a printable page and as xlsx.

type tongbaoData struct {
	Unit     int64           `json:"unit"`
	UnitName string          `json:"unit_name"`
	Units    []store.UnitRow `json:"-"`
	Month    string          `json:"month,omitempty"`   // 2024-04, for a monthly 通报
	Quarter  string          `json:"quarter,omitempty"` // 2024Q2, for a quarterly one
	Label    string          `json:"-"`                 // 2024年4月, 2024年第二季度
	Period   string          `json:"-"`                 // 本月, 本季度: how the summary names it
	At       time.Time       `json:"generated_at"`
	// From and To bound the period: its first day and the day after its last.
	From calendar.Date `json:"from"`
	To   calendar.Date `json:"to"`

	Totals  store.MonthFigures  `json:"totals"`
	Offices []store.OfficeMonth `json:"offices"`
	// Overdue are the unit's items overdue today, whenever due, longest overdue first.
	Overdue []overdueLine `json:"overdue"`
	// Escalated counts the overdue items escalated at least once; EscalationNotices the
	// escalation notices planned for the month, EscalationsSent those sent.
	Escalated         int `json:"escalated"`
	EscalationNotices int `json:"escalation_notices"`
	EscalationsSent   int `json:"escalations_sent"`
	// Applications is the 依申请公开 part; nil when the unit's register is empty.
	Applications *tongbaoApps `json:"applications,omitempty"`
}

// tongbaoApps is what the 通报 says of the unit's 政府信息公开申请: those received and answered
// in the period, those open now, and the open ones past their due day, most overdue first.
// Applicants are personal data and are never in it.
type tongbaoApps struct {
	Received     int          `json:"received"`
	Answered     int          `json:"answered"`
	AnsweredLate int          `json:"answered_late"`
	Open         int          `json:"open"`
	Overdue      []tongbaoApp `json:"overdue"`
}

type tongbaoApp struct {
	ID       int64         `json:"id"`
	Ref      string        `json:"ref"`
	Office   string        `json:"office"`
	Received calendar.Date `json:"received"`
	Due      calendar.Date `json:"due"`
	State    string        `json:"state"`
	Days     int           `json:"working_days_overdue"`
}

type overdueLine struct {
	store.ItemRow
	Days int `json:"working_days_overdue"`
}

// tongbao gathers the report of the unit and period of a request: ?unit= (default: the first
// unit in scope) and ?month=2024-04 (default: the month before today's, the one a 通报 on the
// first working day reports) or ?quarter=2024Q2, which wins over a month.
func (s *Server) tongbao(r *http.Request, rc *reqCtx) (*tongbaoData, error) {
	ctx := r.Context()
	now := s.now()
	today := calendar.DateOf(now)
	first := calendar.D(today.Year, today.Month-1, 1)
	month, quarter := r.URL.Query().Get("month"), r.URL.Query().Get("quarter")
	if quarter == "" && strings.ContainsAny(month, "Qq") {
		// A quarterly 通报's digest line links with its notices' cycle key as the month.
		month, quarter = "", month
	}
	if v := month; v != "" {
		t, err := time.Parse("2006-01", v)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return nil, badRequest("“月份”无效：%s（应为 2026-12 这样的年月）", v)
		}
		first = calendar.D(t.Year(), t.Month(), 1)
	}
	next := calendar.D(first.Year, first.Month+1, 1)
	d := &tongbaoData{Unit: rc.unit, Month: first.String()[:7], Label: fmt.Sprintf("%d年%d月", first.Year, first.Month), Period: "本月", At: now}
	if v := strings.ToUpper(strings.TrimSpace(quarter)); v != "" {
		from, to, err := store.TongbaoPeriod(v)
		if err != nil || !strings.Contains(v, "Q") || from.Year() < 2000 || from.Year() > 2100 {
			return nil, badRequest("“季度”无效：%s（应为 2026Q4 这样的年份和季度）", quarter)
		}
		first, next = calendar.DateOf(from), calendar.DateOf(to)
		d.Month, d.Quarter, d.Label, d.Period = "", v, store.TongbaoLabel(v), "本季度"
	}
	d.From, d.To = first, next
	var err error
	if d.Units, d.Unit, err = s.pageUnits(ctx, rc, d.Unit); err != nil {
		return nil, err
	}
	if d.UnitName, err = s.st.UnitName(ctx, d.Unit); err != nil {
		return nil, err
	}
	f := store.ReportFilter{Scope: rc.scope, Unit: d.Unit, From: first.Start(), To: next.Start()}
	months, err := s.st.MonthlyFigures(ctx, f)
	if err != nil {
		return nil, err
	}
	d.Totals = store.SumMonths(months)
	d.Totals.Month = d.Month
	offices, err := s.st.OfficeMonthlyFigures(ctx, f)
	if err != nil {
		return nil, err
	}
	d.Offices = sumOfficeMonths(offices)
	notices, err := s.st.NoticesByDay(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, n := range notices {
		if n.Kind == "escalation" {
			d.EscalationNotices += n.Count
			d.EscalationsSent += n.Sent
		}
	}
	items, err := s.st.ReportItems(ctx, store.ItemQuery{ItemFilter: store.ItemFilter{Scope: rc.scope, Unit: d.Unit, Status: "overdue", Limit: 1000}})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		line := overdueLine{ItemRow: it.ItemRow}
		if l := s.cal.left(ctx, now, it.DueAt); l != nil && l.Overdue {
			line.Days = l.Days
		}
		if it.EscalationLevel > 0 {
			d.Escalated++
		}
		d.Overdue = append(d.Overdue, line)
	}
	if d.Applications, err = s.tongbaoApplications(r, rc, d.Unit, first, next); err != nil {
		return nil, err
	}
	return d, nil
}

// tongbaoApplications sums up the unit's register for the period [first, next).
func (s *Server) tongbaoApplications(r *http.Request, rc *reqCtx, unit int64, first, next calendar.Date) (*tongbaoApps, error) {
	ctx := r.Context()
	apps, err := s.st.Applications(ctx, store.ApplicationFilter{UnitID: unit, Today: calendar.DateOf(s.now()), Limit: 100000})
	if err != nil {
		return nil, err
	}
	if len(apps) == 0 {
		return nil, nil
	}
	in := func(d calendar.Date) bool { return !d.IsZero() && !d.Before(first) && d.Before(next) }
	out := &tongbaoApps{}
	for _, a := range apps {
		if in(a.Received) {
			out.Received++
		}
		if in(a.FinishedOn) {
			out.Answered++
			if !a.Due.IsZero() && a.FinishedOn.After(a.Due) {
				out.AnsweredLate++
			}
		}
		v := s.applicationView(ctx, rc, a)
		if !v.Open {
			continue
		}
		out.Open++
		if v.Overdue {
			ref := a.Ref
			if ref == "" {
				ref = fmt.Sprintf("第%d号", a.ID)
			}
			out.Overdue = append(out.Overdue, tongbaoApp{ID: a.ID, Ref: ref, Office: a.Office, Received: a.Received,
				Due: a.Due, State: v.StateLabel, Days: -v.DaysLeft})
		}
	}
	return out, nil
}

// sumOfficeMonths adds up each office's months of a quarter into one line, in the order the
// offices first come (one month gives itself).
func sumOfficeMonths(months []store.OfficeMonth) []store.OfficeMonth {
	var out []store.OfficeMonth
	at := map[int64]int{}
	for _, m := range months {
		i, ok := at[m.OfficeID]
		if !ok {
			at[m.OfficeID] = len(out)
			out = append(out, m)
			continue
		}
		o := &out[i]
		o.Due += m.Due
		o.Closed += m.Closed
		o.Done += m.Done
		o.OnTime += m.OnTime
		o.Overdue += m.Overdue
	}
	return out
}

func (s *Server) tongbaoPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.tongbao(r, rc)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "tongbao", tongbaoTitle(d), d)
}

// tongbaoExport is the 通报 as xlsx: a summary sheet with each office's month, the overdue
// items, and, when the unit keeps a register, the applications past their due day.
func (s *Server) tongbaoExport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.tongbao(r, rc)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const summary, overdue = "完成情况", "逾期事项"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return err
	}
	if _, err := f.NewSheet(overdue); err != nil {
		return err
	}
	set := func(sheet string, col, row int, v any) error {
		if str, ok := v.(string); ok {
			v = importer.Neutralize(str)
		}
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	rows := func(sheet string, from int, lines ...[]any) error {
		for i, line := range lines {
			for j, v := range line {
				if err := set(sheet, j+1, from+i, v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	t := d.Totals
	head := [][]any{
		{fmt.Sprintf("%s %s政务公开工作通报", d.UnitName, d.Label)},
		{"生成时间：" + fmtTime(d.At) + "　生成人：" + displayName(rc.user)},
		{fmt.Sprintf("%s到期 %d 个周期，已截止 %d 个，已完成 %d 个（按时 %d 个），仍逾期 %d 个；完成率 %s，按时完成率 %s。截至生成时逾期事项 %d 项，其中已升级督办 %d 项；%s督办升级通知 %d 条（已发送 %d 条）。",
			d.Period, t.Due, t.Closed, t.Done, t.OnTime, t.Overdue, percent(t.Done, t.Closed), percent(t.OnTime, t.Closed),
			len(d.Overdue), d.Escalated, d.Period, d.EscalationNotices, d.EscalationsSent)},
		{},
		{"单位", "科室", "到期", "已截止", "已完成", "按时完成", "仍逾期", "完成率", "按时完成率"},
	}
	for _, o := range d.Offices {
		head = append(head, []any{o.Unit, o.Office, o.Due, o.Closed, o.Done, o.OnTime, o.Overdue, percent(o.Done, o.Closed), percent(o.OnTime, o.Closed)})
	}
	if err := rows(summary, 1, head...); err != nil {
		return err
	}
	lines := [][]any{{"序号", "事项", "责任科室", "截止日期", "逾期工作日", "督办级别", "链接"}}
	for i, it := range d.Overdue {
		due := ""
		if it.DueAt != nil {
			due = calendar.DateOf(*it.DueAt).String()
		}
		lines = append(lines, []any{i + 1, it.Title, officeNames(it.Offices), due, it.Days, levelLabel(it.EscalationLevel), fmt.Sprintf("%s/items/%d", s.opt.BaseURL, it.ID)})
	}
	if err := rows(overdue, 1, lines...); err != nil {
		return err
	}
	if d.Applications != nil {
		const apps = "依申请公开"
		if _, err := f.NewSheet(apps); err != nil {
			return err
		}
		t := tongbaoAppsTable(d)
		lines := [][]any{{tongbaoAppsSummary(d)}, {}}
		for _, row := range t.rows {
			line := make([]any, len(row))
			for i, c := range row {
				line[i] = c
			}
			lines = append(lines, line)
		}
		if err := rows(apps, 1, lines...); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for _, c := range []struct{ sheet, from, to string }{{summary, "A1", "A1"}, {summary, "A5", "I5"}, {overdue, "A1", "G1"}} {
		if err := f.SetCellStyle(c.sheet, c.from, c.to, bold); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		sheet, col string
		width      float64
	}{{summary, "A", 16}, {summary, "B", 16}, {overdue, "B", 40}, {overdue, "C", 18}, {overdue, "D", 12}, {overdue, "F", 18}, {overdue, "G", 30}} {
		if err := f.SetColWidth(c.sheet, c.col, c.col, c.width); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("通报-%s-%s%s.xlsx", d.UnitName, d.Month, d.Quarter)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"tongbao.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	return f.Write(w)
}
