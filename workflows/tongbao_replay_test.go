package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

const tongbaoHistories = "testdata/tongbao-histories"

// TongbaoWorkflow on the real server on the first working day of a quarter (2026-10-08: the
// calendar is asked about that day whatever the clock says, since the server's time cannot be
// moved). Its history is what the replay test keeps replaying: ZWGK_UPDATE_HISTORIES=1 records
// it as ZWGK_TONGBAO_HISTORY.json. v0-quarter-day was recorded by the code before the
// quarterly 通报; v0-quarter-day-checked-by-v1 by that workflow code with the new activities
// (a run started before a deploy whose TongbaoCheck ran after it: its result names the
// quarter, its history has no version marker); v1-quarter-day by the code with it.
func TestTongbaoRealServer(t *testing.T) {
	f := newTongbaoFixture(t)
	c := testenv.Temporal(t)
	tq := testenv.TaskQueue(t)
	w := worker.New(c, tq, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.TongbaoWorkflow, workflow.RegisterOptions{Name: workflows.TongbaoWorkflowName})
	day := time.Date(2026, 10, 8, 8, 30, 0, 0, calendar.Shanghai)
	w.RegisterActivityWithOptions(func(ctx context.Context, _ time.Time) (activities.TongbaoDay, error) {
		return f.acts.TongbaoCheck(ctx, day)
	}, activity.RegisterOptions{Name: "TongbaoCheck"})
	w.RegisterActivityWithOptions(f.acts.TongbaoUnits, activity.RegisterOptions{Name: "TongbaoUnits"})
	w.RegisterActivityWithOptions(f.acts.SendTongbao, activity.RegisterOptions{Name: "SendTongbao"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := "tongbao-replay/" + tq
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, workflows.TongbaoWorkflowName, workflows.TongbaoInput{})
	if err != nil {
		t.Fatal(err)
	}
	var out workflows.TongbaoOutput
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	if out.Month != "2026-09" || out.Planned == 0 || out.Planned%len(f.people) != 0 {
		t.Errorf("output %+v, want the 2026-09 通报 to each of %d supervisors", out, len(f.people))
	}
	name := os.Getenv("ZWGK_TONGBAO_HISTORY")
	if os.Getenv("ZWGK_UPDATE_HISTORIES") == "" || name == "" {
		return
	}
	writeHistory(t, ctx, c, id, filepath.Join(tongbaoHistories, name+".json"))
}

// Recorded 通报 histories replay with the current code. v0-quarter-day-checked-by-v1 is the one
// that needs the GetVersion: without it the replay schedules the quarter's SendTongbao, which
// that run never did (checked: it fails with a non-determinism error).
func TestReplayTongbaoHistories(t *testing.T) {
	files := recordedHistories(t, tongbaoHistories)
	if len(files) < 3 {
		t.Fatalf("want the histories of the code before and with the quarterly 通报 in %s, found %v", tongbaoHistories, files)
	}
	replayHistories(t, files, workflows.TongbaoWorkflow, workflows.TongbaoWorkflowName)
}
