package activities

import (
	"slices"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// Quiet days hold back what the digest switch can turn off (non-urgent reminders and 今日到期
// at level 0) to the person's next working day that is not quiet, at the same time of day;
// escalations, overdue notices, urgent clocks, 通报 and robots ignore them. A notice whose
// every person is quiet is dropped as "quiet days" (its copies carry it), one with others
// reached is sent to them; a copy quiet again is moved, neither sent nor dropped.
func TestPlanDispatchQuietDays(t *testing.T) {
	cal := planCal
	friday := time.Date(2024, 6, 7, 9, 0, 0, 0, calendar.Shanghai) // before 端午 (Monday 10 June off)
	soon := time.Date(2024, 6, 28, 23, 59, 59, 0, calendar.Shanghai)
	late := time.Date(2024, 6, 5, 23, 59, 59, 0, calendar.Shanghai)
	person := func(id int64, name string) notify.Recipient {
		return notify.Recipient{Key: store.PersonKey(id), Kind: "person", ID: id, Name: name, Email: name + "@x.gov.cn", Channels: []string{"email"}}
	}
	partTime, away, present, offAndQuiet := person(1, "pt"), person(2, "away"), person(3, "here"), person(4, "off")
	robot := notify.Recipient{Key: store.RobotKey(5), Kind: "robot", ID: 5, Name: "工作群", Channels: []string{"dingtalk"}}
	settings := map[int64]store.PersonSettings{
		1: {Digest: true, Quiet: store.QuietDays{Weekdays: []int{5, 6}}}, // 周五、周六
		2: {Digest: true, Quiet: store.QuietDays{Ranges: []store.QuietRange{{From: calendar.D(2024, 6, 3), To: calendar.D(2024, 6, 14), Note: "休假"}}}},
		4: {Digest: false, Quiet: store.QuietDays{Weekdays: []int{5}}},
	}
	live := liveNotices(friday, "2024-06")
	urgent := live(5, 24, "due", "contact", 0, friday.Add(5*time.Hour))
	urgent.Urgent = true
	copyQuietAgain := live(9, 28, "reminder", "quiet:1:contact", 0, soon)
	copyDue := live(10, 29, "reminder", "quiet:3:contact", 0, soon)
	notices := []store.Notice{
		live(1, 20, "reminder", "contact", 0, soon),      // pt, here and the robot: sent; pt deferred
		live(2, 21, "due", "contact", 0, soon),           // pt and away: both deferred, dropped as quiet days
		live(3, 22, "overdue", "contact", 0, late),       // pt: overdue notices are not held back
		live(4, 23, "escalation", "supervisor", 1, late), // away: escalations are not held back
		urgent, // pt: an urgent clock is not held back
		live(6, 25, "reminder", "contact", 0, soon), // off: opted out wins, nothing to defer
		{ID: 7, UnitID: 9, Kind: "tongbao", Target: "person@2", At: friday, CycleKey: "2024-05", CycleStatus: "open", ItemActive: true}, // away
		live(8, 27, "reminder", "head", 0, soon), // away alone: deferred
		copyQuietAgain,                           // pt's copy, on a quiet day again: moved
		copyDue,                                  // here's copy on a day they are not quiet: sent
	}
	reach := map[string][]notify.Recipient{
		reachKey(notices[0]): {partTime, present, robot},
		reachKey(notices[1]): {partTime, away},
		reachKey(notices[2]): {partTime},
		reachKey(notices[3]): {away},
		reachKey(notices[4]): {partTime},
		reachKey(notices[5]): {offAndQuiet},
		reachKey(notices[6]): {away},
		reachKey(notices[7]): {away},
		reachKey(notices[8]): {partTime},
		reachKey(notices[9]): {present},
	}

	p := planDispatchFor(notices, reach, settings, cal, friday)

	if want := []int64{1, 3, 4, 5, 7, 10}; !slices.Equal(p.sent, want) {
		t.Errorf("sent %v, want %v", p.sent, want)
	}
	if want := []int64{2, 8}; !slices.Equal(p.dropped["quiet days"], want) {
		t.Errorf("dropped as quiet days: %v, want %v (all %v)", p.dropped["quiet days"], want, p.dropped)
	}
	if want := []int64{6}; !slices.Equal(p.dropped["opted out"], want) {
		t.Errorf("opted out: %v, want %v", p.dropped["opted out"], want)
	}
	// pt is quiet on Fridays and Saturdays; Monday is 端午: Tuesday 09:00. away is back on
	// Monday 17 June.
	tuesday := time.Date(2024, 6, 11, 9, 0, 0, 0, calendar.Shanghai)
	back := time.Date(2024, 6, 17, 9, 0, 0, 0, calendar.Shanghai)
	want := []store.Deferral{
		{NoticeID: 1, PersonID: 1, Target: "quiet:1:contact", At: tuesday},
		{NoticeID: 2, PersonID: 1, Target: "quiet:1:contact", At: tuesday},
		{NoticeID: 2, PersonID: 2, Target: "quiet:2:contact", At: back},
		{NoticeID: 8, PersonID: 2, Target: "quiet:2:head", At: back},
		{NoticeID: 9, PersonID: 1, Target: "quiet:1:contact", At: tuesday, Move: true},
	}
	if len(p.deferred) != len(want) {
		t.Fatalf("deferred %+v, want %+v", p.deferred, want)
	}
	for i, d := range p.deferred {
		if d.NoticeID != want[i].NoticeID || d.PersonID != want[i].PersonID || d.Target != want[i].Target ||
			!d.At.Equal(want[i].At) || d.Move != want[i].Move {
			t.Errorf("deferral %d: %+v, want %+v", i, d, want[i])
		}
	}
	// Who got what today: pt only what cannot wait, away only the escalation and the 通报.
	got := map[string][]int64{}
	for _, m := range p.messages {
		for _, e := range m.notice.Entries {
			got[m.to.Key] = append(got[m.to.Key], e.ItemID)
		}
	}
	for key, items := range got {
		slices.Sort(items)
		got[key] = items
	}
	for key, items := range map[string][]int64{
		partTime.Key: {22, 24},
		away.Key:     {0, 23},
		present.Key:  {20, 29},
		robot.Key:    {20},
	} {
		if !slices.Equal(got[key], items) {
			t.Errorf("%s got items %v, want %v", key, got[key], items)
		}
	}
	if _, ok := got[offAndQuiet.Key]; ok {
		t.Errorf("the person with the digest off got %v", got[offAndQuiet.Key])
	}
}

// The next window skips quiet days and days off alike, keeps the window's time of day, and
// gives up (send now) rather than search for ever.
func TestNextWindow(t *testing.T) {
	cal := calendar.New(calendar.Official()...)
	window := time.Date(2024, 9, 13, 14, 30, 0, 0, calendar.Shanghai) // Friday before 中秋
	cases := []struct {
		name  string
		quiet store.QuietDays
		want  time.Time
	}{
		// 中秋: 15–17 September off, Saturday 14 September worked (调休)
		{"none", store.QuietDays{}, time.Date(2024, 9, 14, 14, 30, 0, 0, calendar.Shanghai)},
		{"saturdays", store.QuietDays{Weekdays: []int{6}}, time.Date(2024, 9, 18, 14, 30, 0, 0, calendar.Shanghai)},
		{"range", store.QuietDays{Ranges: []store.QuietRange{{From: calendar.D(2024, 9, 14), To: calendar.D(2024, 9, 20)}}}, time.Date(2024, 9, 23, 14, 30, 0, 0, calendar.Shanghai)},
	}
	for _, c := range cases {
		got, ok := nextWindow(c.quiet, cal, window, calendar.DateOf(window))
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: %v %v, want %v", c.name, got, ok, c.want)
		}
	}
	always := store.QuietDays{Ranges: []store.QuietRange{{From: calendar.D(2024, 1, 1), To: calendar.D(2026, 12, 31)}}}
	if got, ok := nextWindow(always, cal, window, calendar.DateOf(window)); ok {
		t.Errorf("quiet for years: %v, want no window (sent at once)", got)
	}
	r := notify.Recipient{Key: store.PersonKey(1), Kind: "person", ID: 1}
	n := store.Notice{ID: 1, ItemID: 2, Kind: "reminder", Target: "contact", At: window}
	if _, ok := deferral(r, n, map[int64]store.PersonSettings{1: {Digest: true, Quiet: always}}, cal, window); ok {
		t.Error("a reminder with no window left is deferred, want it sent")
	}
}

func TestQuietTargets(t *testing.T) {
	for _, c := range []struct {
		person int64
		target string
		want   string
	}{
		{7, "contact", "quiet:7:contact"},
		{7, "contact@12", "quiet:7:contact@12"},
		{7, "quiet:7:contact@12", "quiet:7:contact@12"},
		{8, "quiet:7:head", "quiet:8:head"},
	} {
		got := quietTarget(c.person, c.target)
		if got != c.want {
			t.Errorf("quietTarget(%d, %q) = %q, want %q", c.person, c.target, got, c.want)
		}
		p, orig, ok := parseQuietTarget(got)
		if !ok || p != c.person || isQuietTarget(orig) {
			t.Errorf("parseQuietTarget(%q) = %d %q %v", got, p, orig, ok)
		}
	}
	for _, bad := range []string{"contact", "quiet:", "quiet:x:contact", "quiet:0:contact", "quiet:3:"} {
		if _, _, ok := parseQuietTarget(bad); ok {
			t.Errorf("parseQuietTarget(%q) ok", bad)
		}
	}
}
