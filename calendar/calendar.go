// Package calendar is the Chinese working-day calendar (工作日): Monday to Friday, minus statutory
// holidays, plus make-up working days (调休上班). It is pure: the holiday data is passed to New, so
// Temporal workflow code can rebuild a Calendar from []Year received through an activity and get
// the same answers on replay.
//
// A computation that reaches a year for which no schedule is loaded (neither official data nor an
// admin year) assumes Monday to Friday and reports its result as provisional, so that the UI and
// the CLI can say so.
package calendar

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Year is one year's schedule: the statutory days off and the make-up working days. Days not
// listed follow the week: Monday to Friday are worked. Holidays may include weekend days (the
// official data lists every day of a 假期, weekends included); that changes nothing but keeps the
// names. Year is plain data (JSON) so that a Calendar can be rebuilt from it anywhere.
type Year struct {
	Year     int    `json:"year"`
	Holidays []Date `json:"holidays"`
	Workdays []Date `json:"workdays"` // make-up working days (调休上班), normally Saturdays or Sundays
	// Names is the festival of a listed day (春节, 国庆节), for display; optional.
	Names map[Date]string `json:"names,omitempty"`
	// Source says where the year came from: the official data or an admin file.
	Source string `json:"source"`
}

// Validate reports the first problem that would make the year mean something other than what its
// author wrote: a date outside the year, an impossible date, a day listed twice or both off and
// worked, a name for an unlisted day. (A make-up day on Monday–Friday is harmless, and the
// official data has one, 2012-05-02; ParseYearFile rejects it in admin files as a likely typo.)
func (y Year) Validate() error {
	if y.Year < 1900 || y.Year > 2200 {
		return fmt.Errorf("calendar: year %d out of range 1900–2200", y.Year)
	}
	seen := make(map[Date]string, len(y.Holidays)+len(y.Workdays))
	check := func(d Date, kind string) error {
		if d.Year != y.Year {
			return fmt.Errorf("calendar %d: %s %s is not in %d", y.Year, kind, d, y.Year)
		}
		if D(d.Year, d.Month, d.Day) != d {
			return fmt.Errorf("calendar %d: %s %04d-%02d-%02d is not a date", y.Year, kind, d.Year, d.Month, d.Day)
		}
		if prev, dup := seen[d]; dup {
			return fmt.Errorf("calendar %d: %s listed twice (as %s and as %s)", y.Year, d, prev, kind)
		}
		seen[d] = kind
		return nil
	}
	for _, d := range y.Holidays {
		if err := check(d, "holiday"); err != nil {
			return err
		}
	}
	for _, d := range y.Workdays {
		if err := check(d, "workday"); err != nil {
			return err
		}
	}
	for d := range y.Names {
		if _, ok := seen[d]; !ok {
			return fmt.Errorf("calendar %d: name for %s, which is neither a holiday nor a workday", y.Year, d)
		}
	}
	return nil
}

// clone is a deep copy, so that a Calendar never shares slices or maps with its callers.
func (y Year) clone() Year {
	c := y
	c.Holidays = slices.Clone(y.Holidays)
	c.Workdays = slices.Clone(y.Workdays)
	if y.Names != nil {
		c.Names = make(map[Date]string, len(y.Names))
		for d, n := range y.Names {
			c.Names[d] = n
		}
	}
	return c
}

// Calendar answers working-day questions. It is immutable and safe for concurrent use. A nil
// *Calendar is a calendar without data: Monday to Friday everywhere, every result provisional.
type Calendar struct {
	years []Year // effective years, sorted, deep copies
	// Days from base (a day number, see days) to base+len(flags)-1 carry flags; outside that
	// range every year is unknown and follows Monday–Friday.
	base  int
	flags []uint8
	// cumWork[i] and cumUnknown[i] count working and unknown days among flags[:i], so that a
	// count over any range is two subtractions.
	cumWork, cumUnknown []int32
}

// noData stands in for a nil *Calendar.
var noData = &Calendar{}

const (
	flagWorking uint8 = 1 << iota
	flagKnown
)

