package store_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestCalendarYears(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	a := store.Audit{Actor: "cli"}

	if ys, err := st.CalendarYears(ctx); err != nil || len(ys) != 0 {
		t.Fatalf("empty database: %v %v", ys, err)
	}
	if _, err := st.CalendarYear(ctx, 2027); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CalendarYear of a year never loaded: %v, want ErrNotFound", err)
	}

	data, err := os.ReadFile("../calendar/testdata/2027.csv")
	if err != nil {
		t.Fatal(err)
	}
	y, err := calendar.ParseYearFile("2027.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	y.Source = "admin: 2027.csv"
	if err := st.SaveCalendarYear(ctx, y, a); err != nil {
		t.Fatal(err)
	}
	got, err := st.CalendarYear(ctx, 2027)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Year, y) || got.LoadedBy != "cli" || got.LoadedAt.IsZero() {
		t.Errorf("stored year differs:\n got %+v\nwant %+v", got, y)
	}

	// Loading again replaces the year as a whole.
	y2 := calendar.Year{Year: 2027, Holidays: []calendar.Date{calendar.D(2027, 1, 1)}, Source: "admin: fix.csv"}
	if err := st.SaveCalendarYear(ctx, y2, a); err != nil {
		t.Fatal(err)
	}
	adm := calendar.Year{Year: 2024, Holidays: []calendar.Date{calendar.D(2024, 3, 1)}, Workdays: []calendar.Date{calendar.D(2024, 3, 2)},
		Names: map[calendar.Date]string{calendar.D(2024, 3, 1): "测试"}, Source: "admin: 2024.csv"}
	if err := st.SaveCalendarYear(ctx, adm, a); err != nil {
		t.Fatal(err)
	}
	ys, err := st.CalendarYears(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ys) != 2 || ys[0].Year != 2024 || ys[1].Year != 2027 || len(ys[1].Holidays) != 1 || len(ys[1].Workdays) != 0 {
		t.Fatalf("CalendarYears = %+v", ys)
	}
	if !reflect.DeepEqual(ys[0], adm) {
		t.Errorf("2024 = %+v, want %+v", ys[0], adm)
	}
	// What the workflows do: official data, then admin years over it.
	cal := calendar.New(append(calendar.Official(), ys...)...)
	if cal.IsWorkingDay(calendar.D(2024, 3, 1)) || !cal.IsWorkingDay(calendar.D(2024, 3, 2)) || !cal.Known(2027) {
		t.Error("admin years do not override the official data")
	}

	// Bad years never reach the table.
	bad := calendar.Year{Year: 2028, Holidays: []calendar.Date{calendar.D(2029, 1, 1)}, Source: "x"}
	if err := st.SaveCalendarYear(ctx, bad, a); err == nil {
		t.Error("a date outside its year was stored")
	}
	if err := st.SaveCalendarYear(ctx, calendar.Year{Year: 2028}, a); err == nil {
		t.Error("a year without source was stored")
	}

	if err := st.DeleteCalendarYear(ctx, 2027, a); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteCalendarYear(ctx, 2027, a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if ys, _ := st.CalendarYears(ctx); len(ys) != 1 {
		t.Errorf("after delete: %+v", ys)
	}
	var n int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_type = 'calendar_year'`).Scan(&n); err != nil || n != 4 {
		t.Errorf("audit entries: %d %v, want 4", n, err)
	}
}
