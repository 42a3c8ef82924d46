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
	beat, stop := startHeartbeat(ctx, 10*time.Second)
	defer stop()
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
	tongbao, err := a.Store.ClaimedTongbaoNotices(ctx, req.Key)
	if err != nil {
		return res, err
	}
	notices = append(notices, tongbao...)
	res.Notices = len(notices)
	if len(notices) == 0 {
		return res, nil
	}
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return res, err
	}
	cal := calendar.New(append(calendar.Official(), years...)...)
	reach, err := a.resolve(ctx, notices)
	if err != nil {
		return res, err
	}

	settings, err := a.settingsOf(ctx, personIDs(reach), calendar.DateOf(req.Cutoff))
	if err != nil {
		return res, err
	}
	p := planDispatchFor(notices, reach, settings, cal, req.Cutoff)
	// before anything is settled: a notice dropped as "quiet days" lives on in its copies
	if err := a.Store.DeferNotices(ctx, p.deferred); err != nil {
		return res, err
	}
	for why, ids := range p.dropped {
		if err := a.Store.SettleNotices(ctx, ids, "dropped", why); err != nil {
			return res, err
		}
		res.Dropped += len(ids)
	}
	res.Recipients = p.recipients
	res.Messages, res.Failed, err = a.send(ctx, p.messages, beat)
	if err != nil {
		return res, err
	}
	if err := a.Store.SettleNotices(ctx, p.sent, "sent", ""); err != nil {
		return res, err
	}
	if _, err := a.Deliverer.AlertFailures(ctx); err != nil {
		a.logf("alert admins of failed deliveries", "err", err)
	}
	return res, nil
}

// startHeartbeat heartbeats every interval until stop, and gives beat for progress in between:
// claiming a large window or one slow SMTP conversation must not look like a dead worker to
// Temporal. Outside an activity (tests call Dispatch directly) both are no-ops.
func startHeartbeat(ctx context.Context, every time.Duration) (beat func(details any), stop func()) {
	if !activity.IsActivity(ctx) {
		return func(any) {}, func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, "alive")
			}
		}
	}()
	return func(details any) { activity.RecordHeartbeat(ctx, details) }, func() { close(done) }
}

// send delivers the messages, a.parallel() at a time, and counts those sent and those failed
// for good. Other failures come back joined, to be retried: sent messages replay from the
// delivery log and the rest go out. A provider that asked us to wait (rate limit,
// reconciliation pending) sets the next attempt's delay.
func (a *Activities) send(ctx context.Context, messages []message, beat func(any)) (sent, failed int, err error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		errs     []error
		sem      = make(chan struct{}, a.parallel())
		progress int
	)
	for _, m := range messages {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := a.Deliverer.Deliver(ctx, m.notice, m.to)
			mu.Lock()
			defer mu.Unlock()
			progress++
			switch {
			case err == nil:
				sent++
			case notify.IsPermanent(err):
				// Failed for good on every channel: the delivery log holds it and the admins
				// are alerted; retrying the dispatch would not help.
				failed++
			default:
				errs = append(errs, fmt.Errorf("deliver %s to %s: %w", m.notice.Key, m.to.Key, err))
			}
			beat(progress)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		var wait time.Duration
		for _, e := range errs {
			wait = max(wait, notify.RetryAfter(e))
		}
		if wait > 0 {
			return sent, failed, temporal.NewApplicationErrorWithOptions(err.Error(), "RetryAfter", temporal.ApplicationErrorOptions{NextRetryDelay: wait, Cause: err})
		}
		return sent, failed, err
	}
	return sent, failed, nil
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

// resolve finds whom each notice that still applies reaches, by reachKey: once per target,
// item and level, however many notices share them. Nobody to tell is a directory problem the
// admins must see, not a reason to block every other message of the window: such a target
// maps to no one and its notices are dropped.
//
// The items' contacts and heads, which a peak window holds by the ten thousand, are read in one
// query per target first; the rest, and an item nobody is found for (to report it), one by one.
func (a *Activities) resolve(ctx context.Context, notices []store.Notice) (map[string][]notify.Recipient, error) {
	reach := map[string][]notify.Recipient{}
	byTarget := map[string][]int64{}
	for _, n := range notices {
		if direct(n) && stale(n) == "" {
			byTarget[n.Target] = append(byTarget[n.Target], n.ItemID)
		}
	}
	known := map[string]map[int64][]notify.Recipient{}
	for target, ids := range byTarget {
		m, err := a.Store.RecipientsForItems(ctx, ids, target)
		if err != nil {
			return nil, err
		}
		known[target] = m
	}
	for _, n := range notices {
		k := reachKey(n)
		if _, ok := reach[k]; ok || stale(n) != "" {
			continue
		}
		if rs, ok := known[n.Target][n.ItemID]; ok && direct(n) {
			reach[k] = rs
			continue
		}
		rs, err := a.recipients(ctx, n)
		if errors.Is(err, store.ErrNotFound) {
			a.logf("no recipient for notice", "item", n.ItemID, "target", n.Target, "err", err)
			rs = nil
		} else if err != nil {
			return nil, err
		}
		reach[k] = rs
	}
	return reach, nil
}

// direct says whether a notice goes to its item's own contacts or heads, which
// RecipientsForItems resolves for many items at once (the level does not matter for them).
func direct(n store.Notice) bool {
	return n.ApplicationID == 0 && n.UnitID == 0 && n.ItemID != 0 && (n.Target == store.TargetContact || n.Target == store.TargetHead)
}

// recipients resolves a notice's target. A timely event assigned to one office targets
// "contact@<office id>": only that office's contacts and robots.
func (a *Activities) recipients(ctx context.Context, n store.Notice) ([]notify.Recipient, error) {
	if person, orig, ok := parseQuietTarget(n.Target); ok {
		return a.quietRecipients(ctx, n, person, orig)
	}
	if n.ApplicationID != 0 {
		return a.Store.ApplicationRecipients(ctx, n.ApplicationID, n.Target, n.Level)
	}
	if n.UnitID != 0 {
		return a.Store.TongbaoRecipient(ctx, n.UnitID, n.Target)
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

// personIDs are the people among the recipients, whose settings the plan respects.
func personIDs(reach map[string][]notify.Recipient) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, rs := range reach {
		for _, r := range rs {
			if r.Kind == "person" && !seen[r.ID] {
				seen[r.ID] = true
				ids = append(ids, r.ID)
			}
		}
	}
	return ids
}
