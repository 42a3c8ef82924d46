package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Date is a civil date in China, with no time or zone; JSON and text form YYYY-MM-DD.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Shanghai is the zone of every deadline (Asia/Shanghai, UTC+8 without DST). The binary embeds
// the zone database (time/tzdata) so that a container without /usr/share/zoneinfo agrees.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("calendar: zone %s: %v", name, err))
	}
	return loc
}

// D builds a Date, normalising overflow as time.Date does (D(2024, 2, 30) is 2024-03-01).
func D(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// DateOf is the Shanghai date of an instant.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			// The shape was right but the day is not: "2027-02-30": day out of range.
			return Date{}, fmt.Errorf("date %q%s", s, pe.Message)
		}
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, Shanghai)), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Start is 00:00:00 of the day in Shanghai.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Shanghai) }

// End is 23:59:59 of the day in Shanghai: the instant a deadline falls due.
func (d Date) End() time.Time { return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, Shanghai) }

// At is the given wall-clock time of the day in Shanghai.
func (d Date) At(hour, minute int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, Shanghai)
}

// AddDays adds calendar days.
func (d Date) AddDays(n int) Date { return D(d.Year, d.Month, d.Day+n) }

// Weekday of the date.
func (d Date) Weekday() time.Weekday { return d.Start().Weekday() }

// Before reports d < o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports d > o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(int(d.Month) - int(o.Month))
	default:
		return sign(d.Day - o.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
