package web

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/web/chart"
)

// The charts page: a year's completion and on-time rates by month, the offices' overdue cycles
// now, and an office × month heat map of the cycles not done on time. Each chart is inline SVG
// drawn on the server (the CSP admits no script) with its numbers in a table beside it, which
// is also what a printout and a screen reader get.

type chartsData struct {
	Year  int             `json:"year"`
	Years []int           `json:"-"`
	Unit  int64           `json:"unit,omitempty"`
	Units []store.UnitRow `json:"-"`
	// DubanUnit is the unit whose 督办单 the page offers: the one shown, or the caller's only one.
	DubanUnit int64       `json:"-"`
	Months    []monthRate `json:"months"`
	Rates     chart.Chart `json:"-"`

	Overdue      []store.OfficeOverdue `json:"overdue_by_office"`
	OverdueChart chart.Chart           `json:"-"`

	HeatCols []string    `json:"heat_months"`
	HeatRows []heatRow   `json:"heat"`
	Heat     chart.Chart `json:"-"`
}

// monthRate is a month's figures with its rates in percent (NaN when nothing closed).
type monthRate struct {
	store.MonthFigures
	Label      string  `json:"label"`
	Completion float64 `json:"-"`
	OnTimeRate float64 `json:"-"`
}

// heatRow is an office's cycles not done on time (overdue or done late), month by month.
type heatRow struct {
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	Unit     string `json:"unit"`
	Missed   []int  `json:"missed"`
	Total    int    `json:"total"`
}

func (s *Server) chartsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	d := &chartsData{Unit: rc.unit}
	var err error
	if d.Year, err = yearParam(r, calendar.DateOf(s.now()).Year, 2100); err != nil {
		return err
	}
	if d.Units, err = s.st.UnitsInScope(ctx, rc.scope); err != nil {
		return err
	}
	if d.Years, err = s.st.ListYears(ctx, rc.scope); err != nil {
		return err
	}
	if d.DubanUnit = d.Unit; d.DubanUnit == 0 && len(d.Units) == 1 {
		d.DubanUnit = d.Units[0].ID
	}
	from := calendar.D(d.Year, time.January, 1).Start()
	filter := store.ReportFilter{Scope: rc.scope, Unit: rc.unit, From: from, To: from.AddDate(1, 0, 0)}
	months, err := s.st.MonthlyFigures(ctx, filter)
	if err != nil {
		return err
	}
	byMonth := map[string]store.MonthFigures{}
	for _, m := range months {
		byMonth[m.Month] = m
	}
	var labels []string
	var done, onTime []float64
	for m := time.January; m <= time.December; m++ {
		key := fmt.Sprintf("%04d-%02d", d.Year, m)
		f := byMonth[key]
		f.Month = key
		mr := monthRate{MonthFigures: f, Label: fmt.Sprintf("%d月", m), Completion: rate(f.Done, f.Closed), OnTimeRate: rate(f.OnTime, f.Closed)}
		d.Months = append(d.Months, mr)
		labels = append(labels, mr.Label)
		done, onTime = append(done, mr.Completion), append(onTime, mr.OnTimeRate)
		d.HeatCols = append(d.HeatCols, mr.Label)
	}
	d.Rates = chart.Columns(labels, []chart.Series{
		{Name: "完成率", Class: "s-done", Values: done, Format: "%.0f%%"},
		{Name: "按时完成率", Class: "s-ontime", Values: onTime, Format: "%.0f%%"},
	}, 100, 25)
	d.Rates.Label = "按月完成率和按时完成率"

	// Overdue now, whenever due: what the offices owe today does not depend on the year shown.
	overdue, err := s.st.OverdueByOffice(ctx, store.ReportFilter{Scope: rc.scope, Unit: rc.unit, From: time.Unix(0, 0), To: s.now()})
	if err != nil {
		return err
	}
	d.Overdue = overdue
	var names []string
	var counts []int
	for _, o := range overdue {
		names, counts = append(names, s.officeLabel(d, o.Unit, o.Office)), append(counts, o.Overdue)
	}
	d.OverdueChart = chart.Bars(names, counts, "s-overdue")
	d.OverdueChart.Label = "各科室当前逾期周期数"

	cells, err := s.st.OfficeMonthlyFigures(ctx, filter)
	if err != nil {
		return err
	}
	index := map[int64]int{}
	for _, c := range cells {
		i, ok := index[c.OfficeID]
		if !ok {
			i = len(d.HeatRows)
			index[c.OfficeID] = i
			d.HeatRows = append(d.HeatRows, heatRow{OfficeID: c.OfficeID, Office: c.Office, Unit: c.Unit, Missed: make([]int, 12)})
		}
		var m int
		if _, err := fmt.Sscanf(c.Month, "%d-%d", new(int), &m); err != nil || m < 1 || m > 12 {
			return fmt.Errorf("web: charts: month %q", c.Month)
		}
		missed := c.Closed - c.OnTime
		d.HeatRows[i].Missed[m-1] += missed
		d.HeatRows[i].Total += missed
	}
	var rows []string
	var values [][]float64
	for _, h := range d.HeatRows {
		rows = append(rows, s.officeLabel(d, h.Unit, h.Office))
		v := make([]float64, 12)
		for j, n := range h.Missed {
			v[j] = float64(n)
		}
		values = append(values, v)
	}
	d.Heat = chart.HeatMap(rows, d.HeatCols, values, "%.0f")
	d.Heat.Label = "科室与月份的未按时完成热力图"
	title := fmt.Sprintf("%d年统计图表", d.Year)
	return s.render(w, r, rc, http.StatusOK, "charts", title, d)
}

// officeLabel names an office with its unit when the page covers several units.
func (s *Server) officeLabel(d *chartsData, unit, office string) string {
	if d.Unit != 0 || len(d.Units) <= 1 {
		return office
	}
	return unit + " " + office
}

// rate is num/den in percent, NaN without a denominator (no bar, "—" in the table).
func rate(num, den int) float64 {
	if den == 0 {
		return math.NaN()
	}
	return 100 * float64(num) / float64(den)
}
