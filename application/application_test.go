package application_test

import (
	"errors"
	"testing"

	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
)

var cal = calendar.OfficialCalendar()

// walk counts n working days after d one day at a time with IsWorkingDay, skipping the days
// the skip function names: an independent check of the arithmetic the package does with
// AddWorkingDays and WorkingDaysBetween.
func walk(t *testing.T, d calendar.Date, n int, skip func(calendar.Date) bool) calendar.Date {
	t.Helper()
	for n > 0 {
		d = d.AddDays(1)
		if cal.IsWorkingDay(d) && (skip == nil || !skip(d)) {
			n--
		}
	}
	return d
}

func TestOfficialYearsLoaded(t *testing.T) {
	for _, y := range []int{2026, 2027} {
		if !cal.Known(y) {
			t.Fatalf("the official calendar lacks %d: the tests below would run on Monday–Friday", y)
		}
	}
}

func TestReceiptDateByChannel(t *testing.T) {
	handed, signed, confirmed := calendar.D(2026, 9, 28), calendar.D(2026, 9, 29), calendar.D(2026, 9, 30)
	all := application.Arrival{HandedIn: handed, SignedFor: signed, Confirmed: confirmed}
	for _, tc := range []struct {
		ch   application.Channel
		want calendar.Date
	}{
		{application.InPerson, handed},
		{application.PostSigned, signed},
		{application.Letter, confirmed},
		{application.Online, confirmed},
		{application.Fax, confirmed},
	} {
		a := all
		a.Channel = tc.ch
		got, err := application.ReceiptDate(a)
		if err != nil || got != tc.want {
			t.Errorf("%s: %s, %v; want %s", tc.ch, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		a    application.Arrival
		want error
	}{
		{application.Arrival{Channel: application.InPerson, Confirmed: confirmed}, application.ErrNoHandedIn},
		{application.Arrival{Channel: application.PostSigned, HandedIn: handed}, application.ErrNoSignedFor},
		{application.Arrival{Channel: application.Letter, SignedFor: signed}, application.ErrNoConfirmed},
		{application.Arrival{Channel: application.Letter, SignedFor: confirmed, Confirmed: signed}, application.ErrBeforeArrive},
		{application.Arrival{Channel: "pigeon", Confirmed: confirmed}, application.ErrChannel},
	} {
		if _, err := application.ReceiptDate(tc.a); !errors.Is(err, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.a, err, tc.want)
		}
	}
}

// A receipt on the eve of 国庆 2026 (Wednesday 9/30): 10/1–10/7 are off and Saturday 10/10 is
// worked, so the twentieth working day is Tuesday 11/3, not the 10/28 of Monday–Friday.
func TestDueOnTheEveOfNationalDay(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	due, prov := application.Clock{Start: received}.Due(cal, received)
	if prov {
		t.Error("2026 is official, the due date must not be provisional")
	}
	if want := walk(t, received, 20, nil); due != want {
		t.Fatalf("due %s, walking the calendar gives %s", due, want)
	}
	if want := calendar.D(2026, 11, 3); due != want {
		t.Errorf("due %s, want %s", due, want)
	}
	if mf := calendar.New().IsWorkingDay(calendar.D(2026, 10, 10)); mf {
		t.Fatal("Monday–Friday calendar works Saturdays?")
	}
	if got := application.CorrectionDeadline(cal, received); got != calendar.D(2026, 10, 15) {
		t.Errorf("补正 deadline %s, want 2026-10-15 (10/8, 10/9, 10/10 Sat, 10/12–10/15)", got)
	}
}

// 补正 restarts the clock in full from the day the completed application arrives.
func TestCorrectionRestart(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	completed := calendar.D(2026, 10, 20)
	c := application.Clock{Start: completed}
	due, _ := c.Due(cal, completed)
	if want := walk(t, completed, 20, nil); due != want {
		t.Fatalf("due %s after the restart, walking gives %s", due, want)
	}
	before, _ := application.Clock{Start: received}.Due(cal, received)
	if !due.After(before) {
		t.Errorf("restart due %s not after the first clock's %s", due, before)
	}
	// a consultation begun under the first clock is not carried into the restarted one
	c.Pauses = []application.Pause{{From: calendar.D(2026, 10, 9), To: calendar.D(2026, 10, 16)}}
	if again, _ := c.Due(cal, completed); again != due {
		t.Errorf("a pause before the restart moved due from %s to %s", due, again)
	}
}

// A third-party consultation from Wednesday 2027-01-27 to Monday 2027-02-22 spans 春节
// (2/5–2/13 off, Sundays 1/31 and 2/14 worked): its working days are left out of the clock.
func TestThirdPartyPauseOverSpringFestival(t *testing.T) {
	received := calendar.D(2027, 1, 20)
	p := application.Pause{From: calendar.D(2027, 1, 27), To: calendar.D(2027, 2, 22)}
	excluded, _ := application.Excluded(cal, p, p.To)
	inPause := func(d calendar.Date) bool { return d.After(p.From) && !d.After(p.To) }
	count := 0
	for d := p.From.AddDays(1); !d.After(p.To); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			count++
		}
	}
	if excluded != count || excluded == 0 {
		t.Fatalf("excluded %d working days, the calendar has %d in the pause", excluded, count)
	}
	due, _ := application.Clock{Start: received, Pauses: []application.Pause{p}}.Due(cal, p.To)
	if want := walk(t, received, 20, inPause); due != want {
		t.Errorf("due %s, walking the calendar without the paused days gives %s", due, want)
	}
	plain, _ := application.Clock{Start: received}.Due(cal, received)
	if n, _ := cal.WorkingDaysBetween(plain, due); n != excluded {
		t.Errorf("the pause moved due by %d working days, want %d", n, excluded)
	}
	// a running pause counts up to today
	running := application.Pause{From: p.From}
	if got, _ := (application.Clock{Start: received, Pauses: []application.Pause{running}}).Due(cal, p.To); got != due {
		t.Errorf("running pause seen on %s: due %s, want %s", p.To, got, due)
	}
	// the third party's silence beyond 15 working days counts again; another body's does not
	long := application.Pause{From: calendar.D(2027, 1, 21), To: calendar.D(2027, 3, 31)}
	if n, _ := application.Excluded(cal, long, long.To); n != application.ThirdPartyDays {
		t.Errorf("third party paused %d working days, want the cap %d", n, application.ThirdPartyDays)
	}
	long.Other = true
	if n, _ := application.Excluded(cal, long, long.To); n <= application.ThirdPartyDays {
		t.Errorf("another body's consultation capped at %d", n)
	}
}

