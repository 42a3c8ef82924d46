package workflows_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/preview"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// at is a Shanghai wall-clock instant.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.Shanghai)
}

func itemDef(t testing.TB, rule string, year int) activities.ItemDefinition {
	t.Helper()
	r := schedule.Parse(rule, year)
	if r.Kind == schedule.KindUnparsed {
		t.Fatalf("rule %q did not parse", rule)
	}
	return activities.ItemDefinition{
		ItemID: 7, UnitID: 1, Unit: "测试局", Year: year, Title: "测试事项", Status: "active",
		Rule: r, Policy: schedule.DefaultPolicy(), Calendar: activities.CalendarFor(year, nil),
		Offices: []store.ItemOffice{{ID: 10, Name: "办公室", Role: "lead"}, {ID: 11, Name: "财务室", Role: "co"}},
	}
}

// run is one item workflow in the time-skipping test environment, with the recorder as its
// activities. Callbacks fire at wall-clock instants while the environment skips time.
type run struct {
	t     testing.TB
	env   *testsuite.TestWorkflowEnvironment
	rec   *preview.Recorder
	start time.Time
}

func newRun(t testing.TB, def activities.ItemDefinition, start time.Time) *run {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	rec := &preview.Recorder{Def: def}
	rec.Register(env)
	env.RegisterWorkflowWithOptions(workflows.ItemWorkflow, workflow.RegisterOptions{Name: workflows.ItemWorkflowName})
	return &run{t: t, env: env, rec: rec, start: start}
}

func (r *run) at(when time.Time, fn func()) {
	r.env.RegisterDelayedCallback(fn, when.Sub(r.start))
}

// update sends an update at a wall-clock instant and checks that it is accepted (or rejected
// with a message containing reject).
func (r *run) update(when time.Time, name string, arg any, reject string) {
	r.at(when, func() {
		r.env.UpdateWorkflow(name, "", expectUpdate(r.t, name, when, reject), arg)
	})
}

func (r *run) cancelAt(when time.Time) { r.at(when, r.env.CancelWorkflow) }

// beforeLeanHistory makes the run one started before the lean-history change, which asks for
// the versions of older changes; a test of an older change's default version needs it, as a
// lean run takes their newest versions without asking.
func (r *run) beforeLeanHistory() {
	r.env.OnGetVersion("lean-history", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
}

func (r *run) exec(input workflows.ItemInput) error {
	if input.ItemID == 0 {
		input.ItemID = r.rec.Def.ItemID
	}
	r.env.ExecuteWorkflow(workflows.ItemWorkflowName, input)
	if !r.env.IsWorkflowCompleted() {
		r.t.Fatal("workflow did not complete")
	}
	return r.env.GetWorkflowError()
}

func (r *run) mustFinish() {
	r.t.Helper()
	if err := r.exec(workflows.ItemInput{}); err != nil {
		r.t.Fatalf("workflow: %v", err)
	}
}

// events lists recorded history kinds in order.
func (r *run) events() []store.EventRow {
	var out []store.EventRow
	for _, s := range r.rec.Syncs() {
		out = append(out, s.Events...)
	}
	return out
}

func (r *run) eventKinds() []string {
	var out []string
	for _, e := range r.events() {
		out = append(out, e.Kind)
	}
	return out
}

func (r *run) lastState() store.ItemStateRow {
	s := r.rec.Syncs()
	if len(s) == 0 {
		r.t.Fatal("nothing recorded")
	}
	return s[len(s)-1].State
}

func (r *run) cycles() map[string]store.CycleRow {
	out := map[string]store.CycleRow{}
	for _, s := range r.rec.Syncs() {
		for _, c := range s.Cycles {
			out[c.Key] = c
		}
	}
	return out
}

// plannedAt lists the instants of the last plan of a cycle, by kind/level/offset.
func (r *run) plan(cycle string) map[string]time.Time {
	out := map[string]time.Time{}
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			if p.CycleKey != cycle {
				continue
			}
			for _, n := range p.Notices {
				out[noticeName(n)] = n.At
			}
		}
	}
	return out
}

func noticeName(n store.NoticePlan) string {
	switch n.Kind {
	case "reminder", "due":
		return n.Kind + "-" + strconv.Itoa(n.Offset)
	}
	if n.Offset > 0 {
		return n.Kind + "-L" + strconv.Itoa(n.Level) + "-r" + strconv.Itoa(n.Offset)
	}
	return n.Kind + "-L" + strconv.Itoa(n.Level)
}

