package main

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/metrics"
	"github.com/zwgk/zwgk/temporalclient"
	"github.com/zwgk/zwgk/web"
	"github.com/zwgk/zwgk/workflows"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve the web UI and JSON API (with /healthz and /readyz)",
		usage: `
Stateless: run as many replicas as the load needs behind a load balancer. It connects to
Temporal lazily, so it starts (and /healthz answers) while Temporal is still coming up; /readyz
answers 200 only once PostgreSQL and Temporal both do.`,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 0 {
				return errUsage
			}
			d, done, err := startDaemon(ctx, e, true)
			if err != nil {
				return err
			}
			defer done()
			cfg, logger, st := d.cfg, d.logger, d.st
			reg := newMetrics(st, nil)
			opts, err := temporalclient.Options(cfg.Temporal, logger)
			if err != nil {
				return err
			}
			opts.MetricsHandler = metrics.SDKHandler(reg)
			tc, err := client.NewLazyClient(opts)
			if err != nil {
				return err
			}
			defer tc.Close()
			wc := &workflows.Client{Temporal: tc, TaskQueue: cfg.Temporal.TaskQueue}
			app, err := web.New(web.Options{
				Store: st, Items: wc, Syncer: wc, Secret: []byte(cfg.Secret), BaseURL: cfg.BaseURL, Logger: logger,
				TrustedProxies: cfg.TrustedProxies, ScanCommand: cfg.Get("ZWGK_SCAN_COMMAND"),
				ObserveRequest: metrics.HTTPObserver(reg),
			})
			if err != nil {
				return err
			}
			srv := newHTTPServer(cfg.HTTPAddr, app, st, tc, logger)
			srv.Handler = withMetricsEndpoint(srv.Handler, reg)
			return serveUntil(ctx, srv, logger)
		},
	})
}
