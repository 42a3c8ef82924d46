package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// TongbaoDay is what TongbaoCheck says of a day: whether the monthly 通报 goes out on it, and
// on which month; on the first working day of a quarter, also on which quarter.
type TongbaoDay struct {
	Day   calendar.Date `json:"day"`
	First bool          `json:"first"` // the first working day of its month
	Month string        `json:"month"` // the month before Day's, 2026-11: what the 通报 reports
	// Quarter is the quarter before Day's (2026Q3) when Day is the first working day of
	// January, April, July or October; empty otherwise.
	Quarter string `json:"quarter,omitempty"`
}

// TongbaoCheck tells the 通报 workflow whether at falls on the first working day of its month,
// by the calendar with the admins' years: the schedule fires every day and the calendar, not
// cron, knows the 调休 days.
func (a *Activities) TongbaoCheck(ctx context.Context, at time.Time) (TongbaoDay, error) {
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return TongbaoDay{}, err
	}
	cal := calendar.New(append(calendar.Official(), years...)...)
	d := calendar.DateOf(at)
	prev := calendar.D(d.Year, d.Month-1, 1)
	day := TongbaoDay{Day: d, First: cal.IsFirstWorkingDay(d), Month: prev.String()[:7]}
	if day.First && (d.Month-1)%3 == 0 {
		day.Quarter = store.QuarterKey(prev.Year, prev.Month)
	}
	return day, nil
}

// TongbaoUnits lists the units whose supervisors get a 通报.
func (a *Activities) TongbaoUnits(ctx context.Context) ([]store.TongbaoUnit, error) {
	return a.Store.TongbaoUnits(ctx)
}

// TongbaoRequest is one unit's 通报 of one month or quarter.
type TongbaoRequest struct {
	Unit  store.TongbaoUnit `json:"unit"`
	Month string            `json:"month"` // 2026-11, or a quarter: 2026Q4 (store.TongbaoPeriod)
	At    time.Time         `json:"at"`    // the workflow's time: the message waits for the unit's next send window
}

// TongbaoResult is how many supervisors' notices were written (0 on a repeat).
type TongbaoResult struct {
	Planned int `json:"planned"`
}

// SendTongbao computes a unit's figures of the month or quarter, as the /tongbao page shows
// them, and plans one notice per supervisor at the unit's next send window, so that the 通报
// goes out in the digest the supervisor gets anyway. Repeating it plans nothing: the notices'
// key is the unit, the period and the person.
func (a *Activities) SendTongbao(ctx context.Context, req TongbaoRequest) (TongbaoResult, error) {
	first, next, err := store.TongbaoPeriod(req.Month)
	if err != nil {
		return TongbaoResult{}, fmt.Errorf("通报 of unit %d: %w", req.Unit.ID, err)
	}
	f := store.ReportFilter{Scope: store.Scope{All: true}, Unit: req.Unit.ID, From: first, To: next}
	months, err := a.Store.MonthlyFigures(ctx, f)
	if err != nil {
		return TongbaoResult{}, err
	}
	m := store.SumMonths(months)
	offices, err := a.Store.OverdueByOffice(ctx, store.ReportFilter{Scope: store.Scope{All: true}, Unit: req.Unit.ID, From: time.Unix(0, 0), To: req.At})
	if err != nil {
		return TongbaoResult{}, err
	}
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return TongbaoResult{}, err
	}
	cal := calendar.New(append(calendar.Official(), years...)...)
	policy, err := schedule.MergePolicy(req.Unit.Policy)
	if err != nil {
		policy = schedule.DefaultPolicy() // an invalid override reminds by the default too
	}
	at, ok := schedule.NextWindow(policy, req.At, cal)
	if !ok {
		at = req.At
	}
	planned, wake, err := a.Store.PlanTongbao(ctx, store.TongbaoPlan{UnitID: req.Unit.ID, Month: req.Month, At: at,
		Note: TongbaoNote(m, offices), PersonIDs: req.Unit.Supervisors})
	if err != nil {
		return TongbaoResult{}, err
	}
	// Without a Temporal client (tests of the workflow alone) the dispatcher finds the notices
	// at its next wake-up, which PlanTongbao moved.
	if !wake.IsZero() && a.Temporal != nil {
		if err := a.pokeDispatcher(ctx); err != nil {
			return TongbaoResult{}, err
		}
	}
	return TongbaoResult{Planned: planned}, nil
}

// TongbaoNote is the 通报's figures in one line, with the rates defined as on the page: 完成率 =
// done / closed, 按时完成率 = done on time / closed; then the office with the most cycles
// overdue now, whatever their month (a shared cycle counts for each of its offices).
func TongbaoNote(m store.MonthFigures, offices []store.OfficeOverdue) string {
	s := fmt.Sprintf("到期%d项，已完成%d项", m.Due, m.Done)
	if m.Closed > 0 {
		s += fmt.Sprintf("，完成率%d%%，按时完成率%d%%", m.Done*100/m.Closed, m.OnTime*100/m.Closed)
	}
	if m.Overdue > 0 {
		s += fmt.Sprintf("，仍逾期%d项", m.Overdue)
	}
	if len(offices) == 0 {
		return s + "；目前无逾期事项"
	}
	return s + fmt.Sprintf("；目前逾期最多的是%s（%d项）", offices[0].Office, offices[0].Overdue)
}