func wantTimes(t *testing.T, got map[string]time.Time, want map[string]time.Time) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s not planned (planned: %v)", k, keys(got))
			continue
		}
		if !g.Equal(w) {
			t.Errorf("%s at %s, want %s", k, g.In(calendar.Shanghai).Format(time.RFC3339), w.Format(time.RFC3339))
		}
	}
}

func keys(m map[string]time.Time) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

const evidence = "https://www.example.gov.cn/zwgk/2024/art_1.html"

// A deadline done before it falls due: the reminders are planned on working days before the
// due day (June 30 2024 is a Sunday, so they count from Friday June 28), nothing escalates and
// the workflow ends.
func TestDeadlineCompletedEarly(t *testing.T) {
	r := newRun(t, itemDef(t, "6月底", 2024), at(2024, 1, 2, 10, 0))
	r.update(at(2024, 6, 20, 15, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "张三"}, "")
	r.mustFinish()

	wantTimes(t, r.plan("2024-06-30"), map[string]time.Time{
		"reminder-10":   at(2024, 6, 14, 9, 0), // 10 working days before June 28
		"reminder-5":    at(2024, 6, 21, 9, 0),
		"reminder-2":    at(2024, 6, 26, 9, 0),
		"due-0":         at(2024, 6, 28, 9, 0),
		"overdue-L1":    at(2024, 7, 1, 9, 0),
		"escalation-L2": at(2024, 7, 3, 9, 0),
		"escalation-L3": at(2024, 7, 5, 9, 0),
	})
	c := r.cycles()["2024-06-30"]
	if c.Status != "done" || c.Late || c.EvidenceURL != evidence || c.DoneBy != "张三" {
		t.Errorf("cycle after completion: %+v", c)
	}
	if got := r.eventKinds(); slices.Contains(got, "overdue") || slices.Contains(got, "escalated") {
		t.Errorf("events %v: nothing may escalate", got)
	}
	if s := r.lastState(); s.Status != workflows.StatusDone {
		t.Errorf("final status %s", s.Status)
	}
}

// A deadline missed: the cycle goes overdue at the end of the due day, climbs the ladder at
// the send window of working days after due, repeats "still overdue", and a late completion
// stops it all.
func TestDeadlineOverdueEscalatesThenLateCompletion(t *testing.T) {
	r := newRun(t, itemDef(t, "6月底", 2024), at(2024, 1, 2, 10, 0))
	var mid store.ItemStateRow
	r.at(at(2024, 7, 4, 12, 0), func() { mid = r.lastState() })
	r.update(at(2024, 7, 16, 11, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "李四", Note: "补发"}, "")
	r.mustFinish()

	if mid.Status != workflows.StatusOverdue || mid.Level != 2 {
		t.Errorf("on July 4 the item is %s at level %d, want overdue at level 2", mid.Status, mid.Level)
	}
	var levels []int
	var overdueAt time.Time
	for _, e := range r.events() {
		switch e.Kind {
		case "escalated":
			levels = append(levels, e.Detail["level"].(int))
		case "overdue":
			overdueAt = e.At
		}
	}
	if !slices.Equal(levels, []int{1, 2, 3}) {
		t.Errorf("escalation levels %v", levels)
	}
	if !overdueAt.Equal(at(2024, 7, 1, 0, 0)) {
		t.Errorf("overdue at %s, want the first second after June 30", overdueAt)
	}
	p := r.plan("2024-06-30")
	wantTimes(t, p, map[string]time.Time{
		"escalation-L3-r1": at(2024, 7, 12, 9, 0), // 5 working days after the last level
		"overdue-L3-r1":    at(2024, 7, 12, 9, 0),
		"escalation-L3-r2": at(2024, 7, 19, 9, 0), // planned before the July 19 repeat is due
	})
	c := r.cycles()["2024-06-30"]
	if c.Status != "done" || !c.Late || c.Level != 3 {
		t.Errorf("cycle: %+v, want done late at level 3", c)
	}
	last := r.rec.Syncs()[len(r.rec.Syncs())-1]
	if !slices.Contains(last.DropCycles, "2024-06-30") {
		t.Errorf("completion must drop the cycle's pending notices: %+v", last.DropCycles)
	}
}

