package activities

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// Quiet days. A reminder a person could turn off (see personal) that comes due on one of their
// quiet days is not sent to them that day: the dispatch writes a copy of the notice for that
// person alone, pending at their next window that is not quiet, with the target
// "quiet:<person id>:<the notice's target>". The copy goes through the dispatcher like any
// notice: it is claimed, checked for staleness (a cycle done meanwhile drops it), resolved
// (only if the person is still among those the original target reaches) and folded into the
// person's digest of that window.

const quietPrefix = "quiet:"

// maxQuietSearch bounds the search for a window that is not quiet. Validation keeps a working
// weekday free, so one is always near; a calendar without working days for a year gets the
// reminder sent at once rather than held for ever.
const maxQuietSearch = 400

func quietTarget(person int64, target string) string {
	if p, orig, ok := parseQuietTarget(target); ok && p == person {
		return target // a copy deferred again keeps its target
	} else if ok {
		target = orig
	}
	return quietPrefix + strconv.FormatInt(person, 10) + ":" + target
}

func isQuietTarget(target string) bool { return strings.HasPrefix(target, quietPrefix) }

// parseQuietTarget splits a copy's target into its person and the original target.
func parseQuietTarget(target string) (person int64, orig string, ok bool) {
	rest, ok := strings.CutPrefix(target, quietPrefix)
	if !ok {
		return 0, "", false
	}
	id, orig, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", false
	}
	person, err := strconv.ParseInt(id, 10, 64)
	if err != nil || person <= 0 || orig == "" {
		return 0, "", false
	}
	return person, orig, true
}

// deferral says whether n waits for r because the window (cutoff) falls on one of r's quiet
// days, and until when: the first later working day that is not quiet, at the time of day of
// the notice's own window, so that it joins that day's digest.
func deferral(r notify.Recipient, n store.Notice, settings map[int64]store.PersonSettings, cal *calendar.Calendar, cutoff time.Time) (store.Deferral, bool) {
	if !personal(r, n) {
		return store.Deferral{}, false
	}
	q := settings[r.ID].Quiet
	today := calendar.DateOf(cutoff)
	if q.IsZero() || !q.Has(today) {
		return store.Deferral{}, false
	}
	at, ok := nextWindow(q, cal, n.At, today)
	if !ok {
		return store.Deferral{}, false
	}
	return store.Deferral{NoticeID: n.ID, PersonID: r.ID, Target: quietTarget(r.ID, n.Target), At: at, Move: isQuietTarget(n.Target)}, true
}

// nextWindow is window's time of day (Shanghai) on the first working day after today that q
// leaves free.
func nextWindow(q store.QuietDays, cal *calendar.Calendar, window time.Time, today calendar.Date) (time.Time, bool) {
	w := window.In(calendar.Shanghai)
	d := today
	for range maxQuietSearch {
		d = d.AddDays(1)
		if cal.IsWorkingDay(d) && !q.Has(d) {
			return time.Date(d.Year, d.Month, d.Day, w.Hour(), w.Minute(), w.Second(), 0, calendar.Shanghai), true
		}
	}
	return time.Time{}, false
}

// settingsOf is PersonSettingsOf with each person's quiet days from the window's day on.
func (a *Activities) settingsOf(ctx context.Context, ids []int64, today calendar.Date) (map[int64]store.PersonSettings, error) {
	settings, err := a.Store.PersonSettingsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	quiet, err := a.Store.QuietDaysOf(ctx, ids, today)
	if err != nil {
		return nil, err
	}
	for id, q := range quiet {
		ps, ok := settings[id]
		if !ok {
			ps = store.PersonSettings{Digest: true}
		}
		ps.Quiet = q
		settings[id] = ps
	}
	return settings, nil
}

// quietRecipients resolves a deferred copy: its person, if the original target still reaches
// them (they may have left the office meanwhile, and then the copy reaches no one).
func (a *Activities) quietRecipients(ctx context.Context, n store.Notice, person int64, orig string) ([]notify.Recipient, error) {
	n.Target = orig
	rs, err := a.recipients(ctx, n)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Kind == "person" && r.ID == person {
			return []notify.Recipient{r}, nil
		}
	}
	return nil, nil
}
