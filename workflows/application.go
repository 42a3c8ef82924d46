package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// The application workflow and its messages. Every change of an application's state is one of
// these updates, so the workflow's history is the case file: who asked for 补正, who approved
// the extension, what the reply was; application_events mirrors it for the pages.
const (
	ApplicationWorkflowName = "ApplicationWorkflow"

	UpdateRequestCorrection  = "request-correction"
	UpdateCompleteCorrection = "complete-correction"
	UpdateStartConsultation  = "start-consultation"
	UpdateEndConsultation    = "end-consultation"
	UpdateExtendReply        = "extend-reply"
	UpdateReply              = "reply"
	UpdateCloseApplication   = "close"

	QueryApplication = "application"
)

// ApplicationWorkflowID names the one workflow of an application.
func ApplicationWorkflowID(id int64) string { return "application-" + strconv.FormatInt(id, 10) }

// ApplicationInput starts an application workflow.
type ApplicationInput struct {
	ApplicationID int64 `json:"application_id"`
}

// CorrectionRequest asks the applicant to complete the application (第三十条) by Until, the
// reasonable time the office gives.
type CorrectionRequest struct {
	Until calendar.Date     `json:"until"`
	Note  string            `json:"note,omitempty"`
	By    string            `json:"by"`
	Audit *store.EventAudit `json:"audit,omitempty"`
}

// CorrectionDone records the completed application, received On (zero: today); the reply clock
// starts again from that day.
type CorrectionDone struct {
	On    calendar.Date     `json:"on,omitzero"`
	By    string            `json:"by"`
	Audit *store.EventAudit `json:"audit,omitempty"`
}

// Consultation starts (Party set) or ends a consultation of a third party or, with Other,
// another body (第三十二条).
type Consultation struct {
	Party string            `json:"party,omitempty"`
	Other bool              `json:"other,omitempty"`
	By    string            `json:"by"`
	Audit *store.EventAudit `json:"audit,omitempty"`
}

// ReplyExtension extends the reply period once, by up to 20 working days, with the approval of
// the head of the disclosure office.
type ReplyExtension struct {
	Days       int               `json:"days"`
	Reason     string            `json:"reason"`
	ApprovedBy string            `json:"approved_by"`
	By         string            `json:"by"`
	Audit      *store.EventAudit `json:"audit,omitempty"`
}

// Reply is the answer (第三十六条): its type and, for the types that have them, its reason.
type Reply struct {
	Type   application.ReplyType `json:"type"`
	Reason application.Reason    `json:"reason,omitempty"`
	Note   string                `json:"note,omitempty"`
	By     string                `json:"by"`
	Audit  *store.EventAudit     `json:"audit,omitempty"`
}

// CloseApplication signs the case off after the reply.
type CloseApplication struct {
	Note  string            `json:"note,omitempty"`
	By    string            `json:"by"`
	Audit *store.EventAudit `json:"audit,omitempty"`
}

// ApplicationState is the query answer and every update's result.
type ApplicationState struct {
	ID       int64             `json:"id"`
	State    string            `json:"state"`
	Received calendar.Date     `json:"received"`
	Clock    application.Clock `json:"clock"`
	// Due is the reply due day; zero while the clock waits for 补正. During a consultation it is
	// the day it would be if the consultation ended today.
	Due           calendar.Date `json:"due,omitzero"`
	DaysLeft      int           `json:"days_left"`
	CorrectionDue calendar.Date `json:"correction_due,omitzero"`
	CorrectionAsk bool          `json:"correction_asked,omitempty"`
	Level         int           `json:"level"`
	ReplyType     string        `json:"reply_type,omitempty"`
	ReplyReason   string        `json:"reply_reason,omitempty"`
	FinishedOn    calendar.Date `json:"finished_on,omitzero"`
	NextWake      time.Time     `json:"next_wake,omitzero"`
}

