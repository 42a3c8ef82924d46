package schedule

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
)

var cal = calendar.OfficialCalendar()

func sh(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, calendar.Shanghai)
}

func mustCycles(t *testing.T, text string, year int) []Cycle {
	t.Helper()
	cs, err := Cycles(Parse(text, year), year, cal)
	if err != nil {
		t.Fatalf("Cycles(%q): %v", text, err)
	}
	return cs
}

func TestCyclesKeysAndBounds(t *testing.T) {
	cases := []struct {
		text        string
		n           int
		first, last string
		start, due  time.Time // of the first cycle
		required    int
	}{
		{"4月底", 1, "2024-04-30", "2024-04-30", sh(2024, 1, 1, 0, 0, 0), sh(2024, 4, 30, 23, 59, 59), 1},
		{"次年1月31日前", 1, "2025-01-31", "2025-01-31", sh(2024, 1, 1, 0, 0, 0), sh(2025, 1, 31, 23, 59, 59), 1},
		{"8月至12月", 1, "2024-08-01..2024-12-31", "2024-08-01..2024-12-31", sh(2024, 8, 1, 0, 0, 0), sh(2024, 12, 31, 23, 59, 59), 1},
		{"年度更新", 1, "2024", "2024", sh(2024, 1, 1, 0, 0, 0), sh(2024, 12, 31, 23, 59, 59), 1},
		{"每半年", 2, "2024-H1", "2024-H2", sh(2024, 1, 1, 0, 0, 0), sh(2024, 6, 30, 23, 59, 59), 1},
		{"季度更新", 4, "2024-Q1", "2024-Q4", sh(2024, 1, 1, 0, 0, 0), sh(2024, 3, 31, 23, 59, 59), 1},
		{"每月更新", 12, "2024-01", "2024-12", sh(2024, 1, 1, 0, 0, 0), sh(2024, 1, 31, 23, 59, 59), 1},
		{"每周", 52, "2024-W01", "2024-W52", sh(2024, 1, 1, 0, 0, 0), sh(2024, 1, 7, 23, 59, 59), 1},
		{"每周更新不少于2次", 52, "2024-W01", "2024-W52", sh(2024, 1, 1, 0, 0, 0), sh(2024, 1, 7, 23, 59, 59), 2},
		{"常态化", 4, "2024-Q1", "2024-Q4", sh(2024, 1, 1, 0, 0, 0), sh(2024, 3, 31, 23, 59, 59), 1},
		{"每年不少于1次", 1, "2024", "2024", sh(2024, 1, 1, 0, 0, 0), sh(2024, 12, 31, 23, 59, 59), 1},
	}
	for _, c := range cases {
		cs := mustCycles(t, c.text, 2024)
		if len(cs) != c.n || cs[0].Key != c.first || cs[len(cs)-1].Key != c.last {
			t.Errorf("%s: %d cycles %s…%s, want %d %s…%s", c.text, len(cs), cs[0].Key, cs[len(cs)-1].Key, c.n, c.first, c.last)
			continue
		}
		if !cs[0].Start.Equal(c.start) || !cs[0].Due.Equal(c.due) || cs[0].Required != c.required || cs[0].Provisional {
			t.Errorf("%s: first cycle %+v, want %s..%s required %d", c.text, cs[0], c.start, c.due, c.required)
		}
		for i := 1; i < len(cs); i++ {
			if !cs[i].Start.Equal(cs[i-1].Due.Add(time.Second)) && c.n > 1 {
				t.Errorf("%s: cycle %s does not start right after %s", c.text, cs[i].Key, cs[i-1].Key)
			}
		}
	}
	// A February in a leap year, a quarter's end.
	if cs := mustCycles(t, "每月", 2024); !cs[1].Due.Equal(sh(2024, 2, 29, 23, 59, 59)) {
		t.Errorf("2024-02 due %s", cs[1].Due)
	}
	if cs := mustCycles(t, "每季度", 2024); !cs[2].Due.Equal(sh(2024, 9, 30, 23, 59, 59)) {
		t.Errorf("Q3 due %s", cs[2].Due)
	}
}

