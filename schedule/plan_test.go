package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/zwgk/zwgk/calendar"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if at, err := sendTime(p.SendWindow); err != nil || at != 9*time.Hour {
		t.Errorf("default send time %s %v", at, err)
	}
}

// The default send window skips the cron parser; cron must read it the same way.
func TestDefaultSendWindow(t *testing.T) {
	sched, err := cron.ParseStandard(DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, _ := sendTime(DefaultSendWindow); sched.Next(midnight).Sub(midnight) != got {
		t.Errorf("default send time %s, cron says %s", got, sched.Next(midnight).Sub(midnight))
	}
}

func TestPolicyValidate(t *testing.T) {
	cases := []struct {
		mutate func(*Policy)
		want   string
	}{
		{func(p *Policy) { p.Reminders = []int{5, -1} }, "reminder -1"},
		{func(p *Policy) { p.Reminders = []int{5, 5} }, "listed twice"},
		{func(p *Policy) { p.SendWindow = "0 25 * * *" }, "send window"},
		{func(p *Policy) { p.SendWindow = "0 9 * * 1-5" }, "must be '*'"},
		{func(p *Policy) { p.SendWindow = "CRON_TZ=Asia/Tokyo 0 9 * * *" }, "no time zone"},
		{func(p *Policy) { p.SendWindow = "@every 1h" }, "time of day"},
		{func(p *Policy) { p.Escalation[1].Level = 3 }, "numbered 1, 2, 3"},
		{func(p *Policy) { p.Escalation[0].After = 0 }, "after 0 working days"},
		{func(p *Policy) { p.Escalation[2].After = 3 }, "must come after level 2"},
		{func(p *Policy) { p.Escalation[2].Target = "mayor" }, "target \"mayor\""},
		{func(p *Policy) { p.Repeat = -1 }, "repeat"},
	}
	for _, c := range cases {
		p := DefaultPolicy()
		c.mutate(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want %q", p, err, c.want)
		}
	}
	p := DefaultPolicy()
	p.SendWindow = ""
	if err := p.Validate(); err != nil {
		t.Errorf("empty send window means the default: %v", err)
	}
	for spec, want := range map[string]time.Duration{"30 8 * * *": 8*time.Hour + 30*time.Minute, "0 9,15 * * ?": 9 * time.Hour, "@daily": 0} {
		if got, err := sendTime(spec); err != nil || got != want {
			t.Errorf("sendTime(%q) = %s %v, want %s", spec, got, err, want)
		}
	}
}

func TestPolicyMerge(t *testing.T) {
	unit := []byte(`{"reminders":[5,1,0],"send_window":"30 8 * * *"}`)
	item := []byte(`{"escalation":[{"level":1,"after":2,"target":"head"}],"repeat":0}`)
	p, err := MergePolicy(unit, item)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.Reminders) != "[5 1 0]" || p.SendWindow != "30 8 * * *" || len(p.Escalation) != 1 ||
		p.Escalation[0].Target != TargetHead || p.Repeat != 0 {
		t.Errorf("merged policy %+v", p)
	}
	// absent fields keep the default, null and empty patches change nothing
	p, err = MergePolicy(nil, []byte("null"), []byte(`{"repeat":2}`))
	if err != nil || fmt.Sprint(p.Reminders) != "[10 5 2 0]" || p.Repeat != 2 || len(p.Escalation) != 3 {
		t.Errorf("partial override: %+v %v", p, err)
	}
	// an explicit empty list removes every reminder
	if p, err := MergePolicy([]byte(`{"reminders":[]}`)); err != nil || len(p.Reminders) != 0 {
		t.Errorf("empty reminders: %+v %v", p, err)
	}
	for patch, want := range map[string]string{
		`{"remindres":[1]}`:         `unknown field "remindres"`,
		`{"reminders":"10"}`:        "cannot unmarshal",
		`{"repeat":1} {"repeat":2}`: "trailing data",
		`{"escalation":[{"level":2,"after":1,"target":"head"}]}`: "numbered",
	} {
		if _, err := MergePolicy([]byte(patch)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("MergePolicy(%s) = %v, want %q", patch, err, want)
		}
	}
	// Merge never writes into the base policy's lists.
	base := DefaultPolicy()
	if _, err := base.Merge([]byte(`{"reminders":[1,2,3,4]}`)); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(base.Reminders) != "[10 5 2 0]" {
		t.Errorf("Merge changed its receiver: %v", base.Reminders)
	}
}

