package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/notify/channels"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/temporalclient"
	"github.com/zwgk/zwgk/workflows"
)

func init() {
	register(&command{
		name:    "worker",
		summary: "run the Temporal worker: item workflows, the dispatcher and their activities",
		usage: `[--reconcile=missing|all|none] [--max-concurrent N]
Run any number of replicas against one Temporal namespace and task queue. At start-up the worker
makes sure the daily 通报 schedule exists (zwgk-tongbao/<task queue>), the dispatcher runs and, with --reconcile=missing (the default), starts the workflow
of every active item that never recorded any state (an import whose starts failed). After a
Temporal database was lost or restored, run one worker with --reconcile=all: it starts every
active item not known to be finished, and a started workflow resumes from what PostgreSQL
recorded. Starts are idempotent, so replicas doing it at once is harmless.`,
		run: func(ctx context.Context, e *env, args []string) error {
			fs := newFlags(e, "worker")
			reconcile := fs.String("reconcile", "missing", "missing, all or none: which item workflows to start at start-up")
			maxConc := fs.Int("max-concurrent", 0, "maximum concurrent activities (0: SDK default)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			mode, ok := map[string]string{"missing": "missing", "true": "missing", "all": "all", "none": "none", "false": "none"}[*reconcile]
			if !ok {
				return errUsage
			}
			d, done, err := startDaemon(ctx, e, false)
			if err != nil {
				return err
			}
			defer done()
			cfg, logger, st := d.cfg, d.logger, d.st
			sdkMetrics, stopMetrics, err := startWorkerMetrics(cfg, st, logger)
			if err != nil {
				return err
			}
			defer stopMetrics()
			c, err := dialTemporalMetered(ctx, cfg.Temporal, logger, sdkMetrics)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := temporalclient.EnsureSearchAttributes(ctx, c, cfg.Temporal.Namespace); err != nil {
				logger.Warn("search attributes not registered; add them in the Temporal UI or Cloud console", "err", err)
			}
			return runWorker(ctx, workerDeps{cfg: cfg, st: st, c: c, logger: logger, reconcile: mode, maxConcurrent: *maxConc})
		},
	})
}

type workerDeps struct {
	cfg           *config.Config
	st            *store.Store
	c             client.Client
	logger        *slog.Logger
	reconcile     string // missing, all or none
	maxConcurrent int
	dev           bool
	ready         chan<- struct{} // closed once the worker polls
}

// runWorker runs until ctx ends.
func runWorker(ctx context.Context, d workerDeps) error {
	acts, err := newActivities(ctx, d)
	if err != nil {
		return err
	}
	defer acts.Deliverer.Close()
	// the cache is the SDK's, shared by the process's workers: bounded, a worker of 10,000 item
	// workflows peaked at 274 MB instead of 1,273 MB (docs/performance.md)
	if n, err := stickyCacheSize(d.cfg.Get("ZWGK_WORKER_CACHE")); err != nil {
		return err
	} else if n > 0 {
		worker.SetStickyWorkflowCacheSize(n)
	}
	w := worker.New(d.c, d.cfg.Temporal.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: d.maxConcurrent,
	})
	workflows.Register(w, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
	if d.ready != nil {
		close(d.ready)
	}
	d.logger.Info("worker polling", "namespace", d.cfg.Temporal.Namespace, "task_queue", d.cfg.Temporal.TaskQueue)
	// whatever --reconcile says: the monthly 通报 is not a reconciliation, and creating its
	// schedule is idempotent across replicas
	if err := workflows.EnsureTongbaoSchedule(ctx, d.c, d.cfg.Temporal.TaskQueue); err != nil {
		d.logger.Error("通报 schedule", "err", err)
	}
	// Setup links the web queued go out on the email channel at once, not in a send window.
	if email := acts.Deliverer.Channels["email"]; email != nil {
		mailer := &activities.SetupMailer{Store: d.st, Email: email, Logger: d.logger}
		stopped := make(chan struct{})
		go func() { defer close(stopped); _ = mailer.Run(ctx) }()
		defer func() { <-stopped }()
	} else {
		d.logger.Warn("no email channel: password setup links queued for mail are not sent")
	}
	if d.reconcile != "none" {
		go func() {
			if err := reconcile(ctx, d); err != nil && !errors.Is(err, context.Canceled) {
				d.logger.Error("reconcile", "err", err)
			}
		}()
	}
	<-ctx.Done()
	return nil
}

func newActivities(ctx context.Context, d workerDeps) (*activities.Activities, error) {
	parallel := 8
	deliverer, err := channels.Deliverer(ctx, d.cfg, d.st, d.dev, parallel)
	if err != nil {
		return nil, err
	}
	deliverer.Logger = d.logger
	return &activities.Activities{
		Store:        d.st,
		Temporal:     d.c,
		TaskQueue:    d.cfg.Temporal.TaskQueue,
		Logger:       d.logger,
		Deliverer:    deliverer,
		SendParallel: parallel,
	}, nil
}

// reconcile starts the dispatcher and the workflows of the items the mode names.
func reconcile(ctx context.Context, d workerDeps) error {
	wc := &workflows.Client{Temporal: d.c, TaskQueue: d.cfg.Temporal.TaskQueue}
	start := time.Now()
	refs, err := d.st.ItemsToReconcile(ctx, d.reconcile == "all")
	if err != nil {
		return err
	}
	if err := wc.Sync(ctx, store.ListChanges{Added: refs}); err != nil {
		return err
	}
	if err := wc.EnsureDispatcher(ctx); err != nil {
		return err
	}
	apps, err := reconcileApplications(ctx, wc, d.st)
	if err != nil {
		return err
	}
	d.logger.Info("reconciled item workflows", "mode", d.reconcile, "items", len(refs), "applications", apps, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// stickyCacheSize reads ZWGK_WORKER_CACHE: empty is the documented default, 0 the SDK's own.
func stickyCacheSize(v string) (int, error) {
	if strings.TrimSpace(v) == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("ZWGK_WORKER_CACHE=%q: want a number of workflows, 0 for the SDK's default", v)
	}
	return n, nil
}
