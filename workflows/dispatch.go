package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
)

// The dispatcher is one workflow per installation. It sleeps until the earliest pending notice,
// then sends every notice whose time has come as one digest per recipient and channel. Item
// workflows plan notices for send-window instants (09:00 on working days by default), so all of
// a recipient's reminders for one window are pending together and go out as one message.
const (
	DispatchWorkflowName = activities.DispatchWorkflowName
	// SignalPoke wakes the dispatcher because a notice earlier than its wake-up was planned.
	SignalPoke = activities.SignalPoke
)

// DispatchInput carries nothing across continue-as-new: the notices live in PostgreSQL.
type DispatchInput struct {
	MaxHistory int `json:"max_history,omitempty"`
}

var dispatchOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Minute,
	HeartbeatTimeout:    time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Minute,
	},
}

// DispatchWorkflow sends planned notices when they fall due.
func DispatchWorkflow(ctx workflow.Context, in DispatchInput) error {
	pokes := workflow.GetSignalChannel(ctx, SignalPoke)
	maxHistory := in.MaxHistory
	if maxHistory == 0 {
		maxHistory = 2000
	}
	lctx := workflow.WithLocalActivityOptions(ctx, localOptions)
	actx := workflow.WithActivityOptions(ctx, dispatchOptions)
	runID := workflow.GetInfo(ctx).WorkflowExecution.RunID

	for round := 0; ; round++ {
		for pokes.ReceiveAsync(nil) {
		}
		// Finish what a lost run (terminated, or its Temporal database lost) left claimed,
		// under its keys and windows, so that messages it may already have sent are not sent
		// again. This run's own dispatches are always finished before the next round.
		if workflow.GetVersion(ctx, "finish-stale-dispatches", workflow.DefaultVersion, 1) >= 1 {
			var stale []activities.DispatchRequest
			if err := workflow.ExecuteLocalActivity(lctx, acts.StaleDispatches, runID+"/").Get(lctx, &stale); err != nil {
				return err
			}
			for _, req := range stale {
				var res activities.DispatchResult
				if err := workflow.ExecuteActivity(actx, acts.Dispatch, req).Get(actx, &res); err != nil {
					return err
				}
			}
		}
		var next activities.NextNotice
		if err := workflow.ExecuteLocalActivity(lctx, acts.NextNotice).Get(lctx, &next); err != nil {
			return err
		}
		now := workflow.Now(ctx)
		if next.OK && !next.At.After(now) {
			req := activities.DispatchRequest{
				Key:    fmt.Sprintf("%s/%d", runID, round),
				Cutoff: now,
			}
			var res activities.DispatchResult
			if err := workflow.ExecuteActivity(actx, acts.Dispatch, req).Get(actx, &res); err != nil {
				return err
			}
			workflow.GetLogger(ctx).Info("dispatched", "notices", res.Notices, "messages", res.Messages, "dropped", res.Dropped, "failed", res.Failed)
			continue
		}
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > maxHistory {
			return workflow.NewContinueAsNewError(ctx, DispatchWorkflow, in)
		}
		tctx, cancel := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(pokes, func(c workflow.ReceiveChannel, more bool) { c.Receive(ctx, nil) })
		if next.OK {
			sel.AddFuture(workflow.NewTimer(tctx, next.At.Sub(now)), func(workflow.Future) {})
		}
		sel.Select(ctx)
		cancel() // a poke leaves the timer behind; cancel it so it does not wake us for nothing
	}
}
