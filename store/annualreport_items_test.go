package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// The annual figures count the cycles due in the Chinese calendar year by category: a cycle due
// late on December 31 (Beijing time, still the 31st in UTC's afternoon) is in, one just after
// midnight of January 1 is not; other units and cancelled items are not counted; an item without
// a path is filed under its section.
func TestAnnualItemFigures(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	q := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := st.Pool.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("%q: %v", sql, err)
		}
		return id
	}
	unit := q(`INSERT INTO units (name) VALUES ('测试局') RETURNING id`)
	other := q(`INSERT INTO units (name) VALUES ('别的局') RETURNING id`)
	list := q(`INSERT INTO lists (unit_id, year) VALUES ($1, 2025) RETURNING id`, unit)
	otherList := q(`INSERT INTO lists (unit_id, year) VALUES ($1, 2025) RETURNING id`, other)
	seq := 0
	item := func(list int64, section string, path []string, status string) int64 {
		seq++
		return q(`INSERT INTO items (list_id, key, seq, section, path, title, rule, workflow_id, status)
			VALUES ($1, $2, $3, $4, $5, '事项', '{"kind":"deadline"}', $6, $7) RETURNING id`,
			list, fmt.Sprintf("%016x", seq), seq, section, path, fmt.Sprintf("afig-%d", seq), status)
	}
	cycle := func(item int64, key string, due time.Time, done bool, late bool) {
		t.Helper()
		var doneAt *time.Time
		if done {
			doneAt = &due
		}
		if _, err := st.Pool.Exec(ctx, `INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status, done_at, late)
			VALUES ($1, $2, 1, $3, $3, $3, CASE WHEN $4::timestamptz IS NULL THEN 'open' ELSE 'done' END, $4, $5)`,
			item, key, due, doneAt, late); err != nil {
			t.Fatal(err)
		}
	}
	monthly := item(list, "", []string{"财政信息", "预算"}, "active")
	cycle(monthly, "2025-03", calendar.D(2025, 3, 31).End(), true, false)
	cycle(monthly, "2025-06", calendar.D(2025, 6, 30).End(), true, true)
	cycle(monthly, "2025-12", calendar.D(2025, 12, 31).At(23, 0), false, false)
	cycle(monthly, "2026-01", calendar.D(2026, 1, 1).At(0, 30), true, false)
	cycle(monthly, "2024-12", calendar.D(2024, 12, 31).End(), true, false)
	second := item(list, "", []string{"财政信息"}, "active")
	cycle(second, "2025", calendar.D(2025, 9, 30).End(), true, false)
	bySection := item(list, "二、重点领域", []string{}, "active")
	cycle(bySection, "2025", calendar.D(2025, 5, 6).End(), false, false)
	cancelled := item(list, "", []string{"财政信息"}, "cancelled")
	cycle(cancelled, "2025", calendar.D(2025, 5, 6).End(), true, false)
	foreign := item(otherList, "", []string{"财政信息"}, "active")
	cycle(foreign, "2025", calendar.D(2025, 5, 6).End(), true, false)

	got, err := st.AnnualItemFigures(ctx, unit, 2025)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.CategoryFigures{
		{Category: "财政信息", Items: 2, Due: 4, Done: 3, OnTime: 2},
		{Category: "二、重点领域", Items: 1, Due: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("2025: %+v, want %+v", got, want)
	}
	got, err = st.AnnualItemFigures(ctx, unit, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Due != 1 || got[0].Done != 1 {
		t.Errorf("2026: %+v, want the cycle due just after midnight of January 1", got)
	}
	if got, err := st.AnnualItemFigures(ctx, unit, 2030); err != nil || len(got) != 0 {
		t.Errorf("a year without cycles: %+v, %v", got, err)
	}
}