func TestExtensionOnce(t *testing.T) {
	received := calendar.D(2026, 12, 4)
	c := application.Clock{Start: received}
	first, _ := c.Due(cal, received)
	if err := application.CheckExtension(c, 20); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int{0, 21, -1} {
		if application.CheckExtension(c, bad) == nil {
			t.Errorf("extension of %d accepted", bad)
		}
	}
	c.ExtensionDays = 20
	ext, _ := c.Due(cal, received)
	if want := walk(t, first, 20, nil); ext != want {
		t.Errorf("extended due %s, walking 20 more working days from %s gives %s", ext, first, want)
	}
	if application.CheckExtension(c, 5) == nil {
		t.Error("a second extension accepted")
	}
}

func TestReplyOnTheLastDay(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	due, _ := application.Clock{Start: received}.Due(cal, received)
	if n := application.DaysLeft(cal, due, due); n != 0 {
		t.Errorf("on the due day %d working days left, want 0 (in time)", n)
	}
	next, _ := cal.NextWorkingDay(due)
	if n := application.DaysLeft(cal, next, due); n != -1 {
		t.Errorf("the next working day: %d, want -1 (one day overdue)", n)
	}
	if n := application.DaysLeft(cal, received, due); n != application.ReplyDays {
		t.Errorf("on receipt %d left, want %d", n, application.ReplyDays)
	}
}

func TestReplyTable(t *testing.T) {
	want := map[application.ReplyType]int{
		application.Disclose: 0, application.Partial: 0, application.Refuse: 8,
		application.Unable: 3, application.Reject: 5, application.Other: 3,
	}
	seen := map[application.Reason]bool{}
	for _, k := range application.Kinds {
		if n, ok := want[k.Type]; !ok || n != len(k.Reasons) {
			t.Errorf("%s has %d reasons, want %d", k.Type, len(k.Reasons), n)
		}
		for _, r := range k.Reasons {
			if _, clash := application.Kind(application.ReplyType(r.Code)); clash {
				t.Errorf("reason %s has the code of a reply type: the report's rows would merge", r.Code)
			}
			if seen[r.Code] {
				t.Errorf("reason %s twice", r.Code)
			}
			seen[r.Code] = true
			if err := application.CheckReply(k.Type, r.Code); err != nil {
				t.Error(err)
			}
			if application.ReasonLabel(r.Code) == string(r.Code) {
				t.Errorf("reason %s has no label", r.Code)
			}
		}
		if len(k.Reasons) == 0 && application.CheckReply(k.Type, application.NotHeld) == nil {
			t.Errorf("%s accepted a reason", k.Type)
		}
		if len(k.Reasons) > 0 && application.CheckReply(k.Type, "") == nil {
			t.Errorf("%s accepted no reason", k.Type)
		}
	}
	if application.CheckReply(application.Refuse, application.NotHeld) == nil {
		t.Error("不予公开 accepted a reason of 无法提供")
	}
}
