package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestTongbaoPeriod(t *testing.T) {
	for _, c := range []struct {
		key      string
		from, to time.Time
		label    string
	}{
		{"2026-11", calendar.D(2026, 11, 1).Start(), calendar.D(2026, 12, 1).Start(), "2026年11月"},
		{"2026Q4", calendar.D(2026, 10, 1).Start(), calendar.D(2027, 1, 1).Start(), "2026年第四季度"},
		{"2025Q1", calendar.D(2025, 1, 1).Start(), calendar.D(2025, 4, 1).Start(), "2025年第一季度"},
	} {
		from, to, err := store.TongbaoPeriod(c.key)
		if err != nil || !from.Equal(c.from) || !to.Equal(c.to) || store.TongbaoLabel(c.key) != c.label {
			t.Errorf("%s: [%s, %s) %q %v; want [%s, %s) %q", c.key, from, to, store.TongbaoLabel(c.key), err, c.from, c.to, c.label)
		}
	}
	for _, bad := range []string{"2026Q0", "2026Q5", "26Q1", "Q3", "2026-13", "2026"} {
		if _, _, err := store.TongbaoPeriod(bad); err == nil {
			t.Errorf("%s is taken as a period", bad)
		}
	}
	for m, want := range map[time.Month]string{1: "2026Q1", 3: "2026Q1", 4: "2026Q2", 9: "2026Q3", 12: "2026Q4"} {
		if got := store.QuarterKey(2026, m); got != want {
			t.Errorf("month %d: %s, want %s", m, got, want)
		}
	}
}

// A quarter's 通报 and its last month's are two notices per person, planned once each; the
// dispatcher sees the quarter's titled by the quarter.
func TestPlanTongbaoQuarter(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	u, _, err := st.EnsureUnit(ctx, "季度局")
	if err != nil {
		t.Fatal(err)
	}
	pid, _, err := st.UpsertPerson(ctx, store.Person{Name: "领导", Email: "l@example.gov.cn", Channels: []string{"email"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 8, 9, 0, 0, 0, calendar.Shanghai)
	for i, c := range []struct {
		period string
		want   int
	}{{"2026-09", 1}, {"2026Q3", 1}, {"2026Q3", 0}} {
		n, _, err := st.PlanTongbao(ctx, store.TongbaoPlan{UnitID: u.ID, Month: c.period, At: at, Note: "到期1项", PersonIDs: []int64{pid}})
		if err != nil || n != c.want {
			t.Errorf("plan %d (%s): %d, %v; want %d", i, c.period, n, err, c.want)
		}
	}
	if _, err := st.ClaimNotices(ctx, "k1", at); err != nil {
		t.Fatal(err)
	}
	ns, err := st.ClaimedTongbaoNotices(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, n := range ns {
		titles[n.Title] = true
	}
	if len(ns) != 2 || !titles["季度局2026年9月政务公开工作通报"] || !titles["季度局2026年第三季度政务公开工作通报"] {
		t.Errorf("claimed 通报 notices %v", titles)
	}
}
