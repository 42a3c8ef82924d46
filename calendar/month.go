package calendar

import "time"

// FirstWorkingDay is the first working day of a month: the day a monthly 通报 on the previous
// month goes out. A 调休 Sunday counts (2026-01-04), a 国庆 week does not (2026-10-08).
// provisional reports that the month's year has no schedule, so Monday–Friday was assumed.
func (c *Calendar) FirstWorkingDay(year int, month time.Month) (d Date, provisional bool) {
	return c.OnOrAfter(D(year, month, 1))
}

// IsFirstWorkingDay reports whether d is the first working day of its month.
func (c *Calendar) IsFirstWorkingDay(d Date) bool {
	first, _ := c.FirstWorkingDay(d.Year, d.Month)
	return first == d
}