// appCarry is the workflow's own state.
type appCarry struct {
	Seq           int64             `json:"seq"`
	State         string            `json:"state"`
	Clock         application.Clock `json:"clock"`
	CorrectionAsk bool              `json:"correction_asked"`
	CorrectionDue calendar.Date     `json:"correction_due,omitzero"`
	Level         int               `json:"level"`
	ReplyType     string            `json:"reply_type,omitempty"`
	ReplyReason   string            `json:"reply_reason,omitempty"`
	FinishedOn    calendar.Date     `json:"finished_on,omitzero"`
	ClosedAt      time.Time         `json:"closed_at,omitzero"`
	PlannedDue    calendar.Date     `json:"planned_due,omitzero"`
	// Repeats counts the "still overdue" notices planned after the last level, the last one
	// due at RepeatAt; RepeatsOn records that this run asked for their version.
	Repeats   int       `json:"repeats,omitempty"`
	RepeatAt  time.Time `json:"repeat_at,omitzero"`
	RepeatsOn bool      `json:"repeats_on,omitempty"`
	// PlannedRepeat is the last repeat written to PostgreSQL.
	PlannedRepeat int `json:"planned_repeat,omitempty"`
}

type appRun struct {
	ctx     workflow.Context
	id      int64
	def     activities.ApplicationDefinition
	cal     *calendar.Calendar
	st      appCarry
	mu      workflow.Mutex
	changed bool
	loaded  bool
	events  []store.EventRow
	drop    string // reason to drop every pending notice at the next sync
	repeat  []store.NoticePlan
}

// ApplicationWorkflow is the life of one 政府信息公开申请, from registration to the signed-off
// close: it sleeps until the next instant its state changes by itself (the reply clock falls
// due, an escalation level is reached, the 补正 time or the third party's 15 working days
// run out) and plans its reminders and escalations as notices for the dispatcher, with the
// unit's policy, as items do.
func ApplicationWorkflow(ctx workflow.Context, in ApplicationInput) error {
	w := &appRun{ctx: ctx, id: in.ApplicationID, mu: workflow.NewMutex(ctx)}
	// The handlers are installed before the definition is loaded: an update sent right after
	// the start (the web registers and the office acts at once) would otherwise find none and
	// be refused. Until loaded, validators let everything through and the handler waits, then
	// validates.
	if err := w.register(); err != nil {
		return err
	}
	lctx := workflow.WithLocalActivityOptions(ctx, localOptions)
	if err := workflow.ExecuteLocalActivity(lctx, acts.LoadApplication, in.ApplicationID).Get(lctx, &w.def); err != nil {
		return fmt.Errorf("load application %d: %w", in.ApplicationID, err)
	}
	w.cal = calendar.New(w.def.Calendar...)
	w.resume()
	w.loaded = true
	for {
		if err := w.mu.Lock(ctx); err != nil {
			return err
		}
		w.changed = false
		now := workflow.Now(ctx)
		w.advance(now)
		err := w.flush(ctx, now)
		w.mu.Unlock()
		if err != nil {
			return err
		}
		if w.st.State == application.StateClosed || w.st.State == application.StateWithdrawn {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			if !w.changed {
				return nil
			}
			continue
		}
		wake := w.nextWake(now)
		if wake.IsZero() {
			if err := workflow.Await(ctx, func() bool { return w.changed }); err != nil {
				return err
			}
			continue
		}
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(tctx, wake.Sub(now))
		if err := workflow.Await(ctx, func() bool { return w.changed || timer.IsReady() }); err != nil {
			cancel()
			return err
		}
		if !timer.IsReady() {
			cancel()
		}
	}
}

// resume takes the state PostgreSQL recorded: a new run after a lost Temporal database keeps
// the case's stage and sequence (the days of a consultation in progress are not recorded and
// count again from the restart).
func (w *appRun) resume() {
	a := w.def.Application
	w.st.Seq = w.def.Seq
	w.st.State = a.State
	if w.st.State == "" {
		w.st.State = application.StateOpen
	}
	w.st.Clock = application.Clock{Start: a.ClockStart, ExtensionDays: a.ExtensionDays}
	if w.st.Clock.Start.IsZero() {
		w.st.Clock.Start = a.Received
	}
	if w.st.State == application.StateConsulting {
		w.st.Clock.Pauses = []application.Pause{{From: w.today()}}
	}
	w.st.CorrectionDue, w.st.CorrectionAsk = a.CorrectionDue, !a.CorrectionDue.IsZero()
	w.st.Level, w.st.ReplyType, w.st.ReplyReason = a.Level, a.ReplyType, a.ReplyReason
	w.st.FinishedOn, w.st.ClosedAt = a.FinishedOn, a.ClosedAt
	if w.def.Seq == 0 {
		w.event("registered", a.CreatedBy, map[string]any{"received": a.Received.String(), "channel": a.Channel})
	}
}