// Monthly cycles across 国庆 2024: September's due day is Monday Sep 30; Sunday Sep 29 is a
// make-up working day, so "2 working days before" is Friday Sep 27; the first escalation comes
// after the holiday, on Tuesday Oct 8.
func TestMonthlyAcrossNationalDay(t *testing.T) {
	r := newRun(t, itemDef(t, "每月更新", 2024), at(2024, 8, 20, 10, 0))
	r.update(at(2024, 8, 28, 10, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "王五"}, "")
	r.update(at(2024, 10, 9, 10, 0), workflows.UpdateComplete, workflows.Completion{Cycle: "2024-09", EvidenceURL: evidence, By: "王五"}, "")
	r.cancelAt(at(2024, 10, 20, 0, 0))
	err := r.exec(workflows.ItemInput{})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("workflow: %v", err)
	}
	cycles := r.cycles()
	for _, k := range []string{"2024-01", "2024-07"} {
		if cycles[k].Status != "skipped" {
			t.Errorf("cycle %s before tracking began: %s, want skipped", k, cycles[k].Status)
		}
	}
	wantTimes(t, r.plan("2024-09"), map[string]time.Time{
		"reminder-2":    at(2024, 9, 27, 9, 0),
		"due-0":         at(2024, 9, 30, 9, 0),
		"overdue-L1":    at(2024, 10, 8, 9, 0),
		"escalation-L2": at(2024, 10, 10, 9, 0),
	})
	if c := cycles["2024-09"]; c.Status != "done" || !c.Late || c.Level != 1 {
		t.Errorf("September: %+v, want done late after level 1", c)
	}
	if c := cycles["2024-08"]; c.Status != "done" || c.Late {
		t.Errorf("August: %+v", c)
	}
	if c := cycles["2024-10"]; c.Status != "open" {
		t.Errorf("October: %+v", c)
	}
}

// An extension moves the due point, resets the ladder and replans; the item escalates again
// only after the new date.
func TestExtension(t *testing.T) {
	r := newRun(t, itemDef(t, "4月底", 2024), at(2024, 4, 1, 9, 30))
	r.update(at(2024, 5, 6, 10, 0), workflows.UpdateExtend, workflows.Extension{Due: calendar.D(2024, 5, 20), Reason: "等待上级文件", ApprovedBy: "分管领导", By: "admin"}, "")
	r.update(at(2024, 5, 6, 10, 5), workflows.UpdateExtend, workflows.Extension{Due: calendar.D(2024, 5, 1), Reason: "x", ApprovedBy: "y", By: "admin"}, "not in the future")
	var mid store.ItemStateRow
	r.at(at(2024, 5, 20, 12, 0), func() { mid = r.lastState() })
	r.update(at(2024, 5, 22, 10, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "张三"}, "")
	r.mustFinish()

	if mid.Status != workflows.StatusUpcoming || mid.Level != 0 || !mid.DueAt.Equal(calendar.D(2024, 5, 20).End()) {
		t.Errorf("after the extension: %+v", mid)
	}
	c := r.cycles()["2024-04-30"]
	if !c.OriginalDue.Equal(calendar.D(2024, 4, 30).End()) || !c.Due.Equal(calendar.D(2024, 5, 20).End()) || !c.Late {
		t.Errorf("cycle: %+v", c)
	}
	// May 11 2024 (Saturday) is a make-up working day: 5 working days before May 20 is May 13.
	wantTimes(t, r.plan("2024-04-30"), map[string]time.Time{
		"reminder-5": at(2024, 5, 13, 9, 0),
		"overdue-L1": at(2024, 5, 21, 9, 0),
	})
	kinds := r.eventKinds()
	if i, j := slices.Index(kinds, "extended"), slices.Index(kinds, "completed"); i < 0 || j < i {
		t.Errorf("events %v", kinds)
	}
}

