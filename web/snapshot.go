package web

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/zwgk/zwgk/store"
)

// snapshotRefresher keeps the dashboard's figures (store.RefreshDashboardStats) in step with the
// live item lists: after any change to the items (an import, a completion, a workflow's sync)
// the next page load refreshes them inline; otherwise, while a refresh is cheap it is redone
// every few seconds, and once it is expensive at most a minute apart in the background (the
// dashboard shows their time).
type snapshotRefresher struct {
	st      *store.Store
	log     *slog.Logger
	running atomic.Bool
}

const (
	cheapRefresh    = 50 * time.Millisecond
	inlineMaxAge    = 2 * time.Second
	backgroundAfter = time.Minute
)

func newSnapshotRefresher(st *store.Store, log *slog.Logger) *snapshotRefresher {
	return &snapshotRefresher{st: st, log: log}
}

// ensure refreshes the snapshot if it is stale: inline when cheap, else in the background.
func (f *snapshotRefresher) ensure(ctx context.Context) error {
	at, took, err := f.st.DashboardSnapshot(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil {
		// figures older than the last change would contradict the live lists below them:
		// refresh now, whatever it costs (tiles equal lists on the next page load)
		changed, cerr := f.st.DashboardChangedSince(ctx, at)
		if cerr != nil {
			return cerr
		}
		if changed {
			_, err := f.st.RefreshDashboardStats(ctx)
			return err
		}
	}
	age := time.Since(at)
	switch {
	case err == nil && took < cheapRefresh && age < inlineMaxAge:
		return nil
	case err == nil && took >= cheapRefresh && age < backgroundAfter:
		return nil
	case err != nil || took < cheapRefresh:
		_, err := f.st.RefreshDashboardStats(ctx)
		return err
	}
	if f.running.CompareAndSwap(false, true) {
		go func() {
			defer f.running.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if _, err := f.st.RefreshDashboardStats(ctx); err != nil {
				f.log.Error("web: refresh dashboard figures", "err", err)
			}
		}()
	}
	return nil
}
