package calendar_test

import (
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
)

// 2027 as an admin would load it once the State Council publishes it; the dates below are a
// plausible schedule for the test (元旦 on a Friday with the weekend, 春节 over a month end,
// 国庆 with a make-up Saturday), not the official one.
const year2027 = `日期,类型,名称
2027-01-01,休,元旦
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-12,休,春节
2027-02-20,班,春节
2027-04-30,休,劳动节
2027-05-03,休,劳动节
2027-05-04,休,劳动节
2027-05-05,休,劳动节
2027-05-08,班,劳动节
2027-10-01,休,国庆节
2027-10-04,休,国庆节
2027-10-05,休,国庆节
2027-10-06,休,国庆节
2027-10-07,休,国庆节
2027-10-09,班,国庆节
`

func TestFirstWorkingDay(t *testing.T) {
	y, err := calendar.ParseYearFile("2027.csv", []byte(year2027))
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.New(append(calendar.Official(), y)...)
	cases := []struct {
		year  int
		month time.Month
		want  calendar.Date
		why   string
	}{
		{2026, 1, calendar.D(2026, 1, 4), "元旦 1–3, Sunday the 4th is a 调休 working day"},
		{2026, 2, calendar.D(2026, 2, 2), "春节 falls mid-month; the 1st is a Sunday"},
		{2026, 3, calendar.D(2026, 3, 2), "the 1st is a Sunday"},
		{2026, 4, calendar.D(2026, 4, 1), "a plain Wednesday"},
		{2026, 5, calendar.D(2026, 5, 6), "劳动节 1–5"},
		{2026, 10, calendar.D(2026, 10, 8), "国庆节 1–7"},
		{2026, 12, calendar.D(2026, 12, 1), "a plain Tuesday"},
		{2027, 1, calendar.D(2027, 1, 4), "元旦 on Friday, then the weekend"},
		{2027, 2, calendar.D(2027, 2, 1), "春节 starts on the 6th"},
		{2027, 5, calendar.D(2027, 5, 6), "劳动节 over the 1st"},
		{2027, 10, calendar.D(2027, 10, 8), "国庆节 1–7"},
		{2027, 11, calendar.D(2027, 11, 1), "a plain Monday"},
	}
	for _, c := range cases {
		got, provisional := cal.FirstWorkingDay(c.year, c.month)
		if got != c.want || provisional {
			t.Errorf("%d-%02d: %s (provisional %v), want %s: %s", c.year, c.month, got, provisional, c.want, c.why)
		}
	}
	// every month of both years: the day is worked, none before it in the month is, and only
	// that day answers IsFirstWorkingDay
	for year := 2026; year <= 2027; year++ {
		for m := time.January; m <= time.December; m++ {
			first, _ := cal.FirstWorkingDay(year, m)
			if first.Month != m || !cal.IsWorkingDay(first) {
				t.Errorf("%d-%02d: %s is not a working day of the month", year, m, first)
			}
			for d := calendar.D(year, m, 1); d.Month == m; d = d.AddDays(1) {
				if d.Before(first) && cal.IsWorkingDay(d) {
					t.Errorf("%d-%02d: %s is worked before %s", year, m, d, first)
				}
				if cal.IsFirstWorkingDay(d) != (d == first) {
					t.Errorf("IsFirstWorkingDay(%s) = %v, first is %s", d, cal.IsFirstWorkingDay(d), first)
				}
			}
		}
	}
}

// A year nobody loaded counts Monday–Friday and says so.
func TestFirstWorkingDayUnknownYear(t *testing.T) {
	cal := calendar.New(calendar.Official()...)
	got, provisional := cal.FirstWorkingDay(2031, time.February)
	if got != calendar.D(2031, 2, 3) || !provisional {
		t.Errorf("2031-02: %s (provisional %v), want Monday 2031-02-03, provisional", got, provisional)
	}
}
