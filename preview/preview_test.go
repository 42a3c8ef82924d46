package preview_test

import (
	"testing"
	"time"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/preview"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

func def(rule string, year int) activities.ItemDefinition {
	return activities.ItemDefinition{
		ItemID: 3, Year: year, Title: "财政预决算", Status: "active", Rule: schedule.Parse(rule, year),
		Policy: schedule.DefaultPolicy(), Calendar: activities.CalendarFor(year, nil),
		Offices: []store.ItemOffice{{ID: 1, Name: "财务室", Role: "lead"}},
	}
}

// The timeline of a June deadline that nobody completes: four reminders counted back from
// Friday June 28 (June 30 2024 is a Sunday), the due point, the three levels and the repeats
// until --to, each line naming the item, office, cycle, kind, level and an RFC 3339 +08:00 time.
func TestDeadlineTimeline(t *testing.T) {
	from, to := calendar.D(2024, 1, 1).Start(), calendar.D(2024, 7, 20).Start()
	got, err := preview.Item(def("6月底", 2024), from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind  string
		level int
		at    string
	}{
		{"reminder", 0, "2024-06-14T09:00:00+08:00"},
		{"reminder", 0, "2024-06-21T09:00:00+08:00"},
		{"reminder", 0, "2024-06-26T09:00:00+08:00"},
		{"reminder", 0, "2024-06-28T09:00:00+08:00"},
		{"due", 0, "2024-06-30T23:59:59+08:00"},
		{"escalation", 1, "2024-07-01T09:00:00+08:00"},
		{"escalation", 2, "2024-07-03T09:00:00+08:00"},
		{"escalation", 3, "2024-07-05T09:00:00+08:00"},
		{"escalation", 3, "2024-07-12T09:00:00+08:00"}, // still overdue, to the supervisor
		{"escalation", 3, "2024-07-12T09:00:00+08:00"}, // and to the contact
		{"escalation", 3, "2024-07-19T09:00:00+08:00"},
		{"escalation", 3, "2024-07-19T09:00:00+08:00"},
	}
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("%+v", e)
		}
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.Level != w.level || g.At != w.at || g.Item != 3 || g.Office != "财务室" || g.Cycle != "2024-06-30" {
			t.Errorf("entry %d: %+v, want %s L%d at %s", i, g, w.kind, w.level, w.at)
		}
	}
}

// Recurring cycles that ended before the preview starts produce nothing.
func TestMonthlyFromMidYear(t *testing.T) {
	from, to := calendar.D(2024, 11, 1).Start(), calendar.D(2025, 1, 1).Start()
	got, err := preview.Item(def("每月更新", 2024), from, to)
	if err != nil {
		t.Fatal(err)
	}
	cycles := map[string]int{}
	for _, e := range got {
		cycles[e.Cycle]++
		at, _ := time.Parse(time.RFC3339, e.At)
		if at.Before(from) || !at.Before(to) {
			t.Errorf("entry outside the range: %+v", e)
		}
	}
	if cycles["2024-10"] != 0 || cycles["2024-11"] == 0 || cycles["2024-12"] == 0 {
		t.Errorf("entries per cycle: %v", cycles)
	}
}
