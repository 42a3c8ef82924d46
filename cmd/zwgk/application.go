package main

import (
	"context"
	"errors"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// reconcileApplications starts the workflow of every application not yet closed or withdrawn.
// A running one is left as it is (the start is idempotent by workflow id); a missing one, after
// a failed start at registration or a lost Temporal database, resumes from what PostgreSQL
// recorded. Applications are few next to items, so every start-up checks them all.
func reconcileApplications(ctx context.Context, wc *workflows.Client, st *store.Store) (int, error) {
	ids, err := st.ApplicationIDsToReconcile(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, wc.StartApplication(ctx, id))
	}
	return len(ids), errors.Join(errs...)
}