func TestReassignPauseResumeCancel(t *testing.T) {
	r := newRun(t, itemDef(t, "季度更新", 2024), at(2024, 1, 3, 9, 0))
	r.update(at(2024, 2, 1, 9, 0), workflows.UpdateReassign, workflows.Reassignment{
		Offices: []workflows.OfficeRef{{ID: 12, Name: "法规科", Role: "lead"}}, By: "admin", Reason: "职责调整"}, "")
	r.update(at(2024, 2, 1, 9, 1), workflows.UpdateReassign, workflows.Reassignment{
		Offices: []workflows.OfficeRef{{ID: 12, Name: "法规科", Role: "co"}}, By: "admin"}, "one office must lead")
	r.update(at(2024, 3, 20, 9, 0), workflows.UpdatePause, workflows.Actor{By: "admin", Reason: "机构改革"}, "")
	r.update(at(2024, 3, 20, 9, 1), workflows.UpdatePause, workflows.Actor{By: "admin"}, "already paused")
	var paused store.ItemStateRow
	r.at(at(2024, 4, 10, 9, 0), func() { paused = r.lastState() })
	r.update(at(2024, 4, 15, 9, 0), workflows.UpdateResume, workflows.Actor{By: "admin"}, "")
	r.update(at(2024, 5, 6, 9, 0), workflows.UpdateCancel, workflows.Actor{By: "import", Reason: "removed in revision 2"}, "")
	r.mustFinish()

	if paused.Status != workflows.StatusPaused || !paused.Paused {
		t.Errorf("while paused: %+v", paused)
	}
	if got := r.rec.Def.Offices; len(got) != 1 || got[0].ID != 12 {
		t.Errorf("offices after reassignment: %+v", got)
	}
	kinds := r.eventKinds()
	for _, k := range []string{"reassigned", "paused", "resumed", "cancelled"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s event in %v", k, kinds)
		}
	}
	// Q1 fell due while paused (March 31): on resume it is overdue.
	if !slices.Contains(kinds, "overdue") {
		t.Errorf("Q1 should be overdue after the pause: %v", kinds)
	}
	syncs := r.rec.Syncs()
	last := syncs[len(syncs)-1]
	if !last.DropAll || last.State.Status != workflows.StatusCancelled {
		t.Errorf("cancellation must drop every notice: %+v", last)
	}
	if c := r.cycles()["2024-Q2"]; c.Status != "cancelled" {
		t.Errorf("Q2 after cancel: %+v", c)
	}
}

// 及时更新: 20 working days from each recorded event (条例 第二十六条). A pause of one working
// week stops the clock: the due point moves by five working days.
func TestTimelyEventsWithPause(t *testing.T) {
	r := newRun(t, itemDef(t, "及时更新", 2024), at(2024, 9, 2, 9, 0))
	r.update(at(2024, 9, 10, 16, 0), workflows.UpdateRecordEvent, workflows.Event{At: at(2024, 9, 10, 15, 0), Title: "印发《关于…的通知》", By: "张三"}, "")
	r.update(at(2024, 9, 11, 9, 0), workflows.UpdateRecordEvent, workflows.Event{At: at(2024, 12, 1, 0, 0), Title: "未来", By: "张三"}, "in the future")
	var before store.ItemStateRow
	r.at(at(2024, 9, 12, 9, 0), func() { before = r.lastState() })
	r.update(at(2024, 10, 8, 9, 0), workflows.UpdatePause, workflows.Actor{By: "admin", Reason: "征求第三方意见"}, "")
	r.update(at(2024, 10, 15, 9, 0), workflows.UpdateResume, workflows.Actor{By: "admin"}, "")
	r.update(at(2024, 10, 18, 9, 0), workflows.UpdateComplete, workflows.Completion{Cycle: "E1", EvidenceURL: evidence, By: "张三"}, "")
	r.mustFinish() // the item lives until the end of its year, then ends

	if !before.DueAt.Equal(calendar.D(2024, 10, 14).End()) {
		t.Errorf("20 working days after 2024-09-10: %s", before.DueAt)
	}
	c := r.cycles()["E1"]
	// Paused Tue Oct 8 to Tue Oct 15: 6 working days (Saturday Oct 12 was a make-up day);
	// 2024-10-14 + 6 working days = 2024-10-22.
	if !c.Due.Equal(calendar.D(2024, 10, 22).End()) || c.Status != "done" || c.Late {
		t.Errorf("event cycle: %+v", c)
	}
	if c.EventTitle != "印发《关于…的通知》" {
		t.Errorf("event title %q", c.EventTitle)
	}
	if s := r.lastState(); s.Status != workflows.StatusWaiting {
		t.Errorf("final status %s, want waiting (no open event)", s.Status)
	}
}

