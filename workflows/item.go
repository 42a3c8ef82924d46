// Package workflows holds zwgk's Temporal workflows: one durable ItemWorkflow per list item,
// which walks its rule's cycles on the working-day calendar, and the DispatchWorkflow, which
// sends the notices the item workflows plan as one digest per recipient and send window.
//
// Workflow code only orchestrates: clocks come from the pure schedule package, side effects
// happen in activities. An item workflow sleeps on one durable timer until the next instant at
// which its own state changes (a cycle falls due, an escalation level is reached) and wakes
// early only for messages. Reminders do not wake it: it plans them as notices in PostgreSQL
// ahead of time and the dispatcher sends them, which keeps a monthly item near a hundred history
// events a year and lets one recipient's reminders of many items go out as one message.
package workflows

import (
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/temporalclient"
)

// Cycle statuses inside the workflow and in item_cycles.status.
const (
	cyclePending   = "pending"   // not started yet
	cycleOpen      = "open"      // started, not yet due
	cycleOverdue   = "overdue"   // past due, not done
	cycleDone      = "done"      // enough completions
	cycleSkipped   = "skipped"   // fell due before zwgk tracked the item; may still be completed
	cycleCancelled = "cancelled" // removed by a revision or a cancellation
)

// ItemInput starts or continues an item workflow.
type ItemInput struct {
	ItemID int64 `json:"item_id"`
	// Carry is the state handed over by continue-as-new; nil on the first run.
	Carry *Carry `json:"carry,omitempty"`
	// MaxHistory overrides the history length at which the workflow continues as new at the
	// next quiet point (tests use a small value).
	MaxHistory int `json:"max_history,omitempty"`
}

// Carry is the item's state: everything that is not derivable from the item definition.
type Carry struct {
	Seq           int64       `json:"seq"`
	TrackingStart time.Time   `json:"tracking_start"`
	Cycles        []*cycle    `json:"cycles"`
	Events        int         `json:"events"` // events recorded so far (keys of timely cycles)
	Gaps          int         `json:"gaps"`   // maximum-gap cycles opened so far
	Paused        bool        `json:"paused"`
	PausedAt      time.Time   `json:"paused_at,omitzero"`
	Cancelled     bool        `json:"cancelled"`
	LastDone      time.Time   `json:"last_done,omitzero"`
	Offices       []OfficeRef `json:"offices,omitempty"` // after a reassignment; nil = the item's own
	Attrs         searchAttrs `json:"attrs"`
}