func (w *appRun) today() calendar.Date { return calendar.DateOf(workflow.Now(w.ctx)) }

func (w *appRun) event(kind, actor string, detail map[string]any) {
	w.st.Seq++
	w.events = append(w.events, store.EventRow{Seq: w.st.Seq, Kind: kind, At: workflow.Now(w.ctx), Actor: actor, Detail: detail})
}

// running reports a clock that counts toward the reply (not stopped for 补正, not finished).
func (w *appRun) running() bool {
	return w.st.State == application.StateOpen || w.st.State == application.StateConsulting
}

// due is the reply due day as of today; zero while waiting for 补正 or once answered.
func (w *appRun) due() calendar.Date {
	if !w.running() {
		return calendar.Date{}
	}
	d, _ := w.st.Clock.Due(w.cal, w.today())
	return d
}

// consultation is the running pause, if any.
func (w *appRun) consultation() *application.Pause {
	if n := len(w.st.Clock.Pauses); n > 0 && w.st.Clock.Pauses[n-1].To.IsZero() {
		return &w.st.Clock.Pauses[n-1]
	}
	return nil
}

// ladder is the reply clock's escalation instants under the unit's policy.
func (w *appRun) ladder(due calendar.Date) []levelAt {
	return escalations(w.def.Policy, w.cycle(due), w.cal)
}

func (w *appRun) cycle(due calendar.Date) schedule.Cycle {
	return schedule.Cycle{Key: "reply", Start: w.st.Clock.Start.Start(), Due: due.End()}
}

// advance applies what time did: a 补正 time that ran out (视为放弃), a third party's 15
// working days that ran out (the office decides without its opinion), a due day passed, an
// escalation level reached.
func (w *appRun) advance(now time.Time) {
	today := calendar.DateOf(now)
	if w.st.State == application.StateCorrection && today.After(w.st.CorrectionDue) {
		w.st.State = application.StateWithdrawn
		w.st.ReplyType, w.st.ReplyReason = string(application.Other), string(application.NoCorrection)
		w.st.FinishedOn = today
		w.drop = "withdrawn"
		w.event("withdrawn", "system", map[string]any{"correction_due": w.st.CorrectionDue.String()})
		return
	}
	if p := w.consultation(); p != nil && !p.Other {
		if limit := application.ThirdPartyDeadline(w.cal, p.From); today.After(limit) {
			p.To = limit
			w.st.State = application.StateOpen
			w.event("consultation-lapsed", "system", map[string]any{"from": p.From.String(), "to": limit.String()})
		}
	}
	if w.st.State != application.StateOpen {
		return
	}
	due := w.due()
	if now.After(due.End()) && w.st.Level == 0 {
		w.event("overdue", "system", map[string]any{"due": due.String()})
		w.st.Level = -1 // overdue, no level reached yet; the projection shows 0
	}
	ladder := w.ladder(due)
	for _, lv := range ladder {
		if !now.Before(lv.At) && lv.Level > w.st.Level {
			w.st.Level = lv.Level
			w.event("escalated", "system", map[string]any{"level": lv.Level, "target": w.levelTarget(lv.Level), "due": due.String()})
		}
	}
	if n := len(ladder); n > 0 && w.st.Level == ladder[n-1].Level {
		w.planRepeats(ladder[n-1], now)
	}
}

// changeApplicationRepeats versions the "still overdue" notices after the last level, every
// policy.Repeat working days as for items; asked only once an application reaches that level.
const changeApplicationRepeats = "application-repeats"

