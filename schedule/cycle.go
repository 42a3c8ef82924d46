package schedule

import (
	"errors"
	"fmt"
	"time"

	"github.com/zwgk/zwgk/calendar"
)

// Cycle is one period an item must be done in: the whole of a deadline item, one month of a
// monthly item, one quarter of a quota, one event of a timely item.
type Cycle struct {
	// Key names the cycle, stable across runs and readable: "2024-04-30" (deadline, by its due
	// day), "2024-08-01..2024-12-31" (window), "2024" (year), "2024-H1", "2024-Q3", "2024-07",
	// "2024-W05" (ISO week).
	Key   string    `json:"key"`
	Start time.Time `json:"start"` // reminders before it are dropped; 00:00 Asia/Shanghai
	Due   time.Time `json:"due"`   // 23:59:59 Asia/Shanghai of the due day, or an hour clock's end
	// Required is the completions the cycle needs: 1, or the Count of a quota.
	Required int `json:"required"`
	// Provisional says that the cycle lies in a year with no holiday schedule, so its working-day
	// reminders and escalations assume Monday–Friday.
	Provisional bool `json:"provisional,omitempty"`
}

// ErrUnparsed is returned, wrapped, for a rule the parser did not understand: nothing can be
// scheduled until an admin sets the rule.
var ErrUnparsed = errors.New("rule not understood")

// Cycles lists the cycles of rule r in the list year:
//   - deadline: one cycle from January 1 of the list year (or of the due year, if earlier) to the
//     end of the due day;
//   - window: one cycle from the start of From to the end of Due;
//   - recurring and quota: one cycle per period of the year, due at the end of the period's last
//     day, or at the rule's DueIn point; a quota cycle requires Count completions. A cycle keeps
//     its period's key and starts at its period's start whatever its due point: with
//     每月10日前 the cycle 2024-03 runs from March 1 to the end of March 10; with
//     每季度结束后10个工作日内 the cycle 2024-Q4 runs from October 1, 2024 to the end of
//     January 15, 2025 (the tenth working day after December 31), so the last cycles of a year
//     may be due in the next one and overlap the next period's cycle;
//   - ongoing: check-ins, one per Period (quarterly when unset), due like recurring cycles;
//   - timely and maxgap: no calendar cycles (nil, nil): their clocks start at events and at
//     updates; see EventCycle and GapCycle.
//
// A dated wording with 每年 is a deadline of the list year, not a recurring rule: the list of
// year Y carries that year's instance. So 每年1月31日前 (the department's annual report of
// Y-1, 条例 第四十九条) read for list year Y is one cycle keyed "Y-01-31", from Y-01-01 to the
// end of Y-01-31; 次年1月31日前 (the report of Y itself) is one cycle keyed "Y+1-01-31", from
// Y-01-01 to the end of (Y+1)-01-31.
//
// Weekly cycles are the ISO 8601 weeks of ISO year `year` (2024-W01 … 2024-W52), Monday 00:00 to
// Sunday 23:59:59. Every week thus belongs to exactly one list year and is never cut in two; the
// price is that the first week may start in late December of the previous year and the last may
// end in early January of the next (2026-W53 ends on 2027-01-03), and days of a calendar year
// that belong to the neighbouring ISO year are covered by that year's list.
func Cycles(r Rule, year int, cal *calendar.Calendar) ([]Cycle, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	switch r.Kind {
	case KindDeadline:
		startYear := r.Due.Year
		if year > 0 && year < startYear {
			startYear = year
		}
		c := Cycle{Key: r.Due.String(), Start: calendar.D(startYear, 1, 1).Start(), Due: r.Due.End(), Required: 1}
		c.Provisional = !cal.Known(r.Due.Year)
		return []Cycle{c}, nil
	case KindWindow:
		c := Cycle{Key: r.From.String() + ".." + r.Due.String(), Start: r.From.Start(), Due: r.Due.End(), Required: 1}
		c.Provisional = !cal.Known(r.From.Year) || !cal.Known(r.Due.Year)
		return []Cycle{c}, nil
	case KindRecurring:
		return periods(r.Period, year, 1, r.DueIn, cal)
	case KindOngoing:
		p := r.Period
		if p == "" {
			p = DefaultCheckIn
		}
		return periods(p, year, 1, nil, cal)
	case KindQuota:
		return periods(r.Period, year, r.Count, r.DueIn, cal)
	case KindTimely, KindMaxGap:
		return nil, nil
	}
	return nil, fmt.Errorf("schedule: cycles of kind %q: %w", r.Kind, ErrUnparsed)
}

