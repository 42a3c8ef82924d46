// Package points answers the question a leader asks before a check: how many points of a
// scored list (考核细则, its 分值) the unit stands to lose, where, and which items to do first.
// It is pure: the caller passes the items with their current state and the calendar.
package points

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/zwgk/zwgk/calendar"
)

// Office is one office responsible for an item.
type Office struct {
	ID   int64
	Name string
}

// Item is a scored item as its workflow last reported it.
type Item struct {
	ID        int64
	Title     string
	Score     float64 // 分值
	Deduction string  // the list's deduction rule (每发现一处扣0.5分), as written
	Status    string  // item_state status: upcoming, overdue, done, waiting, paused…
	DueAt     time.Time
	Offices   []Office
	// Missed is how many of its cycles are overdue (a recurring item's missed updates): the
	// occurrences a per-occurrence rule counts.
	Missed int
}

// States of an item at the check.
const (
	Overdue = "overdue" // its points are lost if the check were today
	Soon    = "soon"    // due within the horizon: at risk
	Safe    = "safe"    // later, or no due date
	Done    = "done"
)

// Line is an item with its state and working days, and what its deduction rule puts at stake.
type Line struct {
	Item
	State           string
	WorkdaysOverdue int
	WorkdaysLeft    int
	Rule            Rule
	// Occurrences is what the rule counts: the missed cycles (at least one) of an overdue
	// item, and one more of an item due soon.
	Occurrences int
	// Stake is the points the rule deducts for them: lost if the check were today (overdue), or
	// at risk (due soon).
	Stake float64
}

// OfficeRisk is one office's points at risk: a shared item counts fully for each of its
// offices, since each of them can lose it.
type OfficeRisk struct {
	Office
	Overdue float64 // points its overdue items lose by their rules
	Soon    float64 // points its items due within the horizon would lose
	AtRisk  float64 // Overdue + Soon
	Items   int     // items at risk
}

// Report is a unit's points at stake.
type Report struct {
	Within    int     // the horizon in working days
	Total     float64 // the points of every scored item
	Lost      float64 // what the overdue items' rules deduct: lost if the check were today
	AtRisk    float64 // Lost plus what the items due within the horizon would lose
	Projected float64 // Total − Lost
	Done      float64
	Offices   []OfficeRisk // most at risk first
	// First are the items at risk in the order that saves the most points: the highest
	// stake, then the longest overdue, then the soonest due.
	First []Line
}

// Classify says where one item stands at now: done; overdue (its status says so or its due
// point has passed); due within `within` working days; or safe.
func Classify(it Item, now time.Time, within int, cal *calendar.Calendar) Line {
	l := Line{Item: it, State: Safe}
	switch {
	case it.Status == Done:
		l.State = Done
		return l
	case it.DueAt.IsZero():
		if it.Status == Overdue {
			l.State = Overdue
		}
		return l
	}
	today, due := calendar.DateOf(now), calendar.DateOf(it.DueAt)
	if it.Status == Overdue || now.After(it.DueAt) {
		l.State = Overdue
		l.WorkdaysOverdue, _ = cal.WorkingDaysBetween(due, today)
		return l
	}
	l.WorkdaysLeft, _ = cal.WorkingDaysBetween(today, due)
	if l.WorkdaysLeft <= within {
		l.State = Soon
	}
	return l
}

// Compute builds the report of a unit's scored items at now.
func Compute(items []Item, now time.Time, within int, cal *calendar.Calendar) Report {
	r := Report{Within: within}
	byOffice := map[int64]*OfficeRisk{}
	for _, it := range items {
		l := Classify(it, now, within, cal)
		r.Total += it.Score
		switch l.State {
		case Done:
			r.Done += it.Score
			continue
		case Safe:
			continue
		case Overdue:
			l.Occurrences = max(1, it.Missed)
		case Soon:
			l.Occurrences = it.Missed + 1
		}
		l.Rule = ParseRule(it.Deduction)
		l.Stake = l.Rule.Deduct(it.Score, l.Occurrences)
		if l.State == Overdue {
			r.Lost += l.Stake
		}
		r.AtRisk += l.Stake
		r.First = append(r.First, l)
		for _, o := range it.Offices {
			or := byOffice[o.ID]
			if or == nil {
				or = &OfficeRisk{Office: o}
				byOffice[o.ID] = or
			}
			if l.State == Overdue {
				or.Overdue += l.Stake
			} else {
				or.Soon += l.Stake
			}
			or.AtRisk += l.Stake
			or.Items++
		}
	}
	for _, or := range byOffice {
		or.Overdue, or.Soon, or.AtRisk = round(or.Overdue), round(or.Soon), round(or.AtRisk)
		r.Offices = append(r.Offices, *or)
	}
	slices.SortFunc(r.Offices, func(a, b OfficeRisk) int {
		if c := cmp.Compare(b.AtRisk, a.AtRisk); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Overdue, a.Overdue); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	slices.SortFunc(r.First, func(a, b Line) int {
		if c := cmp.Compare(b.Stake, a.Stake); c != 0 {
			return c
		}
		if c := cmp.Compare(b.WorkdaysOverdue, a.WorkdaysOverdue); c != 0 {
			return c
		}
		if a.State != b.State { // overdue before due soon at equal points and days
			if a.State == Overdue {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.WorkdaysLeft, b.WorkdaysLeft); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	r.Total, r.Lost, r.AtRisk, r.Done = round(r.Total), round(r.Lost), round(r.AtRisk), round(r.Done)
	r.Projected = round(r.Total - r.Lost)
	return r
}

// round keeps two decimals: 分值 are written with at most one or two (0.5分), and float sums
// would otherwise show 0.30000000000000004.
func round(x float64) float64 { return math.Round(x*100) / 100 }
