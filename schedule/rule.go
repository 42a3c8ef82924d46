// Package schedule turns the wording of a 政务公开 task list (4月底, 每月更新, 及时更新,
// 每周更新不少于2次, 5个工作日内…) into rules, and rules into the instants at which zwgk reminds,
// marks due and escalates. It is pure and deterministic: no I/O and no clock, calendar data is
// passed in, so workflow code may call it.
//
// The pieces, in the order data flows:
//   - Parse reads a deadline or frequency cell (完成时限, 更新频率) into a Rule; Find and FindAll
//     look for rule wording inside a long requirement text. Unknown wording is KindUnparsed with
//     the text and a Reason, never a guess.
//   - Cycles cuts a list year into the cycles of a rule (2024-Q3, 2024-07, 2024-W05…);
//     EventCycle/EventDue and GapCycle/GapDue start the clocks of timely and maxgap rules.
//   - Policy (reminder offsets, send window, escalation ladder, repeat), DefaultPolicy and
//     MergePolicy (unit and item overrides as partial JSON).
//   - Plan lists the reminder, due and escalation instants of one cycle; NextRepeat the
//     "still overdue" notices after the last level.
package schedule

import "github.com/zwgk/zwgk/calendar"

// Kind is the shape of a rule.
type Kind string

// The rule kinds, as they appear in JSON.
const (
	KindDeadline  Kind = "deadline"  // one due date: 4月底, 3月31日前, 年底前, 上半年
	KindWindow    Kind = "window"    // not before From, done by Due: 8月至12月
	KindRecurring Kind = "recurring" // one cycle per period: 每月更新, 季度更新
	KindTimely    Kind = "timely"    // a clock per recorded event: 及时更新 (20 working days), 5个工作日内
	KindQuota     Kind = "quota"     // at least Count completions per period: 每周更新不少于2次
	KindMaxGap    Kind = "maxgap"    // no more than MaxGap between two updates: 至少2周内更新一次
	KindOngoing   Kind = "ongoing"   // no deadline, periodic check-ins: 持续推进, 常态化
	KindUnparsed  Kind = "unparsed"  // wording not understood; Text keeps it, nothing is guessed
)

// Period is the length of a recurring cycle.
type Period string

// The periods, as they appear in JSON.
const (
	Week     Period = "week"
	Month    Period = "month"
	Quarter  Period = "quarter"
	HalfYear Period = "halfyear"
	Year     Period = "year"
)

// Unit is the unit of a clock or a gap.
type Unit string

// Clock and gap units.
const (
	WorkingDays  Unit = "workday"
	CalendarDays Unit = "day"
	Hours        Unit = "hour"
	// Months is for gaps only (栏目6个月未更新): a calendar month, clamped to the month's end
	// (the gap from August 31 by one month ends September 30).
	Months Unit = "month"
)

// Span is an amount of time in one unit: 20 working days, 48 hours, 14 days.
type Span struct {
	N    int  `json:"n"`
	Unit Unit `json:"unit"`
}

// PeriodPoint is where a recurring cycle falls due relative to its period. Exactly one of Day
// and After is set.
type PeriodPoint struct {
	// Month and Day name a day of the period: the Day-th day of the period's Month-th month
	// (1 = its first month; 0 is read as 1). 每月10日前 is {day 10}, 每季度首月15日前 is
	// {month 1, day 15}. A day past the month's end means the month's last day (每月31日前 is
	// due on April 30 in April). Weekly periods have no day points.
	Month int `json:"month,omitempty"`
	Day   int `json:"day,omitempty"`
	// After is a time after the period's last day, that day not counted, in working or
	// calendar days: 每季度结束后10个工作日内 is {after: 10 workday}. It may run into the next
	// year: the fourth quarter of 2024 is then due on 2025-01-15.
	After *Span `json:"after,omitempty"`
}

// Rule is what an item's deadline or frequency wording means. Only the fields of its Kind are set.
type Rule struct {
	Kind Kind `json:"kind"`
	// Text is the wording the rule was read from (for unparsed rules, the wording not understood).
	Text string `json:"text,omitempty"`

	Due  *calendar.Date `json:"due,omitempty"`  // deadline; end of a window
	From *calendar.Date `json:"from,omitempty"` // start of a window

	Period Period `json:"period,omitempty"` // recurring, quota; check-in period of ongoing
	Count  int    `json:"count,omitempty"`  // quota: completions required per period
	// DueIn, for recurring and quota rules, moves the due point of every cycle from the last
	// day of its period to a day inside the period (每月10日前, 每季度首月15日前) or to a time
	// after the period's end (每季度结束后10个工作日内). Nil: due at the period's end.
	DueIn *PeriodPoint `json:"due_in,omitempty"`

	Clock  *Span `json:"clock,omitempty"`   // timely: time allowed after each event
	MaxGap *Span `json:"max_gap,omitempty"` // maxgap: longest allowed time between updates

	// Reason says, for an unparsed rule, what was not understood (no rule wording, or two
	// different rules in one cell), so that an admin can fix it.
	Reason string `json:"reason,omitempty"`
}
