package calendar

import (
	"testing"
)

// fuzzCalendar has official data (to 2027), a gap (2028) and an admin year (2029), so the
// invariants are checked across known, unknown and out-of-range days.
var fuzzCalendar = New(append(Official(), Year{
	Year:     2029,
	Holidays: []Date{D(2029, 1, 2), D(2029, 1, 3)},
	Workdays: []Date{D(2029, 1, 6)},
	Source:   "admin: fuzz",
})...)

// FuzzAddWorkingDays checks the arithmetic's invariants: adding n then m equals adding n+m (same
// sign), the result of a non-zero count is a working day, and WorkingDaysBetween inverts
// AddWorkingDays.
func FuzzAddWorkingDays(f *testing.F) {
	f.Add(int32(0), int16(20), int16(0))            // 2024-09-10 + 20
	f.Add(int32(-138), int16(3), int16(17))         // 2024-04-25
	f.Add(int32(1200), int16(5), int16(300))        // 2027-12-24: across 2027 → 2028 → 2029
	f.Add(int32(-9000), int16(-40), int16(-1))      // backwards, before the data
	f.Add(int32(20000), int16(1000), int16(1000))   // far after the data
	f.Add(int32(-2000000), int16(32767), int16(-5)) // mixed signs
	f.Add(int32(0), int16(0), int16(0))             // zero
	f.Add(int32(-228), int16(1), int16(1))          // 2024-02-03
	f.Fuzz(func(t *testing.T, offset int32, n16, m16 int16) {
		cal := fuzzCalendar
		d := D(2024, 9, 10).AddDays(int(offset % 200000)) // within ±550 years
		n, m := int(n16), int(m16)

		got, _ := cal.AddWorkingDays(d, n)
		if n != 0 && !cal.IsWorkingDay(got) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", d, n, got)
		}
		if between, _ := cal.WorkingDaysBetween(d, got); between != n {
			t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d", d, d, n, got, between)
		}
		if (n >= 0) == (m >= 0) {
			twice, p1 := cal.AddWorkingDays(got, m)
			once, p2 := cal.AddWorkingDays(d, n+m)
			if twice != once {
				t.Fatalf("AddWorkingDays(AddWorkingDays(%s, %d), %d) = %s, AddWorkingDays(%s, %d) = %s", d, n, m, twice, d, n+m, once)
			}
			_, p0 := cal.AddWorkingDays(d, n)
			if p2 != (p0 || p1) {
				t.Fatalf("provisional of the sum (%v) differs from the parts (%v, %v) from %s by %d, %d", p2, p0, p1, d, n, m)
			}
		}
		if n > 0 {
			// The nth working day is the first day whose count reaches n.
			if before, _ := cal.WorkingDaysBetween(d, got.AddDays(-1)); before != n-1 {
				t.Fatalf("%d working days up to the day before %s, want %d", before, got, n-1)
			}
		}
	})
}
