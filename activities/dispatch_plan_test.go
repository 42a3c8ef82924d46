package activities

import (
	"slices"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// The planDispatch tests' calendar and send window: Monday 3 June 2024 at 09:00, a reminder's
// cycle due 14 June (8 working days on, 端午 on 10 June off), an overdue one due the Friday before.
var (
	planCal    = calendar.New(calendar.Official()...)
	planWindow = time.Date(2024, 6, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	planSoon   = time.Date(2024, 6, 14, 23, 59, 59, 0, planWindow.Location())
	planLate   = time.Date(2024, 5, 31, 23, 59, 59, 0, planWindow.Location())
)

// liveNotices makes the claimed notices of a window at: each of an active item's open cycle.
func liveNotices(at time.Time, cycle string) func(id, item int64, kind, target string, level int, due time.Time) store.Notice {
	return func(id, item int64, kind, target string, level int, due time.Time) store.Notice {
		return store.Notice{ID: id, ItemID: item, Title: "事项", Kind: kind, Target: target, Level: level, At: at,
			CycleKey: cycle, CycleDue: due, CycleStatus: "open", ItemActive: true}
	}
}

// planDispatch without a database: which claimed notices are dropped and why, and which
// messages go to whom, for one send window.
func TestPlanDispatch(t *testing.T) {
	cal, window, soon, late := planCal, planWindow, planSoon, planLate
	zhang := notify.Recipient{Key: store.PersonKey(1), Kind: "person", ID: 1, Name: "张三", Email: "zs@x.gov.cn"}
	li := notify.Recipient{Key: store.PersonKey(2), Kind: "person", ID: 2, Name: "李四", Mobile: "13800138000"}
	robot := notify.Recipient{Key: store.RobotKey(5), Kind: "robot", ID: 5, Name: "办公室工作群"}
	hours := window.Add(5*time.Hour + 30*time.Minute) // an hour clock (舆情 5小时内)
	live := liveNotices(window, "2024")
	notices := []store.Notice{
		live(1, 10, "reminder", "contact", 0, soon),
		live(2, 11, "reminder", "contact", 0, soon),
		live(3, 12, "overdue", "contact", 0, late),
		live(4, 12, "escalation", "contact", 1, late), // same item and person: one entry, the escalation
		func() store.Notice { n := live(5, 13, "due", "contact", 0, hours); n.Urgent = true; return n }(),
		func() store.Notice { n := live(6, 14, "reminder", "contact", 0, soon); n.ItemActive = false; return n }(),
		func() store.Notice { n := live(7, 15, "reminder", "contact", 0, soon); n.ItemPaused = true; return n }(),
		func() store.Notice {
			n := live(8, 16, "reminder", "contact", 0, soon)
			n.CycleStatus = "done"
			return n
		}(),
		live(9, 17, "escalation", "supervisor", 3, soon), // extended past the window: not overdue any more
		live(10, 18, "escalation", "head", 2, late),      // nobody is head of that office
		func() store.Notice { n := live(11, 0, "reminder", "contact", 0, soon); n.ApplicationID = 3; return n }(),
	}
	reach := map[string][]notify.Recipient{
		reachKey(notices[0]):  {zhang, robot},
		reachKey(notices[1]):  {zhang},
		reachKey(notices[2]):  {zhang},
		reachKey(notices[3]):  {zhang},
		reachKey(notices[4]):  {li},
		reachKey(notices[10]): {li},
	}
	if reachKey(notices[10]) == reachKey(live(0, 3, "reminder", "contact", 0, soon)) {
		t.Fatal("an application's notice shares the reach of item 3's")
	}

	p := planDispatch(notices, reach, cal, window)

	wantDropped := map[string][]int64{"item cancelled": {6}, "item paused": {7}, "cycle done": {8},
		"cycle not overdue": {9}, "no recipient": {10}}
	if len(p.dropped) != len(wantDropped) {
		t.Errorf("dropped %v, want %v", p.dropped, wantDropped)
	}
	for why, ids := range wantDropped {
		if !slices.Equal(p.dropped[why], ids) {
			t.Errorf("dropped for %q: %v, want %v", why, p.dropped[why], ids)
		}
	}
	if want := []int64{1, 2, 3, 4, 5, 11}; !slices.Equal(p.sent, want) {
		t.Errorf("sent %v, want %v", p.sent, want)
	}
	if p.recipients != 3 {
		t.Errorf("%d recipients, want 3 (张三, 李四, the robot)", p.recipients)
	}

	type got struct {
		urgent  bool
		entries map[int64]notify.Entry
	}
	byKey := map[string]got{}
	for _, m := range p.messages {
		g := got{urgent: m.notice.Urgent, entries: map[int64]notify.Entry{}}
		for _, e := range m.notice.Entries {
			if _, dup := g.entries[e.ItemID]; dup {
				t.Errorf("%s: item %d twice", m.notice.Key, e.ItemID)
			}
			g.entries[e.ItemID] = e
		}
		if m.notice.Key == "" || m.to.Key == "" {
			t.Errorf("message without key or recipient: %+v", m)
		}
		byKey[m.to.Key+" "+m.notice.Key] = g
	}
	if len(p.messages) != 4 {
		t.Fatalf("%d messages, want 4 (three digests, one urgent): %v", len(p.messages), byKey)
	}
	zd, ok := byKey[zhang.Key+" "+notify.WindowKey(zhang.Key, window)]
	if !ok || zd.urgent || len(zd.entries) != 3 {
		t.Fatalf("张三's digest: %+v (ok %v), want items 10, 11, 12", zd, ok)
	}
	if e := zd.entries[12]; e.Kind != notify.Escalation || e.Level != 1 || e.WorkdaysOverdue != 1 {
		t.Errorf("item 12 in 张三's digest: %+v, want the escalation, level 1, 1 working day overdue (Friday to Monday)", e)
	}
	if e := zd.entries[10]; e.Kind != notify.Kind("reminder") || e.WorkdaysLeft != 8 || e.Due != calendar.DateOf(soon) {
		t.Errorf("item 10 in 张三's digest: %+v, want a reminder 8 working days before %v (端午 is off)", e, calendar.DateOf(soon))
	}
	if rd, ok := byKey[robot.Key+" "+notify.WindowKey(robot.Key, window)]; !ok || len(rd.entries) != 1 || rd.entries[10].ItemID != 10 {
		t.Errorf("the robot's digest: %+v (ok %v), want item 10 alone", rd, ok)
	}
	if ld, ok := byKey[li.Key+" "+notify.WindowKey(li.Key, window)]; !ok || len(ld.entries) != 1 || ld.entries[-3].ItemID != -3 {
		t.Errorf("李四's digest: %+v (ok %v), want application 3 alone, as entry -3", ld, ok)
	}
	urgentEntry := entry(notices[4], cal, window)
	lu, ok := byKey[li.Key+" "+notify.UrgentKey(li.Key, urgentEntry)]
	if !ok || !lu.urgent || len(lu.entries) != 1 || lu.entries[13].HoursLeft != 5 || !lu.entries[13].DueAt.Equal(hours) {
		t.Errorf("李四's urgent message: %+v (ok %v), want item 13, 5 hours left", lu, ok)
	}
}

// A window with nothing left to send plans no message and reaches no one.
func TestPlanDispatchAllStale(t *testing.T) {
	at := time.Date(2024, 6, 3, 1, 0, 0, 0, time.UTC)
	n := store.Notice{ID: 1, ItemID: 1, Kind: "reminder", Target: "contact", At: at, CycleDue: at.Add(48 * time.Hour), CycleStatus: "skipped", ItemActive: true}
	p := planDispatch([]store.Notice{n}, map[string][]notify.Recipient{reachKey(n): {{Key: store.PersonKey(1)}}}, calendar.New(calendar.Official()...), at)
	if len(p.messages) != 0 || len(p.sent) != 0 || p.recipients != 0 || !slices.Equal(p.dropped["cycle skipped"], []int64{1}) {
		t.Errorf("plan %+v, want notice 1 dropped as cycle skipped and nothing sent", p)
	}
}
