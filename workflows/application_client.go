package workflows

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// StartApplication starts an application's workflow unless it runs. A closed one is started
// again only by an explicit reconcile: it resumes from what PostgreSQL recorded.
func (c *Client) StartApplication(ctx context.Context, id int64) error {
	wid := ApplicationWorkflowID(id)
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       wid,
		TaskQueue:                c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, ApplicationWorkflowName, ApplicationInput{ApplicationID: id})
	if err != nil {
		return fmt.Errorf("start %s: %w", wid, err)
	}
	return nil
}

// UpdateApplication sends one of the application updates (UpdateRequestCorrection…) and
// returns the new state; a validator's refusal wraps ErrRejected.
func (c *Client) UpdateApplication(ctx context.Context, id int64, name string, arg any) (ApplicationState, error) {
	var s ApplicationState
	wid := ApplicationWorkflowID(id)
	h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &s)
	}
	if err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == "Rejected" {
			return s, fmt.Errorf("%s %s: %w: %s", name, wid, ErrRejected, app.Message())
		}
		return s, fmt.Errorf("%s %s: %w", name, wid, err)
	}
	return s, nil
}

// QueryApplication reads an application workflow's state.
func (c *Client) QueryApplication(ctx context.Context, id int64) (ApplicationState, error) {
	var s ApplicationState
	wid := ApplicationWorkflowID(id)
	v, err := c.Temporal.QueryWorkflow(ctx, wid, "", QueryApplication)
	if err != nil {
		return s, fmt.Errorf("query %s: %w", wid, err)
	}
	if err := v.Get(&s); err != nil {
		return s, fmt.Errorf("query %s: %w", wid, err)
	}
	return s, nil
}
