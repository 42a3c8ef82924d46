package workflows_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

var officialCal = calendar.New(calendar.Official()...)

// appRun is one application workflow in the time-skipping environment with recording
// activities in place of PostgreSQL.
type appRun struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	def   activities.ApplicationDefinition
	mu    sync.Mutex
	syncs []store.ApplicationSync
	when  []time.Time // the workflow clock at each sync
}

func newAppRun(t *testing.T, received calendar.Date, start time.Time) *appRun {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	r := &appRun{t: t, env: env, start: start}
	r.def = activities.ApplicationDefinition{
		Application: store.Application{ID: 42, UnitID: 1, Unit: "测试局", OfficeID: 10, Office: "政策法规科",
			ApplicantType: "person", ApplicantName: "李申请", Channel: "in_person", Received: received,
			Content: "申请公开某项目环评批复", CreatedBy: "admin",
			ApplicationState: store.ApplicationState{State: "open", ClockStart: received}},
		Policy:   schedule.DefaultPolicy(),
		Calendar: activities.CalendarFor(received.Year, nil),
	}
	env.RegisterActivityWithOptions(func(ctx context.Context, id int64) (activities.ApplicationDefinition, error) {
		return r.def, nil
	}, activity.RegisterOptions{Name: "LoadApplication"})
	env.RegisterActivityWithOptions(func(ctx context.Context, in store.ApplicationSync) (activities.SyncResult, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.syncs = append(r.syncs, in)
		r.when = append(r.when, r.env.Now())
		return activities.SyncResult{}, nil
	}, activity.RegisterOptions{Name: "SyncApplication"})
	env.RegisterWorkflowWithOptions(workflows.ApplicationWorkflow, workflow.RegisterOptions{Name: workflows.ApplicationWorkflowName})
	return r
}

func (r *appRun) update(when time.Time, name string, arg any, reject string) {
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(name, "", expectUpdate(r.t, name, when, reject), arg)
	}, when.Sub(r.start))
}

// query reads the workflow's state at an instant into out.
func (r *appRun) query(when time.Time, out *workflows.ApplicationState) {
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(workflows.QueryApplication)
		if err != nil {
			r.t.Errorf("query at %s: %v", when, err)
			return
		}
		if err := v.Get(out); err != nil {
			r.t.Error(err)
		}
	}, when.Sub(r.start))
}

func (r *appRun) run() {
	r.t.Helper()
	r.env.ExecuteWorkflow(workflows.ApplicationWorkflowName, workflows.ApplicationInput{ApplicationID: 42})
	if !r.env.IsWorkflowCompleted() {
		r.t.Fatal("workflow did not complete")
	}
	if err := r.env.GetWorkflowError(); err != nil {
		r.t.Fatalf("workflow: %v", err)
	}
}

func (r *appRun) events() []store.EventRow {
	var out []store.EventRow
	for _, s := range r.syncs {
		out = append(out, s.Events...)
	}
	return out
}

func (r *appRun) event(kind string) (store.EventRow, bool) {
	for _, e := range r.events() {
		if e.Kind == kind {
			return e, true
		}
	}
	return store.EventRow{}, false
}

func (r *appRun) kinds() []string {
	var out []string
	for _, e := range r.events() {
		out = append(out, e.Kind)
	}
	return out
}

func (r *appRun) last() store.ApplicationState { return r.syncs[len(r.syncs)-1].State }

// plans lists the full notice plans recorded (one per due day), in order.
func (r *appRun) plans() []store.CyclePlan {
	var out []store.CyclePlan
	for _, s := range r.syncs {
		if s.Plan != nil && s.Plan.Replace {
			out = append(out, *s.Plan)
		}
	}
	return out
}

func shanghai(d calendar.Date, h, m int) time.Time { return d.At(h, m) }

func addWD(t *testing.T, d calendar.Date, n int) calendar.Date {
	t.Helper()
	out, prov := officialCal.AddWorkingDays(d, n)
	if prov {
		t.Fatalf("%s + %d working days left the official calendar", d, n)
	}
	return out
}