// planString renders a plan compactly: kind/offset or level, then the instant in Shanghai.
func planString(ps []Point) string {
	var b strings.Builder
	for _, p := range ps {
		switch p.Kind {
		case PointReminder:
			fmt.Fprintf(&b, "R%d ", p.Offset)
		case PointDue:
			b.WriteString("D ")
		case PointEscalation:
			fmt.Fprintf(&b, "L%d ", p.Level)
		}
		b.WriteString(p.At.Format("01-02 15:04"))
		if p.Provisional {
			b.WriteString("?")
		}
		b.WriteString("; ")
	}
	return strings.TrimSuffix(b.String(), "; ")
}

func TestPlan(t *testing.T) {
	cases := []struct {
		name string
		text string
		year int
		key  string
		want string
	}{
		{
			// 4/28 (Sunday) is worked; 劳动节 5/1–5/5; Saturday 5/11 worked
			name: "deadline before 劳动节", text: "4月底", year: 2024, key: "2024-04-30",
			want: "R10 04-17 09:00; R5 04-24 09:00; R2 04-28 09:00; R0 04-30 09:00; D 04-30 23:59; L1 05-06 09:00; L2 05-08 09:00; L3 05-10 09:00",
		},
		{
			// 9/14 and 9/29 worked, 国庆 10/1–10/7, Saturday 10/12 worked
			name: "month before 国庆", text: "每月更新", year: 2024, key: "2024-09",
			want: "R10 09-14 09:00; R5 09-24 09:00; R2 09-27 09:00; R0 09-30 09:00; D 09-30 23:59; L1 10-08 09:00; L2 10-10 09:00; L3 10-12 09:00",
		},
		{
			// due on Sunday 6/30: reminders count from Friday 6/28; 端午 6/10
			name: "due on a Sunday", text: "每月", year: 2024, key: "2024-06",
			want: "R10 06-14 09:00; R5 06-21 09:00; R2 06-26 09:00; R0 06-28 09:00; D 06-30 23:59; L1 07-01 09:00; L2 07-03 09:00; L3 07-05 09:00",
		},
		{
			// week 9/30–10/6 ends in the holiday: only the on-the-day reminder fits, on 9/30
			name: "week in 国庆", text: "每周", year: 2024, key: "2024-W40",
			want: "R0 09-30 09:00; D 10-06 23:59; L1 10-08 09:00; L2 10-10 09:00; L3 10-12 09:00",
		},
		{
			// 2025-W05 (1/27–2/2) is 春节 from 1/28: the last working day of the week is Monday
			// 1/27, so every reminder but the on-the-day one falls before the week starts
			name: "week in 春节", text: "每周更新不少于2次", year: 2025, key: "2025-W05",
			want: "R0 01-27 09:00; D 02-02 23:59; L1 02-05 09:00; L2 02-07 09:00; L3 02-10 09:00",
		},
		{
			// 中秋 9/25–9/27 and Sunday 9/20 worked before, 国庆 10/1–10/7 and Saturday 10/10 after
			name: "quarter, 2026 国庆", text: "季度更新", year: 2026, key: "2026-Q3",
			want: "R10 09-16 09:00; R5 09-22 09:00; R2 09-28 09:00; R0 09-30 09:00; D 09-30 23:59; L1 10-08 09:00; L2 10-10 09:00; L3 10-13 09:00",
		},
		{
			// 元旦 2026 is 1/1–1/3 and Sunday 1/4 is worked
			name: "window", text: "8月至12月", year: 2025, key: "2025-08-01..2025-12-31",
			want: "R10 12-17 09:00; R5 12-24 09:00; R2 12-29 09:00; R0 12-31 09:00; D 12-31 23:59; L1 01-04 09:00; L2 01-06 09:00; L3 01-08 09:00",
		},
	}
	for _, c := range cases {
		cs := mustCycles(t, c.text, c.year)
		var cy *Cycle
		for i := range cs {
			if cs[i].Key == c.key {
				cy = &cs[i]
			}
		}
		if cy == nil {
			t.Fatalf("%s: no cycle %s", c.name, c.key)
		}
		ps, err := Plan(DefaultPolicy(), *cy, cal)
		if err != nil {
			t.Fatal(err)
		}
		if got := planString(ps); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		for i := 1; i < len(ps); i++ {
			if ps[i].At.Before(ps[i-1].At) {
				t.Errorf("%s: points out of order", c.name)
			}
		}
		for _, p := range ps {
			if p.Kind != PointDue && !cal.IsWorkingDay(calendar.DateOf(p.At)) {
				t.Errorf("%s: %s at %s, not a working day", c.name, p.Kind, p.At)
			}
		}
	}
}

