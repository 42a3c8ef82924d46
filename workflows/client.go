package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/store"
)

// Client sends commands to item workflows and starts them. The web UI and the importer use it;
// it never reads state for lists (PostgreSQL does that), only for one item's answer.
type Client struct {
	Temporal  client.Client
	TaskQueue string
	// Parallel bounds concurrent starts during a sync (default 32): enough to keep the
	// frontend busy without opening thousands of streams.
	Parallel int
}

// ErrRejected wraps an update that the workflow's validator refused; the message says why.
var ErrRejected = errors.New("rejected")

// StartItem starts an item's workflow unless one with its id is already running. A closed one
// (done, cancelled) is started again: it reloads its state from PostgreSQL, so a re-added item
// or a lost Temporal database resumes instead of restarting its clocks.
func (c *Client) StartItem(ctx context.Context, ref store.ItemRef) error {
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       ref.WorkflowID,
		TaskQueue:                c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, ItemWorkflowName, ItemInput{ItemID: ref.ID})
	if err != nil {
		return fmt.Errorf("start %s: %w", ref.WorkflowID, err)
	}
	return nil
}

// Sync starts the workflows of added items, tells changed ones to reload and cancels removed
// ones, after the list's transaction committed. It is safe to repeat: starts are idempotent by
// workflow id and revise/cancel are idempotent in the workflow.
func (c *Client) Sync(ctx context.Context, ch store.ListChanges) error {
	var errs []error
	errs = append(errs, c.each(ctx, ch.Added, c.StartItem))
	errs = append(errs, c.each(ctx, ch.Changed, func(ctx context.Context, ref store.ItemRef) error {
		a := Actor{By: "import", Reason: fmt.Sprintf("list revision %d", ch.Revision)}
		if ch.Revision == 0 {
			a = Actor{By: "policy", Reason: PolicyChanged}
		}
		_, err := c.update(ctx, ref.WorkflowID, UpdateRevise, a)
		if isNotRunning(err) {
			return c.StartItem(ctx, ref)
		}
		return err
	}))
	errs = append(errs, c.each(ctx, ch.Removed, func(ctx context.Context, ref store.ItemRef) error {
		_, err := c.update(ctx, ref.WorkflowID, UpdateCancel, Actor{By: "import", Reason: fmt.Sprintf("removed in list revision %d", ch.Revision)})
		if isNotRunning(err) || errors.Is(err, ErrRejected) {
			return nil // already closed or cancelled: nothing left to stop
		}
		return err
	}))
	return errors.Join(errs...)
}

func (c *Client) each(ctx context.Context, refs []store.ItemRef, fn func(context.Context, store.ItemRef) error) error {
	n := c.Parallel
	if n <= 0 {
		n = 32
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, n)
	)
	for _, ref := range refs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, ref); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Complete records a completion.
func (c *Client) Complete(ctx context.Context, id string, x Completion) (State, error) {
	return c.update(ctx, id, UpdateComplete, x)
}

// Reopen undoes a completion.
func (c *Client) Reopen(ctx context.Context, id string, x Reopen) (State, error) {
	return c.update(ctx, id, UpdateReopen, x)
}

// Extend moves a cycle's due date.
func (c *Client) Extend(ctx context.Context, id string, x Extension) (State, error) {
	return c.update(ctx, id, UpdateExtend, x)
}

// Reassign replaces the offices of an item.
func (c *Client) Reassign(ctx context.Context, id string, x Reassignment) (State, error) {
	return c.update(ctx, id, UpdateReassign, x)
}

// RecordEvent starts an event clock of a timely item.
func (c *Client) RecordEvent(ctx context.Context, id string, x Event) (State, error) {
	return c.update(ctx, id, UpdateRecordEvent, x)
}

// Pause stops an item's clocks.
func (c *Client) Pause(ctx context.Context, id string, x Actor) (State, error) {
	return c.update(ctx, id, UpdatePause, x)
}

// Resume restarts an item's clocks.
func (c *Client) Resume(ctx context.Context, id string, x Actor) (State, error) {
	return c.update(ctx, id, UpdateResume, x)
}

// Cancel ends an item's workflow.
func (c *Client) Cancel(ctx context.Context, id string, x Actor) (State, error) {
	return c.update(ctx, id, UpdateCancel, x)
}

// Query reads the state of a running item workflow.
func (c *Client) Query(ctx context.Context, id string) (State, error) {
	var s State
	v, err := c.Temporal.QueryWorkflow(ctx, id, "", QueryState)
	if err != nil {
		return s, fmt.Errorf("query %s: %w", id, err)
	}
	if err := v.Get(&s); err != nil {
		return s, fmt.Errorf("query %s: %w", id, err)
	}
	return s, nil
}

func (c *Client) update(ctx context.Context, id, name string, arg any) (State, error) {
	var s State
	h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &s)
	}
	if err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == "Rejected" {
			return s, fmt.Errorf("%s %s: %w: %s", name, id, ErrRejected, app.Message())
		}
		return s, fmt.Errorf("%s %s: %w", name, id, err)
	}
	return s, nil
}

func isNotRunning(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// EnsureDispatcher starts the dispatcher if it is not running and wakes it.
func (c *Client) EnsureDispatcher(ctx context.Context) error {
	id := activities.DispatcherID(c.TaskQueue)
	_, err := c.Temporal.SignalWithStartWorkflow(ctx, id, SignalPoke, nil,
		client.StartWorkflowOptions{ID: id, TaskQueue: c.TaskQueue}, DispatchWorkflowName, DispatchInput{})
	if err != nil {
		return fmt.Errorf("start the dispatcher: %w", err)
	}
	return nil
}