// periods cuts the year into cycles of period p, due at the period's end or at point pt.
func periods(p Period, year, required int, pt *PeriodPoint, cal *calendar.Calendar) ([]Cycle, error) {
	if year < 1900 || year > 2200 {
		return nil, fmt.Errorf("schedule: list year %d out of range", year)
	}
	mk := func(key string, from, to calendar.Date) Cycle {
		due, prov := pt.due(from, to, cal)
		return Cycle{Key: key, Start: from.Start(), Due: due, Required: required,
			Provisional: prov || !cal.Known(from.Year) || !cal.Known(calendar.DateOf(due).Year)}
	}
	var out []Cycle
	switch p {
	case Year:
		out = append(out, mk(fmt.Sprintf("%d", year), calendar.D(year, 1, 1), calendar.D(year, 12, 31)))
	case HalfYear:
		out = append(out,
			mk(fmt.Sprintf("%d-H1", year), calendar.D(year, 1, 1), calendar.D(year, 6, 30)),
			mk(fmt.Sprintf("%d-H2", year), calendar.D(year, 7, 1), calendar.D(year, 12, 31)))
	case Quarter:
		for q := 1; q <= 4; q++ {
			m := time.Month(3*q - 2)
			out = append(out, mk(fmt.Sprintf("%d-Q%d", year, q), calendar.D(year, m, 1), calendar.D(year, m+3, 0)))
		}
	case Month:
		for m := time.January; m <= time.December; m++ {
			out = append(out, mk(fmt.Sprintf("%d-%02d", year, m), calendar.D(year, m, 1), calendar.D(year, m+1, 0)))
		}
	case Week:
		// The Monday of ISO week 1 is the Monday of the week holding January 4.
		jan4 := calendar.D(year, 1, 4)
		monday := jan4.AddDays(-((int(jan4.Weekday()) + 6) % 7))
		for w := 1; ; w++ {
			if y, _ := monday.Start().ISOWeek(); y != year {
				break
			}
			out = append(out, mk(fmt.Sprintf("%d-W%02d", year, w), monday, monday.AddDays(6)))
			monday = monday.AddDays(7)
		}
	default:
		return nil, fmt.Errorf("schedule: unknown period %q", p)
	}
	return out, nil
}

// due is the due instant of the period from..to at point pt (the end of the period when pt is
// nil); provisional reports a working-day count that reached a year with no schedule.
func (pt *PeriodPoint) due(from, to calendar.Date, cal *calendar.Calendar) (time.Time, bool) {
	switch {
	case pt == nil:
		return to.End(), false
	case pt.After != nil:
		return spanAfter(*pt.After, to.Start(), cal)
	}
	first := calendar.D(from.Year, from.Month+time.Month(max(pt.Month, 1)-1), 1)
	last := calendar.D(first.Year, first.Month+1, 0)
	return calendar.D(first.Year, first.Month, min(pt.Day, last.Day)).End(), false
}

// EventDue is the deadline of a timely rule's clock started by an event (the moment the
// information was formed or changed, or an application received):
//   - N working days: the end (23:59:59 Asia/Shanghai) of the Nth working day after the event's
//     day, the event's day not counted;
//   - N calendar days: the end of the Nth day after the event's day;
//   - N hours: the event plus N hours of wall clock, nights and holidays included.
//
// It returns the zero time for a rule without a clock. provisional reports a working-day count
// that reached a year with no schedule.
func EventDue(r Rule, event time.Time, cal *calendar.Calendar) (due time.Time, provisional bool) {
	if r.Clock == nil {
		return time.Time{}, false
	}
	return spanAfter(*r.Clock, event, cal)
}

// GapDue is when a maxgap rule is broken if nothing is published after the update at last: for
// 至少2周内更新一次 the end of the 14th day after the update's day; for months, the same day so
// many months later (clamped to the month's end: 6 months from August 31 is February 28/29).
// It returns the zero time for a rule without MaxGap.
func GapDue(r Rule, last time.Time, cal *calendar.Calendar) (time.Time, bool) {
	if r.MaxGap == nil {
		return time.Time{}, false
	}
	return spanAfter(*r.MaxGap, last, cal)
}

func spanAfter(s Span, from time.Time, cal *calendar.Calendar) (time.Time, bool) {
	d := calendar.DateOf(from)
	switch s.Unit {
	case WorkingDays:
		return cal.DueAfter(d, s.N)
	case CalendarDays:
		return d.AddDays(s.N).End(), false
	case Hours:
		return calendar.AddHours(from.In(calendar.Shanghai), s.N), false
	case Months:
		return addMonthsClamped(d, s.N).End(), false
	}
	return time.Time{}, false
}