func TestPlanHourClockAndCustomPolicy(t *testing.T) {
	c, err := EventCycle(Parse("5个小时内", 2024), "E1", sh(2024, 5, 6, 10, 0, 0), cal)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Plan(DefaultPolicy(), c, cal)
	if err != nil {
		t.Fatal(err)
	}
	// the 09:00 reminder of the event's day is before the event: dropped
	if got, want := planString(ps), "D 05-06 15:00; L1 05-07 09:00; L2 05-09 09:00; L3 05-11 09:00"; got != want {
		t.Errorf("hour clock plan\n got %s\nwant %s", got, want)
	}
	p, err := MergePolicy([]byte(`{"reminders":[3,0],"send_window":"30 8 * * *","escalation":[{"level":1,"after":2,"target":"supervisor"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, _ = EventCycle(Parse("及时公开", 2024), "E2", sh(2024, 9, 10, 15, 0, 0), cal)
	ps, err = Plan(p, c, cal)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := planString(ps), "R3 10-10 08:30; R0 10-14 08:30; D 10-14 23:59; L1 10-16 08:30"; got != want {
		t.Errorf("custom policy plan\n got %s\nwant %s", got, want)
	}
	bad := DefaultPolicy()
	bad.Repeat = -3
	if _, err := Plan(bad, c, cal); err == nil {
		t.Error("Plan must validate the policy")
	}
}

func TestNextRepeat(t *testing.T) {
	// after level 3 on Friday 2024-05-10: five working days, Saturday 5/11 worked
	next, ok := NextRepeat(DefaultPolicy(), sh(2024, 5, 10, 9, 0, 0), cal)
	if !next.Equal(sh(2024, 5, 16, 9, 0, 0)) || !ok {
		t.Errorf("NextRepeat = %s %v", next, ok)
	}
	// into 2027 (official since lunar-go v1.4.7): 元旦 1/1–1/3 are off
	next, ok = NextRepeat(DefaultPolicy(), sh(2026, 12, 28, 9, 0, 0), cal)
	if !next.Equal(sh(2027, 1, 5, 9, 0, 0)) || !ok {
		t.Errorf("NextRepeat into 2027 = %s %v", next, ok)
	}
	p := DefaultPolicy()
	p.Repeat = 0
	if next, ok := NextRepeat(p, sh(2024, 5, 10, 9, 0, 0), cal); ok || !next.IsZero() {
		t.Error("Repeat 0 sends no repeats")
	}
	p = DefaultPolicy()
	p.SendWindow = "30 8 * * *"
	if next, ok := NextRepeat(p, sh(2024, 9, 27, 8, 30, 0), cal); !ok || !next.Equal(sh(2024, 10, 10, 8, 30, 0)) { // 9/29 worked, 国庆 10/1–10/7
		t.Errorf("NextRepeat over 国庆 = %s %v", next, ok)
	}
}