// planRepeats keeps the next "still overdue" notice planned ahead of its instant: when the last
// one planned is due (or none is yet), the one after it. Repeats an asleep workflow missed are
// not sent late; the next one to come is.
func (w *appRun) planRepeats(top levelAt, now time.Time) {
	if !w.st.RepeatsOn {
		if workflow.GetVersion(w.ctx, changeApplicationRepeats, workflow.DefaultVersion, 1) < 1 {
			return
		}
		w.st.RepeatsOn = true
	}
	for w.st.RepeatAt.IsZero() || !now.Before(w.st.RepeatAt) {
		base := w.st.RepeatAt
		if base.IsZero() {
			base = top.At
		}
		next, ok := schedule.NextRepeat(w.def.Policy, base, w.cal)
		if !ok {
			return
		}
		w.st.Repeats++
		w.st.RepeatAt = next
	}
	if w.st.PlannedRepeat >= w.st.Repeats {
		return
	}
	target := w.levelTarget(top.Level)
	w.repeat = []store.NoticePlan{{Kind: "escalation", Level: top.Level, Offset: w.st.Repeats, Target: target, At: w.st.RepeatAt}}
	if target != store.TargetContact {
		w.repeat = append(w.repeat, store.NoticePlan{Kind: "overdue", Level: top.Level, Offset: w.st.Repeats, Target: store.TargetContact, At: w.st.RepeatAt})
	}
}

func (w *appRun) levelTarget(level int) string {
	for _, lv := range w.def.Policy.Escalation {
		if lv.Level == level {
			return lv.Target
		}
	}
	return ""
}

// nextWake is the next instant advance would change something; zero when only a message can.
func (w *appRun) nextWake(now time.Time) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	switch w.st.State {
	case application.StateCorrection:
		consider(w.st.CorrectionDue.End().Add(time.Second))
	case application.StateConsulting:
		if p := w.consultation(); p != nil && !p.Other {
			consider(application.ThirdPartyDeadline(w.cal, p.From).End().Add(time.Second))
		}
	case application.StateOpen:
		due := w.due()
		consider(due.End().Add(time.Second))
		for _, lv := range w.ladder(due) {
			if lv.Level > w.st.Level {
				consider(lv.At)
			}
		}
		if w.st.RepeatsOn {
			consider(w.st.RepeatAt)
		}
	}
	return next
}

// plan is the reply clock's notices: reminders before and on the due day to the handling
// office's contacts, then the escalation ladder, as schedule.Plan puts them for items. Those
// whose instant has passed (an application registered late) do not say "due in 10 days": the
// reminders are left out and a passed escalation waits for the next send window.
func (w *appRun) plan(due calendar.Date, now time.Time) *store.CyclePlan {
	p := &store.CyclePlan{CycleKey: "reply", Due: due.End(), Replace: true}
	pts, err := schedule.Plan(w.def.Policy, w.cycle(due), w.cal)
	if err != nil {
		return p
	}
	next, hasNext := schedule.NextWindow(w.def.Policy, now, w.cal)
	for _, pt := range pts {
		n := store.NoticePlan{Offset: pt.Offset, Target: store.TargetContact, At: pt.At}
		switch pt.Kind {
		case schedule.PointReminder:
			n.Kind = "reminder"
			if pt.Offset == 0 {
				n.Kind = "due"
			}
			if pt.At.Before(now) {
				continue
			}
		case schedule.PointEscalation:
			// offset 0 as for items: a "still overdue" repeat n is offset n of the last level
			n.Kind, n.Level, n.Target, n.Offset = "escalation", pt.Level, w.levelTarget(pt.Level), 0
			if n.Target == store.TargetContact {
				n.Kind = "overdue"
			}
			if pt.At.Before(now) && hasNext {
				n.At = next
			}
		default:
			continue
		}
		p.Notices = append(p.Notices, n)
	}
	return p
}

