package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/workflows"
)

// Histories recorded by the real server from earlier versions of the workflow code must replay
// with the current code: a running workflow picks up new code on its next task, and a change
// that is not guarded by workflow.GetVersion would make it fail with a non-determinism error.
// Record new histories with ZWGK_UPDATE_HISTORIES=1 go test -run 'RealServer|EventModel' ./workflows;
// never delete the old ones while workflows of that version may still run.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("want recorded histories of the old and the current code, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(workflows.ItemWorkflow, workflow.RegisterOptions{Name: workflows.ItemWorkflowName})
			r.RegisterWorkflowWithOptions(workflows.DispatchWorkflow, workflow.RegisterOptions{Name: workflows.DispatchWorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