// Weekly cycles are ISO weeks: they may start in the previous December or end in the next
// January, and 2026 has 53 of them, the last running into 2027 (official since lunar-go v1.4.7);
// 2027's last runs into 2028 (no schedule yet: provisional).
func TestWeeklyCyclesAtYearBoundaries(t *testing.T) {
	cs := mustCycles(t, "每周", 2025)
	if len(cs) != 52 || !cs[0].Start.Equal(sh(2024, 12, 30, 0, 0, 0)) || cs[0].Key != "2025-W01" {
		t.Errorf("2025: %d weeks, first %s from %s", len(cs), cs[0].Key, cs[0].Start)
	}
	if last := cs[len(cs)-1]; !last.Due.Equal(sh(2025, 12, 28, 23, 59, 59)) {
		t.Errorf("2025-W52 due %s", last.Due)
	}
	cs = mustCycles(t, "每周", 2026)
	last := cs[len(cs)-1]
	if len(cs) != 53 || last.Key != "2026-W53" || !last.Due.Equal(sh(2027, 1, 3, 23, 59, 59)) || last.Provisional {
		t.Errorf("2026: %d weeks, last %+v", len(cs), last)
	}
	cs27 := mustCycles(t, "每周", 2027)
	if last := cs27[len(cs27)-1]; last.Key != "2027-W52" || !last.Due.Equal(sh(2028, 1, 2, 23, 59, 59)) || !last.Provisional {
		t.Errorf("2027: %d weeks, last %+v", len(cs27), last)
	}
	if cs[51].Provisional {
		t.Error("2026-W52 lies in 2026: not provisional")
	}
	for _, year := range []int{2020, 2024, 2025, 2026, 2027} {
		cs := mustCycles(t, "每周", year)
		for _, c := range cs {
			y, w := c.Start.ISOWeek()
			if y != year || c.Start.Weekday() != time.Monday || c.Due.Sub(c.Start) != 7*24*time.Hour-time.Second {
				t.Errorf("%d: cycle %s starts %s (ISO %d-W%02d)", year, c.Key, c.Start, y, w)
			}
		}
	}
}

func TestCyclesOfEventRules(t *testing.T) {
	for _, text := range []string{"及时更新", "至少2周内更新一次"} {
		cs, err := Cycles(Parse(text, 2024), 2024, cal)
		if err != nil || cs != nil {
			t.Errorf("Cycles(%s) = %v, %v; want none: event clocks", text, cs, err)
		}
	}
	if _, err := Cycles(Parse("尽快", 2024), 2024, cal); !errors.Is(err, ErrUnparsed) {
		t.Errorf("unparsed: %v", err)
	}
	if _, err := Cycles(Rule{Kind: KindRecurring}, 2024, cal); err == nil {
		t.Error("recurring without a period must fail")
	}
	if _, err := Cycles(Rule{Kind: KindQuota, Period: Week}, 2024, cal); err == nil {
		t.Error("quota without a count must fail")
	}
	if cs := mustCycles(t, "每月", 2027); cs[0].Provisional {
		t.Error("2027 cycles are official (lunar-go v1.4.7)")
	}
	if cs := mustCycles(t, "每月", 2028); !cs[0].Provisional {
		t.Error("2028 cycles are provisional")
	}
}