// Hour clocks (政务舆情 5小时内) are urgent: notices at once and an hour before, and the
// ladder climbs by the hour.
func TestHourClock(t *testing.T) {
	r := newRun(t, itemDef(t, "5小时内", 2024), at(2024, 3, 1, 9, 0))
	r.update(at(2024, 3, 2, 22, 30), workflows.UpdateRecordEvent, workflows.Event{At: at(2024, 3, 2, 22, 0), Title: "网络舆情", By: "值班员"}, "")
	var st store.ItemStateRow
	r.at(at(2024, 3, 3, 4, 30), func() { st = r.lastState() })
	r.update(at(2024, 3, 3, 5, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "值班员"}, "")
	r.cancelAt(at(2024, 3, 10, 0, 0))
	r.exec(workflows.ItemInput{})

	c := r.cycles()["E1"]
	if !c.Due.Equal(at(2024, 3, 3, 3, 0)) {
		t.Errorf("5 hours after 22:00: %s", c.Due)
	}
	if st.Status != workflows.StatusOverdue || st.Level != 2 {
		t.Errorf("at 04:30: %+v, want overdue at level 2 (levels every hour from 03:00)", st)
	}
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			for _, n := range p.Notices {
				if !n.Urgent {
					t.Errorf("hour-clock notice %+v is not urgent", n)
				}
			}
		}
	}
	// urgent, but not at night: what falls between 22:00 and 07:00 waits for 07:00
	wantTimes(t, r.plan("E1"), map[string]time.Time{"reminder-0": at(2024, 3, 3, 7, 0), "due-0": at(2024, 3, 3, 7, 0)})

	// a unit that opts in is woken at night
	d := itemDef(t, "5小时内", 2024)
	d.Policy.NightUrgent = true
	r = newRun(t, d, at(2024, 3, 1, 9, 0))
	r.update(at(2024, 3, 2, 22, 30), workflows.UpdateRecordEvent, workflows.Event{At: at(2024, 3, 2, 22, 0), Title: "网络舆情", By: "值班员"}, "")
	r.cancelAt(at(2024, 3, 10, 0, 0))
	r.exec(workflows.ItemInput{})
	wantTimes(t, r.plan("E1"), map[string]time.Time{"reminder-0": at(2024, 3, 2, 22, 0), "due-0": at(2024, 3, 3, 2, 0)})
}

