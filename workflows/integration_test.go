package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/notify/channels"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// stack is a real deployment in miniature: PostgreSQL, the in-process Temporal server, an SMTP
// server on loopback, the real activities and a worker that can be stopped and started.
type stack struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	c      client.Client
	tq     string
	smtp   *smtptest.Server
	acts   *activities.Activities
	wc     *workflows.Client
	worker worker.Worker
	counts *counts
}

func newStack(t *testing.T) *stack {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := &stack{t: t, ctx: ctx, st: testenv.Store(t), c: testenv.Temporal(t), tq: testenv.TaskQueue(t)}
	s.smtp = smtptest.Start(t, smtptest.Options{TLS: "none"})
	env := map[string]string{
		"ZWGK_SMTP_HOST": s.smtp.Host, "ZWGK_SMTP_PORT": fmt.Sprint(s.smtp.Port), "ZWGK_SMTP_TLS": "none",
		"ZWGK_SMTP_FROM": "政务公开办 <gk@example.gov.cn>", "ZWGK_SECRET": "integration-test-secret-0123456789",
		"ZWGK_BASE_URL": "https://gk.example.gov.cn",
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := channels.Deliverer(ctx, cfg, s.st, false, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	s.acts = &activities.Activities{Store: s.st, Temporal: s.c, TaskQueue: s.tq, Deliverer: d, SendParallel: 4}
	s.wc = &workflows.Client{Temporal: s.c, TaskQueue: s.tq}
	s.startWorker()
	t.Cleanup(func() {
		if s.worker != nil {
			s.worker.Stop()
		}
	})
	return s
}

func (s *stack) startWorker() {
	opts := worker.Options{}
	if s.counts != nil {
		opts.Interceptors = []interceptor.WorkerInterceptor{&countingWorker{c: s.counts, skipReplay: true}}
	}
	w := worker.New(s.c, s.tq, opts)
	workflows.Register(w, s.acts)
	if err := w.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.worker = w
}

func (s *stack) stopWorker() {
	s.worker.Stop()
	s.worker = nil
}

// importList creates a unit with one office whose contact, head and supervisor have email
// addresses, and imports a CSV list into it through the importer, as an admin would.
func (s *stack) importList(csv string, year int) store.ListChanges {
	t := s.t
	unit, _, err := s.st.EnsureUnit(s.ctx, "集成测试局")
	if err != nil {
		t.Fatal(err)
	}
	office, err := s.st.CreateOffice(s.ctx, unit.ID, "办公室", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, email, role string }{
		{"张联络", "contact@example.gov.cn", "contact"},
		{"李主任", "head@example.gov.cn", "head"},
		{"王局长", "leader@example.gov.cn", "supervisor"},
	} {
		id, _, err := s.st.UpsertPerson(s.ctx, store.Person{Name: p.name, Email: p.email, Channels: []string{"email"}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.role == "supervisor" {
			err = s.st.AttachSupervisor(s.ctx, unit.ID, id, 3, "leader")
		} else {
			err = s.st.AttachOfficePerson(s.ctx, office.ID, id, p.role)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	dir, err := s.st.LoadDirectory(s.ctx, unit.ID)
	if err != nil {
		t.Fatal(err)
	}
	res := importer.Load("清单.csv", []byte(csv), dir, importer.Options{Build: importer.BuildOptions{Year: year}})
	if !res.OK() {
		t.Fatalf("import: %+v", res.Errors)
	}
	out, err := importer.Commit(s.ctx, s.st, res, importer.CommitOptions{BaseRevision: -1, ImportedBy: "test"}, s.wc)
	if err != nil {
		t.Fatal(err)
	}
	return out.Changes
}

// dumpNotices logs the notices of an item and the deliveries, to diagnose a missing message.
func (s *stack) dumpNotices(itemID int64) {
	rows, err := s.st.Pool.Query(s.ctx, `SELECT id, cycle_key, kind, level, target, at, status, reason, coalesce(dispatch_key, '') FROM notices WHERE item_id = $1 ORDER BY at`, itemID)
	if err != nil {
		s.t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var cycle, kind, target, status, reason, key string
		var level int
		var at time.Time
		rows.Scan(&id, &cycle, &kind, &level, &target, &at, &status, &reason, &key)
		s.t.Logf("notice %d %s %s L%d %s at %s: %s %s %s", id, cycle, kind, level, target, at.Format(time.TimeOnly), status, reason, key)
	}
	var wake *time.Time
	s.st.Pool.QueryRow(s.ctx, `SELECT wake_at FROM dispatch_wake`).Scan(&wake)
	s.t.Logf("dispatcher wake %v, now %s", wake, time.Now().Format(time.TimeOnly))
}

func (s *stack) state(itemID int64) (status string, level int) {
	s.st.Pool.QueryRow(s.ctx, `SELECT status, escalation_level FROM item_state WHERE item_id = $1`, itemID).Scan(&status, &level)
	return status, level
}

// eventually polls cond until it holds or the timeout passes.
func (s *stack) eventually(what string, timeout time.Duration, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *stack) mailTo(addr string) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range s.smtp.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// A public-opinion item (1小时内) on a minute scale: the event is recorded as formed 59½
// minutes ago, so its clock runs out in half a minute. The reminder goes out by email at once;
// the worker is stopped while the item sleeps towards its due point and a new one picks the
// timer up; the first escalation is mailed; a completion stops the ladder and drops the
// notices still planned.
func TestRealServerReminderEscalationRestart(t *testing.T) {
	s := newStack(t)
	// Between 22:00 and 07:00 an hour clock's notices wait for 07:00 unless the unit opts in;
	// it does, so that the test runs at any hour.
	unit, _, err := s.st.EnsureUnit(s.ctx, "集成测试局")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.SetUnitPolicy(s.ctx, unit.ID, json.RawMessage(`{"night_urgent":true}`), store.Audit{Actor: "test", IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	year := calendar.DateOf(time.Now()).Year
	ch := s.importList("序号,工作任务,责任科室,完成时限\n1,网络舆情回应,办公室,1小时内\n", year)
	if len(ch.Added) != 1 {
		t.Fatalf("changes: %+v", ch)
	}
	item := ch.Added[0]
	s.eventually("the item workflow to record its state", 20*time.Second, func() bool { st, _ := s.state(item.ID); return st == workflows.StatusWaiting })

	formed := time.Now().Add(-time.Hour + 30*time.Second).Truncate(time.Second)
	st, err := s.wc.RecordEvent(s.ctx, item.WorkflowID, workflows.Event{At: formed, Title: "网民反映供暖问题", By: "值班员"})
	if err != nil {
		t.Fatal(err)
	}
	due := formed.Add(time.Hour)
	if len(st.Cycles) != 1 || !st.Cycles[0].Due.Equal(due) {
		t.Fatalf("state after the event: %+v", st)
	}

	s.eventually("the reminder email", 30*time.Second, func() bool { return len(s.mailTo("contact@example.gov.cn")) >= 1 })
	reminder := s.mailTo("contact@example.gov.cn")[0]
	if body := string(reminder.Data); !strings.Contains(body, "Subject:") {
		t.Errorf("reminder is not a mail message: %q", body)
	}

	// The item now sleeps until its due point; the worker goes away and comes back after it.
	s.stopWorker()
	if wait := time.Until(due.Add(2 * time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	s.startWorker()
	s.eventually("the item to go overdue at level 1", 30*time.Second, func() bool {
		st, lvl := s.state(item.ID)
		return st == workflows.StatusOverdue && lvl >= 1
	})
	s.eventually("the overdue email", 30*time.Second, func() bool {
		if len(s.mailTo("contact@example.gov.cn")) >= 2 {
			return true
		}
		if time.Since(due) > 25*time.Second {
			s.dumpNotices(item.ID)
		}
		return false
	})

	done, err := s.wc.Complete(s.ctx, item.WorkflowID, workflows.Completion{EvidenceURL: "https://www.example.gov.cn/hygq/1.html", By: "张联络"})
	if err != nil {
		t.Fatal(err)
	}
	if done.Cycles[0].Status != "done" || !done.Cycles[0].Late {
		t.Errorf("after completion: %+v", done.Cycles[0])
	}
	var pending, dropped int
	s.st.Pool.QueryRow(s.ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'dropped')
		FROM notices WHERE item_id = $1`, item.ID).Scan(&pending, &dropped)
	if pending != 0 || dropped == 0 {
		t.Errorf("after completion %d notices pending and %d dropped; the ladder must stop", pending, dropped)
	}
	before := s.smtp.Count()
	time.Sleep(3 * time.Second)
	if after := s.smtp.Count(); after != before {
		t.Errorf("%d messages sent after the completion", after-before)
	}
	if n := len(s.mailTo("head@example.gov.cn")); n != 0 {
		t.Errorf("the head got %d messages: level 2 comes an hour after due", n)
	}
	saveHistory(t, s.c, item.WorkflowID, "hour-clock-restart")
	saveHistory(t, s.c, activities.DispatcherID(s.tq), "dispatcher")
}

// The history length the benchmark derives from commands equals what the real server records.
func TestEventModelMatchesServer(t *testing.T) {
	s := newStack(t)
	s.stopWorker()
	s.counts = &counts{}
	s.startWorker()
	year := calendar.DateOf(time.Now()).Year + 1
	ch := s.importList("序号,工作任务,责任科室,完成时限\n1,年度工作要点,办公室,6月底\n", year)
	id := ch.Added[0].WorkflowID
	s.eventually("the item to start", 20*time.Second, func() bool { st, _ := s.state(ch.Added[0].ID); return st != "" })
	steps := []func() (workflows.State, error){
		func() (workflows.State, error) {
			return s.wc.Extend(s.ctx, id, workflows.Extension{Due: calendar.D(year, 7, 31), Reason: "等待上级部署", ApprovedBy: "分管领导", By: "admin"})
		},
		func() (workflows.State, error) {
			return s.wc.Complete(s.ctx, id, workflows.Completion{EvidenceURL: "https://www.example.gov.cn/a.html", By: "张联络"})
		},
		func() (workflows.State, error) {
			return s.wc.Reopen(s.ctx, id, workflows.Reopen{Reason: "链接失效", By: "admin"})
		},
		func() (workflows.State, error) {
			return s.wc.Complete(s.ctx, id, workflows.Completion{EvidenceURL: "https://www.example.gov.cn/b.html", By: "张联络"})
		},
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// A rejected update leaves no trace in the history.
	if _, err := s.wc.Complete(s.ctx, id, workflows.Completion{EvidenceURL: "nope", By: "x"}); err == nil {
		t.Fatal("a bad evidence URL was accepted")
	}
	n := historyLength(t, s.c, id)
	s.counts.mu.Lock()
	model := s.counts.events(false) // the run is still open: one timer pending, no closing event
	s.counts.mu.Unlock()
	if n != model {
		t.Errorf("server history has %d events, the model says %d (counts %+v)", n, model, s.counts)
	}
	saveHistory(t, s.c, id, "deadline-extend-reopen")
}

func historyLength(t *testing.T, c client.Client, id string) int {
	it := c.GetWorkflowHistory(context.Background(), id, "", false, 0)
	n := 0
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// saveHistory writes a workflow's history for the replay test when ZWGK_UPDATE_HISTORIES is
// set; committed histories guard running workflows against incompatible code changes.
func saveHistory(t *testing.T, c client.Client, id, name string) {
	if os.Getenv("ZWGK_UPDATE_HISTORIES") == "" {
		return
	}
	writeHistory(t, context.Background(), c, id, filepath.Join("testdata", "histories", name+".json"))
}

// A dispatcher run that was lost (terminated, or its Temporal database gone) leaves notices
// claimed; the next run sends them under the lost dispatch's window, so nothing stays stuck.
func TestDispatcherFinishesLostClaims(t *testing.T) {
	s := newStack(t)
	year := calendar.DateOf(time.Now()).Year + 1
	ch := s.importList("序号,工作任务,责任科室,完成时限\n1,部门预算公开,办公室,6月底\n", year)
	item := ch.Added[0]
	s.eventually("the item to start", 20*time.Second, func() bool { st, _ := s.state(item.ID); return st != "" })
	due := calendar.D(year, 6, 30).End()
	window := time.Now().Add(-time.Minute).Truncate(time.Second)
	if _, err := s.st.SyncItem(s.ctx, store.ItemSync{WorkflowID: item.WorkflowID, ItemID: item.ID, Seq: 1000,
		State: store.ItemStateRow{Status: "upcoming"},
		Plans: []store.CyclePlan{{CycleKey: "lost", Due: due, Notices: []store.NoticePlan{{Kind: "reminder", Offset: 99, Target: "contact", At: window}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.st.ClaimNotices(s.ctx, "lost-run/7", window); err != nil || n == 0 {
		t.Fatalf("claim: %d %v", n, err)
	}
	before := len(s.mailTo("contact@example.gov.cn"))
	// The poke wakes the dispatcher, which finds the claims of a run that is not its own.
	if err := s.wc.EnsureDispatcher(s.ctx); err != nil {
		t.Fatal(err)
	}
	s.eventually("the lost claim to be sent", 30*time.Second, func() bool {
		var n int
		s.st.Pool.QueryRow(s.ctx, `SELECT count(*) FROM notices WHERE dispatch_key = 'lost-run/7' AND status = 'claimed'`).Scan(&n)
		return n == 0
	})
	var key string
	if err := s.st.Pool.QueryRow(s.ctx, `SELECT key FROM deliveries ORDER BY id DESC LIMIT 1`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(key, window.UTC().Format("20060102T150405Z")) {
		t.Errorf("the lost dispatch was sent under key %s, not its own window %s", key, window.UTC())
	}
	if got := len(s.mailTo("contact@example.gov.cn")); got != before+1 {
		t.Errorf("%d messages for the lost claim, want 1", got-before)
	}
}
