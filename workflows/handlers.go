package workflows

import "go.temporal.io/sdk/workflow"

// updateHandler is one update a workflow takes: its name, the validator that rejects a bad
// request before it is written to history, and the handler.
type updateHandler struct {
	name     string
	validate any
	handle   any
}

// registerHandlers installs a workflow's query and its updates. Registration writes nothing to
// history, so the item and application workflows share it without a version change.
func registerHandlers(ctx workflow.Context, query string, answer any, hs []updateHandler) error {
	if err := workflow.SetQueryHandler(ctx, query, answer); err != nil {
		return err
	}
	for _, h := range hs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handle, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return err
		}
	}
	return nil
}
