package activities

import (
	"slices"
	"testing"
	"time"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// Per-person settings: the digest off silences the non-urgent reminders and 今日到期 of level 0,
// wanted channels narrow where messages go, and an escalation ignores both.
func TestPlanDispatchPersonSettings(t *testing.T) {
	cal, window, soon, late := planCal, planWindow, planSoon, planLate
	hours := window.Add(5 * time.Hour)
	both := []string{"email", "sms"}
	quiet := notify.Recipient{Key: store.PersonKey(1), Kind: "person", ID: 1, Name: "王五", Email: "ww@x.gov.cn", Mobile: "13800138001", Channels: both}
	mailOnly := notify.Recipient{Key: store.PersonKey(2), Kind: "person", ID: 2, Name: "赵六", Email: "zl@x.gov.cn", Mobile: "13800138002", Channels: both}
	leader := notify.Recipient{Key: store.PersonKey(3), Kind: "person", ID: 3, Name: "钱七", Email: "qq@x.gov.cn", Mobile: "13800138003", Channels: both}
	plain := notify.Recipient{Key: store.PersonKey(4), Kind: "person", ID: 4, Name: "孙八", Email: "sb@x.gov.cn", Channels: []string{"email"}}
	robot := notify.Recipient{Key: store.RobotKey(5), Kind: "robot", ID: 5, Name: "工作群", Channels: []string{"dingtalk"}}
	settings := map[int64]store.PersonSettings{
		1: {Digest: false},
		2: {Digest: true, Channels: []string{"email"}},
		// 钱七 wants SMS only and no digest: escalations reach them anyway, on both channels
		3: {Digest: false, Channels: []string{"sms"}},
		// a wanted channel the admins have since removed from 孙八: ignored, email stays
		4: {Digest: true, Channels: []string{"sms"}},
	}
	live := liveNotices(window, "2024")
	urgentDue := live(6, 25, "due", "contact", 0, hours)
	urgentDue.Urgent = true
	tongbao := store.Notice{ID: 7, UnitID: 9, Kind: "tongbao", Target: "person@3", At: window, CycleKey: "2024-05", CycleStatus: "open", ItemActive: true}
	notices := []store.Notice{
		live(1, 20, "reminder", "contact", 0, soon),      // 王五 and the robot: the robot still gets it
		live(2, 21, "due", "contact", 0, soon),           // 王五 alone: dropped as opted out
		live(3, 22, "overdue", "contact", 0, late),       // 王五: overdue notices are not reminders
		live(4, 23, "escalation", "supervisor", 1, late), // 钱七: escalated to despite the digest off
		live(5, 24, "reminder", "contact", 0, soon),      // 赵六 (email only) and 孙八
		urgentDue,                                // 王五: an urgent clock is not a digest reminder
		tongbao,                                  // 钱七: a 通报 is not a reminder
		live(8, 26, "reminder", "head", 0, soon), // 钱七 alone: opted out
	}
	reach := map[string][]notify.Recipient{
		reachKey(notices[0]): {quiet, robot},
		reachKey(notices[1]): {quiet},
		reachKey(notices[2]): {quiet},
		reachKey(notices[3]): {leader},
		reachKey(notices[4]): {mailOnly, plain},
		reachKey(notices[5]): {quiet},
		reachKey(notices[6]): {leader},
		reachKey(notices[7]): {leader},
	}

	p := planDispatchFor(notices, reach, settings, cal, window)

	if want := []int64{2, 8}; !slices.Equal(p.dropped["opted out"], want) {
		t.Errorf("dropped as opted out: %v, want %v (all: %v)", p.dropped["opted out"], want, p.dropped)
	}
	if want := []int64{1, 3, 4, 5, 6, 7}; !slices.Equal(p.sent, want) {
		t.Errorf("sent %v, want %v", p.sent, want)
	}
	type sent struct {
		channels []string
		items    []int64
		urgent   bool
	}
	var got = map[string][]sent{}
	for _, m := range p.messages {
		var items []int64
		for _, e := range m.notice.Entries {
			items = append(items, e.ItemID)
		}
		slices.Sort(items)
		got[m.to.Key] = append(got[m.to.Key], sent{m.to.Channels, items, m.notice.Urgent})
	}
	check := func(who notify.Recipient, want []sent) {
		t.Helper()
		g := got[who.Key]
		slices.SortFunc(g, func(a, b sent) int { return int(a.items[0] - b.items[0]) })
		if len(g) != len(want) {
			t.Errorf("%s: %d messages %+v, want %+v", who.Name, len(g), g, want)
			return
		}
		for i := range want {
			if !slices.Equal(g[i].channels, want[i].channels) || !slices.Equal(g[i].items, want[i].items) || g[i].urgent != want[i].urgent {
				t.Errorf("%s message %d: %+v, want %+v", who.Name, i, g[i], want[i])
			}
		}
	}
	check(quiet, []sent{{both, []int64{22}, false}, {both, []int64{25}, true}})
	check(robot, []sent{{[]string{"dingtalk"}, []int64{20}, false}})
	// the 通报 entry has no item id (0), the escalation is item 23: one digest, every channel
	check(leader, []sent{{both, []int64{0, 23}, false}})
	check(mailOnly, []sent{{[]string{"email"}, []int64{24}, false}})
	check(plain, []sent{{[]string{"email"}, []int64{24}, false}})
	if p.recipients != 5 {
		t.Errorf("%d recipients, want 5", p.recipients)
	}

	// Without settings, the same window sends every notice to everyone on all their channels.
	p = planDispatchFor(notices, reach, nil, cal, window)
	if len(p.dropped) != 0 || len(p.sent) != len(notices) {
		t.Errorf("without settings: dropped %v, sent %v, want every notice sent", p.dropped, p.sent)
	}
	for _, m := range p.messages {
		if m.to.Key == mailOnly.Key && !slices.Equal(m.to.Channels, both) {
			t.Errorf("without settings 赵六 gets %v, want %v", m.to.Channels, both)
		}
	}
}

// A person whose settings want SMS alone gets a digest of reminders by SMS only, but once one
// of the digest's items escalates to them, the whole digest goes out on every channel.
func TestPlanDispatchWantedChannelsYieldToEscalation(t *testing.T) {
	cal, at := planCal, planWindow
	r := notify.Recipient{Key: store.PersonKey(1), Kind: "person", ID: 1, Email: "a@x.gov.cn", Mobile: "13800138000", Channels: []string{"email", "sms"}}
	settings := map[int64]store.PersonSettings{1: {Digest: true, Channels: []string{"sms"}}}
	rem := store.Notice{ID: 1, ItemID: 1, Kind: "reminder", Target: "head", At: at, CycleDue: at.AddDate(0, 0, 7), CycleStatus: "open", ItemActive: true}
	p := planDispatchFor([]store.Notice{rem}, map[string][]notify.Recipient{reachKey(rem): {r}}, settings, cal, at)
	if len(p.messages) != 1 || !slices.Equal(p.messages[0].to.Channels, []string{"sms"}) {
		t.Fatalf("reminder alone: %+v, want one message by sms", p.messages)
	}
	esc := store.Notice{ID: 2, ItemID: 2, Kind: "escalation", Target: "head", Level: 2, At: at, CycleDue: at.AddDate(0, 0, -3), CycleStatus: "open", ItemActive: true}
	p = planDispatchFor([]store.Notice{rem, esc}, map[string][]notify.Recipient{reachKey(rem): {r}, reachKey(esc): {r}}, settings, cal, at)
	if len(p.messages) != 1 || len(p.messages[0].notice.Entries) != 2 || !slices.Equal(p.messages[0].to.Channels, []string{"email", "sms"}) {
		t.Errorf("with an escalation: %+v, want one digest of both items by email and sms", p.messages)
	}
	if !slices.Equal(r.Channels, []string{"email", "sms"}) {
		t.Errorf("planning changed the recipient's own channels to %v", r.Channels)
	}
}