// Received on the eve of 国庆 2026 and never answered: the reminders and the ladder are planned
// on working days from the due day 11/3 (the holiday and the worked Saturday 10/10 counted
// right), the workflow records overdue after the due day and each level on its working day,
// and the reply and the sign-off end it.
func TestApplicationOverdueEscalation(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	due := addWD(t, received, application.ReplyDays)
	pol := schedule.DefaultPolicy()
	lastLevel := pol.Escalation[len(pol.Escalation)-1]
	top := addWD(t, due, lastLevel.After)
	replyOn := addWD(t, top, 1)
	r.update(shanghai(replyOn, 10, 0), workflows.UpdateReply, workflows.Reply{Type: application.Disclose, By: "科员"}, "")
	r.update(shanghai(replyOn, 11, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.update(shanghai(replyOn, 12, 0), workflows.UpdateReply, workflows.Reply{Type: application.Disclose, By: "x"}, "")
	r.run()

	plans := r.plans()
	if len(plans) != 1 {
		t.Fatalf("%d plans, want one for the one due day", len(plans))
	}
	if !plans[0].Due.Equal(due.End()) {
		t.Errorf("planned for %s, want %s", plans[0].Due, due.End())
	}
	var sawTop bool
	for _, n := range plans[0].Notices {
		if n.Kind == "reminder" && n.Offset == 10 && calendar.DateOf(n.At) != addWD(t, due, -10) {
			t.Errorf("10-day reminder on %s, want %s", calendar.DateOf(n.At), addWD(t, due, -10))
		}
		if n.Level == lastLevel.Level {
			sawTop = true
			if n.Target != lastLevel.Target || !n.At.Equal(shanghai(top, 9, 0)) {
				t.Errorf("top level notice %+v, want %s to %s", n, shanghai(top, 9, 0), lastLevel.Target)
			}
		}
	}
	if !sawTop {
		t.Error("no notice for the last escalation level")
	}
	ov, ok := r.event("overdue")
	if !ok || calendar.DateOf(ov.At) != due.AddDays(1) {
		t.Errorf("overdue recorded %v at %s, want the day after %s", ok, ov.At, due)
	}
	var levels []int
	for _, e := range r.events() {
		if e.Kind == "escalated" {
			levels = append(levels, int(e.Detail["level"].(int)))
			if e.Detail["level"].(int) == lastLevel.Level && !e.At.Equal(shanghai(top, 9, 0)) {
				t.Errorf("level %d reached at %s, want %s", lastLevel.Level, e.At, shanghai(top, 9, 0))
			}
		}
	}
	if !slices.Equal(levels, []int{1, 2, 3}) {
		t.Errorf("levels %v", levels)
	}
	rep, _ := r.event("replied")
	if rep.Detail["late"] != true {
		t.Errorf("reply detail %v, want late", rep.Detail)
	}
	if st := r.last(); st.State != application.StateClosed || st.FinishedOn != replyOn || st.ReplyType != "disclose" {
		t.Errorf("final state %+v", st)
	}
	if r.syncs[len(r.syncs)-2].DropReason != "answered" {
		t.Errorf("the reply did not drop the pending notices: %+v", r.syncs[len(r.syncs)-2])
	}
}

// 补正 asked for within 7 working days and never completed: the application is withdrawn
// (视为放弃) the day after the time given, counted in 其他处理 / 逾期不补正, and the workflow ends.
// A second request and one outside the 7 days are refused.
func TestApplicationWithdrawnAfterCorrectionExpiry(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	until := calendar.D(2026, 10, 23)
	r.update(shanghai(calendar.D(2026, 10, 9), 10, 0), workflows.UpdateRequestCorrection,
		workflows.CorrectionRequest{Until: until, Note: "请明确所需信息的名称", By: "科员"}, "")
	r.update(shanghai(calendar.D(2026, 10, 9), 11, 0), workflows.UpdateRequestCorrection,
		workflows.CorrectionRequest{Until: until, By: "科员"}, "only once")
	r.update(shanghai(calendar.D(2026, 10, 12), 11, 0), workflows.UpdateExtendReply,
		workflows.ReplyExtension{Days: 5, Reason: "x", ApprovedBy: "主任", By: "科员"}, "waits for 补正")
	r.run()
	if !slices.Contains(r.kinds(), "withdrawn") {
		t.Fatalf("events %v, want withdrawn", r.kinds())
	}
	w, _ := r.event("withdrawn")
	if !w.At.Equal(until.End().Add(time.Second)) {
		t.Errorf("withdrawn at %s, want just after %s ended", w.At, until)
	}
	st := r.last()
	if st.State != application.StateWithdrawn || st.ReplyType != string(application.Other) || st.ReplyReason != string(application.NoCorrection) {
		t.Errorf("final %+v", st)
	}
	for _, s := range r.syncs {
		if slices.ContainsFunc(s.Events, func(e store.EventRow) bool { return e.Kind == "correction-requested" }) && !s.DropAll {
			t.Error("asking for 补正 did not drop the planned reminders")
		}
	}
}

func TestApplicationCorrectionOutsideSevenDays(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	late := addWD(t, received, application.CorrectionDays+1)
	r.update(shanghai(late, 10, 0), workflows.UpdateRequestCorrection,
		workflows.CorrectionRequest{Until: late.AddDays(10), By: "科员"}, "within 7 working days")
	r.update(shanghai(late, 11, 0), workflows.UpdateReply, workflows.Reply{Type: application.Refuse, By: "科员"}, "needs a reason")
	r.update(shanghai(late, 12, 0), workflows.UpdateReply, workflows.Reply{Type: application.Refuse, Reason: application.ProcessInfo, By: "科员"}, "")
	r.update(shanghai(late, 13, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	if st := r.last(); st.ReplyReason != string(application.ProcessInfo) {
		t.Errorf("final %+v", st)
	}
}

// 补正 completed: the reply clock starts again in full from the completion day.
func TestApplicationCorrectionRestart(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	completed := calendar.D(2026, 10, 16)
	var mid, after workflows.ApplicationState
	r.update(shanghai(calendar.D(2026, 10, 8), 10, 0), workflows.UpdateRequestCorrection,
		workflows.CorrectionRequest{Until: calendar.D(2026, 10, 22), By: "科员"}, "")
	r.query(shanghai(calendar.D(2026, 10, 12), 10, 0), &mid)
	r.update(shanghai(completed, 15, 0), workflows.UpdateCompleteCorrection, workflows.CorrectionDone{By: "科员"}, "")
	r.query(shanghai(completed, 16, 0), &after)
	due := addWD(t, completed, application.ReplyDays)
	r.update(shanghai(due, 16, 0), workflows.UpdateReply, workflows.Reply{Type: application.Partial, By: "科员"}, "")
	r.update(shanghai(due, 17, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	if mid.State != application.StateCorrection || !mid.Due.IsZero() {
		t.Errorf("while waiting for 补正: %+v, want no due day", mid)
	}
	if after.Due != due || after.DaysLeft != application.ReplyDays {
		t.Errorf("after completion: due %s (%d left), want %s (%d)", after.Due, after.DaysLeft, due, application.ReplyDays)
	}
	rep, _ := r.event("replied")
	if rep.Detail["late"] != false {
		t.Errorf("replied on the restarted due day: %v", rep.Detail)
	}
	if slices.Contains(r.kinds(), "overdue") {
		t.Errorf("overdue recorded: %v", r.kinds())
	}
}

// A third-party consultation across 春节 2027: its working days are not counted, the plan moves
// to the new due day, and a reply on that last day is in time.
func TestApplicationThirdPartyOverSpringFestival(t *testing.T) {
	received := calendar.D(2027, 1, 20)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	from, to := calendar.D(2027, 1, 27), calendar.D(2027, 2, 22)
	r.update(shanghai(from, 10, 0), workflows.UpdateStartConsultation, workflows.Consultation{Party: "某公司", By: "科员"}, "")
	r.update(shanghai(from, 10, 30), workflows.UpdateStartConsultation, workflows.Consultation{Party: "某公司", By: "科员"}, "running reply clock")
	r.update(shanghai(to, 10, 0), workflows.UpdateEndConsultation, workflows.Consultation{By: "科员"}, "")
	excluded, _ := officialCal.WorkingDaysBetween(from, to)
	due := addWD(t, received, application.ReplyDays+excluded)
	var st workflows.ApplicationState
	r.query(shanghai(due, 9, 30), &st)
	r.update(shanghai(due, 17, 0), workflows.UpdateReply, workflows.Reply{Type: application.Disclose, By: "科员"}, "")
	r.update(shanghai(due, 18, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	if excluded == 0 || excluded > application.ThirdPartyDays {
		t.Fatalf("the test's pause has %d working days", excluded)
	}
	if st.Due != due || st.DaysLeft != 0 {
		t.Errorf("on the last day: due %s, %d left; want %s, 0", st.Due, st.DaysLeft, due)
	}
	plans := r.plans()
	if len(plans) != 2 || !plans[1].Due.Equal(due.End()) {
		t.Errorf("plans %d, last for %v; want the first and one for %s", len(plans), plans[len(plans)-1].Due, due)
	}
	end, _ := r.event("consultation-ended")
	if end.Detail["excluded_days"] != excluded {
		t.Errorf("recorded %v excluded days, want %d", end.Detail["excluded_days"], excluded)
	}
	rep, _ := r.event("replied")
	if rep.Detail["late"] != false {
		t.Errorf("reply on the last day late: %v", rep.Detail)
	}
	if slices.Contains(r.kinds(), "overdue") {
		t.Errorf("overdue recorded: %v", r.kinds())
	}
}

// A third party silent beyond its 15 working days: the clock runs again from then.
func TestApplicationThirdPartyLapses(t *testing.T) {
	received := calendar.D(2027, 1, 20)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	from := calendar.D(2027, 1, 27)
	limit := addWD(t, from, application.ThirdPartyDays)
	r.update(shanghai(from, 10, 0), workflows.UpdateStartConsultation, workflows.Consultation{Party: "某公司", By: "科员"}, "")
	due := addWD(t, received, application.ReplyDays+application.ThirdPartyDays)
	r.update(shanghai(due, 10, 0), workflows.UpdateReply, workflows.Reply{Type: application.Disclose, By: "科员"}, "")
	r.update(shanghai(due, 11, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	e, ok := r.event("consultation-lapsed")
	if !ok || calendar.DateOf(e.At) != limit.AddDays(1) {
		t.Errorf("lapsed %v at %s, want the day after %s", ok, e.At, limit)
	}
	if rep, _ := r.event("replied"); rep.Detail["due"] != due.String() || rep.Detail["late"] != false {
		t.Errorf("reply %v, want due %s in time", rep.Detail, due)
	}
}

// One extension of up to 20 working days, with its approver; a second one is refused.
func TestApplicationExtension(t *testing.T) {
	received := calendar.D(2026, 12, 4)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	due := addWD(t, received, application.ReplyDays)
	ask := addWD(t, received, 15)
	r.update(shanghai(ask, 10, 0), workflows.UpdateExtendReply,
		workflows.ReplyExtension{Days: 20, Reason: "涉及多个年度档案", By: "科员"}, "approver")
	r.update(shanghai(ask, 10, 5), workflows.UpdateExtendReply,
		workflows.ReplyExtension{Days: 21, Reason: "x", ApprovedBy: "公开办主任", By: "科员"}, "want 1 to 20")
	r.update(shanghai(ask, 10, 10), workflows.UpdateExtendReply,
		workflows.ReplyExtension{Days: 20, Reason: "涉及多个年度档案", ApprovedBy: "公开办主任", By: "科员"}, "")
	r.update(shanghai(ask, 10, 20), workflows.UpdateExtendReply,
		workflows.ReplyExtension{Days: 5, Reason: "x", ApprovedBy: "公开办主任", By: "科员"}, "extended once")
	extended := addWD(t, due, 20)
	var st workflows.ApplicationState
	r.query(shanghai(due.AddDays(1), 10, 0), &st)
	r.update(shanghai(extended, 16, 0), workflows.UpdateReply, workflows.Reply{Type: application.Unable, Reason: application.NotHeld, By: "科员"}, "")
	r.update(shanghai(extended, 17, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	if st.Due != extended || st.Clock.ExtensionDays != 20 {
		t.Errorf("after the extension: %+v, want due %s", st, extended)
	}
	e, _ := r.event("extended")
	if e.Detail["approved_by"] != "公开办主任" || e.Detail["to"] != extended.String() {
		t.Errorf("case file %v", e.Detail)
	}
	if slices.Contains(r.kinds(), "overdue") {
		t.Errorf("overdue on the original due day: %v", r.kinds())
	}
	if p := r.plans(); len(p) != 2 || !p[1].Due.Equal(extended.End()) {
		t.Errorf("the extension did not replan the notices for %s", extended)
	}
}

// A run started after a lost Temporal database resumes from what PostgreSQL recorded: the
// stage, the 补正 time and the sequence; it does not register the application again.
func TestApplicationResumesFromPostgreSQL(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	until := calendar.D(2026, 10, 23)
	r := newAppRun(t, received, shanghai(calendar.D(2026, 10, 12), 10, 0))
	r.def.Seq = 5
	r.def.Application.ApplicationState = store.ApplicationState{State: application.StateCorrection, ClockStart: received, CorrectionDue: until}
	r.update(shanghai(calendar.D(2026, 10, 13), 10, 0), workflows.UpdateRequestCorrection,
		workflows.CorrectionRequest{Until: until, By: "科员"}, "only once")
	r.run()
	if slices.Contains(r.kinds(), "registered") {
		t.Errorf("registered again: %v", r.kinds())
	}
	if r.syncs[0].Seq <= 5 {
		t.Errorf("first write has seq %d, not after the recorded 5", r.syncs[0].Seq)
	}
	if st := r.last(); st.State != application.StateWithdrawn || st.FinishedOn != until.AddDays(1) {
		t.Errorf("final %+v", st)
	}
}

// An application registered after its time ran out (an old letter found late): no "due in N
// days" reminders, the passed escalations wait for the next send window, and the overdue is
// recorded at once.
func TestApplicationRegisteredLate(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	now := shanghai(calendar.D(2026, 11, 16), 15, 0)
	r := newAppRun(t, received, now)
	r.update(now.Add(time.Hour), workflows.UpdateReply, workflows.Reply{Type: application.Other, Reason: application.OtherReason, By: "科员"}, "")
	r.update(now.Add(2*time.Hour), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	plans := r.plans()
	if len(plans) != 1 {
		t.Fatalf("%d plans", len(plans))
	}
	next := shanghai(calendar.D(2026, 11, 17), 9, 0)
	for _, n := range plans[0].Notices {
		if n.Kind == "reminder" || n.Kind == "due" {
			t.Errorf("a reminder planned after the due day: %+v", n)
		}
		if n.At.Before(now) {
			t.Errorf("a notice in the past: %+v", n)
		}
		if (n.Kind == "escalation" || n.Kind == "overdue") && n.Level <= 2 && !n.At.Equal(next) {
			t.Errorf("a passed level at %s, want the next window %s", n.At, next)
		}
	}
	if k := r.kinds(); len(k) < 3 || k[0] != "registered" || k[1] != "overdue" {
		t.Errorf("events %v", k)
	}
}

// Left unanswered past the last level, the application is reminded "still overdue" every
// policy.Repeat working days, each notice planned before its instant, to the last level's
// target and the office.
func TestApplicationStillOverdueRepeats(t *testing.T) {
	received := calendar.D(2026, 9, 30)
	r := newAppRun(t, received, shanghai(received, 10, 0))
	pol := schedule.DefaultPolicy()
	due := addWD(t, received, application.ReplyDays)
	last := pol.Escalation[len(pol.Escalation)-1]
	top := addWD(t, due, last.After)
	first, second := addWD(t, top, pol.Repeat), addWD(t, top, 2*pol.Repeat)
	answer := addWD(t, second, 1)
	r.update(shanghai(answer, 10, 0), workflows.UpdateReply, workflows.Reply{Type: application.Disclose, By: "科员"}, "")
	r.update(shanghai(answer, 11, 0), workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}, "")
	r.run()
	planned := map[int]time.Time{} // repeat -> when it was planned
	for i, s := range r.syncs {
		if s.Plan == nil {
			continue
		}
		for _, n := range s.Plan.Notices {
			if n.Offset > 0 && n.Kind == "escalation" && !s.Plan.Replace {
				want := map[int]calendar.Date{1: first, 2: second, 3: addWD(t, top, 3*pol.Repeat)}[n.Offset]
				if !n.At.Equal(shanghai(want, 9, 0)) || n.Target != last.Target || n.Level != last.Level {
					t.Errorf("repeat %d: %+v, want %s to %s", n.Offset, n, shanghai(want, 9, 0), last.Target)
				}
				if !r.when[i].Before(n.At) {
					t.Errorf("repeat %d planned at %s, not before its instant %s", n.Offset, r.when[i], n.At)
				}
				planned[n.Offset] = r.when[i]
			}
		}
	}
	if len(planned) != 3 {
		t.Errorf("repeats planned %v, want 1, 2 and (after the second) 3", planned)
	}
	for _, p := range r.plans() {
		for _, n := range p.Notices {
			if n.Kind == "escalation" && n.Offset != 0 {
				t.Errorf("a ladder notice with offset %d would share its key with a repeat", n.Offset)
			}
		}
	}
}