// New builds a calendar from years of data. When several entries have the same Year, the later
// one wins, so New(append(Official(), adminYears...)...) lets an admin correct an official year.
// Dates of an entry that fall outside its Year are ignored (Validate reports them); a date listed
// both as a holiday and a workday is a workday.
func New(years ...Year) *Calendar {
	byYear := make(map[int]Year, len(years))
	for _, y := range years {
		byYear[y.Year] = y
	}
	c := &Calendar{}
	for _, y := range byYear {
		c.years = append(c.years, y.clone())
	}
	sort.Slice(c.years, func(i, j int) bool { return c.years[i].Year < c.years[j].Year })
	if len(c.years) == 0 {
		return c
	}
	first, last := c.years[0].Year, c.years[len(c.years)-1].Year
	c.base = days(first, time.January, 1)
	end := days(last+1, time.January, 1)
	c.flags = make([]uint8, end-c.base)
	for i := range c.flags {
		if isWeekday(c.base + i) {
			c.flags[i] = flagWorking
		}
	}
	for _, y := range c.years {
		from, to := days(y.Year, time.January, 1)-c.base, days(y.Year+1, time.January, 1)-c.base
		for i := from; i < to; i++ {
			c.flags[i] |= flagKnown
		}
		for _, d := range y.Holidays {
			if d.Year == y.Year {
				c.flags[d.days()-c.base] &^= flagWorking
			}
		}
		for _, d := range y.Workdays {
			if d.Year == y.Year {
				c.flags[d.days()-c.base] |= flagWorking
			}
		}
	}
	c.cumWork = make([]int32, len(c.flags)+1)
	c.cumUnknown = make([]int32, len(c.flags)+1)
	for i, f := range c.flags {
		c.cumWork[i+1] = c.cumWork[i]
		c.cumUnknown[i+1] = c.cumUnknown[i]
		if f&flagWorking != 0 {
			c.cumWork[i+1]++
		}
		if f&flagKnown == 0 {
			c.cumUnknown[i+1]++
		}
	}
	return c
}

// Years returns the effective years (after overrides), sorted, as data: New(c.Years()...) is an
// equal calendar. The result is a copy.
func (c *Calendar) Years() []Year {
	if c == nil {
		c = noData
	}
	out := make([]Year, len(c.years))
	for i, y := range c.years {
		out[i] = y.clone()
	}
	return out
}

// Year returns the effective data of one year and whether it is known.
func (c *Calendar) Year(year int) (Year, bool) {
	if c == nil {
		c = noData
	}
	i, ok := slices.BinarySearchFunc(c.years, year, func(y Year, t int) int { return y.Year - t })
	if !ok {
		return Year{}, false
	}
	return c.years[i].clone(), true
}

// Known reports whether the calendar has a schedule (official or admin) for the year.
func (c *Calendar) Known(year int) bool {
	if c == nil {
		c = noData
	}
	_, ok := slices.BinarySearchFunc(c.years, year, func(y Year, t int) int { return y.Year - t })
	return ok
}

// IsWorkingDay reports whether d is a working day; in an unknown year, whether it is Monday to
// Friday (check Known to tell the two apart).
func (c *Calendar) IsWorkingDay(d Date) bool {
	w, _ := c.at(d.days())
	return w
}

// at returns whether day number n is worked and whether its year is known.
func (c *Calendar) at(n int) (working, known bool) {
	if c == nil {
		c = noData
	}
	i := n - c.base
	if i < 0 || i >= len(c.flags) {
		return isWeekday(n), false
	}
	f := c.flags[i]
	return f&flagWorking != 0, f&flagKnown != 0
}

// AddWorkingDays returns the nth working day after d; the day d itself is not counted, as a period
// counted from an event starts the next day ("20 working days after 2024-09-10" is 2024-10-14).
// A negative n counts back: the |n|th working day before d. n = 0 returns d. provisional reports
// that a day the count passed over lies in a year with no schedule (Monday–Friday assumed).
//
// For n, m of the same sign, AddWorkingDays(AddWorkingDays(d, n), m) == AddWorkingDays(d, n+m),
// and WorkingDaysBetween(d, AddWorkingDays(d, n)) == n for every n.
func (c *Calendar) AddWorkingDays(d Date, n int) (Date, bool) {
	if c == nil {
		c = noData
	}
	cur := d.days()
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	lo, hi := c.base, c.base+len(c.flags) // flagged range [lo, hi)
	provisional := false
	for n > 0 {
		// Outside the data every 7 consecutive days hold exactly 5 working days, so whole weeks
		// can be skipped; this keeps absurd inputs (n in the millions) from looping for long.
		if n > 5 {
			weeks := (n - 1) / 5
			var room int // days available before entering the flagged range
			switch {
			case len(c.flags) == 0:
				room = weeks * 7
			case step > 0 && cur >= hi-1, step < 0 && cur <= lo:
				room = weeks * 7
			case step > 0 && cur < lo-1:
				room = lo - 1 - cur
			case step < 0 && cur > hi:
				room = cur - hi
			}
			if w := min(weeks, room/7); w > 0 {
				cur += step * 7 * w
				n -= 5 * w
				provisional = true
				continue
			}
		}
		cur += step
		w, known := c.at(cur)
		if !known {
			provisional = true
		}
		if w {
			n--
		}
	}
	return fromDays(cur), provisional
}

