package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// Dispatch sends every notice due by the request's cutoff: it claims them under the request's
// key (a retry sees the same set), drops those that no longer apply (the cycle was done, the
// item paused or cancelled), resolves each notice's target to people and robots now (so that
// directory changes apply), and sends each recipient one digest for the window, or one message
// per urgent entry. The delivery log makes every message go out once however often this runs.
func (a *Activities) Dispatch(ctx context.Context, req DispatchRequest) (DispatchResult, error) {
	var res DispatchResult
	if a.Deliverer == nil {
		return res, temporal.NewNonRetryableApplicationError("no notification channels configured", "Config", nil)
	}
	// Heartbeat on a ticker as well as after each delivery: claiming a large window and one
	// slow SMTP conversation must not look like a dead worker to Temporal.
	if activity.IsActivity(ctx) {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-t.C:
					activity.RecordHeartbeat(ctx, "alive")
				}
			}
		}()
	}
	if _, err := a.Store.ClaimNotices(ctx, req.Key, req.Cutoff); err != nil {
		return res, err
	}
	notices, err := a.Store.ClaimedNotices(ctx, req.Key)
	if err != nil {
		return res, err
	}
	// applications' reminders share the window and the digests with the items'
	apps, err := a.Store.ClaimedApplicationNotices(ctx, req.Key)
	if err != nil {
		return res, err
	}
	notices = append(notices, apps...)
	res.Notices = len(notices)
	if len(notices) == 0 {
		return res, nil
	}
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return res, err
	}
	cal := calendar.New(append(calendar.Official(), years...)...)

	var (
		dropped   = map[string][]int64{}
		sent      []int64
		addressed []notify.Addressed
		urgent    []notify.Addressed
		people    = map[string]notify.Recipient{}
		resolved  = map[string][]notify.Recipient{}
	)
	for _, n := range notices {
		if why := stale(n); why != "" {
			dropped[why] = append(dropped[why], n.ID)
			continue
		}
		rkey := n.Target + "/" + strconv.FormatInt(n.ItemID, 10) + "/" + strconv.Itoa(n.Level)
		if n.ApplicationID != 0 {
			rkey = n.Target + "/application:" + strconv.FormatInt(n.ApplicationID, 10) + "/" + strconv.Itoa(n.Level)
		}
		rs, ok := resolved[rkey]
		if !ok {
			rs, err = a.recipients(ctx, n)
			if errors.Is(err, store.ErrNotFound) {
				// Nobody to tell is a directory problem the admins must see, not a reason to
				// block every other message of the window.
				a.logf("no recipient for notice", "item", n.ItemID, "target", n.Target, "err", err)
				rs = nil
			} else if err != nil {
				return res, err
			}
			resolved[rkey] = rs
		}
		if len(rs) == 0 {
			dropped["no recipient"] = append(dropped["no recipient"], n.ID)
			continue
		}
		e := entry(n, cal, req.Cutoff)
		for _, r := range rs {
			people[r.Key] = r
			ad := notify.Addressed{Recipient: r.Key, Entry: e}
			if n.Urgent {
				urgent = append(urgent, ad)
			} else {
				addressed = append(addressed, ad)
			}
		}
		sent = append(sent, n.ID)
	}
	for why, ids := range dropped {
		if err := a.Store.SettleNotices(ctx, ids, "dropped", why); err != nil {
			return res, err
		}
		res.Dropped += len(ids)
	}

	type job struct {
		n  notify.Notice
		to notify.Recipient
	}
	var jobs []job
	for _, g := range notify.GroupDigests(addressed) {
		jobs = append(jobs, job{notify.DigestNotice(g, req.Cutoff), people[g.Recipient]})
	}
	for _, u := range urgent {
		jobs = append(jobs, job{notify.Notice{Key: notify.UrgentKey(u.Recipient, u.Entry), Kind: u.Entry.Kind, At: req.Cutoff,
			Urgent: true, Entries: []notify.Entry{u.Entry}}, people[u.Recipient]})
	}
	recipients := map[string]bool{}
	for _, j := range jobs {
		recipients[j.to.Key] = true
	}
	res.Recipients = len(recipients)

	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		errs     []error
		sem      = make(chan struct{}, a.parallel())
		progress int
	)
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := a.Deliverer.Deliver(ctx, j.n, j.to)
			mu.Lock()
			defer mu.Unlock()
			progress++
			switch {
			case err == nil:
				res.Messages++
			case notify.IsPermanent(err):
				// Failed for good on every channel: the delivery log holds it and the admins
				// are alerted; retrying the dispatch would not help.
				res.Failed++
			default:
				errs = append(errs, fmt.Errorf("deliver %s to %s: %w", j.n.Key, j.to.Key, err))
			}
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, progress)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		// Retried: sent messages replay from the log and the rest go out. A provider that
		// asked us to wait (rate limit, reconciliation pending) sets the next attempt's delay.
		var wait time.Duration
		for _, e := range errs {
			wait = max(wait, notify.RetryAfter(e))
		}
		if wait > 0 {
			return res, temporal.NewApplicationErrorWithOptions(err.Error(), "RetryAfter", temporal.ApplicationErrorOptions{NextRetryDelay: wait, Cause: err})
		}
		return res, err
	}
	if err := a.Store.SettleNotices(ctx, sent, "sent", ""); err != nil {
		return res, err
	}
	if _, err := a.Deliverer.AlertFailures(ctx); err != nil {
		a.logf("alert admins of failed deliveries", "err", err)
	}
	return res, nil
}

func (a *Activities) parallel() int {
	if a.SendParallel > 0 {
		return a.SendParallel
	}
	return 8
}

func (a *Activities) logf(msg string, args ...any) {
	if a.Logger != nil {
		a.Logger.Warn(msg, args...)
	}
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

// recipients resolves a notice's target. A timely event assigned to one office targets
// "contact@<office id>": only that office's contacts and robots.
func (a *Activities) recipients(ctx context.Context, n store.Notice) ([]notify.Recipient, error) {
	if n.ApplicationID != 0 {
		return a.Store.ApplicationRecipients(ctx, n.ApplicationID, n.Target, n.Level)
	}
	if office, ok := strings.CutPrefix(n.Target, "contact@"); ok {
		id, err := strconv.ParseInt(office, 10, 64)
		if err == nil && id <= 0 {
			err = errors.New("no office")
		}
		if err != nil {
			return nil, fmt.Errorf("notice %d: target %q: %w", n.ID, n.Target, err)
		}
		return a.Store.OfficeRecipients(ctx, id, store.TargetContact)
	}
	return a.Store.RecipientsFor(ctx, n.ItemID, n.Target, n.Level)
}

// entry is what a message says about one notice, with working days counted at the window.
func entry(n store.Notice, cal *calendar.Calendar, at time.Time) notify.Entry {
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