// 每周更新不少于2次: a weekly quota needs two completions; one leaves the week open.
func TestQuota(t *testing.T) {
	d := itemDef(t, "每周更新不少于2次", 2024)
	if d.Rule.Kind != schedule.KindQuota || d.Rule.Count != 2 {
		t.Fatalf("rule %+v", d.Rule)
	}
	r := newRun(t, d, at(2024, 3, 4, 8, 0)) // Monday of 2024-W10
	r.update(at(2024, 3, 5, 10, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	var one store.CycleRow
	r.at(at(2024, 3, 6, 10, 0), func() { one = r.cycles()["2024-W10"] })
	r.update(at(2024, 3, 7, 10, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.update(at(2024, 3, 7, 11, 0), workflows.UpdateComplete, workflows.Completion{Cycle: "2024-W10", EvidenceURL: evidence, By: "a"}, "already done")
	r.cancelAt(at(2024, 3, 20, 0, 0))
	r.exec(workflows.ItemInput{})

	if one.Status != "open" || one.Completions != 1 || one.Required != 2 {
		t.Errorf("after one completion: %+v", one)
	}
	cs := r.cycles()
	if c := cs["2024-W10"]; c.Status != "done" || c.Completions != 2 {
		t.Errorf("after two: %+v", c)
	}
	if c := cs["2024-W11"]; c.Status != "overdue" {
		t.Errorf("a week with no update: %+v", c)
	}
}

// 至少2周内更新一次: each update opens the next gap from itself.
func TestMaxGap(t *testing.T) {
	d := itemDef(t, "至少2周内更新一次", 2024)
	if d.Rule.Kind != schedule.KindMaxGap {
		t.Fatalf("rule %+v", d.Rule)
	}
	r := newRun(t, d, at(2024, 3, 1, 9, 0))
	r.update(at(2024, 3, 10, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.cancelAt(at(2024, 4, 10, 0, 0))
	r.exec(workflows.ItemInput{})

	cs := r.cycles()
	g1, g2 := cs["G1"], cs["G2"]
	if g1.Status != "done" || !g1.Start.Equal(at(2024, 3, 1, 9, 0)) {
		t.Errorf("G1: %+v", g1)
	}
	wantDue, _ := schedule.GapDue(d.Rule, at(2024, 3, 10, 9, 0), calendar.New(calendar.Official()...))
	if !g2.Start.Equal(at(2024, 3, 10, 9, 0)) || !g2.Due.Equal(wantDue) || g2.Status != "overdue" {
		t.Errorf("G2: %+v, want from the update to %s and overdue", g2, wantDue)
	}
}

func TestValidators(t *testing.T) {
	r := newRun(t, itemDef(t, "年底前", 2024), at(2024, 11, 1, 9, 0))
	r.update(at(2024, 11, 2, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: "not a url", By: "a"}, "evidence")
	r.update(at(2024, 11, 2, 9, 1), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence}, "who made the change")
	r.update(at(2024, 11, 2, 9, 2), workflows.UpdateComplete, workflows.Completion{Cycle: "2023", EvidenceURL: evidence, By: "a"}, "no cycle")
	r.update(at(2024, 11, 2, 9, 3), workflows.UpdateRecordEvent, workflows.Event{At: at(2024, 11, 1, 0, 0), Title: "x", By: "a"}, "only items with an event clock")
	r.update(at(2024, 11, 2, 9, 4), workflows.UpdateReopen, workflows.Reopen{Reason: "x", By: "a"}, "no done cycle")
	r.update(at(2024, 11, 3, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.update(at(2024, 11, 3, 9, 5), workflows.UpdateReopen, workflows.Reopen{Reason: "链接失效", By: "admin"}, "")
	r.update(at(2024, 11, 4, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence + "?v=2", By: "a"}, "")
	r.mustFinish()
	c := r.cycles()["2024-12-31"]
	if c.Status != "done" || c.EvidenceURL != evidence+"?v=2" {
		t.Errorf("cycle: %+v", c)
	}
	if kinds := r.eventKinds(); !slices.Equal(kinds, []string{"completed", "reopened", "completed"}) {
		t.Errorf("events %v: rejected updates must leave no trace", kinds)
	}
}

// The query answers with the cycles and the next wake-up.
func TestQuery(t *testing.T) {
	r := newRun(t, itemDef(t, "上半年", 2024), at(2024, 5, 6, 9, 0))
	var st workflows.State
	r.at(at(2024, 5, 7, 9, 0), func() {
		v, err := r.env.QueryWorkflow(workflows.QueryState)
		if err != nil {
			t.Error(err)
			return
		}
		if err := v.Get(&st); err != nil {
			t.Error(err)
		}
	})
	r.update(at(2024, 5, 8, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.mustFinish()
	if st.Status != workflows.StatusUpcoming || st.Current != "2024-06-30" || len(st.Cycles) != 1 || len(st.Offices) != 2 {
		t.Errorf("query: %+v", st)
	}
	if !st.NextWake.Equal(calendar.D(2024, 6, 30).End().Add(time.Second)) {
		t.Errorf("next wake %s", st.NextWake)
	}
}

// A long-lived item continues as new when its history grows, carrying its state.
func TestContinueAsNewCarriesState(t *testing.T) {
	r := newRun(t, itemDef(t, "每月更新", 2024), at(2024, 1, 1, 8, 0))
	for m := time.January; m <= time.June; m++ {
		r.update(at(2024, m, 20, 10, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	}
	// The server suggests continue-as-new when the history grows; the workflow does it at its
	// next quiet point.
	r.at(at(2024, 6, 25, 0, 0), func() { r.env.SetContinueAsNewSuggested(true) })
	err := r.exec(workflows.ItemInput{})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.ItemInput
	if can.WorkflowType.Name != workflows.ItemWorkflowName {
		t.Errorf("continues as %s", can.WorkflowType.Name)
	}
	// Decode the carried input and run it: completions survive.
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Carry == nil || next.Carry.Seq == 0 {
		t.Fatalf("carry: %+v", next.Carry)
	}
	done := 0
	for _, c := range next.Carry.Cycles {
		if c.Status == "done" {
			done++
		}
	}
	if done != 6 {
		t.Errorf("%d completed cycles carried over, want 6", done)
	}

	// The next run picks up from the carried state: July is open, nothing restarts.
	r2 := newRun(t, itemDef(t, "每月更新", 2024), at(2024, 7, 1, 0, 0))
	r2.update(at(2024, 7, 20, 10, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r2.cancelAt(at(2024, 7, 25, 0, 0))
	r2.exec(next)
	cs := r2.cycles()
	if c := cs["2024-07"]; c.Status != "done" {
		t.Errorf("July in the continued run: %+v", c)
	}
	if _, rewritten := cs["2024-03"]; rewritten {
		t.Errorf("the continued run rewrote a carried cycle that did not change")
	}
	if r2.rec.Syncs()[0].Seq <= next.Carry.Seq {
		t.Errorf("sequence restarted: %d after %d", r2.rec.Syncs()[0].Seq, next.Carry.Seq)
	}
}

// A changed policy (or a revised list) reaches a running item through the revise update: it
// reloads its definition and replans the open cycle's notices.
func TestRevisePicksUpPolicy(t *testing.T) {
	d := itemDef(t, "6月底", 2024)
	r := newRun(t, d, at(2024, 5, 6, 9, 0))
	r.at(at(2024, 6, 3, 9, 0), func() {
		nd := d
		nd.Policy.Reminders = []int{3}
		r.rec.SetDef(nd)
	})
	r.update(at(2024, 6, 3, 9, 1), workflows.UpdateRevise, workflows.Actor{By: "policy", Reason: workflows.PolicyChanged}, "")
	r.update(at(2024, 6, 27, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.mustFinish()
	var last store.CyclePlan
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			if p.Replace {
				last = p
			}
		}
	}
	var kinds []string
	for _, n := range last.Notices {
		kinds = append(kinds, n.Kind+"-"+strconv.Itoa(n.Offset))
	}
	if !slices.Contains(kinds, "reminder-3") || slices.Contains(kinds, "reminder-10") {
		t.Errorf("the replan after the revision has %v", kinds)
	}
	// a policy change is 策略变更 in the history, not 清单修订
	if !slices.Contains(r.eventKinds(), "policy") || slices.Contains(r.eventKinds(), "revised") {
		t.Errorf("events %v", r.eventKinds())
	}
}

// 8月至12月: a window's reminders never come before it opens; done inside it, nothing escalates.
func TestWindow(t *testing.T) {
	d := itemDef(t, "8月至12月", 2024)
	if d.Rule.Kind != schedule.KindWindow {
		t.Fatalf("rule %+v", d.Rule)
	}
	r := newRun(t, d, at(2024, 3, 1, 9, 0))
	var before store.ItemStateRow
	r.at(at(2024, 7, 15, 9, 0), func() { before = r.lastState() })
	r.update(at(2024, 11, 20, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.mustFinish()
	for key, c := range r.cycles() {
		if !c.Start.Equal(calendar.D(2024, 8, 1).Start()) || !c.Due.Equal(calendar.D(2024, 12, 31).End()) || c.Status != "done" {
			t.Errorf("cycle %s: %+v", key, c)
		}
		for name, when := range r.plan(key) {
			if when.Before(c.Start) {
				t.Errorf("%s at %s, before the window opens", name, when)
			}
		}
	}
	if before.Status != workflows.StatusUpcoming {
		t.Errorf("before the window: %+v", before)
	}
}

// 常态化: ongoing work is checked in quarterly; a missed check-in escalates like any cycle.
func TestOngoingCheckIns(t *testing.T) {
	d := itemDef(t, "常态化", 2024)
	if d.Rule.Kind != schedule.KindOngoing {
		t.Fatalf("rule %+v", d.Rule)
	}
	r := newRun(t, d, at(2024, 1, 2, 9, 0))
	r.update(at(2024, 3, 20, 9, 0), workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"}, "")
	r.cancelAt(at(2024, 7, 15, 0, 0))
	r.exec(workflows.ItemInput{})
	cs := r.cycles()
	if cs["2024-Q1"].Status != "done" || cs["2024-Q2"].Status != "overdue" || cs["2024-Q2"].Level == 0 {
		t.Errorf("check-ins: Q1 %+v, Q2 %+v", cs["2024-Q1"], cs["2024-Q2"])
	}
}

// A list imported at night with its deadline long past: nothing is planned before the next
// send window, and every late notice goes out in that window, together. Later notices keep
// their own window instants.
func TestLateImportAtNightWaitsForTheWindow(t *testing.T) {
	d := itemDef(t, "4月底", 2024)
	start := at(2024, 12, 2, 1, 34) // Monday 01:34
	r := newRun(t, d, start)
	r.cancelAt(at(2024, 12, 20, 12, 0))
	if err := r.exec(workflows.ItemInput{}); err != nil && !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("workflow: %v", err)
	}
	window := at(2024, 12, 2, 9, 0)
	late := 0
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			for _, n := range p.Notices {
				if n.At.Before(window) {
					t.Errorf("%s planned at %s, before the window %s", noticeName(n), n.At, window)
				}
				if n.At.Equal(window) {
					late++
				}
				if h := n.At.In(calendar.Shanghai).Hour(); h != 9 {
					t.Errorf("%s planned at %s: outside the 09:00 window", noticeName(n), n.At)
				}
			}
		}
	}
	if late == 0 {
		t.Error("no late notice in the first window")
	}
}

// A policy saved at night reaches a running item: its replanned notices wait for the window.
func TestPolicyChangeAtNightWaitsForTheWindow(t *testing.T) {
	d := itemDef(t, "6月底", 2024)
	r := newRun(t, d, at(2024, 5, 6, 9, 0))
	r.at(at(2024, 7, 10, 1, 30), func() {
		nd := d
		nd.Policy.Reminders = []int{3}
		r.rec.SetDef(nd)
	})
	r.update(at(2024, 7, 10, 1, 34), workflows.UpdateRevise, workflows.Actor{By: "admin", Reason: "policy changed"}, "")
	r.cancelAt(at(2024, 7, 31, 12, 0))
	if err := r.exec(workflows.ItemInput{}); err != nil && !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("workflow: %v", err)
	}
	night := at(2024, 7, 10, 1, 34)
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			for _, n := range p.Notices {
				if n.At.After(night.Add(-time.Minute)) && n.At.Before(at(2024, 7, 10, 9, 0)) {
					t.Errorf("%s planned at %s, between the policy change and the window", noticeName(n), n.At)
				}
			}
		}
	}
}

// A late import tracked from today: an item already overdue is reminded in the next window but
// climbs the escalation ladder only from the end of its grace, as if due then.
func TestLateImportGrace(t *testing.T) {
	d := itemDef(t, "4月底", 2024)
	d.GraceUntil = calendar.D(2024, 12, 9).End() // 5 working days after Monday 2 December
	start := at(2024, 12, 2, 1, 34)
	r := newRun(t, d, start)
	var during, after store.ItemStateRow
	r.at(at(2024, 12, 9, 12, 0), func() { during = r.lastState() })
	r.at(at(2024, 12, 20, 12, 0), func() { after = r.lastState() })
	r.cancelAt(at(2024, 12, 27, 12, 0))
	if err := r.exec(workflows.ItemInput{}); err != nil && !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("workflow: %v", err)
	}
	if during.Status != workflows.StatusOverdue || during.Level != 0 {
		t.Errorf("during the grace: %s level %d, want overdue at level 0", during.Status, during.Level)
	}
	if after.Level == 0 {
		t.Errorf("after the grace: level %d, want the ladder climbed", after.Level)
	}
	told := 0
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			for _, n := range p.Notices {
				if n.Kind == "escalation" && n.At.Before(d.GraceUntil) {
					t.Errorf("%s at %s, inside the grace", noticeName(n), n.At)
				}
				// 4月底 is long past: nothing may call it due today or due in N days
				if n.Kind == "due" || n.Kind == "reminder" {
					t.Errorf("%s at %s for a cycle due on 30 April", noticeName(n), n.At)
				}
				if n.Kind == "overdue" && n.Level == 0 {
					told++
					if want := at(2024, 12, 2, 9, 0); !n.At.Equal(want) {
						t.Errorf("the overdue notice at %s, want the next window %s", n.At, want)
					}
				}
			}
		}
	}
	if told != 1 {
		t.Errorf("%d overdue notices in the grace's first window, want 1", told)
	}
}

// The lean-history change saves history events and nothing else: each year of the benchmark
// writes the same projection, history rows and notice plans to PostgreSQL with the change and
// without it (its GetVersion answering DefaultVersion, as in runs started by older code), and
// costs fewer events with it.
func TestLeanHistoryWritesTheSame(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			year := func(lean bool) (syncs []byte, events int) {
				c := &counts{}
				r := newRun(t, itemDef(t, sc.rule, 2024), at(2024, 1, 1, 8, 0))
				r.env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&countingWorker{c: c}}})
				if !lean {
					r.beforeLeanHistory()
				}
				sc.drive(r)
				r.mustFinish()
				b, err := json.Marshal(r.rec.Syncs())
				if err != nil {
					t.Fatal(err)
				}
				return b, c.events(true)
			}
			before, eventsBefore := year(false)
			after, eventsAfter := year(true)
			if string(before) != string(after) {
				t.Errorf("what the item writes to PostgreSQL differs:\nwithout lean-history %s\nwith it %s", before, after)
			}
			// Without the change a new run also records the marker of lean-history itself.
			if eventsAfter >= eventsBefore-2 {
				t.Errorf("%d history events with lean-history, %d without: nothing saved", eventsAfter, eventsBefore-2)
			}
			t.Logf("%s: %d history events, %d before lean-history", sc.name, eventsAfter, eventsBefore-2)
		})
	}
}
