package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// liveFixture is liveList with one timely item, returned once its workflow waits for an event.
func liveFixture(t *testing.T) (*fixture, *workflows.Client, store.ItemRef) {
	t.Helper()
	f, wc, items := liveList(t, "序号,工作任务,责任科室,完成时限\n1,规范性文件公开,办公室,及时公开\n")
	item := items[0]
	deadline := time.Now().Add(30 * time.Second)
	for {
		var status string
		f.st.Pool.QueryRow(context.Background(), `SELECT status FROM item_state WHERE item_id = $1`, item.ID).Scan(&status)
		if status == workflows.StatusWaiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the item workflow did not start (status %q)", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return f, wc, item
}

func (f *fixture) cycleLink(t *testing.T, item int64, cycle string) string {
	t.Helper()
	s, err := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CycleLink(links.Complete, item, cycle, "person:1", time.Now().Add(24*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u, f.srv.opt.BaseURL)
}

func cycleStatus(t *testing.T, st workflows.State, key string) string {
	t.Helper()
	for _, c := range st.Cycles {
		if c.Key == key {
			return c.Status
		}
	}
	t.Fatalf("no cycle %s in %+v", key, st.Cycles)
	return ""
}

// The attack of issue 12: a complete link refused because its cycle was already done used to
// free itself for another try and, once the next cycle opened, complete that one. A link now
// carries its cycle: refused while that cycle is done, still refused after the next one opens,
// which stays open; that cycle's own link completes it.
func TestLinkForADoneCycleNeverCompletesTheNext(t *testing.T) {
	f, wc, item := liveFixture(t)
	ctx := context.Background()
	anon := f.as(t, "anonymous")
	evidence := url.Values{"evidence_url": {"https://gk.example.gov.cn/gfxwj/1.html"}}

	if _, err := wc.RecordEvent(ctx, item.WorkflowID, workflows.Event{At: time.Now().Add(-time.Minute), Title: "印发《第一号文件》", By: "admin"}); err != nil {
		t.Fatal(err)
	}
	first := f.cycleLink(t, item.ID, "E1")
	// the office completes E1 after signing in, not through the mail
	if _, err := wc.Complete(ctx, item.WorkflowID, workflows.Completion{Cycle: "E1", EvidenceURL: "https://gk.example.gov.cn/gfxwj/1.html", By: "bangongshi"}); err != nil {
		t.Fatal(err)
	}
	resp, body := anon.get(first)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "link-stale") || strings.Contains(body, "link-form") {
		t.Fatalf("the page of a done cycle's link offers the form: %.1500s", body)
	}
	resp, body = anon.post(first, evidence)
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "周期 E1（印发《第一号文件》）") || !strings.Contains(body, "已经登记完成") {
		t.Errorf("the refusal does not say which cycle the link was for and that it is done: %.1500s", body)
	}

	if _, err := wc.RecordEvent(ctx, item.WorkflowID, workflows.Event{At: time.Now().Add(-time.Minute), Title: "印发《第二号文件》", By: "admin"}); err != nil {
		t.Fatal(err)
	}
	resp, body = anon.post(first, evidence)
	wantStatus(t, resp, body, http.StatusConflict)
	// a form that names another cycle is refused too
	resp, body = anon.post(first, url.Values{"evidence_url": evidence["evidence_url"], "cycle": {"E2"}})
	wantStatus(t, resp, body, http.StatusConflict)
	st, err := wc.Query(ctx, item.WorkflowID)
	if err != nil {
		t.Fatal(err)
	}
	if s := cycleStatus(t, st, "E2"); s != "open" {
		t.Fatalf("E2 is %s after the old link was tried: the link of E1 acted on E2", s)
	}

	// a link minted before links named cycles cannot tell which one it was for: refused
	s, _ := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
	old, _ := s.Link(links.Complete, item.ID, "person:1", time.Now().Add(time.Hour), "")
	resp, body = anon.post(strings.TrimPrefix(old, f.srv.opt.BaseURL), evidence)
	wantStatus(t, resp, body, http.StatusGone)
	if !strings.Contains(body, "没有注明是哪一期") {
		t.Errorf("old link refusal: %.1500s", body)
	}

	resp, body = anon.post(f.cycleLink(t, item.ID, "E2"), evidence)
	wantStatus(t, resp, body, http.StatusOK)
	if st, err = wc.Query(ctx, item.WorkflowID); err != nil {
		t.Fatal(err)
	}
	if s := cycleStatus(t, st, "E2"); s != "done" {
		t.Errorf("E2 is %s after its own link: %s", s, fmt.Sprint(st.Cycles))
	}
}