func TestEventDue(t *testing.T) {
	cases := []struct {
		text  string
		event time.Time
		due   time.Time
		prov  bool
	}{
		// 条例第二十六条: 20 working days; the event's day is not counted
		{"及时公开", sh(2024, 9, 10, 15, 30, 0), sh(2024, 10, 14, 23, 59, 59), false},
		{"3个工作日内", sh(2024, 4, 25, 9, 0, 0), sh(2024, 4, 29, 23, 59, 59), false},
		{"5个工作日内", sh(2025, 9, 26, 18, 0, 0), sh(2025, 10, 10, 23, 59, 59), false},
		{"15个工作日", sh(2026, 2, 13, 10, 0, 0), sh(2026, 3, 12, 23, 59, 59), false},   // 2/14 and 2/28 worked, 春节 2/15–2/23
		{"20个工作日内", sh(2026, 12, 20, 10, 0, 0), sh(2027, 1, 18, 23, 59, 59), false}, // 元旦 2027 1/1–1/3
		{"20个工作日内", sh(2027, 12, 20, 10, 0, 0), sh(2028, 1, 17, 23, 59, 59), true},  // 2028 unknown: Monday–Friday
		// hour clocks run through nights and holidays
		{"5个小时内", sh(2024, 10, 1, 22, 0, 0), sh(2024, 10, 2, 3, 0, 0), false},
		{"24小时内", sh(2024, 10, 1, 22, 0, 0), sh(2024, 10, 2, 22, 0, 0), false},
		{"48小时内", sh(2024, 9, 30, 22, 0, 0), sh(2024, 10, 2, 22, 0, 0), false},
		// calendar days (预算法: 20 days of approval)
		{"20日内", sh(2024, 1, 25, 16, 0, 0), sh(2024, 2, 14, 23, 59, 59), false},
	}
	for _, c := range cases {
		due, prov := EventDue(Parse(c.text, 2024), c.event, cal)
		if !due.Equal(c.due) || prov != c.prov {
			t.Errorf("EventDue(%s, %s) = %s %v, want %s %v", c.text, c.event, due, prov, c.due, c.prov)
		}
	}
	// An event given in UTC is the same instant: its Shanghai day counts.
	utc := time.Date(2024, 9, 9, 17, 0, 0, 0, time.UTC) // 2024-09-10 01:00 in Shanghai
	if due, _ := EventDue(Parse("及时公开", 2024), utc, cal); !due.Equal(sh(2024, 10, 14, 23, 59, 59)) {
		t.Errorf("UTC event: %s", due)
	}
	if due, _ := EventDue(Parse("每月", 2024), utc, cal); !due.IsZero() {
		t.Error("a rule without a clock has no event due")
	}
	c, err := EventCycle(Parse("48小时内", 2024), "E1", sh(2024, 5, 6, 10, 0, 0), cal)
	if err != nil || c.Key != "E1" || !c.Due.Equal(sh(2024, 5, 8, 10, 0, 0)) || !c.Start.Equal(sh(2024, 5, 6, 10, 0, 0)) {
		t.Errorf("EventCycle = %+v, %v", c, err)
	}
}

func TestGapDue(t *testing.T) {
	cases := []struct {
		text string
		last time.Time
		due  time.Time
	}{
		{"至少2周内更新一次", sh(2024, 9, 30, 11, 0, 0), sh(2024, 10, 14, 23, 59, 59)},
		{"10天更新", sh(2024, 12, 25, 11, 0, 0), sh(2025, 1, 4, 23, 59, 59)},
		{"6个月未更新", sh(2024, 8, 31, 11, 0, 0), sh(2025, 2, 28, 23, 59, 59)},
		{"半年未更新", sh(2023, 8, 31, 11, 0, 0), sh(2024, 2, 29, 23, 59, 59)},
	}
	for _, c := range cases {
		due, prov := GapDue(Parse(c.text, 2024), c.last, cal)
		if !due.Equal(c.due) || prov {
			t.Errorf("GapDue(%s, %s) = %s %v, want %s", c.text, c.last, due, prov, c.due)
		}
	}
	if _, err := GapCycle(Parse("每月", 2024), "G1", sh(2024, 1, 1, 0, 0, 0), cal); err == nil {
		t.Error("GapCycle of a rule without a gap must fail")
	}
}

func TestRuleValidate(t *testing.T) {
	d := calendar.D(2024, 5, 1)
	e := calendar.D(2024, 4, 1)
	bad := []Rule{
		{Kind: KindDeadline},
		{Kind: KindWindow, From: &d, Due: &e},
		{Kind: KindRecurring, Period: "fortnight"},
		{Kind: KindQuota, Period: Week, Count: 0},
		{Kind: KindTimely},
		{Kind: KindTimely, Clock: &Span{N: 5, Unit: Months}},
		{Kind: KindMaxGap, MaxGap: &Span{N: 0, Unit: CalendarDays}},
		{Kind: "monthly"},
		{Kind: KindUnparsed, Text: "尽快"},
	}
	for _, r := range bad {
		if err := r.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", r)
		}
	}
}