// flush records the change: the projection, new case-file events and, when the due day moved,
// a fresh plan of notices; a stopped or finished clock drops what was planned.
func (w *appRun) flush(ctx workflow.Context, now time.Time) error {
	sync := store.ApplicationSync{ApplicationID: w.id, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}
	planDue := calendar.Date{}
	if w.st.State == application.StateOpen {
		planDue = w.due()
	}
	if planDue != w.st.PlannedDue {
		if planDue.IsZero() {
			if w.drop == "" {
				w.drop = "clock stopped"
			}
		} else {
			sync.Plan = w.plan(planDue, now)
		}
	}
	if len(w.repeat) > 0 && planDue == w.st.PlannedDue {
		// added to what is planned, not replacing it: the ladder's notices stay
		sync.Plan = &store.CyclePlan{CycleKey: "reply", Due: planDue.End(), Notices: w.repeat}
	} else if len(w.repeat) > 0 && sync.Plan != nil {
		sync.Plan.Notices = append(sync.Plan.Notices, w.repeat...)
	}
	if len(w.events) == 0 && sync.Plan == nil && w.drop == "" {
		return nil
	}
	if len(w.events) == 0 {
		w.st.Seq++
	}
	sync.Seq = w.st.Seq
	sync.Events = w.events
	sync.State = w.row()
	sync.DropAll, sync.DropReason = w.drop != "", w.drop
	lctx := workflow.WithLocalActivityOptions(ctx, localOptions)
	var res activities.SyncResult
	if err := workflow.ExecuteLocalActivity(lctx, acts.SyncApplication, sync).Get(lctx, &res); err != nil {
		return fmt.Errorf("record application %d: %w", w.id, err)
	}
	w.st.PlannedDue = planDue
	if len(w.repeat) > 0 {
		w.st.PlannedRepeat = w.repeat[0].Offset
	}
	w.events, w.drop, w.repeat = nil, "", nil
	return nil
}

func (w *appRun) row() store.ApplicationState {
	_, prov := w.st.Clock.Due(w.cal, w.today())
	return store.ApplicationState{
		State: w.st.State, ClockStart: w.st.Clock.Start, Due: w.due(), CorrectionDue: w.st.CorrectionDue,
		ExtensionDays: w.st.Clock.ExtensionDays, Level: max(w.st.Level, 0), ReplyType: w.st.ReplyType,
		ReplyReason: w.st.ReplyReason, FinishedOn: w.st.FinishedOn, ClosedAt: w.st.ClosedAt, Provisional: prov,
	}
}

func (w *appRun) state() ApplicationState {
	s := ApplicationState{
		ID: w.id, State: w.st.State, Received: w.def.Application.Received, Clock: w.st.Clock, Due: w.due(),
		CorrectionDue: w.st.CorrectionDue, CorrectionAsk: w.st.CorrectionAsk, Level: max(w.st.Level, 0),
		ReplyType: w.st.ReplyType, ReplyReason: w.st.ReplyReason, FinishedOn: w.st.FinishedOn,
	}
	if !s.Due.IsZero() {
		s.DaysLeft = application.DaysLeft(w.cal, w.today(), s.Due)
	}
	s.NextWake = w.nextWake(workflow.Now(w.ctx))
	return s
}

func (w *appRun) register() error {
	return registerHandlers(w.ctx, QueryApplication, func() (ApplicationState, error) { return w.state(), nil }, []updateHandler{
		{UpdateRequestCorrection, loadedOr(w, w.validateCorrection), func(ctx workflow.Context, r CorrectionRequest) (ApplicationState, error) {
			return w.apply(ctx, r.Audit, func() error { return w.validateCorrection(r) }, func() { w.requestCorrection(r) })
		}},
		{UpdateCompleteCorrection, loadedOr(w, w.validateCorrectionDone), func(ctx workflow.Context, r CorrectionDone) (ApplicationState, error) {
			return w.apply(ctx, r.Audit, func() error { return w.validateCorrectionDone(r) }, func() { w.completeCorrection(r) })
		}},
		{UpdateStartConsultation, loadedOr(w, w.validateConsultStart), func(ctx workflow.Context, c Consultation) (ApplicationState, error) {
			return w.apply(ctx, c.Audit, func() error { return w.validateConsultStart(c) }, func() { w.startConsultation(c) })
		}},
		{UpdateEndConsultation, loadedOr(w, w.validateConsultEnd), func(ctx workflow.Context, c Consultation) (ApplicationState, error) {
			return w.apply(ctx, c.Audit, func() error { return w.validateConsultEnd(c) }, func() { w.endConsultation(c) })
		}},
		{UpdateExtendReply, loadedOr(w, w.validateExtension), func(ctx workflow.Context, x ReplyExtension) (ApplicationState, error) {
			return w.apply(ctx, x.Audit, func() error { return w.validateExtension(x) }, func() { w.extend(x) })
		}},
		{UpdateReply, loadedOr(w, w.validateReply), func(ctx workflow.Context, r Reply) (ApplicationState, error) {
			return w.apply(ctx, r.Audit, func() error { return w.validateReply(r) }, func() { w.reply(r) })
		}},
		{UpdateCloseApplication, loadedOr(w, w.validateClose), func(ctx workflow.Context, c CloseApplication) (ApplicationState, error) {
			return w.apply(ctx, c.Audit, func() error { return w.validateClose(c) }, func() { w.close(c) })
		}},
	})
}

