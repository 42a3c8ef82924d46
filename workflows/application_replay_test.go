package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

const applicationHistories = "testdata/application-histories"

// An application's life on the real server and PostgreSQL: registered, consulted, extended,
// answered and signed off through the client's updates, each change in the case file. Its
// history is what the replay test below keeps replaying (ZWGK_UPDATE_HISTORIES=1 records it).
func TestApplicationRealServer(t *testing.T) {
	s := newStack(t)
	ctx := s.ctx
	u, err := s.st.CreateUnit(ctx, "回放测试局")
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.st.CreateOffice(ctx, u.ID, "办公室", nil)
	if err != nil {
		t.Fatal(err)
	}
	received := calendar.DateOf(time.Now())
	id, err := s.st.CreateApplication(ctx, store.ApplicationNew{UnitID: u.ID, OfficeID: o.ID, ApplicantType: "person",
		ApplicantName: "回放", Channel: "online", Confirmed: received, Received: received, Content: "某信息", CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.wc.StartApplication(ctx, id); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		arg  any
	}{
		{workflows.UpdateStartConsultation, workflows.Consultation{Party: "某公司", By: "科员"}},
		{workflows.UpdateEndConsultation, workflows.Consultation{By: "科员"}},
		{workflows.UpdateExtendReply, workflows.ReplyExtension{Days: 10, Reason: "需调取档案", ApprovedBy: "主任", By: "科员"}},
		{workflows.UpdateReply, workflows.Reply{Type: application.Reject, Reason: application.Repeated, By: "科员"}},
		{workflows.UpdateCloseApplication, workflows.CloseApplication{By: "公开办"}},
	}
	var st workflows.ApplicationState
	for _, step := range steps {
		uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		st, err = s.wc.UpdateApplication(uctx, id, step.name, step.arg)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	if st.State != application.StateClosed || st.ReplyReason != string(application.Repeated) {
		t.Errorf("final state %+v", st)
	}
	if _, err := s.wc.UpdateApplication(ctx, id, workflows.UpdateReply, workflows.Reply{Type: application.Disclose, By: "x"}); err == nil {
		t.Error("a closed application accepted a reply")
	}
	run := s.c.GetWorkflow(ctx, workflows.ApplicationWorkflowID(id), "")
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(wctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	evs, err := s.st.ApplicationEvents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"registered", "consultation-started", "consultation-ended", "extended", "replied", "closed"}
	if len(kinds) != len(want) {
		t.Fatalf("case file %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("case file %v, want %v", kinds, want)
		}
	}
	a, err := s.st.Application(ctx, id)
	if err != nil || a.State != application.StateClosed || a.ExtensionDays != 10 || a.ClosedAt.IsZero() {
		t.Errorf("projection %+v, %v", a.ApplicationState, err)
	}
	if os.Getenv("ZWGK_UPDATE_HISTORIES") == "" {
		return
	}
	writeHistory(t, ctx, s.c, workflows.ApplicationWorkflowID(id), filepath.Join(applicationHistories, "consult-extend-reply-close.json"))
}

// Recorded application histories replay with the current code: a change to the workflow that
// running applications would trip over must be wrapped in workflow.GetVersion.
func TestReplayApplicationHistories(t *testing.T) {
	files := recordedHistories(t, applicationHistories)
	if len(files) == 0 {
		t.Fatalf("no recorded application history in %s", applicationHistories)
	}
	replayHistories(t, files, workflows.ApplicationWorkflow, workflows.ApplicationWorkflowName)
}
