package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
)

// Register adds zwgk's workflows and activities to a worker.
func Register(r worker.Registry, a *activities.Activities) {
	r.RegisterWorkflowWithOptions(ItemWorkflow, workflow.RegisterOptions{Name: ItemWorkflowName})
	r.RegisterWorkflowWithOptions(DispatchWorkflow, workflow.RegisterOptions{Name: DispatchWorkflowName})
	r.RegisterWorkflowWithOptions(ApplicationWorkflow, workflow.RegisterOptions{Name: ApplicationWorkflowName})
	r.RegisterWorkflowWithOptions(TongbaoWorkflow, workflow.RegisterOptions{Name: TongbaoWorkflowName})
	r.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}