// apply runs a change under the mutex after catching up with the clock, and records it before
// answering, so that the caller's next page already shows it.
func (w *appRun) apply(ctx workflow.Context, audit *store.EventAudit, validate func() error, change func()) (ApplicationState, error) {
	if err := workflow.Await(ctx, func() bool { return w.loaded }); err != nil {
		return ApplicationState{}, err
	}
	if err := w.mu.Lock(ctx); err != nil {
		return ApplicationState{}, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(ctx)
	w.advance(now)
	// checked again here: the validator let it through before the definition was loaded, or
	// the clock moved (a 补正 time ran out) between the validator and this handler
	if err := validate(); err != nil {
		return ApplicationState{}, err
	}
	first := len(w.events)
	change()
	if audit != nil && len(w.events) > first {
		w.events[first].Audit = audit
	}
	w.advance(now)
	if err := w.flush(ctx, now); err != nil {
		return ApplicationState{}, err
	}
	w.changed = true
	return w.state(), nil
}

// loadedOr is a validator that accepts everything until the definition is loaded; the handler
// then waits for it and validates.
func loadedOr[T any](w *appRun, validate func(T) error) func(T) error {
	return func(arg T) error {
		if !w.loaded {
			return nil
		}
		return validate(arg)
	}
}

// validateOpen rejects changes to a case whose clock no longer runs. Validators see the state
// as of the last task; time may have moved since, so the limits are checked against today.
func (w *appRun) validateOpen(by string) error {
	if err := needBy(by); err != nil {
		return err
	}
	switch w.st.State {
	case application.StateReplied:
		return reject("the application is answered")
	case application.StateClosed:
		return reject("the application is closed")
	case application.StateWithdrawn:
		return reject("the application is withdrawn")
	}
	return nil
}

func (w *appRun) validateCorrection(r CorrectionRequest) error {
	if err := w.validateOpen(r.By); err != nil {
		return err
	}
	if w.st.CorrectionAsk {
		return reject("补正 may be asked for only once")
	}
	if w.st.State != application.StateOpen {
		return reject("补正 cannot be asked for during a consultation")
	}
	today := w.today()
	if last := application.CorrectionDeadline(w.cal, w.def.Application.Received); today.After(last) {
		return reject("补正 must be asked for within %d working days of receipt (by %s)", application.CorrectionDays, last)
	}
	if !r.Until.After(today) {
		return reject("the time given for 补正 must end after today")
	}
	return nil
}

func (w *appRun) requestCorrection(r CorrectionRequest) {
	w.st.State, w.st.CorrectionAsk, w.st.CorrectionDue = application.StateCorrection, true, r.Until
	w.event("correction-requested", r.By, map[string]any{"until": r.Until.String(), "note": r.Note})
}

func (w *appRun) validateCorrectionDone(r CorrectionDone) error {
	if err := needBy(r.By); err != nil {
		return err
	}
	if w.st.State != application.StateCorrection {
		return reject("no 补正 is awaited")
	}
	today := w.today()
	if !r.On.IsZero() && (r.On.After(today) || r.On.Before(w.def.Application.Received)) {
		return reject("the completed application cannot be received on %s", r.On)
	}
	if !r.On.IsZero() && r.On.After(w.st.CorrectionDue) {
		return reject("补正 received after the time given (%s)", w.st.CorrectionDue)
	}
	return nil
}

func (w *appRun) completeCorrection(r CorrectionDone) {
	on := r.On
	if on.IsZero() {
		on = w.today()
	}
	w.st.State = application.StateOpen
	w.st.Clock = application.Clock{Start: on}
	w.st.Level = 0
	w.event("correction-completed", r.By, map[string]any{"on": on.String()})
}

func (w *appRun) validateConsultStart(c Consultation) error {
	if err := w.validateOpen(c.By); err != nil {
		return err
	}
	if w.st.State != application.StateOpen {
		return reject("a consultation needs a running reply clock")
	}
	if strings.TrimSpace(c.Party) == "" {
		return reject("the party consulted is required")
	}
	if w.today().After(w.due()) {
		return reject("the reply is already overdue")
	}
	return nil
}

func (w *appRun) startConsultation(c Consultation) {
	w.st.State = application.StateConsulting
	w.st.Clock.Pauses = append(w.st.Clock.Pauses, application.Pause{From: w.today(), Other: c.Other})
	w.event("consultation-started", c.By, map[string]any{"party": c.Party, "other": c.Other})
}

func (w *appRun) validateConsultEnd(c Consultation) error {
	if err := needBy(c.By); err != nil {
		return err
	}
	if w.st.State != application.StateConsulting {
		return reject("no consultation is running")
	}
	return nil
}

func (w *appRun) endConsultation(c Consultation) {
	p := w.consultation()
	p.To = w.today()
	w.st.State = application.StateOpen
	excluded, _ := application.Excluded(w.cal, *p, p.To)
	w.event("consultation-ended", c.By, map[string]any{"from": p.From.String(), "to": p.To.String(), "excluded_days": excluded})
}

func (w *appRun) validateExtension(x ReplyExtension) error {
	if err := w.validateOpen(x.By); err != nil {
		return err
	}
	if w.st.State == application.StateCorrection {
		return reject("the reply clock waits for 补正")
	}
	if strings.TrimSpace(x.ApprovedBy) == "" {
		return reject("the approver (head of the disclosure office) is required")
	}
	if strings.TrimSpace(x.Reason) == "" {
		return reject("the reason for the extension is required")
	}
	if err := application.CheckExtension(w.st.Clock, x.Days); err != nil {
		return reject("%s", err)
	}
	if w.today().After(w.due()) {
		return reject("the reply is already overdue: an extension must be decided before %s", w.due())
	}
	return nil
}

func (w *appRun) extend(x ReplyExtension) {
	old := w.due()
	w.st.Clock.ExtensionDays = x.Days
	w.event("extended", x.By, map[string]any{"days": x.Days, "reason": x.Reason, "approved_by": x.ApprovedBy,
		"from": old.String(), "to": w.due().String()})
}

func (w *appRun) validateReply(r Reply) error {
	if err := w.validateOpen(r.By); err != nil {
		return err
	}
	if err := application.CheckReply(r.Type, r.Reason); err != nil {
		return reject("%s", err)
	}
	return nil
}

func (w *appRun) reply(r Reply) {
	today := w.today()
	detail := map[string]any{"type": string(r.Type), "reason": string(r.Reason), "note": r.Note}
	if due := w.due(); !due.IsZero() {
		detail["due"], detail["late"] = due.String(), today.After(due)
	}
	if p := w.consultation(); p != nil {
		p.To = today
	}
	w.st.State, w.st.ReplyType, w.st.ReplyReason, w.st.FinishedOn = application.StateReplied, string(r.Type), string(r.Reason), today
	w.drop = "answered"
	w.event("replied", r.By, detail)
}

func (w *appRun) validateClose(c CloseApplication) error {
	if err := needBy(c.By); err != nil {
		return err
	}
	if w.st.State != application.StateReplied {
		return reject("only an answered application can be signed off")
	}
	return nil
}

func (w *appRun) close(c CloseApplication) {
	w.st.State, w.st.ClosedAt = application.StateClosed, workflow.Now(w.ctx)
	w.event("closed", c.By, map[string]any{"note": c.Note})
}
