package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/notify/channels"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// liveList is the web server in front of the real item workflows of a list imported from csv
// for the current year, each started and recorded: PostgreSQL, the in-process Temporal server,
// a worker with the real activities (messages go to the dev outbox).
func liveList(t *testing.T, csv string) (*fixture, *workflows.Client, []store.ItemRef) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, c, tq := testenv.Store(t), testenv.Temporal(t), testenv.TaskQueue(t)
	env := map[string]string{"ZWGK_SECRET": "link-state-test-secret-0123456789", "ZWGK_BASE_URL": "http://zwgk.test"}
	cfg, err := config.Load(func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := channels.Deliverer(ctx, cfg, st, true, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: st, Temporal: c, TaskQueue: tq, Deliverer: d, SendParallel: 2})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	wc := &workflows.Client{Temporal: c, TaskQueue: tq}
	unit, _, err := st.EnsureUnit(ctx, "链接状态测试局")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOffice(ctx, unit.ID, "办公室", nil); err != nil {
		t.Fatal(err)
	}
	dir, err := st.LoadDirectory(ctx, unit.ID)
	if err != nil {
		t.Fatal(err)
	}
	res := importer.Load("清单.csv", []byte(csv), dir, importer.Options{Build: importer.BuildOptions{Year: calendar.DateOf(time.Now()).Year}})
	if !res.OK() {
		t.Fatalf("import: %+v", res.Errors)
	}
	out, err := importer.Commit(ctx, st, res, importer.CommitOptions{BaseRevision: -1, ImportedBy: "test"}, wc)
	if err != nil {
		t.Fatal(err)
	}
	items := out.Changes.Added
	deadline := time.Now().Add(30 * time.Second)
	for _, it := range items {
		for {
			var status string
			st.Pool.QueryRow(ctx, `SELECT status FROM item_state WHERE item_id = $1`, it.ID).Scan(&status)
			if status != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the workflow of item %d did not start", it.ID)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	f := &fixture{st: st, users: map[string]*store.User{}}
	f.serve(t, Options{Store: st, Items: wc, Secret: []byte(env["ZWGK_SECRET"]), BaseURL: env["ZWGK_BASE_URL"]})
	return f, wc, items
}

var overdueDays = regexp.MustCompile(`逾期 \d+ 个工作日`)

// After 确认完成 the link page shows the item as it now is: the cycle done, when and by whom,
// and the next cycle with its due date, or that there is none. It used to show the state the
// link was opened with: a cycle of April still 逾期 148 个工作日 in December.
func TestLinkPageShowsTheNewState(t *testing.T) {
	year := calendar.DateOf(time.Now()).Year
	f, wc, items := liveList(t, "序号,工作任务,责任科室,完成时限\n1,公开上一年度政府信息公开工作年报,办公室,1月31日前\n2,更新政务动态栏目,办公室,每周更新\n")
	ctx := context.Background()
	person, err := f.st.AddPerson(ctx, store.Person{Name: "王联络", Email: "wang@example.gov.cn", Channels: []string{"email"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	anon := f.as(t, "anonymous")
	for _, it := range items {
		before, err := wc.Query(ctx, it.WorkflowID)
		if err != nil {
			t.Fatal(err)
		}
		cycle := before.Current
		if cycle == "" {
			t.Fatalf("item %d has no current cycle: %+v", it.ID, before)
		}
		u, err := signer.CycleLink(links.Complete, it.ID, cycle, "person:"+itoa(person), time.Now().Add(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(u, f.srv.opt.BaseURL)
		resp, body := anon.get(path)
		wantStatus(t, resp, body, http.StatusOK)
		t.Logf("item %d, cycle %s before: %s", it.ID, cycle, regexp.MustCompile(`\s+`).ReplaceAllString(pageText(body), " "))

		resp, body = anon.post(path, url.Values{"evidence_url": {"https://gk.example.gov.cn/gk/1.html"}})
		wantStatus(t, resp, body, http.StatusOK)
		text := regexp.MustCompile(`\s+`).ReplaceAllString(pageText(body), " ")
		after, err := wc.Query(ctx, it.WorkflowID)
		if err != nil {
			t.Fatal(err)
		}
		var done workflows.CycleState
		var next *workflows.CycleState
		for i, c := range after.Cycles {
			switch {
			case c.Key == cycle:
				done = c
			case done.Key != "" && next == nil && (c.Status == "open" || c.Status == "pending" || c.Status == "overdue"):
				next = &after.Cycles[i]
			}
		}
		if done.Status != "done" {
			t.Fatalf("cycle %s is %s after the link", cycle, done.Status)
		}
		for _, want := range []string{"已完成", "周期 " + cycle, fmtTime(done.DoneAt), "王联络（通过提醒链接）", "link-done"} {
			if !strings.Contains(text+body, want) {
				t.Errorf("item %d: the page after 确认完成 lacks %q: %s", it.ID, want, text)
			}
		}
		if next != nil {
			if !strings.Contains(text, "周期 "+next.Key) || !strings.Contains(text, "截止 "+fmtDate(next.Due)) {
				t.Errorf("item %d: the page does not show the next cycle %s due %s: %s", it.ID, next.Key, fmtDate(next.Due), text)
			}
		} else if !strings.Contains(text, "没有待办的周期") {
			t.Errorf("item %d: no next cycle, and the page does not say so: %s", it.ID, text)
		}
		if next == nil || next.Status != "overdue" {
			if m := overdueDays.FindString(text); m != "" {
				t.Errorf("item %d: the page after 确认完成 still says %q: %s", it.ID, m, text)
			}
		}
		if strings.Contains(text, "person:") {
			t.Errorf("item %d: the page names the recipient by its key: %s", it.ID, text)
		}
		t.Logf("item %d after (year %d): %s", it.ID, year, text)
		// opened again, the used link shows the same state, not the overdue it was sent for
		resp, body = anon.get(path)
		wantStatus(t, resp, body, http.StatusOK)
		if m := overdueDays.FindString(pageText(body)); m != "" && (next == nil || next.Status != "overdue") {
			t.Errorf("item %d: the used link's page says %q", it.ID, m)
		}
		if !strings.Contains(body, "link-used") {
			t.Errorf("item %d: the used link's page does not say it was used", it.ID)
		}
	}
}
