package activities_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// A contact on leave gets Monday's reminder on Wednesday, their first working day back: the
// dispatcher drops it as "quiet days", writes a copy for them alone that wakes the dispatcher
// on Wednesday at the same time, a retried dispatch writes no second copy, and Wednesday's
// window mails it once.
func TestDispatchDefersQuietDays(t *testing.T) {
	f := newDispatchFixture(t)
	pid := f.contactID(t)
	leave := store.QuietDays{Ranges: []store.QuietRange{{From: calendar.D(2024, 6, 3), To: calendar.D(2024, 6, 4), Note: "休假"}}}
	if err := f.st.SetQuietDays(f.ctx, pid, leave, calendar.D(2024, 6, 1), store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2024, 6, 3, 9, 0, 0, 0, calendar.Shanghai)
	wednesday := time.Date(2024, 6, 5, 9, 0, 0, 0, calendar.Shanghai)
	f.plan(t, "2024-12-31", store.NoticePlan{Kind: "reminder", Offset: 10, Target: "contact", At: monday})

	for try := range 2 { // the second is a retry of the same dispatch
		if res := f.dispatch(t, "run/1", monday); res.Messages != 0 || (try == 0 && (res.Notices != 1 || res.Dropped != 1)) {
			t.Errorf("Monday, try %d: %+v, want the notice dropped and no message", try, res)
		}
	}
	var status, reason string
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT status, reason FROM notices WHERE at = $1`, monday).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "dropped" || reason != "quiet days" {
		t.Errorf("Monday's reminder is %s (%q), want dropped for quiet days", status, reason)
	}
	var copies int
	var target string
	var at time.Time
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT count(*), min(target), min(at) FROM notices WHERE target LIKE 'quiet:%' AND status = 'pending'`).
		Scan(&copies, &target, &at); err != nil {
		t.Fatal(err)
	}
	if copies != 1 || target != fmt.Sprintf("quiet:%d:contact", pid) || !at.Equal(wednesday) {
		t.Errorf("copies: %d %q at %v, want one quiet:%d:contact at %v", copies, target, at, pid, wednesday)
	}
	next, err := f.acts.NextNotice(f.ctx)
	if err != nil || !next.OK || !next.At.Equal(wednesday) {
		t.Errorf("the dispatcher wakes at %+v (%v), want %v", next, err, wednesday)
	}
	if n := f.smtp.Count(); n != 0 {
		t.Fatalf("%d messages during the leave", n)
	}
	if res := f.dispatch(t, "run/2", wednesday); res.Notices != 1 || res.Messages != 1 {
		t.Errorf("Wednesday: %+v, want the copy in one message", res)
	}
	if n := f.smtp.Count(); n != 1 {
		t.Errorf("%d messages on Wednesday, want 1", n)
	}
}