func addMonthsClamped(d calendar.Date, n int) calendar.Date {
	first := calendar.D(d.Year, d.Month+time.Month(n), 1)
	last := calendar.D(first.Year, first.Month+1, 0)
	return calendar.D(first.Year, first.Month, min(d.Day, last.Day))
}

// EventCycle is the cycle of one event of a timely rule: from the event to EventDue. key names
// it (the workflow's event number or the event's date, for example "E3" or "2024-05-06#1").
func EventCycle(r Rule, key string, event time.Time, cal *calendar.Calendar) (Cycle, error) {
	if r.Clock == nil {
		return Cycle{}, fmt.Errorf("schedule: rule %q has no clock", r.Kind)
	}
	due, prov := EventDue(r, event, cal)
	return Cycle{Key: key, Start: event.In(calendar.Shanghai), Due: due, Required: 1, Provisional: prov}, nil
}

// GapCycle is the cycle that the update at last opens for a maxgap rule: it is due when the gap
// would be exceeded.
func GapCycle(r Rule, key string, last time.Time, cal *calendar.Calendar) (Cycle, error) {
	if r.MaxGap == nil {
		return Cycle{}, fmt.Errorf("schedule: rule %q has no maximum gap", r.Kind)
	}
	due, prov := GapDue(r, last, cal)
	return Cycle{Key: key, Start: last.In(calendar.Shanghai), Due: due, Required: 1, Provisional: prov}, nil
}

// Validate checks that the fields of the rule's Kind are set and sane, for rules written by hand
// (an admin fixing an unparsed item) or read back from JSON.
func (r Rule) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("schedule: %s rule: "+format, append([]any{r.Kind}, a...)...)
	}
	switch r.Kind {
	case KindDeadline:
		if r.Due == nil {
			return bad("no due date")
		}
	case KindWindow:
		if r.Due == nil || r.From == nil {
			return bad("needs from and due")
		}
		if r.Due.Before(*r.From) {
			return bad("due %s before from %s", r.Due, r.From)
		}
	case KindRecurring, KindQuota:
		if periodRank[r.Period] == 0 {
			return bad("period %q: want week, month, quarter, halfyear or year", r.Period)
		}
		if r.Kind == KindQuota && (r.Count < 1 || r.Count > 1000) {
			return bad("count %d: want 1–1000", r.Count)
		}
	case KindOngoing:
		if r.Period != "" && periodRank[r.Period] == 0 {
			return bad("period %q", r.Period)
		}
	case KindTimely:
		if err := validSpan(r.Clock, WorkingDays, CalendarDays, Hours); err != nil {
			return bad("clock: %v", err)
		}
	case KindMaxGap:
		if err := validSpan(r.MaxGap, WorkingDays, CalendarDays, Hours, Months); err != nil {
			return bad("max_gap: %v", err)
		}
	case KindUnparsed:
		return fmt.Errorf("schedule: %q: %w", r.Text, ErrUnparsed)
	default:
		return fmt.Errorf("schedule: unknown rule kind %q", r.Kind)
	}
	if r.DueIn != nil {
		if r.Kind != KindRecurring && r.Kind != KindQuota {
			return bad("due_in is for recurring and quota rules only")
		}
		if err := r.DueIn.validate(r.Period); err != nil {
			return bad("due_in: %v", err)
		}
	}
	return nil
}

// monthsIn is the number of months of a period; weeks have none.
var monthsIn = map[Period]int{Month: 1, Quarter: 3, HalfYear: 6, Year: 12}

func (pt *PeriodPoint) validate(p Period) error {
	if pt.After != nil {
		if pt.Day != 0 || pt.Month != 0 {
			return errors.New("either a day of the period or a time after it, not both")
		}
		return validSpan(pt.After, WorkingDays, CalendarDays)
	}
	if pt.Day < 1 || pt.Day > 31 {
		return fmt.Errorf("day %d: want 1–31", pt.Day)
	}
	n := monthsIn[p]
	if n == 0 {
		return fmt.Errorf("a %s period has no day of the month", p)
	}
	if pt.Month < 0 || pt.Month > n {
		return fmt.Errorf("month %d of a %s period: want 1–%d", pt.Month, p, n)
	}
	return nil
}

func validSpan(s *Span, units ...Unit) error {
	if s == nil {
		return errors.New("missing")
	}
	if s.N < 1 || s.N > 10000 {
		return fmt.Errorf("n %d: want 1–10000", s.N)
	}
	for _, u := range units {
		if s.Unit == u {
			return nil
		}
	}
	return fmt.Errorf("unit %q not allowed", s.Unit)
}
