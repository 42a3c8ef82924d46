package calendar

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The make-up working days (调休上班) listed in DOMAIN.md, checked against the library's data.
var domainMakeUpDays = map[int][]string{
	2024: {"2024-02-04", "2024-02-18", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"},
	2025: {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
	2026: {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
	// 国办发明电〔2026〕… as carried by lunar-go v1.4.7.
	2027: {"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"},
}

func TestOfficialAgreesWithDomain(t *testing.T) {
	byYear := map[int]Year{}
	for _, y := range Official() {
		byYear[y.Year] = y
		if err := y.Validate(); err != nil {
			t.Errorf("official year %d: %v", y.Year, err)
		}
	}
	if LastOfficialYear() < 2027 {
		t.Fatalf("official data ends in %d, want 2027 or later (lunar-go v1.4.7)", LastOfficialYear())
	}
	for year, days := range domainMakeUpDays {
		y := byYear[year]
		got := map[Date]bool{}
		for _, d := range y.Workdays {
			got[d] = true
		}
		for _, s := range days {
			if !got[mustDate(t, s)] {
				t.Errorf("%d: make-up day %s from DOMAIN.md missing in official data %v", year, s, y.Workdays)
			}
		}
		// The library lists one more 2024 make-up day than DOMAIN.md: Sunday 2024-04-07 after
		// 清明 (国办发明电〔2023〕7号: 4月4日至6日放假调休，共3天。4月7日（星期日）上班).
		extra := len(y.Workdays) - len(days)
		if want := map[int]int{2024: 1}[year]; extra != want {
			t.Errorf("%d: %d make-up days in official data, DOMAIN.md lists %d: %v", year, len(y.Workdays), len(days), y.Workdays)
		}
	}
	cal := OfficialCalendar()
	if !cal.IsWorkingDay(D(2024, 4, 7)) {
		t.Error("2024-04-07 (Sunday after 清明) should be worked")
	}
	if y := byYear[2024]; y.Names[D(2024, 10, 1)] != "国庆节" || y.Source == "" {
		t.Errorf("2024 names/source: %q %q", y.Names[D(2024, 10, 1)], y.Source)
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := OfficialCalendar()
	cases := []struct {
		from string
		n    int
		want string
		prov bool
	}{
		// the examples
		{"2024-09-10", 20, "2024-10-14", false}, // 中秋, 国庆 and the make-up days 9/14, 9/29, 10/12
		{"2024-04-25", 3, "2024-04-29", false},  // Sunday 4/28 is worked
		// 2024, each 调休 day and the holiday edges
		{"2023-12-29", 1, "2024-01-02", false}, // across the year: 元旦
		{"2024-02-03", 1, "2024-02-04", false}, // Sunday 2/4 worked
		{"2024-02-09", 1, "2024-02-18", false}, // 春节 2/10–2/17, Sunday 2/18 worked
		{"2024-02-18", 1, "2024-02-19", false},
		{"2024-04-03", 1, "2024-04-07", false}, // 清明 4/4–4/6, Sunday 4/7 worked
		{"2024-04-26", 1, "2024-04-28", false},
		{"2024-04-30", 1, "2024-05-06", false}, // 劳动节 5/1–5/5
		{"2024-05-10", 1, "2024-05-11", false}, // Saturday 5/11 worked
		{"2024-06-07", 1, "2024-06-11", false}, // 端午 6/8–6/10
		{"2024-09-13", 1, "2024-09-14", false}, // Saturday 9/14 worked
		{"2024-09-14", 1, "2024-09-18", false}, // 中秋 9/15–9/17
		{"2024-09-27", 1, "2024-09-29", false}, // Sunday 9/29 worked
		{"2024-09-30", 1, "2024-10-08", false}, // 国庆 10/1–10/7
		{"2024-10-11", 1, "2024-10-12", false}, // Saturday 10/12 worked
		{"2024-12-31", 1, "2025-01-02", false}, // 元旦 2025
		// 2025
		{"2025-01-24", 1, "2025-01-26", false}, // Sunday 1/26 worked
		{"2025-01-27", 1, "2025-02-05", false}, // 春节 1/28–2/4
		{"2025-02-07", 1, "2025-02-08", false}, // Saturday 2/8 worked
		{"2025-04-03", 1, "2025-04-07", false}, // 清明 4/4–4/6
		{"2025-04-25", 1, "2025-04-27", false}, // Sunday 4/27 worked
		{"2025-04-30", 1, "2025-05-06", false}, // 劳动节 5/1–5/5
		{"2025-05-30", 1, "2025-06-03", false}, // 端午 5/31–6/2
		{"2025-09-26", 1, "2025-09-28", false}, // Sunday 9/28 worked
		{"2025-09-30", 1, "2025-10-09", false}, // 国庆中秋 10/1–10/8
		{"2025-10-10", 1, "2025-10-11", false}, // Saturday 10/11 worked
		{"2025-09-26", 5, "2025-10-10", false},
		// 2026
		{"2025-12-31", 1, "2026-01-04", false}, // 元旦 1/1–1/3, Sunday 1/4 worked
		{"2026-01-04", 1, "2026-01-05", false},
		{"2026-02-13", 1, "2026-02-14", false}, // Saturday 2/14 worked
		{"2026-02-14", 1, "2026-02-24", false}, // 春节 2/15–2/23
		{"2026-02-13", 3, "2026-02-25", false},
		{"2026-02-27", 1, "2026-02-28", false}, // Saturday 2/28 worked
		{"2026-02-28", 1, "2026-03-02", false},
		{"2026-04-03", 1, "2026-04-07", false}, // 清明 4/4–4/6
		{"2026-04-30", 1, "2026-05-06", false}, // 劳动节 5/1–5/5
		{"2026-05-08", 1, "2026-05-09", false}, // Saturday 5/9 worked
		{"2026-06-18", 1, "2026-06-22", false}, // 端午 6/19–6/21
		{"2026-09-18", 1, "2026-09-20", false}, // Sunday 9/20 worked
		{"2026-09-24", 1, "2026-09-28", false}, // 中秋 9/25–9/27
		{"2026-09-30", 1, "2026-10-08", false}, // 国庆 10/1–10/7
		{"2026-10-09", 1, "2026-10-10", false}, // Saturday 10/10 worked
		{"2026-10-10", 1, "2026-10-12", false},
		// 2027
		{"2026-12-31", 1, "2027-01-04", false}, // 元旦 1/1–1/3
		{"2026-12-21", 10, "2027-01-05", false},
		{"2027-01-29", 1, "2027-01-31", false}, // Sunday 1/31 worked
		{"2027-02-04", 1, "2027-02-14", false}, // 春节 2/5–2/13, Sunday 2/14 worked
		{"2027-02-14", 1, "2027-02-15", false},
		{"2027-04-02", 1, "2027-04-06", false}, // 清明 4/3–4/5
		{"2027-04-30", 1, "2027-05-06", false}, // 劳动节 5/1–5/5
		{"2027-05-07", 1, "2027-05-08", false}, // Saturday 5/8 worked
		{"2027-06-08", 1, "2027-06-10", false}, // 端午 6/9
		{"2027-09-14", 1, "2027-09-16", false}, // 中秋 9/15
		{"2027-09-24", 1, "2027-09-26", false}, // Sunday 9/26 worked
		{"2027-09-30", 1, "2027-10-08", false}, // 国庆 10/1–10/7
		{"2027-10-08", 1, "2027-10-09", false}, // Saturday 10/9 worked
		// beyond the data: Monday–Friday, provisional
		{"2027-12-31", 1, "2028-01-03", true},
		{"2028-01-03", 5, "2028-01-10", true},
		{"2027-12-20", 10, "2028-01-03", true},
		// backwards
		{"2024-10-14", -20, "2024-09-10", false},
		{"2024-10-08", -1, "2024-09-30", false},
		{"2026-02-24", -1, "2026-02-14", false},
		{"2024-10-01", 0, "2024-10-01", false},
	}
	for _, c := range cases {
		from := mustDate(t, c.from)
		got, prov := cal.AddWorkingDays(from, c.n)
		if got.String() != c.want || prov != c.prov {
			t.Errorf("AddWorkingDays(%s, %d) = %s provisional=%v, want %s provisional=%v", c.from, c.n, got, prov, c.want, c.prov)
		}
		if c.n == 0 {
			continue
		}
		if !cal.IsWorkingDay(got) {
			t.Errorf("AddWorkingDays(%s, %d) = %s is not a working day", c.from, c.n, got)
		}
		if n, _ := cal.WorkingDaysBetween(from, got); n != c.n {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", from, got, n, c.n)
		}
	}
}

func TestIsWorkingDayEveryDomainDay(t *testing.T) {
	cal := OfficialCalendar()
	for _, days := range domainMakeUpDays {
		for _, s := range days {
			d := mustDate(t, s)
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("%s is a %s, not a weekend make-up day", s, wd)
			}
			if !cal.IsWorkingDay(d) {
				t.Errorf("%s should be a working day", s)
			}
		}
	}
	for _, s := range []string{"2024-01-01", "2024-02-12", "2024-10-07", "2025-01-28", "2025-10-08", "2026-01-02", "2026-02-23", "2026-09-25", "2026-10-07"} {
		if cal.IsWorkingDay(mustDate(t, s)) {
			t.Errorf("%s should be a holiday", s)
		}
	}
	if !cal.Known(2024) || !cal.Known(2026) || !cal.Known(2027) || cal.Known(2028) {
		t.Error("Known: want 2024, 2026 and 2027 known, 2028 not")
	}
	if cal.IsWorkingDay(D(2027, 1, 1)) {
		t.Error("2027-01-01 (元旦, a Friday) should be a holiday")
	}
	if !cal.IsWorkingDay(D(2028, 1, 3)) {
		t.Error("2028-01-03 is a Monday in an unknown year: Monday–Friday fallback says working")
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := OfficialCalendar()
	cases := []struct {
		a, b string
		want int
		prov bool
	}{
		{"2024-09-10", "2024-10-14", 20, false},
		{"2024-10-01", "2024-10-07", 0, false},
		{"2024-09-30", "2024-10-08", 1, false},
		{"2024-10-14", "2024-09-10", -20, false},
		{"2024-01-01", "2024-12-31", 251, false}, // 2024 has 251 working days after Jan 1 (Jan 1 is a holiday)
		{"2026-12-31", "2027-01-08", 5, false},   // 元旦 2027 1/1–1/3
		{"2027-12-31", "2028-01-07", 5, true},
		{"1999-01-01", "1999-01-08", 5, true},
	}
	for _, c := range cases {
		got, prov := cal.WorkingDaysBetween(mustDate(t, c.a), mustDate(t, c.b))
		if got != c.want || prov != c.prov {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d %v, want %d %v", c.a, c.b, got, prov, c.want, c.prov)
		}
	}
}

func TestOnOrBeforeAfter(t *testing.T) {
	cal := OfficialCalendar()
	if d, _ := cal.OnOrBefore(D(2024, 10, 1)); d != D(2024, 9, 30) {
		t.Errorf("OnOrBefore(国庆) = %s", d)
	}
	if d, _ := cal.OnOrBefore(D(2024, 9, 29)); d != D(2024, 9, 29) {
		t.Errorf("OnOrBefore(make-up Sunday) = %s", d)
	}
	if d, _ := cal.OnOrAfter(D(2024, 10, 5)); d != D(2024, 10, 8) {
		t.Errorf("OnOrAfter = %s", d)
	}
	if d, _ := cal.NextWorkingDay(D(2024, 9, 27)); d != D(2024, 9, 29) {
		t.Errorf("NextWorkingDay = %s", d)
	}
	if d, _ := cal.PrevWorkingDay(D(2024, 9, 30)); d != D(2024, 9, 29) {
		t.Errorf("PrevWorkingDay = %s", d)
	}
	due, _ := cal.DueAfter(D(2024, 9, 10), 20)
	if want := time.Date(2024, 10, 14, 23, 59, 59, 0, Shanghai); !due.Equal(want) {
		t.Errorf("DueAfter = %s, want %s", due, want)
	}
	ev := time.Date(2024, 9, 30, 22, 0, 0, 0, Shanghai)
	if got := AddHours(ev, 48); !got.Equal(time.Date(2024, 10, 2, 22, 0, 0, 0, Shanghai)) {
		t.Errorf("AddHours(48) over 国庆 = %s: hour clocks run through holidays", got)
	}
}

func TestAdminOverridesOfficial(t *testing.T) {
	admin := Year{Year: 2024, Holidays: []Date{D(2024, 3, 1)}, Source: "admin: test"}
	cal := New(append(Official(), admin)...)
	if cal.IsWorkingDay(D(2024, 3, 1)) {
		t.Error("admin holiday ignored")
	}
	if !cal.IsWorkingDay(D(2024, 10, 2)) {
		t.Error("the admin year replaces the official one as a whole; 10/2 is a plain Wednesday in it")
	}
	y, ok := cal.Year(2024)
	if !ok || y.Source != "admin: test" {
		t.Errorf("Year(2024) = %+v %v", y, ok)
	}
	// A gap between official data and an admin year stays provisional.
	cal = New(append(Official(), Year{Year: 2029, Source: "admin"})...)
	if _, prov := cal.AddWorkingDays(D(2029, 3, 1), 5); prov {
		t.Error("2029 is known")
	}
	if _, prov := cal.AddWorkingDays(D(2027, 12, 30), 5); !prov {
		t.Error("2028 is unknown: provisional")
	}
}

func TestYearsRoundTrip(t *testing.T) {
	cal := New(append(Official(), Year{Year: 2028, Holidays: []Date{D(2028, 1, 3)}, Workdays: []Date{D(2028, 1, 8)}, Source: "admin"})...)
	b, err := json.Marshal(cal.Years())
	if err != nil {
		t.Fatal(err)
	}
	var ys []Year
	if err := json.Unmarshal(b, &ys); err != nil {
		t.Fatal(err)
	}
	again := New(ys...)
	for d := D(2001, 1, 1); d.Before(D(2030, 1, 1)); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) != again.IsWorkingDay(d) {
			t.Fatalf("%s differs after a JSON round trip", d)
		}
	}
	// Years returns copies: changing them does not change the calendar.
	ys = cal.Years()
	ys[0].Holidays[0] = D(1999, 1, 1)
	if cal.Years()[0].Holidays[0] == D(1999, 1, 1) {
		t.Error("Years leaks internal slices")
	}
}

// reference answers by the definition, one day at a time with the time package, to check the
// day-number arithmetic and the prefix counts.
type reference struct {
	off, on map[Date]bool
	known   map[int]bool
}

func newReference(years []Year) reference {
	r := reference{off: map[Date]bool{}, on: map[Date]bool{}, known: map[int]bool{}}
	for _, y := range years {
		r.known[y.Year] = true
		for _, d := range y.Holidays {
			r.off[d] = true
		}
		for _, d := range y.Workdays {
			r.on[d] = true
		}
	}
	return r
}

func (r reference) working(d Date) bool {
	if r.on[d] {
		return true
	}
	if r.off[d] {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

func (r reference) add(d Date, n int) (Date, bool) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	prov := false
	for n > 0 {
		d = d.AddDays(step)
		if !r.known[d.Year] {
			prov = true
		}
		if r.working(d) {
			n--
		}
	}
	return d, prov
}

func TestAgainstReference(t *testing.T) {
	years := append(Official(), Year{Year: 2029, Holidays: []Date{D(2029, 1, 1)}, Source: "admin"})
	cal, ref := New(years...), newReference(years)
	rng := rand.New(rand.NewPCG(1, 2))
	start := D(1998, 1, 1)
	for i := 0; i < 3000; i++ {
		d := start.AddDays(rng.IntN(365 * 34))
		n := rng.IntN(600) - 300
		got, gp := cal.AddWorkingDays(d, n)
		want, wp := ref.add(d, n)
		if got != want || gp != wp {
			t.Fatalf("AddWorkingDays(%s, %d) = %s %v, reference %s %v", d, n, got, gp, want, wp)
		}
		if cal.IsWorkingDay(d) != ref.working(d) {
			t.Fatalf("IsWorkingDay(%s) disagrees", d)
		}
	}
}

func TestDayNumbers(t *testing.T) {
	for d := D(1600, 1, 1); d.Before(D(2500, 1, 1)); d = d.AddDays(13) {
		n := d.days()
		if got := fromDays(n); got != d {
			t.Fatalf("fromDays(days(%s)) = %s", d, got)
		}
		want := int(floorDiv(int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix()), 86400))
		if n != want {
			t.Fatalf("days(%s) = %d, want %d", d, n, want)
		}
		if isWeekday(n) != (d.Weekday() != time.Saturday && d.Weekday() != time.Sunday) {
			t.Fatalf("isWeekday(%s) wrong", d)
		}
	}
}

func TestHugeCounts(t *testing.T) {
	cal := OfficialCalendar()
	for _, n := range []int{1_000_000, -1_000_000} {
		d, prov := cal.AddWorkingDays(D(2024, 1, 1), n)
		if !prov || !cal.IsWorkingDay(d) {
			t.Errorf("AddWorkingDays(2024-01-01, %d) = %s %v", n, d, prov)
		}
		if got, _ := cal.WorkingDaysBetween(D(2024, 1, 1), d); got != n {
			t.Errorf("WorkingDaysBetween after %d = %d", n, got)
		}
	}
	var none *Calendar
	if d, prov := none.AddWorkingDays(D(2024, 9, 10), 20); d != D(2024, 10, 8) || !prov || none.Known(2024) || len(none.Years()) != 0 {
		t.Errorf("nil calendar: %s %v", d, prov)
	}
	empty := New()
	if d, prov := empty.AddWorkingDays(D(2024, 9, 10), 20); d != D(2024, 10, 8) || !prov {
		t.Errorf("empty calendar: %s %v, want 2024-10-08 provisional", d, prov)
	}
}

// TestOfficial2027 checks the 2027 schedule that lunar-go v1.4.7 carries: the five make-up
// Saturdays and Sundays and the holidays, with their names, and that 2028 is still provisional.
func TestOfficial2027(t *testing.T) {
	cal := OfficialCalendar()
	y, ok := cal.Year(2027)
	if !ok || y.Source != OfficialSource() {
		t.Fatalf("2027: %+v %v, want the official year", y, ok)
	}
	for _, s := range []string{"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"} {
		if d := mustDate(t, s); !cal.IsWorkingDay(d) {
			t.Errorf("%s (%s) is a make-up working day", s, d.WeekdayName())
		}
	}
	holidays := map[string]string{
		"2027-01-01": "元旦节",
		"2027-02-05": "春节", "2027-02-08": "春节", "2027-02-12": "春节", "2027-02-13": "春节",
		"2027-04-05": "清明节",
		"2027-05-03": "劳动节", "2027-05-05": "劳动节",
		"2027-06-09": "端午节",
		"2027-09-15": "中秋节",
		"2027-10-01": "国庆节", "2027-10-07": "国庆节",
	}
	for s, name := range holidays {
		d := mustDate(t, s)
		if cal.IsWorkingDay(d) {
			t.Errorf("%s should be a holiday (%s)", s, name)
		}
		if y.Names[d] != name {
			t.Errorf("%s: name %q, want %q", s, y.Names[d], name)
		}
	}
	if len(y.Workdays) != 5 {
		t.Errorf("2027 make-up days %v, want 5", y.Workdays)
	}
	// 春节前 in 2027: the last working day before the holiday is Thursday 2/4.
	if d, prov := cal.PrevWorkingDay(D(2027, 2, 5)); d != D(2027, 2, 4) || prov {
		t.Errorf("last working day before 春节 2027 = %s %v, want 2027-02-04", d, prov)
	}
	// 20 working days from 2027-09-20 run through 中秋 and 国庆: 10/21.
	if d, prov := cal.AddWorkingDays(D(2027, 9, 20), 20); d != D(2027, 10, 21) || prov {
		t.Errorf("2027-09-20 + 20 working days = %s %v", d, prov)
	}
	if _, prov := cal.AddWorkingDays(D(2028, 3, 1), 1); !prov {
		t.Error("2028 has no schedule yet: provisional")
	}
	if cal.Known(2028) || LastOfficialYear() != 2027 {
		t.Errorf("LastOfficialYear %d, Known(2028) %v: want 2027 and false", LastOfficialYear(), cal.Known(2028))
	}
}
