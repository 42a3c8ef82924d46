package calendar

import "testing"

var sinkDate Date

func BenchmarkAddWorkingDays20(b *testing.B) {
	cal := OfficialCalendar()
	d := D(2024, 1, 1)
	for i := 0; b.Loop(); i++ {
		sinkDate, _ = cal.AddWorkingDays(d.AddDays(i%700), 20)
	}
}

func BenchmarkAddWorkingDays250(b *testing.B) {
	cal := OfficialCalendar()
	d := D(2024, 1, 1)
	for i := 0; b.Loop(); i++ {
		sinkDate, _ = cal.AddWorkingDays(d.AddDays(i%700), 250)
	}
}

func BenchmarkWorkingDaysBetweenYear(b *testing.B) {
	cal := OfficialCalendar()
	for i := 0; b.Loop(); i++ {
		d := D(2024, 1, 1).AddDays(i % 365)
		_, _ = cal.WorkingDaysBetween(d, d.AddDays(365))
	}
}

// BenchmarkNewOfficial is what a workflow pays to rebuild its calendar from []Year.
func BenchmarkNewOfficial(b *testing.B) {
	ys := Official()
	for b.Loop() {
		_ = New(ys...)
	}
}
