package activities_test

import (
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// The dispatcher reads the contact's settings from PostgreSQL: with the digest off their
// reminder is dropped as opted out and nothing is mailed; turned on again, the next window's
// reminder goes out.
func TestDispatchRespectsDigestOff(t *testing.T) {
	f := newDispatchFixture(t)
	pid := f.contactID(t)
	if err := f.st.SetPersonSettings(f.ctx, pid, store.PersonSettings{Channels: []string{"email"}, Digest: false}, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	monday, tuesday := time.Date(2024, 6, 3, 9, 0, 0, 0, calendar.Shanghai), time.Date(2024, 6, 4, 9, 0, 0, 0, calendar.Shanghai)
	f.plan(t, "2024-12-31",
		store.NoticePlan{Kind: "reminder", Offset: 10, Target: "contact", At: monday},
		store.NoticePlan{Kind: "reminder", Offset: 9, Target: "contact", At: tuesday})
	if res := f.dispatch(t, "run/1", monday); res.Notices != 1 || res.Dropped != 1 || res.Messages != 0 {
		t.Errorf("digest off: %+v, want the one notice dropped and no message", res)
	}
	var status, reason string
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT status, reason FROM notices WHERE at = $1`, monday).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "dropped" || reason != "opted out" {
		t.Errorf("Monday's reminder is %s (%q), want dropped as opted out", status, reason)
	}
	if n := f.smtp.Count(); n != 0 {
		t.Fatalf("%d messages mailed to a person with the digest off", n)
	}
	if err := f.st.SetPersonSettings(f.ctx, pid, store.PersonSettings{Channels: []string{"email"}, Digest: true}, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if res := f.dispatch(t, "run/2", tuesday); res.Notices != 1 || res.Messages != 1 {
		t.Errorf("digest on again: %+v, want one message", res)
	}
	if n := f.smtp.Count(); n != 1 {
		t.Errorf("%d messages after turning the digest on, want 1", n)
	}
}
