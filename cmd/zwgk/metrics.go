package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/metrics"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/channels"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/temporalclient"
)

// metricsReadEvery is the least time between two reads of the database figures (0: the
// collector's default); tests that scrape seconds apart shorten it.
var metricsReadEvery time.Duration

// newMetrics is the registry of one serve or worker process: the Go runtime and zwgk's figures
// read from PostgreSQL. Every replica reports the same database figures; dashboards take max()
// over instances (deploy/grafana).
func newMetrics(st *store.Store, quotas []metrics.Quota) *prometheus.Registry {
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewStoreCollector(st, metrics.StoreOptions{Quotas: quotas, MinInterval: metricsReadEvery}))
	return reg
}

// withMetricsEndpoint answers GET /metrics in front of h, beside the probes: like them it is
// unauthenticated, so a reverse proxy in front of serve should not publish it.
func withMetricsEndpoint(h http.Handler, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	mux.Handle("/", h)
	return mux
}

// channelQuotas are the channel-wide limits of the configured channels (today only
// ZWGK_SMTP_DAILY_LIMIT): limits per number or template have no single figure left.
func channelQuotas(cfg *config.Config, st *store.Store) ([]metrics.Quota, error) {
	chs, err := channels.All(cfg, st, false)
	if err != nil {
		return nil, err
	}
	var out []metrics.Quota
	for name, ch := range chs {
		l, ok := ch.(notify.Limiter)
		if !ok {
			continue
		}
		for _, r := range l.Limits() {
			if !r.PerAddress && !r.PerTemplate && r.Max > 0 {
				out = append(out, metrics.Quota{Channel: name, Rule: r})
			}
		}
	}
	return out, nil
}

// startWorkerMetrics builds the worker's registry and, when ZWGK_WORKER_METRICS_ADDR is set,
// serves it there until stop is called. The handler it returns feeds the SDK's worker metrics
// into the same registry.
func startWorkerMetrics(cfg *config.Config, st *store.Store, logger *slog.Logger) (client.MetricsHandler, func(), error) {
	quotas, err := channelQuotas(cfg, st)
	if err != nil {
		return nil, nil, err
	}
	reg := newMetrics(st, quotas)
	h := metrics.SDKHandler(reg)
	addr := cfg.Get("ZWGK_WORKER_METRICS_ADDR")
	if addr == "" {
		return h, func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (set ZWGK_WORKER_METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics", "err", err)
		}
	}()
	stop := func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}
	return h, stop, nil
}

// dialTemporalMetered is temporalclient.Dial with the SDK's metrics going to h.
func dialTemporalMetered(ctx context.Context, c config.Temporal, logger *slog.Logger, h client.MetricsHandler) (client.Client, error) {
	opts, err := temporalclient.Options(c, logger)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = h
	cl, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("temporal %s namespace %s: %w", c.Address, c.Namespace, err)
	}
	return cl, nil
}
