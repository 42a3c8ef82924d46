package calendar

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

const lunarModule = "github.com/6tail/lunar-go"

// firstOfficialYear is the first full year in lunar-go's data, which starts on 2001-12-29.
const firstOfficialYear = 2002

// Official returns the State Council's schedules (国务院办公厅关于部分节假日安排的通知) as carried
// by github.com/6tail/lunar-go's HolidayUtil, one Year per year from 2002 to the last year the
// library knows (2027 in v1.4.7; 2028 and later stay provisional until a release carries them). The
// result is a fresh copy on every call.
//
// The library keeps its data in a package variable that its Fix function can rewrite; zwgk never
// calls Fix, so the data is the one compiled in and the result is the same in every process.
func Official() []Year {
	ys := official()
	out := make([]Year, len(ys))
	for i, y := range ys {
		out[i] = y.clone()
	}
	return out
}

// OfficialSource is the Source of official years.
func OfficialSource() string {
	v := "(unknown version)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == lunarModule {
				v = m.Version
				if m.Replace != nil {
					v = m.Replace.Version
				}
			}
		}
	}
	return "official: 国务院办公厅节假日安排 via " + lunarModule + " " + v + " HolidayUtil"
}

var official = sync.OnceValue(func() []Year {
	src := OfficialSource()
	var out []Year
	for y := firstOfficialYear; ; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		if l.Len() == 0 {
			break
		}
		year := Year{Year: y, Source: src, Names: map[Date]string{}}
		for e := l.Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			d, err := ParseDate(h.GetDay())
			if err != nil || d.Year != y {
				// The data is compiled in; a bad entry is a broken library release.
				panic("calendar: lunar-go holiday data: bad day " + h.GetDay())
			}
			if h.IsWork() {
				year.Workdays = append(year.Workdays, d)
			} else {
				year.Holidays = append(year.Holidays, d)
			}
			year.Names[d] = h.GetName()
		}
		out = append(out, year)
	}
	return out
})

// OfficialCalendar is New(Official()...), for callers without admin years.
func OfficialCalendar() *Calendar { return officialCalendar() }

var officialCalendar = sync.OnceValue(func() *Calendar { return New(Official()...) })

// LastOfficialYear is the last year with official data.
func LastOfficialYear() int {
	ys := official()
	if len(ys) == 0 {
		return 0
	}
	return ys[len(ys)-1].Year
}

// weekdayName is the Chinese name of a weekday, for listings.
func weekdayName(wd time.Weekday) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[wd]
}

// WeekdayName is the Chinese short name of d's weekday (周一…周日).
func (d Date) WeekdayName() string { return weekdayName(d.Weekday()) }