// WorkingDaysBetween counts working days from a to b: for a <= b the working days d with
// a < d <= b (the clock of an event on day a has used that many days by the end of b); for a > b
// minus the working days d with b <= d < a, so that WorkingDaysBetween(a, AddWorkingDays(a, n))
// is n for every n. provisional reports that the range touches a year with no schedule.
func (c *Calendar) WorkingDaysBetween(a, b Date) (int, bool) {
	x, y := a.days(), b.days()
	switch {
	case x == y:
		return 0, false
	case x < y:
		return c.count(x+1, y)
	default:
		n, p := c.count(y, x-1)
		return -n, p
	}
}

// count returns the working days in the inclusive day range [from, to] and whether any of them
// lies in an unknown year.
func (c *Calendar) count(from, to int) (int, bool) {
	if c == nil {
		c = noData
	}
	if from > to {
		return 0, false
	}
	lo, hi := c.base, c.base+len(c.flags)-1 // inclusive flagged range
	n, provisional := 0, false
	if len(c.flags) == 0 || to < lo || from > hi {
		return weekdaysIn(from, to), true
	}
	if from < lo {
		n += weekdaysIn(from, lo-1)
		provisional = true
		from = lo
	}
	if to > hi {
		n += weekdaysIn(hi+1, to)
		provisional = true
		to = hi
	}
	i, j := from-c.base, to-c.base+1
	n += int(c.cumWork[j] - c.cumWork[i])
	if c.cumUnknown[j] != c.cumUnknown[i] {
		provisional = true
	}
	return n, provisional
}

// NextWorkingDay is the first working day after d (d excluded).
func (c *Calendar) NextWorkingDay(d Date) (Date, bool) { return c.AddWorkingDays(d, 1) }

// PrevWorkingDay is the last working day before d (d excluded).
func (c *Calendar) PrevWorkingDay(d Date) (Date, bool) { return c.AddWorkingDays(d, -1) }

// OnOrAfter is d if it is a working day, else the next working day.
func (c *Calendar) OnOrAfter(d Date) (Date, bool) {
	if w, known := c.at(d.days()); w {
		return d, !known
	}
	return c.AddWorkingDays(d, 1)
}

// OnOrBefore is d if it is a working day, else the last working day before it: the day to remind
// on when a deadline falls on a weekend or holiday.
func (c *Calendar) OnOrBefore(d Date) (Date, bool) {
	if w, known := c.at(d.days()); w {
		return d, !known
	}
	return c.AddWorkingDays(d, -1)
}

// DueAfter is the deadline of a clock of n working days started by an event on day d: the end
// (23:59:59 Asia/Shanghai) of the nth working day after d.
func (c *Calendar) DueAfter(d Date, n int) (time.Time, bool) {
	due, p := c.AddWorkingDays(d, n)
	return due.End(), p
}

// AddHours runs a wall-clock hour clock (5, 24, 48 hours for public-opinion events): nights,
// weekends and holidays count. Asia/Shanghai has no daylight saving, so wall-clock and elapsed
// hours agree.
func AddHours(t time.Time, hours int) time.Time { return t.Add(time.Duration(hours) * time.Hour) }

// days is the number of days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian), by
// Howard Hinnant's days_from_civil: integer arithmetic only, far cheaper than time.Date.
func days(y int, m time.Month, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func (d Date) days() int { return days(d.Year, d.Month, d.Day) }

// fromDays is the inverse of days.
func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, time.Month(m), d}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// isWeekday reports Monday–Friday for a day number (1970-01-01 was a Thursday).
func isWeekday(n int) bool {
	wd := ((n+4)%7 + 7) % 7 // 0 = Sunday
	return wd >= 1 && wd <= 5
}

// weekdaysIn counts Monday–Friday days in the inclusive range [from, to].
func weekdaysIn(from, to int) int {
	// g(x) counts weekdays in [m0, x) for the Monday m0 = 4 (1970-01-05).
	g := func(x int) int {
		q := floorDiv(x-4, 7)
		r := x - 4 - q*7
		return 5*q + min(r, 5)
	}
	return g(to+1) - g(from)
}
