package web

import (
	"context"
	"sync"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// workdays holds the working-day calendar the pages count with: the official years plus the
// years admins loaded into PostgreSQL, reloaded at most once a minute so that a year loaded on
// the calendar page shows up without a restart.
type workdays struct {
	st *store.Store

	mu     sync.Mutex
	cal    *calendar.Calendar
	loaded time.Time
}

func newWorkdays(st *store.Store) *workdays { return &workdays{st: st} }

// get returns the current calendar. A failure to read admin years falls back to the official
// data, which is right for every year that has it.
func (w *workdays) get(ctx context.Context) *calendar.Calendar {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cal != nil && time.Since(w.loaded) < time.Minute {
		return w.cal
	}
	years, err := loadAdminYears(ctx, w.st)
	if err != nil || len(years) == 0 {
		w.cal = calendar.OfficialCalendar()
	} else {
		w.cal = calendar.New(append(calendar.Official(), years...)...)
	}
	w.loaded = time.Now()
	return w.cal
}

// invalidate makes the next get reload, after an admin loaded a year.
func (w *workdays) invalidate() {
	w.mu.Lock()
	w.cal = nil
	w.mu.Unlock()
}

// left is the working days from today to the due day (today not counted, the due day counted;
// 0 when due today) or, once overdue, the working days since the due day.
type left struct {
	Days        int
	Overdue     bool
	Provisional bool
}

func (w *workdays) left(ctx context.Context, now time.Time, due *time.Time) *left {
	if due == nil {
		return nil
	}
	cal := w.get(ctx)
	today, dueDay := calendar.DateOf(now), calendar.DateOf(*due)
	if now.After(*due) {
		n, p := cal.WorkingDaysBetween(dueDay, today)
		return &left{Days: n, Overdue: true, Provisional: p}
	}
	n, p := cal.WorkingDaysBetween(today, dueDay) // 0 when due today
	return &left{Days: n, Provisional: p}
}