type cycle struct {
	Key         string    `json:"key"`
	Start       time.Time `json:"start"`
	Due         time.Time `json:"due"`
	OriginalDue time.Time `json:"original_due"`
	Required    int       `json:"required"`
	Completions int       `json:"completions"`
	Status      string    `json:"status"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	Late        bool      `json:"late"`
	Level       int       `json:"level"`
	Repeats     int       `json:"repeats"`
	OverdueAt   time.Time `json:"overdue_at,omitzero"`
	// LadderFrom is the send window at which the ladder of a cycle that went overdue late
	// starts (see changeOverdueOpen); zero: the ladder counts from the due day.
	LadderFrom  time.Time `json:"ladder_from,omitzero"`
	Provisional bool      `json:"provisional"`
	EventTitle  string    `json:"event_title,omitempty"`
	Office      int64     `json:"office,omitempty"` // timely cycle assigned to one office
	Hourly      bool      `json:"hourly,omitempty"` // an hour clock: urgent, escalates by the hour
	EvidenceURL string    `json:"evidence_url,omitempty"`
	Note        string    `json:"note,omitempty"`
	DoneBy      string    `json:"done_by,omitempty"`
	// PlannedDue is the due point the cycle's notices were planned for; a different Due means
	// the plan is stale. PlannedRepeat is the last "still overdue" repeat planned.
	PlannedDue    time.Time `json:"planned_due,omitzero"`
	PlannedRepeat int       `json:"planned_repeat"`
	dirty         bool
}

type searchAttrs struct {
	Status  string    `json:"status"`
	NextDue time.Time `json:"next_due,omitzero"`
	Level   int       `json:"level"`
	Offices []string  `json:"offices"`
	Set     bool      `json:"set"`
}

// item is a running item workflow.
type item struct {
	ctx     workflow.Context
	in      ItemInput
	def     activities.ItemDefinition
	cal     *calendar.Calendar
	grace   time.Time // def.GraceUntil, once its version is recorded
	st      *Carry
	mu      workflow.Mutex
	changed bool
	events  []store.EventRow
	drop    []string
	dropAll string // reason, when every pending notice must go
	logger  interface {
		Info(string, ...interface{})
		Warn(string, ...interface{})
	}
	// lean is the run's changeLeanHistory version, asked once at its start.
	lean   bool
	timers []pendingTimer // sleep timers still running (lean runs), by instant
}

// pendingTimer is a sleep timer and the instant it fires at.
type pendingTimer struct {
	at     time.Time
	f      workflow.Future
	cancel workflow.CancelFunc
}

// changeLeanHistory versions two savings of history events; the notices, their instants and
// what is written to PostgreSQL stay the same. From version 1 a run takes every change older
// than this one at its newest version without asking for it, which spares the marker and the
// TemporalChangeVersion upsert that each of them recorded once per run; and a sleep keeps a
// running timer that fires at or after the next wake-up instead of cancelling it and starting
// another for the same instant (a first of two weekly updates, an event recorded while the
// close-of-year timer runs). It is asked only at the start of a run, so runs started by older
// code keep their behaviour to the end; their continue-as-new runs take it.
const changeLeanHistory = "lean-history"

// version is workflow.GetVersion for the changes older than changeLeanHistory: a lean run is
// at their newest version without recording it.
func (w *item) version(ctx workflow.Context, changeID string, maxSupported workflow.Version) workflow.Version {
	if w.lean {
		return maxSupported
	}
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, maxSupported)
}

var acts *activities.Activities // method values name the activities; never called directly

// ItemWorkflow is the durable life of one list item for its list's year.
func ItemWorkflow(ctx workflow.Context, in ItemInput) error {
	w := &item{ctx: ctx, in: in, mu: workflow.NewMutex(ctx), logger: workflow.GetLogger(ctx)}
	w.lean = workflow.GetVersion(ctx, changeLeanHistory, workflow.DefaultVersion, 1) >= 1
	if in.Carry != nil {
		w.st = in.Carry
	} else {
		w.st = &Carry{TrackingStart: workflow.Now(ctx)}
	}
	if err := w.load(ctx); err != nil {
		return err
	}
	if in.Carry == nil && w.def.Prior.Seq > 0 {
		w.resumeFrom(w.def.Prior)
	}
	w.buildCycles()
	if err := w.register(); err != nil {
		return err
	}
	if w.def.Status == "cancelled" && !w.st.Cancelled {
		w.cancel(Actor{By: "system", Reason: "item removed from its list"})
	}
	maxHistory := in.MaxHistory
	if maxHistory == 0 {
		maxHistory = 2000
	}
	for {
		now := workflow.Now(ctx)
		if err := w.lock(ctx); err != nil {
			return err
		}
		// Reset under the lock: a handler that changes the state after this point sets it
		// again, and one that ran before is already included in what follows.
		w.changed = false
		w.advance(now)
		finished := w.finished(now)
		err := w.flush(ctx, now)
		w.mu.Unlock()
		if err != nil {
			return err
		}
		if finished {
			// Updates accepted in this last task must be answered before the run ends.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			if !w.changed {
				return nil
			}
			continue
		}
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > maxHistory {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			next := ItemInput{ItemID: in.ItemID, Carry: w.st, MaxHistory: in.MaxHistory}
			return workflow.NewContinueAsNewError(ctx, ItemWorkflow, next)
		}
		wake := w.nextWake(now)
		if wake.IsZero() {
			w.cancelTimers(time.Time{})
			if err := workflow.Await(ctx, func() bool { return w.changed }); err != nil {
				return err
			}
			continue
		}
		if err := w.sleep(ctx, now, wake); err != nil {
			return err
		}
	}
}

// changeCancelSleepTimer versions the sleep: from version 1 a timer that a message beats is
// cancelled. Runs started before sleep with AwaitWithTimeout, which leaves its timer running
// unless an SDK flag is on, so a forgotten timer wakes them for nothing when it fires; they
// keep doing so until they end, because their histories hold those timers.
const changeCancelSleepTimer = "cancel-sleep-timer"

// sleep waits for the timer of wake or a change.
func (w *item) sleep(ctx workflow.Context, now, wake time.Time) error {
	d := wake.Sub(now)
	if w.version(ctx, changeCancelSleepTimer, 1) == workflow.DefaultVersion {
		_, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return w.changed })
		return err
	}
	if w.lean {
		return w.sleepLean(ctx, d, wake)
	}
	tctx, cancel := workflow.WithCancel(ctx)
	timer := workflow.NewTimer(tctx, d)
	if err := workflow.Await(ctx, func() bool { return w.changed || timer.IsReady() }); err != nil {
		cancel()
		return err
	}
	if !timer.IsReady() {
		cancel()
	}
	return nil
}

// sleepLean waits like sleep but leaves its timer running when a change comes first. A timer
// due before wake would fire for nothing and is cancelled; one due at wake is waited on again;
// later ones are kept for the wake-ups they were started for (the close of the year after an
// event's clock): each would otherwise cost a cancellation and a new start when it is needed
// again, and none fires for nothing, as a sleep towards a later wake cancels it first.
func (w *item) sleepLean(ctx workflow.Context, d time.Duration, wake time.Time) error {
	w.cancelTimers(wake)
	var timer workflow.Future
	for _, t := range w.timers {
		if t.at.Equal(wake) {
			timer = t.f
		}
	}
	if timer == nil {
		tctx, cancel := workflow.WithCancel(ctx)
		timer = workflow.NewTimer(tctx, d)
		i, _ := slices.BinarySearchFunc(w.timers, wake, func(t pendingTimer, at time.Time) int { return t.at.Compare(at) })
		w.timers = slices.Insert(w.timers, i, pendingTimer{at: wake, f: timer, cancel: cancel})
	}
	return workflow.Await(ctx, func() bool { return w.changed || timer.IsReady() })
}

// cancelTimers cancels the running sleep timers due before wake (all of them for a zero wake)
// and forgets those that fired, in the order of their instants so that replay issues the same
// commands.
func (w *item) cancelTimers(wake time.Time) {
	w.timers = slices.DeleteFunc(w.timers, func(t pendingTimer) bool {
		switch {
		case t.f.IsReady():
			return true
		case wake.IsZero() || t.at.Before(wake):
			t.cancel()
			return true
		}
		return false
	})
}

func (w *item) lock(ctx workflow.Context) error { return w.mu.Lock(ctx) }

// load fetches the definition: the item, its merged policy and the calendar.
func (w *item) load(ctx workflow.Context) error {
	ctx = workflow.WithLocalActivityOptions(ctx, localOptions)
	var def activities.ItemDefinition
	if err := workflow.ExecuteLocalActivity(ctx, acts.LoadItem, w.in.ItemID).Get(ctx, &def); err != nil {
		return fmt.Errorf("load item %d: %w", w.in.ItemID, err)
	}
	w.def = def
	w.cal = calendar.New(def.Calendar...)
	// only items that carry a grace ask for its version, so the histories of others are
	// untouched; asked here, not where the ladder is computed, as queries compute it too
	w.grace = time.Time{}
	if !def.GraceUntil.IsZero() && w.version(ctx, "late-import-grace", 1) >= 1 {
		w.grace = def.GraceUntil
	}
	// Likewise only policies of several send times a day ask for theirs. Code before the
	// change knew one send window, the first time of the day, and its histories replay so.
	if len(def.Policy.SendTimes) > 1 &&
		w.version(ctx, changeSeveralSendTimes, 1) < 1 {
		w.def.Policy = def.Policy.FirstWindowOnly()
	}
	if def.PolicyError != "" {
		w.logger.Warn("policy override ignored", "error", def.PolicyError)
	}
	return nil
}

// changeSeveralSendTimes versions policies with several send times a day (09:00 and 14:30):
// from version 1 a notice that falls due after a day's first window waits for the next one
// that day (schedule.NextWindow) instead of the next morning, and a ladder that starts late
// starts in that window.
const changeSeveralSendTimes = "several-send-times"

// resumeFrom seeds a run that has no carried state with what PostgreSQL recorded, so that a
// restarted workflow keeps its sequence (its writes would otherwise be ignored as stale) and its
// completions.
func (w *item) resumeFrom(p activities.ItemProgress) {
	w.st.Seq, w.st.TrackingStart, w.st.Paused = p.Seq, p.TrackingStart, p.Paused
	if p.Paused {
		w.st.PausedAt = workflow.Now(w.ctx)
	}
	byKey := map[string]*cycle{}
	for _, c := range w.st.Cycles {
		byKey[c.Key] = c
	}
	for _, r := range p.Cycles {
		c, ok := byKey[r.Key]
		if !ok {
			c = &cycle{Key: r.Key}
			w.st.Cycles = append(w.st.Cycles, c)
			switch r.Key[0] {
			case 'E':
				w.st.Events++
				c.EventTitle = r.EventTitle
				c.Hourly = w.def.Rule.Clock != nil && w.def.Rule.Clock.Unit == schedule.Hours
			case 'G':
				w.st.Gaps++
			}
		}
		c.Start, c.Due, c.OriginalDue, c.Status, c.Required = r.Start, r.Due, r.OriginalDue, r.Status, r.Required
		c.Completions, c.DoneAt, c.Late, c.Level = r.Completions, r.DoneAt, r.Late, r.Level
		c.EvidenceURL, c.Note, c.DoneBy = r.EvidenceURL, r.Note, r.DoneBy
		if c.Status == cycleOverdue {
			c.OverdueAt = c.Due
		}
		if !r.DoneAt.IsZero() && r.DoneAt.After(w.st.LastDone) {
			w.st.LastDone = r.DoneAt
		}
	}
	slices.SortStableFunc(w.st.Cycles, func(a, b *cycle) int { return a.Due.Compare(b.Due) })
}

// buildCycles merges the cycles the rule yields for the year into the state, keeping the
// completions of cycles that keep their key and cancelling those the rule no longer has.
func (w *item) buildCycles() {
	r := w.def.Rule
	switch r.Kind {
	case schedule.KindTimely, schedule.KindMaxGap, schedule.KindUnparsed:
		return
	}
	fresh, err := schedule.Cycles(r, w.def.Year, w.cal)
	if err != nil {
		w.logger.Warn("rule yields no cycles", "error", err)
		return
	}
	byKey := map[string]*cycle{}
	for _, c := range w.st.Cycles {
		byKey[c.Key] = c
	}
	single := r.Kind == schedule.KindDeadline || r.Kind == schedule.KindWindow
	keep := map[string]bool{}
	for _, f := range fresh {
		keep[f.Key] = true
		c, ok := byKey[f.Key]
		if !ok {
			c = &cycle{Key: f.Key, Status: cyclePending, dirty: true}
			w.st.Cycles = append(w.st.Cycles, c)
			// A recurring cycle that ended before zwgk tracked the item is history, not a miss;
			// a one-off deadline is still owed, so it stays and goes overdue.
			if !single && !f.Due.After(w.st.TrackingStart) {
				c.Status = cycleSkipped
			}
		}
		if c.OriginalDue.IsZero() || c.OriginalDue.Equal(c.Due) {
			c.Due = f.Due // not extended: follow the (possibly revised) rule
		}
		if !c.OriginalDue.Equal(f.Due) || !c.Start.Equal(f.Start) || c.Required != max(f.Required, 1) {
			c.dirty = true
		}
		c.Start, c.OriginalDue, c.Required, c.Provisional = f.Start, f.Due, max(f.Required, 1), f.Provisional
		if c.Status == cycleCancelled {
			c.Status = cyclePending
		}
	}
	for _, c := range w.st.Cycles {
		if !keep[c.Key] && c.Status != cycleDone && c.Status != cycleCancelled {
			c.Status, c.dirty = cycleCancelled, true
			w.drop = append(w.drop, c.Key)
		}
	}
	slices.SortStableFunc(w.st.Cycles, func(a, b *cycle) int { return a.Due.Compare(b.Due) })
}

// advance applies the passage of time: cycles start, fall due and climb the ladder.
func (w *item) advance(now time.Time) {
	if w.st.Cancelled || w.st.Paused {
		return
	}
	if w.def.Rule.Kind == schedule.KindMaxGap {
		w.openGap(now)
	}
	for _, c := range w.st.Cycles {
		switch c.Status {
		case cyclePending:
			if now.After(c.Due) {
				w.goOverdue(c, now)
			} else if !now.Before(c.Start) {
				c.Status, c.dirty = cycleOpen, true
			}
		case cycleOpen:
			if now.After(c.Due) {
				w.goOverdue(c, now)
			}
		}
		if c.Status == cycleOverdue {
			for _, lv := range w.escalations(c) {
				if lv.Level > c.Level && !now.Before(lv.At) {
					c.Level, c.dirty = lv.Level, true
					w.event("escalated", c.Key, "", map[string]any{"level": lv.Level, "target": w.levelTarget(lv.Level)})
				}
			}
			if n := w.repeatsDue(c, now); n > c.Repeats {
				c.Repeats, c.dirty = n, true
			}
		}
	}
}

// changeOverdueOpen versions cycles that go overdue after their ladder's first level was due:
// an event dated long ago, a late import without a grace, a deadline already past, a worker
// that was down for days. Before version 1 such a cycle climbed every level it had missed at
// once and planned every "still overdue" repeat since, all moved into the next send window:
// an event dated 2000-01-01 wrote 2,797 notices and sent 督办 to heads and leaders the same
// morning. From version 1 its ladder starts at the next send window (level 1 there, the
// ladder's spacing after it) and its missed reminders are not sent. Only cycles in that case
// ask for the version, so the histories of others are untouched.
const changeOverdueOpen = "overdue-open-no-replay"

func (w *item) goOverdue(c *cycle, now time.Time) {
	c.Status, c.dirty = cycleOverdue, true
	c.OverdueAt = c.Due
	c.LadderFrom = time.Time{}
	if lv := w.escalations(c); len(lv) > 0 && lv[0].At.Before(now) &&
		w.version(w.ctx, changeOverdueOpen, 1) >= 1 {
		c.LadderFrom = w.ladderStart(c, now)
		// a plan written before (the worker was down past the first level) is retimed
		c.PlannedDue = time.Time{}
	}
	w.event("overdue", c.Key, "", map[string]any{"due": c.Due})
}

// ladderStart is where the ladder of a cycle that went overdue late starts: the next send
// window, or now for an hour clock, whose notices are urgent and wait only for quiet hours.
func (w *item) ladderStart(c *cycle, now time.Time) time.Time {
	if c.Hourly {
		return now
	}
	next, ok := schedule.NextWindow(w.def.Policy, now, w.cal)
	if !ok {
		return time.Time{}
	}
	return next
}

// openGap keeps one open cycle for a maximum-gap item: from the last update (or the start of
// tracking) to the longest allowed gap after it, within the list's year.
func (w *item) openGap(now time.Time) {
	for _, c := range w.st.Cycles {
		if c.Status == cycleOpen || c.Status == cycleOverdue || c.Status == cyclePending {
			return
		}
	}
	from := w.st.TrackingStart
	if !w.st.LastDone.IsZero() {
		from = w.st.LastDone
	}
	if !from.Before(calendar.D(w.def.Year+1, 1, 1).Start()) {
		return
	}
	due, prov := schedule.GapDue(w.def.Rule, from, w.cal)
	if due.After(w.yearEnd()) {
		return // the gap runs into the next year, whose list carries the rhythm on
	}
	w.st.Gaps++
	c := &cycle{
		Key: fmt.Sprintf("G%d", w.st.Gaps), Start: from, Due: due, OriginalDue: due, Required: 1,
		Status: cycleOpen, Provisional: prov, dirty: true,
	}
	w.st.Cycles = append(w.st.Cycles, c)
	if now.After(due) {
		w.goOverdue(c, now)
	}
}

type levelAt struct {
	Level int
	At    time.Time
}

// escalations are the escalation instants of a cycle under a policy: the ladder an item's cycle
// or an application's reply clock climbs. A policy the plan refuses has none.
func escalations(p schedule.Policy, c schedule.Cycle, cal *calendar.Calendar) []levelAt {
	pts, err := schedule.Plan(p, c, cal)
	if err != nil {
		return nil
	}
	var out []levelAt
	for _, pt := range pts {
		if pt.Kind == schedule.PointEscalation {
			out = append(out, levelAt{pt.Level, pt.At})
		}
	}
	return out
}

// escalations are the instants of the ladder's levels for a cycle's current due point.
func (w *item) escalations(c *cycle) []levelAt {
	if c.Hourly {
		out := make([]levelAt, 0, len(w.def.Policy.Escalation))
		base := c.Due.Add(time.Second)
		if !c.LadderFrom.IsZero() {
			base = c.LadderFrom
		}
		for i, lv := range w.def.Policy.Escalation {
			out = append(out, levelAt{lv.Level, base.Add(time.Duration(i) * time.Hour)})
		}
		return out
	}
	if !c.LadderFrom.IsZero() {
		return w.laddersFrom(c.LadderFrom)
	}
	sc := w.scheduleCycle(c)
	// a late import tracked from today: a cycle already overdue climbs the ladder from the
	// grace's end, as if due then
	if !w.grace.IsZero() && sc.Due.Before(w.grace) {
		sc.Due = w.grace
	}
	return escalations(w.def.Policy, sc, w.cal)
}

// laddersFrom places the ladder with its first level at the send window from and each later
// level as many working days after it as the policy puts between them, in that day's first
// window.
func (w *item) laddersFrom(from time.Time) []levelAt {
	lv := w.def.Policy.Escalation
	if len(lv) == 0 {
		return nil
	}
	first := lv[0].After
	for _, l := range lv {
		first = min(first, l.After)
	}
	day := calendar.DateOf(from)
	// With several windows a day the first level is at from (14:30), not at the day's first
	// window, which has passed; one window a day gives the same instants either way, and
	// keeps its old computation for the histories that recorded it.
	several := len(w.def.Policy.SendTimes) > 1
	out := make([]levelAt, 0, len(lv))
	for _, l := range lv {
		d, _ := w.cal.AddWorkingDays(day, l.After-first)
		start := d.Start()
		if several && start.Before(from) {
			start = from
		}
		at, ok := schedule.NextWindow(w.def.Policy, start, w.cal)
		if !ok {
			return nil
		}
		out = append(out, levelAt{l.Level, at})
	}
	return out
}

func (w *item) scheduleCycle(c *cycle) schedule.Cycle {
	return schedule.Cycle{Key: c.Key, Start: c.Start, Due: c.Due, Required: c.Required, Provisional: c.Provisional}
}

// repeats yields the "still overdue" repeats after the last level in order, (1, first
// instant), (2, second)…, each computed from the one before, so walking n repeats costs n
// steps and one plan of the cycle.
func (w *item) repeats(c *cycle) iter.Seq2[int, time.Time] {
	return func(yield func(int, time.Time) bool) {
		lv := w.escalations(c)
		if len(lv) == 0 || w.def.Policy.Repeat <= 0 {
			return
		}
		at := lv[len(lv)-1].At
		for n := 1; ; n++ {
			if c.Hourly {
				at = at.Add(time.Hour)
			} else {
				next, ok := schedule.NextRepeat(w.def.Policy, at, w.cal)
				if !ok {
					return
				}
				at = next
			}
			if !yield(n, at) {
				return
			}
		}
	}
}

// repeatAt is the instant of the nth repeat (n from 1).
func (w *item) repeatAt(c *cycle, n int) (time.Time, bool) {
	for i, at := range w.repeats(c) {
		if i == n {
			return at, true
		}
	}
	return time.Time{}, false
}

// repeatsDue counts the repeats whose instant has passed.
func (w *item) repeatsDue(c *cycle, now time.Time) int {
	n := 0
	for i, at := range w.repeats(c) {
		if now.Before(at) {
			break
		}
		n = i
	}
	return max(n, c.Repeats)
}

// nextWake is the earliest instant at which time changes the state; zero when only a message can.
func (w *item) nextWake(now time.Time) time.Time {
	if w.st.Cancelled || w.st.Paused {
		return time.Time{}
	}
	var wake time.Time
	consider := func(t time.Time) {
		if t.After(now) && (wake.IsZero() || t.Before(wake)) {
			wake = t
		}
	}
	for _, c := range w.st.Cycles {
		switch c.Status {
		case cyclePending, cycleOpen:
			consider(c.Due.Add(time.Second))
		case cycleOverdue:
			for _, lv := range w.escalations(c) {
				if lv.Level > c.Level {
					consider(lv.At)
				}
			}
			if at, ok := w.repeatAt(c, c.Repeats+1); ok {
				consider(at)
			}
		}
	}
	consider(w.closeAt())
	return wake
}

func (w *item) yearEnd() time.Time { return calendar.D(w.def.Year, 12, 31).End().Add(time.Second) }

// closeAt is when an item whose cycles are all settled stops: the end of January after its
// year, when the year's annual reports are due (条例 第四十九条). Until then a completion can
// still be reopened or an event recorded late.
func (w *item) closeAt() time.Time { return calendar.D(w.def.Year+1, 1, 31).End().Add(time.Second) }

// finished reports that nothing is left to track: every cycle is settled and the year is
// closed.
func (w *item) finished(now time.Time) bool {
	if w.st.Cancelled {
		return true
	}
	for _, c := range w.st.Cycles {
		switch c.Status {
		case cyclePending, cycleOpen, cycleOverdue:
			return false
		}
	}
	if w.st.Paused {
		return false
	}
	return !now.Before(w.closeAt())
}

// status is the item's overall status.
func (w *item) status() string {
	switch {
	case w.st.Cancelled:
		return StatusCancelled
	case w.st.Paused:
		return StatusPaused
	case w.def.Rule.Kind == schedule.KindUnparsed:
		return StatusUnparsed
	}
	open := false
	for _, c := range w.st.Cycles {
		switch c.Status {
		case cycleOverdue:
			return StatusOverdue
		case cycleOpen, cyclePending:
			open = true
		}
	}
	if open {
		return StatusUpcoming
	}
	switch w.def.Rule.Kind {
	case schedule.KindTimely, schedule.KindMaxGap:
		return StatusWaiting
	}
	return StatusDone
}

// current is the cycle the clocks run for: the earliest overdue or open cycle, else the
// earliest pending one.
func (w *item) current() *cycle {
	var pending *cycle
	for _, c := range w.st.Cycles {
		switch c.Status {
		case cycleOverdue, cycleOpen:
			return c
		case cyclePending:
			if pending == nil {
				pending = c
			}
		}
	}
	return pending
}

func (w *item) find(key string) *cycle {
	if key == "" {
		return w.current()
	}
	for _, c := range w.st.Cycles {
		if c.Key == key {
			return c
		}
	}
	return nil
}

func (w *item) offices() []OfficeRef {
	if w.st.Offices != nil {
		return w.st.Offices
	}
	out := make([]OfficeRef, 0, len(w.def.Offices))
	for _, o := range w.def.Offices {
		out = append(out, OfficeRef(o))
	}
	return out
}

func (w *item) levelTarget(level int) string {
	for _, lv := range w.def.Policy.Escalation {
		if lv.Level == level {
			return lv.Target
		}
	}
	return ""
}

func (w *item) event(kind, cycleKey, actor string, detail map[string]any) {
	w.st.Seq++
	w.events = append(w.events, store.EventRow{
		Seq: w.st.Seq, Kind: kind, CycleKey: cycleKey, At: workflow.Now(w.ctx), Actor: actor, Detail: detail,
	})
}

// plan lists the notices of a cycle: reminders and the due-day notice to the office contacts,
// then one notice per escalation level to its target, all at send-window instants computed by
// the schedule package. Hour clocks are urgent and escalate by the hour.
func (w *item) plan(c *cycle) store.CyclePlan {
	p := store.CyclePlan{CycleKey: c.Key, Due: c.Due, Replace: true}
	contact := "contact"
	if c.Office != 0 {
		contact = fmt.Sprintf("contact@%d", c.Office)
	}
	// A cycle that went overdue late missed its reminders and due-day notice; saying "due in
	// 10 working days" now would be false, and its ladder's first level says it is overdue.
	if c.LadderFrom.IsZero() {
		p.Notices = append(p.Notices, w.reminders(c, contact)...)
	}
	for _, lv := range w.escalations(c) {
		target := w.levelTarget(lv.Level)
		kind := "escalation"
		if target == "contact" {
			kind, target = "overdue", contact
		}
		p.Notices = append(p.Notices, store.NoticePlan{Kind: kind, Level: lv.Level, Target: target, At: lv.At, Urgent: c.Hourly})
	}
	return p
}

// reminders are the notices before and on the due point, to the office contacts.
func (w *item) reminders(c *cycle, contact string) []store.NoticePlan {
	var out []store.NoticePlan
	if c.Hourly {
		out = append(out, store.NoticePlan{Kind: "reminder", Target: contact, At: c.Start, Urgent: true})
		if before := c.Due.Add(-time.Hour); before.After(c.Start) {
			out = append(out, store.NoticePlan{Kind: "due", Target: contact, At: before, Urgent: true})
		}
		return out
	}
	pts, err := schedule.Plan(w.def.Policy, w.scheduleCycle(c), w.cal)
	if err != nil {
		return nil
	}
	for _, pt := range pts {
		if pt.Kind != schedule.PointReminder {
			continue
		}
		kind := "reminder"
		if pt.Offset == 0 {
			kind = "due"
		}
		out = append(out, store.NoticePlan{Kind: kind, Offset: pt.Offset, Target: contact, At: pt.At})
	}
	return out
}

// repeatPlan adds "still overdue" notices up to the repeat after the next wake, so that each
// is in the database before its instant comes.
func (w *item) repeatPlan(c *cycle, p *store.CyclePlan) {
	lv := w.def.Policy.Escalation
	if len(lv) == 0 {
		return
	}
	last := lv[len(lv)-1]
	target := last.Target
	for n, at := range w.repeats(c) {
		if n > c.Repeats+1 {
			return
		}
		if n <= c.PlannedRepeat {
			continue
		}
		p.Notices = append(p.Notices, store.NoticePlan{Kind: "escalation", Level: last.Level, Offset: n, Target: target, At: at, Urgent: c.Hourly})
		if target != "contact" {
			p.Notices = append(p.Notices, store.NoticePlan{Kind: "overdue", Level: last.Level, Offset: n, Target: "contact", At: at, Urgent: c.Hourly})
		}
		c.PlannedRepeat = n
	}
}

const changeNoStaleReminders = "no-stale-reminders"

// dropStaleReminders replaces the reminders and the due-day notice whose instants passed before
// the cycle was planned, when the cycle is already due, by one overdue notice to the same
// contact (level 0: not a rung of the ladder): moved to the next window they would tell the
// office 【今日到期】 or "due in 3 working days" of work that is overdue (a late import tracked
// from today, a revision after the due day). Only workflows that have such a notice ask for
// the version, so other histories are unchanged.
func (w *item) dropStaleReminders(ctx workflow.Context, c *cycle, p *store.CyclePlan, now time.Time) {
	if c.Due.After(now) {
		return
	}
	stale := func(n store.NoticePlan) bool {
		return (n.Kind == "reminder" || n.Kind == "due") && n.At.Before(now)
	}
	if !slices.ContainsFunc(p.Notices, stale) {
		return
	}
	if w.version(ctx, changeNoStaleReminders, 1) < 1 {
		return
	}
	i := slices.IndexFunc(p.Notices, stale)
	// dated just before now, so that waitForWindow moves it to the next window with the rest
	told := store.NoticePlan{Kind: "overdue", Target: p.Notices[i].Target, At: now.Add(-time.Second)}
	p.Notices = append(slices.DeleteFunc(p.Notices, stale), told)
}

// waitForWindow moves the notices of a plan whose instant has passed (the cycle was planned
// late: an import or a policy change after the window, a revision at night) to the next send
// window, so that nothing goes out at once and outside the window, and all of a recipient's
// late notices go out together in one digest. Urgent hour-clock notices keep their instants.
func (w *item) waitForWindow(ctx workflow.Context, p *store.CyclePlan, now time.Time) {
	if w.version(ctx, "notices-wait-for-window", 1) < 1 {
		return
	}
	next, ok := schedule.NextWindow(w.def.Policy, now, w.cal)
	if !ok {
		return
	}
	for i, n := range p.Notices {
		if !n.Urgent && n.At.Before(now) {
			p.Notices[i].At = next
		}
	}
	if w.def.Policy.NightUrgent || w.version(ctx, "urgent-quiet-hours", 1) < 1 {
		return
	}
	// urgent notices do not wake anyone between 22:00 and 07:00
	for i, n := range p.Notices {
		if n.Urgent {
			p.Notices[i].At = schedule.AfterQuiet(n.At)
		}
	}
}

var localOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// flush writes what changed to PostgreSQL in one idempotent local activity: the state, the
// changed cycles, new history events and the notices of cycles whose plan is missing or stale.
// A cycle is planned once the workflow's next wake-up would come after the cycle starts, so its
// first reminder is in the database before it is due.
func (w *item) flush(ctx workflow.Context, now time.Time) error {
	sync := store.ItemSync{WorkflowID: workflow.GetInfo(w.ctx).WorkflowExecution.ID, ItemID: w.in.ItemID}
	wake := w.nextWake(now)
	live := !w.st.Cancelled && !w.st.Paused
	for _, c := range w.st.Cycles {
		if !live {
			break
		}
		active := c.Status == cyclePending || c.Status == cycleOpen || c.Status == cycleOverdue
		if !active {
			continue
		}
		startsSoon := wake.IsZero() || c.Start.Before(wake) || c.Status != cyclePending
		var plan *store.CyclePlan
		if startsSoon && !c.PlannedDue.Equal(c.Due) {
			p := w.plan(c)
			plan = &p
			c.PlannedDue, c.PlannedRepeat = c.Due, 0
		}
		if c.Status == cycleOverdue && c.PlannedRepeat <= c.Repeats {
			if plan == nil {
				plan = &store.CyclePlan{CycleKey: c.Key, Due: c.Due}
			}
			w.repeatPlan(c, plan)
		}
		if plan != nil {
			w.dropStaleReminders(ctx, c, plan, now)
			w.waitForWindow(ctx, plan, now)
			sync.Plans = append(sync.Plans, *plan)
		}
	}
	for _, c := range w.st.Cycles {
		if c.dirty {
			sync.Cycles = append(sync.Cycles, w.cycleRow(c))
		}
	}
	if len(sync.Cycles) == 0 && len(sync.Plans) == 0 && len(w.events) == 0 && len(w.drop) == 0 && w.dropAll == "" && w.st.Attrs.Set {
		return nil
	}
	if len(w.events) == 0 {
		w.st.Seq++
	}
	sync.Seq = w.st.Seq
	sync.Events = w.events
	sync.State = w.stateRow()
	sync.DropCycles = w.drop
	sync.DropAll = w.dropAll != ""
	sync.DropReason = w.dropAll
	if sync.DropReason == "" && len(sync.DropCycles) > 0 {
		sync.DropReason = "cycle settled"
	}
	lctx := workflow.WithLocalActivityOptions(ctx, localOptions)
	var res activities.SyncResult
	if err := workflow.ExecuteLocalActivity(lctx, acts.SyncItem, sync).Get(lctx, &res); err != nil {
		return fmt.Errorf("record item %d: %w", w.in.ItemID, err)
	}
	for _, c := range w.st.Cycles {
		c.dirty = false
	}
	w.events, w.drop, w.dropAll = nil, nil, ""
	return w.upsertAttrs(sync.State)
}

func (w *item) stateRow() store.ItemStateRow {
	row := store.ItemStateRow{Status: w.status(), Paused: w.st.Paused, LastDoneAt: w.st.LastDone}
	if c := w.current(); c != nil {
		row.CycleKey, row.DueAt, row.Level, row.OverdueSince = c.Key, c.Due, c.Level, c.OverdueAt
	}
	for _, c := range w.st.Cycles {
		if c.Provisional && (c.Status == cyclePending || c.Status == cycleOpen || c.Status == cycleOverdue) {
			row.Provisional = true
		}
	}
	return row
}

func (w *item) cycleRow(c *cycle) store.CycleRow {
	return store.CycleRow{
		Key: c.Key, Start: c.Start, Due: c.Due, OriginalDue: c.OriginalDue, Status: c.Status,
		Required: c.Required, Completions: c.Completions, DoneAt: c.DoneAt, Late: c.Late, Level: c.Level,
		EventTitle: c.EventTitle, EvidenceURL: c.EvidenceURL, Note: c.Note, DoneBy: c.DoneBy,
	}
}

// upsertAttrs keeps the search attributes in step with the state, writing only what changed so
// that a quiet cycle adds no history event for them.
func (w *item) upsertAttrs(row store.ItemStateRow) error {
	var names []string
	for _, o := range w.offices() {
		names = append(names, o.Name)
	}
	a := &w.st.Attrs
	var upd []temporal.SearchAttributeUpdate
	if !a.Set {
		upd = append(upd, temporalclient.AttrUnit.ValueSet(w.def.Unit), temporalclient.AttrYear.ValueSet(int64(w.def.Year)))
	}
	if !a.Set || a.Status != row.Status {
		upd = append(upd, temporalclient.AttrStatus.ValueSet(row.Status))
	}
	if !a.Set || !a.NextDue.Equal(row.DueAt) {
		if row.DueAt.IsZero() {
			upd = append(upd, temporalclient.AttrNextDue.ValueUnset())
		} else {
			upd = append(upd, temporalclient.AttrNextDue.ValueSet(row.DueAt))
		}
	}
	if !a.Set || a.Level != row.Level {
		upd = append(upd, temporalclient.AttrEscalationLevel.ValueSet(int64(row.Level)))
	}
	if !a.Set || !slices.Equal(a.Offices, names) {
		upd = append(upd, temporalclient.AttrOffice.ValueSet(names))
	}
	if len(upd) == 0 {
		return nil
	}
	if err := workflow.UpsertTypedSearchAttributes(w.ctx, upd...); err != nil {
		return err
	}
	*a = searchAttrs{Status: row.Status, NextDue: row.DueAt, Level: row.Level, Offices: names, Set: true}
	return nil
}

// state is the query answer.
func (w *item) state() State {
	s := State{
		ItemID: w.in.ItemID, Status: w.status(), Paused: w.st.Paused, Offices: w.offices(),
		Provisional: w.stateRow().Provisional,
	}
	if c := w.current(); c != nil {
		s.Current = c.Key
	}
	for _, c := range w.st.Cycles {
		s.Cycles = append(s.Cycles, CycleState{
			Key: c.Key, Start: c.Start, Due: c.Due, OriginalDue: c.OriginalDue, Required: c.Required,
			Completions: c.Completions, DoneAt: c.DoneAt, Late: c.Late, Level: c.Level, Event: c.EventTitle,
			Status: c.Status,
		})
	}
	s.NextWake = w.nextWake(workflow.Now(w.ctx))
	return s
}

// register installs the query and the update handlers. Validators reject a bad request before
// it is written to history; handlers change the state under the mutex and record it before
// answering, so the caller's next page load already shows the change.
func (w *item) register() error {
	return registerHandlers(w.ctx, QueryState, func() (State, error) { return w.state(), nil }, []updateHandler{
		{UpdateComplete, w.validateComplete, func(ctx workflow.Context, c Completion) (State, error) {
			return w.apply(ctx, c.Audit, func() error { return w.complete(c) })
		}},
		{UpdateReopen, w.validateReopen, func(ctx workflow.Context, r Reopen) (State, error) {
			return w.apply(ctx, r.Audit, func() error { return w.reopen(r) })
		}},
		{UpdateExtend, w.validateExtend, func(ctx workflow.Context, x Extension) (State, error) {
			return w.apply(ctx, x.Audit, func() error { return w.extend(x) })
		}},
		{UpdateReassign, w.validateReassign, func(ctx workflow.Context, r Reassignment) (State, error) {
			return w.apply(ctx, r.Audit, func() error { return w.reassign(ctx, r) })
		}},
		{UpdateRecordEvent, w.validateEvent, func(ctx workflow.Context, ev Event) (State, error) {
			return w.apply(ctx, ev.Audit, func() error { return w.recordEvent(ev) })
		}},
		{UpdatePause, w.validatePause, func(ctx workflow.Context, a Actor) (State, error) {
			return w.apply(ctx, a.Audit, func() error { return w.pause(a) })
		}},
		{UpdateResume, w.validateResume, func(ctx workflow.Context, a Actor) (State, error) {
			return w.apply(ctx, a.Audit, func() error { return w.resume(a) })
		}},
		{UpdateCancel, w.validateActor, func(ctx workflow.Context, a Actor) (State, error) {
			return w.apply(ctx, a.Audit, func() error { w.cancel(a); return nil })
		}},
		{UpdateRevise, w.validateActor, func(ctx workflow.Context, a Actor) (State, error) {
			return w.apply(ctx, a.Audit, func() error { return w.revise(ctx, a) })
		}},
	})
}

// apply runs a change under the mutex, brings time-driven state up to date and records it.
// The command's audit entry goes with the first history row the change itself records (not
// with an "overdue" that catching up with the clock recorded before it).
func (w *item) apply(ctx workflow.Context, audit *store.EventAudit, change func() error) (State, error) {
	if err := w.lock(ctx); err != nil {
		return State{}, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(w.ctx)
	w.advance(now)
	first := len(w.events)
	if err := change(); err != nil {
		return State{}, err
	}
	if audit != nil && len(w.events) > first {
		w.events[first].Audit = audit
	}
	w.advance(now)
	if err := w.flush(ctx, now); err != nil {
		return State{}, err
	}
	w.changed = true
	return w.state(), nil
}

var errRejected = errors.New("rejected")

func reject(format string, args ...any) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(format, args...), "Rejected", temporal.ApplicationErrorOptions{NonRetryable: true, Cause: errRejected})
}

func needBy(by string) error {
	if strings.TrimSpace(by) == "" {
		return reject("who made the change is required")
	}
	return nil
}

func (w *item) validateActor(a Actor) error {
	if w.st.Cancelled {
		return reject("item is cancelled")
	}
	return needBy(a.By)
}

func (w *item) validateComplete(c Completion) error {
	if err := needBy(c.By); err != nil {
		return err
	}
	if w.st.Cancelled {
		return reject("item is cancelled")
	}
	u, err := url.Parse(strings.TrimSpace(c.EvidenceURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return reject("evidence must be the http(s) URL of the published page, got %q", c.EvidenceURL)
	}
	cy := w.find(c.Cycle)
	if cy == nil {
		if c.Cycle == "" {
			return reject("no open cycle to complete")
		}
		return reject("no cycle %q", c.Cycle)
	}
	switch cy.Status {
	case cycleDone:
		return reject("cycle %s is already done", cy.Key)
	case cycleCancelled:
		return reject("cycle %s is cancelled", cy.Key)
	}
	return nil
}

func (w *item) complete(c Completion) error {
	now := workflow.Now(w.ctx)
	cy := w.find(c.Cycle)
	cy.Completions++
	cy.EvidenceURL, cy.Note, cy.DoneBy = strings.TrimSpace(c.EvidenceURL), c.Note, c.By
	cy.dirty = true
	detail := map[string]any{"evidence_url": cy.EvidenceURL, "note": c.Note, "completions": cy.Completions}
	if cy.Completions >= cy.Required {
		cy.Status, cy.DoneAt = cycleDone, now
		cy.Late = now.After(cy.Due)
		detail["late"] = cy.Late
		w.drop = append(w.drop, cy.Key)
	}
	w.st.LastDone = now
	w.event("completed", cy.Key, c.By, detail)
	if w.def.Rule.Kind == schedule.KindMaxGap {
		w.openGap(now)
	}
	return nil
}

func (w *item) validateReopen(r Reopen) error {
	if err := needBy(r.By); err != nil {
		return err
	}
	if strings.TrimSpace(r.Reason) == "" {
		return reject("a reason is required to reopen")
	}
	var cy *cycle
	if r.Cycle == "" {
		for _, c := range w.st.Cycles {
			if c.Status == cycleDone {
				cy = c // the latest done cycle
			}
		}
	} else {
		cy = w.find(r.Cycle)
	}
	if cy == nil || cy.Status != cycleDone {
		return reject("no done cycle %q to reopen", r.Cycle)
	}
	return nil
}

func (w *item) reopen(r Reopen) error {
	var cy *cycle
	if r.Cycle == "" {
		for _, c := range w.st.Cycles {
			if c.Status == cycleDone {
				cy = c
			}
		}
	} else {
		cy = w.find(r.Cycle)
	}
	cy.Status, cy.Completions, cy.DoneAt, cy.Late, cy.dirty = cyclePending, 0, time.Time{}, false, true
	cy.PlannedDue, cy.LadderFrom = time.Time{}, time.Time{}
	w.event("reopened", cy.Key, r.By, map[string]any{"reason": r.Reason})
	return nil
}

func (w *item) validateExtend(x Extension) error {
	if err := needBy(x.By); err != nil {
		return err
	}
	if strings.TrimSpace(x.Reason) == "" || strings.TrimSpace(x.ApprovedBy) == "" {
		return reject("an extension needs a reason and who approved it")
	}
	cy := w.find(x.Cycle)
	if cy == nil || cy.Status == cycleDone || cy.Status == cycleCancelled {
		return reject("no open cycle %q to extend", x.Cycle)
	}
	if x.Due.IsZero() || !x.Due.End().After(workflow.Now(w.ctx)) {
		return reject("the new due date %s is not in the future", x.Due)
	}
	return nil
}

func (w *item) extend(x Extension) error {
	cy := w.find(x.Cycle)
	old := cy.Due
	cy.Due = x.Due.End()
	cy.Status, cy.Level, cy.Repeats, cy.OverdueAt, cy.dirty = cyclePending, 0, 0, time.Time{}, true
	cy.LadderFrom = time.Time{}
	w.event("extended", cy.Key, x.By, map[string]any{"from": old, "to": cy.Due, "reason": x.Reason, "approved_by": x.ApprovedBy})
	return nil
}

func (w *item) validateReassign(r Reassignment) error {
	if err := needBy(r.By); err != nil {
		return err
	}
	if w.st.Cancelled {
		return reject("item is cancelled")
	}
	if len(r.Offices) == 0 {
		return reject("at least one office is required")
	}
	lead := false
	seen := map[int64]bool{}
	for _, o := range r.Offices {
		if o.Role != "lead" && o.Role != "co" {
			return reject("office %d: role %q is not lead or co", o.ID, o.Role)
		}
		if seen[o.ID] {
			return reject("office %d listed twice", o.ID)
		}
		seen[o.ID] = true
		lead = lead || o.Role == "lead"
	}
	if !lead {
		return reject("one office must lead")
	}
	return nil
}

func (w *item) reassign(ctx workflow.Context, r Reassignment) error {
	offices := make([]store.ItemOffice, 0, len(r.Offices))
	for _, o := range r.Offices {
		offices = append(offices, store.ItemOffice(o))
	}
	ctx = workflow.WithLocalActivityOptions(ctx, localOptions)
	var got []store.ItemOffice
	if err := workflow.ExecuteLocalActivity(ctx, acts.Reassign, w.in.ItemID, offices).Get(ctx, &got); err != nil {
		return err
	}
	w.st.Offices = make([]OfficeRef, 0, len(got))
	var names []string
	for _, o := range got {
		w.st.Offices = append(w.st.Offices, OfficeRef(o))
		names = append(names, o.Name)
	}
	w.event("reassigned", "", r.By, map[string]any{"offices": names, "reason": r.Reason})
	return nil
}

func (w *item) validateEvent(ev Event) error {
	if err := needBy(ev.By); err != nil {
		return err
	}
	if w.st.Cancelled {
		return reject("item is cancelled")
	}
	if w.def.Rule.Kind != schedule.KindTimely {
		return reject("only items with an event clock (及时/N个工作日内) record events; this one is %s", w.def.Rule.Kind)
	}
	if strings.TrimSpace(ev.Title) == "" {
		return reject("an event needs a title")
	}
	if ev.At.IsZero() || ev.At.After(workflow.Now(w.ctx).Add(time.Hour)) {
		return reject("the event time %s is missing or in the future", ev.At.Format(time.RFC3339))
	}
	if !ev.At.Before(w.yearEnd()) {
		return reject("the event of %s belongs to the next year's list", ev.At.Format(time.DateOnly))
	}
	return nil
}

func (w *item) recordEvent(ev Event) error {
	now := workflow.Now(w.ctx)
	due, prov := schedule.EventDue(w.def.Rule, ev.At, w.cal)
	w.st.Events++
	c := &cycle{
		Key: fmt.Sprintf("E%d", w.st.Events), Start: ev.At, Due: due, OriginalDue: due, Required: 1,
		Status: cycleOpen, Provisional: prov, EventTitle: ev.Title, Office: ev.Office, dirty: true,
		Hourly: w.def.Rule.Clock != nil && w.def.Rule.Clock.Unit == schedule.Hours,
	}
	w.st.Cycles = append(w.st.Cycles, c)
	w.event("event", c.Key, ev.By, map[string]any{"title": ev.Title, "at": ev.At, "due": due, "office": ev.Office})
	if now.After(due) {
		w.goOverdue(c, now)
	}
	return nil
}

func (w *item) validatePause(a Actor) error {
	if err := w.validateActor(a); err != nil {
		return err
	}
	if w.st.Paused {
		return reject("item is already paused")
	}
	return nil
}

func (w *item) pause(a Actor) error {
	w.st.Paused, w.st.PausedAt = true, workflow.Now(w.ctx)
	w.dropAll = "paused"
	for _, c := range w.st.Cycles {
		c.PlannedDue = time.Time{}
	}
	w.event("paused", "", a.By, map[string]any{"reason": a.Reason})
	return nil
}

func (w *item) validateResume(a Actor) error {
	if err := w.validateActor(a); err != nil {
		return err
	}
	if !w.st.Paused {
		return reject("item is not paused")
	}
	return nil
}

// resume restarts the clocks. Event clocks counted in working days do not run while paused
// (a third-party consultation under 条例 第三十二条 stops the reply clock), so their due
// points move by the working days the pause lasted; dates fixed by the list do not move.
func (w *item) resume(a Actor) error {
	now := workflow.Now(w.ctx)
	from, to := calendar.DateOf(w.st.PausedAt), calendar.DateOf(now)
	days, _ := w.cal.WorkingDaysBetween(from, to)
	w.st.Paused = false
	for _, c := range w.st.Cycles {
		if c.Status == cycleDone || c.Status == cycleCancelled || c.Status == cycleSkipped {
			continue
		}
		if c.EventTitle != "" && !c.Hourly && days > 0 && w.def.Rule.Clock != nil && w.def.Rule.Clock.Unit == schedule.WorkingDays {
			d, _ := w.cal.AddWorkingDays(calendar.DateOf(c.Due), days)
			c.Due = d.End()
			if c.Status == cycleOverdue && c.Due.After(now) {
				c.Status, c.Level, c.Repeats, c.OverdueAt, c.LadderFrom = cycleOpen, 0, 0, time.Time{}, time.Time{}
			}
		}
		c.dirty = true
		c.PlannedDue = time.Time{}
	}
	w.event("resumed", "", a.By, map[string]any{"reason": a.Reason, "paused_working_days": days})
	return nil
}

func (w *item) cancel(a Actor) {
	w.st.Cancelled = true
	for _, c := range w.st.Cycles {
		if c.Status != cycleDone && c.Status != cycleSkipped {
			c.Status, c.dirty = cycleCancelled, true
		}
	}
	w.dropAll = "cancelled"
	w.event("cancelled", "", a.By, map[string]any{"reason": a.Reason})
}

// revise reloads the item after a list revision changed it; completions of cycles that keep
// their key survive.
func (w *item) revise(ctx workflow.Context, a Actor) error {
	oldRule := w.def.Rule
	if err := w.load(ctx); err != nil {
		return err
	}
	w.buildCycles()
	w.st.Offices = nil
	if w.def.Status == "cancelled" {
		w.cancel(Actor{By: a.By, Reason: "removed from the revised list"})
		return nil
	}
	for _, c := range w.st.Cycles {
		if c.Status == cyclePending || c.Status == cycleOpen || c.Status == cycleOverdue {
			c.PlannedDue, c.dirty = time.Time{}, true
		}
	}
	kind := "revised"
	if a.Reason == PolicyChanged {
		kind = "policy" // 策略变更, not 清单修订: the list did not change
	}
	w.event(kind, "", a.By, map[string]any{"rule_before": oldRule.Kind, "rule": w.def.Rule.Kind, "reason": a.Reason})
	return nil
}
