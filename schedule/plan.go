package schedule

import (
	"sort"
	"time"

	"github.com/zwgk/zwgk/calendar"
)

// Point kinds.
const (
	PointReminder   = "reminder"
	PointDue        = "due"
	PointEscalation = "escalation"
)

// Point is one instant of a cycle's plan.
type Point struct {
	Kind  string `json:"kind"`            // PointReminder, PointDue or PointEscalation
	Level int    `json:"level,omitempty"` // escalation level
	// Offset is the policy's number behind the point: working days before due for a
	// reminder, working days after due for an escalation, 0 for the due point.
	Offset int       `json:"offset"`
	At     time.Time `json:"at"`
	// Provisional says that the working-day arithmetic behind At reached a year with no schedule.
	Provisional bool `json:"provisional,omitempty"`
}

// Plan lists, in time order, the instants of one cycle:
//   - a reminder for each offset o of p.Reminders, at the first send window on the working day o
//     working days before the due day. When the due day is not a working day (a month ending on
//     a Sunday, a deadline in the 国庆 holiday) the offsets count from the last working day
//     before it, and offset 0 is that day: nobody reads a reminder sent on a holiday. Reminders
//     that would fall before the cycle's Start, or after its Due, are dropped, so a weekly cycle
//     gets no reminder 10 working days ahead;
//   - the due point at c.Due;
//   - each escalation level at the first send window on the working day After working days
//     after the due day.
//
// A policy of several send times a day plans at the first: a reminder read in the morning
// leaves the day to act on it. The later windows are for what becomes due during the day
// (NextWindow).
//
// Points at the same instant are ordered reminder, due, escalation. The policy is validated first.
// Repeats of "still overdue" after the last level come from NextRepeat.
func Plan(p Policy, c Cycle, cal *calendar.Calendar) ([]Point, error) {
	windows, err := p.check()
	if err != nil {
		return nil, err
	}
	at := windows[0]
	dueDay := calendar.DateOf(c.Due)
	points := make([]Point, 0, len(p.Reminders)+1+len(p.Escalation))
	base, baseProv := cal.OnOrBefore(dueDay)
	for _, o := range p.Reminders {
		day, prov := cal.AddWorkingDays(base, -o)
		t := day.Start().Add(at)
		if t.Before(c.Start) || t.After(c.Due) {
			continue
		}
		points = append(points, Point{Kind: PointReminder, Offset: o, At: t, Provisional: c.Provisional || baseProv || prov})
	}
	points = append(points, Point{Kind: PointDue, At: c.Due.In(calendar.Shanghai), Provisional: c.Provisional})
	for _, l := range p.Escalation {
		day, prov := cal.AddWorkingDays(dueDay, l.After)
		points = append(points, Point{Kind: PointEscalation, Level: l.Level, Offset: l.After,
			At: day.Start().Add(at), Provisional: c.Provisional || prov})
	}
	rank := func(kind string) int {
		switch kind {
		case PointReminder:
			return 0
		case PointDue:
			return 1
		}
		return 2
	}
	sort.SliceStable(points, func(i, j int) bool {
		if !points[i].At.Equal(points[j].At) {
			return points[i].At.Before(points[j].At)
		}
		if ri, rj := rank(points[i].Kind), rank(points[j].Kind); ri != rj {
			return ri < rj
		}
		return points[i].Level < points[j].Level
	})
	return points, nil
}

// NextRepeat is when the next "still overdue" notice goes out after the notice sent at after
// (the last escalation level, or the previous repeat): at the first send window on the working
// day p.Repeat working days later. ok is false when the policy sends no repeats (Repeat 0) or is
// invalid. Whether the count reached a year with no schedule is not reported: the cycle's
// Provisional already says so for the whole plan.
func NextRepeat(p Policy, after time.Time, cal *calendar.Calendar) (next time.Time, ok bool) {
	windows, err := p.check()
	if p.Repeat <= 0 || err != nil {
		return time.Time{}, false
	}
	day, _ := cal.AddWorkingDays(calendar.DateOf(after), p.Repeat)
	return day.Start().Add(windows[0]), true
}

// NextWindow is the first send-window instant at or after t: one of the policy's times of day
// on a working day. A notice that falls due outside a window (a list imported at night, a
// policy saved at 01:34, an extension at 10:12 with windows at 09:00 and 14:30) waits for the
// next one, so that a recipient's notices go out together, once. ok is false for an invalid
// policy.
func NextWindow(p Policy, t time.Time, cal *calendar.Calendar) (next time.Time, ok bool) {
	windows, err := p.check()
	if err != nil {
		return time.Time{}, false
	}
	d := calendar.DateOf(t)
	for range 400 {
		if cal.IsWorkingDay(d) {
			start := d.Start()
			for _, at := range windows {
				if w := start.Add(at); !w.Before(t) {
					return w, true
				}
			}
		}
		d = d.AddDays(1)
	}
	return time.Time{}, false
}

// IsWindow says whether t is a send-window instant of the policy: one of its times of day, to
// the second, on a working day.
func IsWindow(p Policy, t time.Time, cal *calendar.Calendar) bool {
	next, ok := NextWindow(p, t, cal)
	return ok && next.Equal(t)
}