// Cycles of rules due at a point of their period: each keeps its period's key and start, and
// falls due on the day of the period or the time after its end, across the year end if need be.
func TestCyclesDuePoints(t *testing.T) {
	type due struct {
		key string
		at  time.Time
	}
	cases := []struct {
		text string
		year int
		n    int
		want []due // some cycles, by key
		prov []string
	}{
		{"每月10日前", 2024, 12, []due{
			{"2024-01", sh(2024, 1, 10, 23, 59, 59)},
			{"2024-02", sh(2024, 2, 10, 23, 59, 59)}, // in 春节: the day as written; Plan reminds before it
			{"2024-12", sh(2024, 12, 10, 23, 59, 59)},
		}, nil},
		{"每月31日前", 2024, 12, []due{
			{"2024-02", sh(2024, 2, 29, 23, 59, 59)}, // clamped to the month's end
			{"2024-04", sh(2024, 4, 30, 23, 59, 59)},
			{"2024-05", sh(2024, 5, 31, 23, 59, 59)},
		}, nil},
		{"每季度首月15日前", 2024, 4, []due{
			{"2024-Q1", sh(2024, 1, 15, 23, 59, 59)},
			{"2024-Q2", sh(2024, 4, 15, 23, 59, 59)},
			{"2024-Q3", sh(2024, 7, 15, 23, 59, 59)},
			{"2024-Q4", sh(2024, 10, 15, 23, 59, 59)},
		}, nil},
		{"每季度末月20日前", 2024, 4, []due{
			{"2024-Q1", sh(2024, 3, 20, 23, 59, 59)},
			{"2024-Q4", sh(2024, 12, 20, 23, 59, 59)},
		}, nil},
		{"每半年末月20日前", 2024, 2, []due{
			{"2024-H1", sh(2024, 6, 20, 23, 59, 59)},
			{"2024-H2", sh(2024, 12, 20, 23, 59, 59)},
		}, nil},
		{"每季度结束后10个工作日内", 2024, 4, []due{
			// 4/1–4/3, Sunday 4/7 (worked: 国办发明电〔2023〕7号), 4/8–4/12, 4/15; 清明 4/4–4/6
			{"2024-Q1", sh(2024, 4, 15, 23, 59, 59)},
			{"2024-Q2", sh(2024, 7, 12, 23, 59, 59)},
			// 国庆 10/1–10/7; Saturday 10/12 worked: 10/8–10/12, 10/14–10/18
			{"2024-Q3", sh(2024, 10, 18, 23, 59, 59)},
			// into the next year: 元旦 1/1, then 1/2–1/3, 1/6–1/10, 1/13–1/15
			{"2024-Q4", sh(2025, 1, 15, 23, 59, 59)},
		}, nil},
		// 2027 is official: 元旦 1/1–1/3, then 1/4–1/8, 1/11–1/15
		{"每季度结束后10个工作日内", 2026, 4, []due{
			{"2026-Q4", sh(2027, 1, 15, 23, 59, 59)},
		}, nil},
		// 2028 has no schedule: Monday–Friday, so provisional
		{"每季度结束后10个工作日内", 2027, 4, []due{
			{"2027-Q4", sh(2028, 1, 14, 23, 59, 59)},
		}, []string{"2027-Q4"}},
		// 20 working days after 2024: Sunday 1/26 worked, 春节 1/28–2/4
		{"每年度结束后20个工作日内", 2024, 1, []due{{"2024", sh(2025, 2, 5, 23, 59, 59)}}, nil},
		{"每月结束后5日内", 2024, 12, []due{
			{"2024-01", sh(2024, 2, 5, 23, 59, 59)},
			{"2024-12", sh(2025, 1, 5, 23, 59, 59)},
		}, nil},
		{"每周结束后2个工作日内", 2024, 52, []due{
			{"2024-W01", sh(2024, 1, 9, 23, 59, 59)},
			{"2024-W52", sh(2024, 12, 31, 23, 59, 59)},
		}, nil},
		// 每年 with a date: one deadline of the list year (the 年报 of 2023, 条例 第四十九条)
		{"每年1月31日前", 2024, 1, []due{{"2024-01-31", sh(2024, 1, 31, 23, 59, 59)}}, nil},
		{"次年1月31日前", 2024, 1, []due{{"2025-01-31", sh(2025, 1, 31, 23, 59, 59)}}, nil},
	}
	for _, c := range cases {
		r := Parse(c.text, c.year)
		cs, err := Cycles(r, c.year, cal)
		if err != nil {
			t.Errorf("Cycles(%s): %v", c.text, err)
			continue
		}
		plain := r
		plain.DueIn = nil
		ends, _ := Cycles(plain, c.year, cal)
		if len(cs) != c.n || len(ends) != c.n {
			t.Errorf("%s %d: %d cycles, want %d", c.text, c.year, len(cs), c.n)
			continue
		}
		byKey := map[string]Cycle{}
		for i, cy := range cs {
			byKey[cy.Key] = cy
			// the period's key and start stay; only the due point moves
			if cy.Key != ends[i].Key || !cy.Start.Equal(ends[i].Start) || cy.Required != 1 {
				t.Errorf("%s: cycle %d = %+v, want key %s from %s", c.text, i, cy, ends[i].Key, ends[i].Start)
			}
			if !cy.Due.After(cy.Start) {
				t.Errorf("%s: %s due %s before its start %s", c.text, cy.Key, cy.Due, cy.Start)
			}
			if cy.Provisional != slices.Contains(c.prov, cy.Key) {
				t.Errorf("%s: %s provisional %v", c.text, cy.Key, cy.Provisional)
			}
		}
		for _, w := range c.want {
			if got, ok := byKey[w.key]; !ok || !got.Due.Equal(w.at) {
				t.Errorf("%s %d: %s due %s, want %s", c.text, c.year, w.key, got.Due, w.at)
			}
		}
	}

	// The plan of a cycle due in the next year: reminders count back across 元旦 and escalation
	// follows the moved due day.
	cs := mustCycles(t, "每季度结束后10个工作日内", 2024)
	ps, err := Plan(DefaultPolicy(), cs[3], cal)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%s%d %s", p.Kind, p.Offset, p.At.Format("2006-01-02 15:04")))
	}
	want := []string{
		"reminder10 2024-12-31 09:00", "reminder5 2025-01-08 09:00", "reminder2 2025-01-13 09:00",
		"reminder0 2025-01-15 09:00", "due0 2025-01-15 23:59", "escalation1 2025-01-16 09:00",
		"escalation3 2025-01-20 09:00", "escalation5 2025-01-22 09:00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("plan of 2024-Q4:\n got %v\nwant %v", got, want)
	}
}

