package workflows_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// tongbaoFixture is PostgreSQL with one unit that has a list and two active supervisors (one
// of them on two levels) and one inactive, a unit without a list, and the real activities.
type tongbaoFixture struct {
	ctx    context.Context
	st     *store.Store
	acts   *activities.Activities
	unit   int64
	people []int64 // the active supervisors
}

func newTongbaoFixture(t *testing.T) *tongbaoFixture {
	t.Helper()
	ctx := context.Background()
	f := &tongbaoFixture{ctx: ctx, st: testenv.Store(t)}
	f.acts = &activities.Activities{Store: f.st}
	unit, _, err := f.st.EnsureUnit(ctx, "通报测试局")
	if err != nil {
		t.Fatal(err)
	}
	f.unit = unit.ID
	if _, err := f.st.CreateOffice(ctx, unit.ID, "办公室", nil); err != nil {
		t.Fatal(err)
	}
	person := func(name string, active bool) int64 {
		id, _, err := f.st.UpsertPerson(ctx, store.Person{Name: name, Email: name + "@example.gov.cn", Channels: []string{"email"}, Active: active})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	leader, head, gone := person("leader", true), person("gkbhead", true), person("retired", false)
	for _, a := range []struct {
		id    int64
		level int
		role  string
	}{{leader, 3, store.RoleLeader}, {head, 2, store.RoleGKB}, {head, 3, store.RoleGKB}, {gone, 3, store.RoleLeader}} {
		if err := f.st.AttachSupervisor(ctx, unit.ID, a.id, a.level, a.role); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.SetPersonActive(ctx, gone, false, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	f.people = []int64{leader, head}
	other, _, err := f.st.EnsureUnit(ctx, "无清单局")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AttachSupervisor(ctx, other.ID, leader, 3, store.RoleLeader); err != nil {
		t.Fatal(err)
	}
	dir, err := f.st.LoadDirectory(ctx, unit.ID)
	if err != nil {
		t.Fatal(err)
	}
	res := importer.Load("清单.csv", []byte("序号,工作任务,责任科室,完成时限\n1,部门预算公开,办公室,11月底\n"), dir, importer.Options{Build: importer.BuildOptions{Year: 2026}})
	if !res.OK() {
		t.Fatalf("import: %+v", res.Errors)
	}
	if _, err := importer.Commit(ctx, f.st, res, importer.CommitOptions{BaseRevision: -1, ImportedBy: "test"}, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the workflow as the schedule would start it at at.
func (f *tongbaoFixture) run(t *testing.T, at time.Time) workflows.TongbaoOutput {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(at)
	env.RegisterWorkflowWithOptions(workflows.TongbaoWorkflow, workflow.RegisterOptions{Name: workflows.TongbaoWorkflowName})
	env.RegisterActivityWithOptions(f.acts.TongbaoCheck, activity.RegisterOptions{Name: "TongbaoCheck"})
	env.RegisterActivityWithOptions(f.acts.TongbaoUnits, activity.RegisterOptions{Name: "TongbaoUnits"})
	env.RegisterActivityWithOptions(f.acts.SendTongbao, activity.RegisterOptions{Name: "SendTongbao"})
	env.ExecuteWorkflow(workflows.TongbaoWorkflowName, workflows.TongbaoInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("run at %s: %v", at, err)
	}
	var out workflows.TongbaoOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

type tongbaoNotice struct {
	target, month string
	at            time.Time
}

func (f *tongbaoFixture) notices(t *testing.T) []tongbaoNotice {
	t.Helper()
	rows, err := f.st.Pool.Query(f.ctx, `SELECT target, cycle_key, at FROM notices WHERE kind = 'tongbao' AND unit_id = $1 ORDER BY cycle_key, target`, f.unit)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []tongbaoNotice
	for rows.Next() {
		var n tongbaoNotice
		if err := rows.Scan(&n.target, &n.month, &n.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var all int
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT count(*) FROM notices WHERE kind = 'tongbao' AND unit_id <> $1`, f.unit).Scan(&all); err != nil {
		t.Fatal(err)
	}
	if all != 0 {
		t.Errorf("%d 通报 notices for the unit without a list", all)
	}
	return out
}

// On the first working day of a month the workflow plans the previous month's 通报, one notice
// per active supervisor (not one per level) at the unit's first send window, and on the first
// working day of a quarter the previous quarter's as well; on the other days, and when it runs
// again on the same day, it plans nothing.
func TestTongbaoWorkflowFirstWorkingDay(t *testing.T) {
	f := newTongbaoFixture(t)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 8, 30, 0, 0, calendar.Shanghai) }

	// 2026-10-01…07 is 国庆节: none of them is the day
	for d := 1; d <= 7; d++ {
		if out := f.run(t, at(2026, 10, d)); out.Month != "" || out.Planned != 0 {
			t.Errorf("2026-10-%02d: %+v, want nothing", d, out)
		}
	}
	if n := f.notices(t); len(n) != 0 {
		t.Fatalf("during 国庆节: %+v", n)
	}
	out := f.run(t, at(2026, 10, 8))
	if out.Month != "2026-09" || out.Quarter != "2026Q3" || out.Units != 1 || out.Planned != 2*len(f.people) {
		t.Fatalf("2026-10-08: %+v, want the 2026-09 and 2026Q3 通报 of one unit to %d supervisors", out, len(f.people))
	}
	// the same day again (a retried or re-run workflow), and the day after
	if out := f.run(t, at(2026, 10, 8).Add(2*time.Hour)); out.Planned != 0 || out.Month != "2026-09" || out.Quarter != "2026Q3" {
		t.Errorf("2026-10-08 again: %+v, want nothing new", out)
	}
	if out := f.run(t, at(2026, 10, 9)); out.Month != "" || out.Quarter != "" || out.Planned != 0 {
		t.Errorf("2026-10-09: %+v, want nothing", out)
	}
	ns := f.notices(t)
	if len(ns) != 2*len(f.people) {
		t.Fatalf("notices %+v, want one per supervisor and period", ns)
	}
	targets := map[string]int{}
	for _, n := range ns {
		targets[n.target]++
		if n.month != "2026-09" && n.month != "2026Q3" {
			t.Errorf("notice %+v, want the month 2026-09 or the quarter 2026Q3", n)
		}
		if want := time.Date(2026, 10, 8, 9, 0, 0, 0, calendar.Shanghai); !n.at.Equal(want) {
			t.Errorf("notice at %s, want the 09:00 send window %s", n.at.In(calendar.Shanghai), want)
		}
	}
	for _, id := range f.people {
		if targets[store.PersonKey(id)] != 2 {
			t.Errorf("supervisor %d has %d notices, want the month's and the quarter's: %+v", id, targets[store.PersonKey(id)], ns)
		}
	}
	// the first working day of a month that starts no quarter: the month alone
	if out := f.run(t, at(2026, 11, 2)); out.Month != "2026-10" || out.Quarter != "" || out.Planned != len(f.people) {
		t.Errorf("2026-11-02: %+v, want the 2026-10 通报 alone", out)
	}
	// 2026-01: 元旦 1–3, then the 调休 Sunday the 4th is worked
	if out := f.run(t, at(2026, 1, 1)); out.Planned != 0 {
		t.Errorf("2026-01-01: %+v", out)
	}
	if out := f.run(t, at(2026, 1, 4)); out.Month != "2025-12" || out.Quarter != "2025Q4" || out.Planned != 2*len(f.people) {
		t.Errorf("2026-01-04: %+v, want the 2025-12 and 2025Q4 通报", out)
	}
	if got := len(f.notices(t)); got != 5*len(f.people) {
		t.Errorf("%d notices after three months and two quarters, want %d", got, 5*len(f.people))
	}
}

// The schedule is created once against the real server: a second worker's call finds it and
// leaves it alone, and it fires daily at 08:30 Asia/Shanghai.
func TestEnsureTongbaoSchedule(t *testing.T) {
	c := testenv.Temporal(t)
	tq := testenv.TaskQueue(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		if err := workflows.EnsureTongbaoSchedule(ctx, c, tq); err != nil {
			t.Fatal(err)
		}
	}
	h := c.ScheduleClient().GetHandle(ctx, workflows.TongbaoScheduleID(tq))
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	d, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Schedule.Spec.TimeZoneName != "Asia/Shanghai" {
		t.Errorf("time zone %q", d.Schedule.Spec.TimeZoneName)
	}
	a, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || a.TaskQueue != tq {
		t.Fatalf("action %#v", d.Schedule.Action)
	}
	if w, ok := a.Workflow.(string); !ok || w != workflows.TongbaoWorkflowName {
		t.Errorf("workflow %#v", a.Workflow)
	}
	next := d.Info.NextActionTimes
	if len(next) < 2 {
		t.Fatalf("next actions %v", next)
	}
	for _, n := range next {
		if s := n.In(calendar.Shanghai); s.Hour() != 8 || s.Minute() != 30 {
			t.Errorf("fires at %s, want 08:30 Asia/Shanghai", s)
		}
	}
	if gap := next[1].Sub(next[0]); gap != 24*time.Hour {
		t.Errorf("fires every %s, want daily", gap)
	}
}
