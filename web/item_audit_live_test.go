package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// Through the real item workflow: a completion from a signed-in user and one through a signed
// link each leave exactly one audit entry, written by the workflow's sync with the change, that
// names who did it from where; an audit entry smuggled into an API body is not the one written.
func TestItemCommandAuditedByTheWorkflow(t *testing.T) {
	f, wc, item := liveFixture(t)
	ctx := context.Background()
	// liveFixture's workflow id is the same in every test that uses it, and the Temporal server
	// outlives the test: a run left open would be the one the next test's start finds, with no
	// worker on its task queue.
	t.Cleanup(func() {
		if err := wc.Temporal.TerminateWorkflow(context.Background(), item.WorkflowID, "", "test over"); err != nil {
			t.Logf("terminate %s: %v", item.WorkflowID, err)
		}
	})
	admin, _, err := CreateUser(ctx, f.st, "root", "管理员", store.RoleAdmin, "password-root", nil, nil, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	tok := randomToken(32)
	if err := f.st.CreateSession(ctx, tok, admin.ID, time.Now().Add(time.Hour), "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	root := &client{t: t, f: f, cookie: &http.Cookie{Name: sessionCookie, Value: tok}, csrf: f.srv.csrfToken(tok)}
	for _, title := range []string{"印发《第一号文件》", "印发《第二号文件》"} {
		if _, err := wc.RecordEvent(ctx, item.WorkflowID, workflows.Event{At: time.Now().Add(-time.Minute), Title: title, By: "admin"}); err != nil {
			t.Fatal(err)
		}
	}
	entries := func() []store.AuditEntry {
		t.Helper()
		es, err := f.st.AuditLog(ctx, store.AuditFilter{ObjectType: "item", ObjectID: fmt.Sprint(item.ID)})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	if es := entries(); len(es) != 0 {
		t.Fatalf("commands sent without an audit entry were audited: %+v", es)
	}

	resp, body := root.json("POST", fmt.Sprintf("/api/items/%d/complete", item.ID), map[string]any{
		"cycle": "E1", "evidence_url": "https://gk.example.gov.cn/gfxwj/1.html",
		"audit": map[string]any{"actor": "someone-else", "ip": "203.0.113.9", "action": "item.reopen"},
	})
	wantStatus(t, resp, body, http.StatusOK)
	es := entries()
	if len(es) != 1 {
		t.Fatalf("%d entries for one completion: %+v", len(es), es)
	}
	e := es[0]
	var detail map[string]any
	if err := json.Unmarshal(e.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if e.Action != "item.complete" || e.Actor != "root" || e.IP != "127.0.0.1" || e.UserID == nil || *e.UserID != admin.ID ||
		detail["cycle"] != "E1" || detail["evidence_url"] != "https://gk.example.gov.cn/gfxwj/1.html" || detail["by"] != "root" || detail["audit"] != nil {
		t.Fatalf("entry of the completion: %+v %s", e, e.Detail)
	}

	resp, body = f.as(t, "anonymous").post(f.cycleLink(t, item.ID, "E2"), url.Values{"evidence_url": {"https://gk.example.gov.cn/gfxwj/2.html"}})
	wantStatus(t, resp, body, http.StatusOK)
	es = entries()
	if len(es) != 2 {
		t.Fatalf("%d entries after the link's completion, want 2: %+v", len(es), es)
	}
	e = es[0]
	detail = nil
	if err := json.Unmarshal(e.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if e.Action != "item.complete" || e.Actor != "link:person:1" || e.IP != "127.0.0.1" || e.UserID != nil ||
		detail["cycle"] != "E2" || detail["by"] != "link:person:1" {
		t.Fatalf("entry of the link's completion: %+v %s", e, e.Detail)
	}
}
