package web

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/zwgk/zwgk/store"
)

// snapshotRefresher keeps the dashboard's figures (store.RefreshDashboardStats) fresh enough:
// while a refresh is cheap the dashboard refreshes them inline, so small installations always
// see current counts; once it is expensive (many items) they are refreshed in the background at
// most a minute apart and the dashboard shows their time. The item lists are always live.
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
