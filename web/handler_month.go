package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// The month calendar: a wall-calendar grid of one month for a unit or one of its offices, with
// the cycles falling due each day, the reminders planned or sent that day, and the holidays and
// 调休 working days of the holiday calendar, so that an office sees a deadline that lands right
// after a 假期 before the 假期 begins.

type monthData struct {
	Month    string `json:"month"` // 2024-05
	Prev     string `json:"-"`
	Next     string `json:"-"`
	Unit     int64  `json:"unit,omitempty"`
	UnitName string `json:"-"`
	Office   int64  `json:"office,omitempty"`
	// OfficeName names the office shown, empty for the whole unit.
	OfficeName string            `json:"-"`
	Units      []store.UnitRow   `json:"-"`
	Offices    []store.OfficeRow `json:"-"`
	Weeks      [][]monthDay      `json:"weeks"`
	Points     []store.DuePoint  `json:"due"`
	Notices    int               `json:"notices"`
	// Unknown says the holiday calendar has no data for the month's year: days follow
	// Monday–Friday.
	Unknown bool `json:"unknown_year"`
}

type monthDay struct {
	Date    calendar.Date          `json:"date"`
	In      bool                   `json:"in_month"`
	Today   bool                   `json:"today"`
	Working bool                   `json:"working"`
	Holiday bool                   `json:"holiday"` // a statutory day off
	MakeUp  bool                   `json:"make_up"` // 调休上班
	Name    string                 `json:"name,omitempty"`
	Due     []store.DuePoint       `json:"due,omitempty"`
	Notices []store.PlannedNotices `json:"notices,omitempty"`
}

// WeekdayHeads head the grid's columns, Monday first as on a Chinese wall calendar.
func (d *monthData) WeekdayHeads() []string {
	return []string{"一", "二", "三", "四", "五", "六", "日"}
}

// monthGrid is the Monday-first weeks that cover a month, each day marked as the calendar has
// it; days of the neighbouring months fill the first and last week.
func monthGrid(cal *calendar.Calendar, year int, month time.Month, today calendar.Date) [][]monthDay {
	first := calendar.D(year, month, 1)
	start := first.AddDays(-((int(first.Weekday()) + 6) % 7))
	holidays, makeUps, names := map[calendar.Date]bool{}, map[calendar.Date]bool{}, map[calendar.Date]string{}
	for _, y := range []int{year - 1, year, year + 1} {
		data, ok := cal.Year(y)
		if !ok {
			continue
		}
		for _, d := range data.Holidays {
			holidays[d] = true
		}
		for _, d := range data.Workdays {
			makeUps[d] = true
		}
		for d, n := range data.Names {
			names[d] = n
		}
	}
	var weeks [][]monthDay
	for d := start; ; {
		week := make([]monthDay, 7)
		for i := range week {
			week[i] = monthDay{Date: d, In: d.Month == month, Today: d == today, Working: cal.IsWorkingDay(d),
				Holiday: holidays[d], MakeUp: makeUps[d], Name: names[d]}
			d = d.AddDays(1)
		}
		weeks = append(weeks, week)
		if d.Month != month {
			break
		}
	}
	return weeks
}

func (s *Server) monthPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	today := calendar.DateOf(s.now())
	year, month := today.Year, today.Month
	if v := r.URL.Query().Get("month"); v != "" {
		t, err := time.Parse("2006-01", v)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return badRequest("“月份”无效：%s（应为 2026-12 这样的年月）", v)
		}
		year, month = t.Year(), t.Month()
	}
	d := &monthData{Month: fmt.Sprintf("%04d-%02d", year, month), Unit: rc.unit}
	office, err := intParam(r, "office")
	if err != nil {
		return err
	}
	if office != 0 {
		unit, err := s.st.OfficeUnitOf(ctx, office)
		if err != nil {
			return err
		}
		if !s.canOffice(rc, office, unit) || d.Unit != 0 && d.Unit != unit {
			return errForbidden
		}
		d.Unit, d.Office = unit, office
	}
	if d.Units, d.Unit, err = s.pageUnits(ctx, rc, d.Unit); err != nil {
		return err
	}
	offices, err := s.st.OfficesInScope(ctx, rc.scope)
	if err != nil {
		return err
	}
	for _, o := range offices {
		if o.UnitID != d.Unit {
			continue
		}
		d.Offices = append(d.Offices, o)
		if o.ID == d.Office {
			d.OfficeName = o.Name
		}
	}
	for _, u := range d.Units {
		if u.ID == d.Unit {
			d.UnitName = u.Name
		}
	}
	d.Prev = calendar.D(year, month-1, 1).String()[:7]
	d.Next = calendar.D(year, month+1, 1).String()[:7]
	cal := s.cal.get(ctx)
	d.Unknown = !cal.Known(year)
	d.Weeks = monthGrid(cal, year, month, today)
	gridFrom := d.Weeks[0][0].Date.Start()
	gridTo := d.Weeks[len(d.Weeks)-1][6].Date.AddDays(1).Start()
	filter := store.ReportFilter{Scope: rc.scope, Unit: d.Unit, Office: d.Office, From: gridFrom, To: gridTo}
	points, err := s.st.DuePoints(ctx, filter)
	if err != nil {
		return err
	}
	notices, err := s.st.NoticesByDay(ctx, filter)
	if err != nil {
		return err
	}
	day := map[calendar.Date]*monthDay{}
	for i := range d.Weeks {
		for j := range d.Weeks[i] {
			day[d.Weeks[i][j].Date] = &d.Weeks[i][j]
		}
	}
	for _, p := range points {
		if md := day[calendar.DateOf(p.DueAt)]; md != nil {
			md.Due = append(md.Due, p)
		}
		if calendar.DateOf(p.DueAt).Month == month {
			d.Points = append(d.Points, p)
		}
	}
	for _, n := range notices {
		date, err := calendar.ParseDate(n.Day)
		if err != nil {
			return fmt.Errorf("web: month: notice day %q: %w", n.Day, err)
		}
		if md := day[date]; md != nil {
			md.Notices = append(md.Notices, n)
			if date.Month == month {
				d.Notices += n.Count
			}
		}
	}
	title := fmt.Sprintf("%d年%d月 · %s", year, month, d.UnitName)
	if d.OfficeName != "" {
		title += " " + d.OfficeName
	}
	return s.render(w, r, rc, http.StatusOK, "month", title, d)
}

// Link is the page of another month, keeping the unit and office.
func (d *monthData) Link(month string) string {
	q := "?month=" + month + "&unit=" + strconv.FormatInt(d.Unit, 10)
	if d.Office != 0 {
		q += "&office=" + strconv.FormatInt(d.Office, 10)
	}
	return "/month" + q
}
