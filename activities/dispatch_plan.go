package activities

import (
	"slices"
	"strconv"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// message is one delivery of a dispatch: a digest or an urgent entry, to one recipient.
type message struct {
	notice notify.Notice
	to     notify.Recipient
}

// dispatchPlan is what a dispatch does with its claimed notices.
type dispatchPlan struct {
	dropped    map[string][]int64 // notice ids by why they no longer apply
	sent       []int64            // notice ids that go out in messages
	messages   []message
	recipients int // distinct recipients of the messages
	// deferred are the reminders held back from people on a quiet day (DeferNotices)
	deferred []store.Deferral
}

// planDispatch turns the claimed notices into messages, without a database: reach says whom
// each notice reaches (by reachKey; see resolve), cal counts the working days the entries
// show at the window (cutoff). Notices that no longer apply, or reach no one, are dropped with
// the reason; the others make one digest per recipient for the window, each item once in its
// most pressing kind, and one message per urgent entry.
func planDispatch(notices []store.Notice, reach map[string][]notify.Recipient, cal *calendar.Calendar, cutoff time.Time) dispatchPlan {
	return planDispatchFor(notices, reach, nil, cal, cutoff)
}

// planDispatchFor is planDispatch respecting the settings of the people reached (by person
// id; a person without an entry has none): a person with the digest off gets no non-urgent
// reminder before or on the due day, and a person's messages go out only on the channels they
// want. A message carrying an escalation (level ≥ 1) ignores both and uses every channel the
// person has: a leader cannot opt out of being escalated to. A notice everyone it reaches
// opted out of is dropped as "opted out".
//
// The same reminders a person can turn off wait while the window's day is one of their quiet
// days: they are deferred to the person's next window that is not (see deferral), and a
// notice every one of whose people is quiet or opted out is dropped as "quiet days" (its
// copies carry it on). A copy that falls on a quiet day again is moved, not copied again.
func planDispatchFor(notices []store.Notice, reach map[string][]notify.Recipient, settings map[int64]store.PersonSettings, cal *calendar.Calendar, cutoff time.Time) dispatchPlan {
	p := dispatchPlan{dropped: map[string][]int64{}}
	var (
		addressed, urgent []notify.Addressed
		people            = map[string]notify.Recipient{}
	)
	for _, n := range notices {
		if why := stale(n); why != "" {
			p.dropped[why] = append(p.dropped[why], n.ID)
			continue
		}
		rs := reach[reachKey(n)]
		if len(rs) == 0 {
			p.dropped["no recipient"] = append(p.dropped["no recipient"], n.ID)
			continue
		}
		e := entry(n, cal, cutoff)
		reached, deferred := 0, 0
		for _, r := range rs {
			if optedOut(r, n, settings) {
				continue
			}
			if d, ok := deferral(r, n, settings, cal, cutoff); ok {
				p.deferred = append(p.deferred, d)
				deferred++
				continue
			}
			reached++
			people[r.Key] = r
			ad := notify.Addressed{Recipient: r.Key, Entry: e}
			if n.Urgent {
				urgent = append(urgent, ad)
			} else {
				addressed = append(addressed, ad)
			}
		}
		switch {
		case reached == 0 && deferred > 0 && isQuietTarget(n.Target):
			// moved to its new window: pending again, neither sent nor dropped
			continue
		case reached == 0 && deferred > 0:
			p.dropped["quiet days"] = append(p.dropped["quiet days"], n.ID)
			continue
		case reached == 0:
			p.dropped["opted out"] = append(p.dropped["opted out"], n.ID)
			continue
		}
		p.sent = append(p.sent, n.ID)
	}
	for _, g := range notify.GroupDigests(addressed) {
		p.messages = append(p.messages, message{notify.DigestNotice(g, cutoff), withChannels(people[g.Recipient], g.Entries, settings)})
	}
	for _, u := range urgent {
		p.messages = append(p.messages, message{notify.Notice{Key: notify.UrgentKey(u.Recipient, u.Entry), Kind: u.Entry.Kind,
			At: cutoff, Urgent: true, Entries: []notify.Entry{u.Entry}}, withChannels(people[u.Recipient], []notify.Entry{u.Entry}, settings)})
	}
	seen := map[string]bool{}
	for _, m := range p.messages {
		seen[m.to.Key] = true
	}
	p.recipients = len(seen)
	return p
}

// reachKey names whom a notice reaches: its target for its item (or application) at its level.
func reachKey(n store.Notice) string {
	if n.UnitID != 0 {
		return n.Target + "/tongbao:" + strconv.FormatInt(n.UnitID, 10)
	}
	if n.ApplicationID != 0 {
		return n.Target + "/application:" + strconv.FormatInt(n.ApplicationID, 10) + "/" + strconv.Itoa(n.Level)
	}
	return n.Target + "/" + strconv.FormatInt(n.ItemID, 10) + "/" + strconv.Itoa(n.Level)
}

// stale says why a claimed notice no longer applies, or "".
func stale(n store.Notice) string {
	switch {
	case !n.ItemActive:
		return "item cancelled"
	case n.ItemPaused:
		return "item paused"
	}
	switch n.CycleStatus {
	case "done":
		return "cycle done"
	case "cancelled", "skipped":
		return "cycle " + n.CycleStatus
	}
	// The cycle's due point as stored now, not its status, decides whether an escalation still
	// applies: the item workflow and the dispatcher wake at the same instant, and the item may
	// not have recorded "overdue" yet; an extension moves the due point past the notice.
	if (n.Kind == "overdue" || n.Kind == "escalation") && !n.CycleDue.Before(n.At) {
		return "cycle not overdue"
	}
	return ""
}

// entry is what a message says about one notice, with working days counted at the window.
func entry(n store.Notice, cal *calendar.Calendar, at time.Time) notify.Entry {
	if n.UnitID != 0 {
		// a 通报 has no due day: it links to its page, and its figures are its status
		return notify.Entry{Kind: notify.Tongbao, Title: n.Title, Requirement: n.Requirement, Unit: n.Unit, Cycle: n.CycleKey,
			Link: "/tongbao?unit=" + strconv.FormatInt(n.UnitID, 10) + "&month=" + n.CycleKey}
	}
	e := notify.Entry{
		ItemID: n.ItemID, Kind: notify.Kind(n.Kind), Title: n.Title, Requirement: n.Requirement, Unit: n.Unit,
		Offices: n.Offices, Cycle: n.CycleKey, Due: calendar.DateOf(n.CycleDue), Level: n.Level, Urgent: n.Urgent,
	}
	if n.ApplicationID != 0 {
		// A negative id keeps each application its own digest entry, apart from the items,
		// and signs no item link for it: the case page needs a login, the applicant's data
		// being personal.
		e.ItemID = -n.ApplicationID
	}
	today, due := calendar.DateOf(at), calendar.DateOf(n.CycleDue)
	if n.Urgent {
		e.DueAt = n.CycleDue
		if h := int(n.CycleDue.Sub(at).Hours()); h > 0 {
			e.HoursLeft = h
		}
	}
	switch {
	case due.Before(today):
		e.WorkdaysOverdue, _ = cal.WorkingDaysBetween(due, today)
	case today.Before(due):
		e.WorkdaysLeft, _ = cal.WorkingDaysBetween(today, due)
	}
	return e
}

// optedOut says whether a person's settings turn notice n off for them: only a non-urgent
// reminder or 今日到期 at level 0 of an item or application, never an overdue notice, an
// escalation or a 通报.
func optedOut(r notify.Recipient, n store.Notice, settings map[int64]store.PersonSettings) bool {
	if !personal(r, n) {
		return false
	}
	ps, ok := settings[r.ID]
	return ok && !ps.Digest
}

// personal says whether n is, for r, a reminder a person's settings apply to: only a
// non-urgent reminder or 今日到期 at level 0 of an item or application, never an overdue
// notice, an escalation or a 通报.
func personal(r notify.Recipient, n store.Notice) bool {
	return r.Kind == "person" && !n.Urgent && n.Level == 0 && n.UnitID == 0 && (n.Kind == "reminder" || n.Kind == "due")
}

// withChannels is r with only the channels its person wants, in the person's order, unless an
// entry escalates. A wanted channel the admins have since removed is ignored; wanting none of
// those left falls back to all, so that a message never has nowhere to go because of a setting.
func withChannels(r notify.Recipient, entries []notify.Entry, settings map[int64]store.PersonSettings) notify.Recipient {
	ps, ok := settings[r.ID]
	if r.Kind != "person" || !ok || len(ps.Channels) == 0 {
		return r
	}
	for _, e := range entries {
		if e.Level > 0 || e.Kind == notify.Escalation {
			return r
		}
	}
	var want []string
	for _, c := range r.Channels {
		if slices.Contains(ps.Channels, c) {
			want = append(want, c)
		}
	}
	if len(want) > 0 {
		r.Channels = want
	}
	return r
}