// DOMAIN.md lists the 2024 make-up days without Sunday 2024-04-07; the official data has it, and
// the first-quarter due day above depends on it. 国办发明电〔2023〕7号: 清明节 4月4日至6日放假调休，
// 共3天。4月7日（星期日）上班.
func TestSunday20240407IsWorked(t *testing.T) {
	if !cal.IsWorkingDay(calendar.D(2024, 4, 7)) {
		t.Error("2024-04-07 (Sunday after 清明) is a make-up working day")
	}
	if cal.IsWorkingDay(calendar.D(2024, 4, 6)) || cal.IsWorkingDay(calendar.D(2024, 4, 4)) {
		t.Error("2024-04-04..06 are the 清明 holiday")
	}
	if d, _ := cal.AddWorkingDays(calendar.D(2024, 4, 3), 1); d != calendar.D(2024, 4, 7) {
		t.Errorf("the working day after 2024-04-03 is %s, want 2024-04-07", d)
	}
}

func TestValidateDuePoints(t *testing.T) {
	good := []Rule{
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Day: 10}},
		{Kind: KindRecurring, Period: Year, DueIn: &PeriodPoint{Month: 3, Day: 31}},
		{Kind: KindQuota, Period: Quarter, Count: 2, DueIn: &PeriodPoint{Month: 3, Day: 20}},
		{Kind: KindRecurring, Period: Week, DueIn: &PeriodPoint{After: &Span{N: 2, Unit: WorkingDays}}},
		{Kind: KindRecurring, Period: HalfYear, DueIn: &PeriodPoint{After: &Span{N: 30, Unit: CalendarDays}}},
	}
	for _, r := range good {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", r, err)
		}
	}
	bad := []Rule{
		{Kind: KindRecurring, Period: Week, DueIn: &PeriodPoint{Day: 3}},
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Month: 2, Day: 10}},
		{Kind: KindRecurring, Period: Quarter, DueIn: &PeriodPoint{Month: 4, Day: 10}},
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Day: 0}},
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Day: 32}},
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Day: 5, After: &Span{N: 5, Unit: WorkingDays}}},
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{After: &Span{N: 5, Unit: Hours}}},
		{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{After: &Span{N: 0, Unit: WorkingDays}}},
		{Kind: KindOngoing, Period: Quarter, DueIn: &PeriodPoint{Day: 10}},
		{Kind: KindTimely, Clock: &Span{N: 5, Unit: WorkingDays}, DueIn: &PeriodPoint{Day: 10}},
	}
	for _, r := range bad {
		if err := r.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", r)
		} else if _, err := Cycles(r, 2024, cal); err == nil {
			t.Errorf("Cycles(%+v) accepted an invalid rule", r)
		}
	}
	// A hand-written annual point: the year's cycle is due on March 31.
	cs, err := Cycles(good[1], 2024, cal)
	if err != nil || len(cs) != 1 || cs[0].Key != "2024" || !cs[0].Due.Equal(sh(2024, 3, 31, 23, 59, 59)) {
		t.Errorf("Cycles(year due 3/31) = %+v, %v", cs, err)
	}
}
