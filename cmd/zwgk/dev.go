//go:build !nodev

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/demo"
	"github.com/zwgk/zwgk/devstack"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/web"
	"github.com/zwgk/zwgk/workflows"
)

func init() {
	register(&command{
		name:    "dev",
		summary: "run everything in one process: embedded Temporal, PostgreSQL, worker, web UI and a demo list",
		usage: `[--no-demo]
The newcomer's command. State lives in ZWGK_DATA_DIR (default ./zwgk-data): the embedded
Temporal server's SQLite file, a private PostgreSQL cluster when no server answers on
localhost:5432, and the generated ZWGK_SECRET. Stop with Ctrl-C; start again to resume.
Without ZWGK_SMTP_HOST, messages go to the dev outbox shown in the web UI (开发模式).`,
		run: runDev,
	})
}

func runDev(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "dev")
	noDemo := fs.Bool("no-demo", false, "do not create the demo unit and list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	logger := newLogger(e, cfg)
	started := time.Now()
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if cfg.Secret == "" {
		if cfg.Secret, err = devSecret(cfg.DataDir); err != nil {
			return err
		}
	}
	if err := config.CheckSecret(cfg.Secret); err != nil {
		return err
	}

	pg, err := devstack.ChoosePostgres(ctx, devstack.PostgresOptions{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: logger})
	if err != nil {
		return err
	}
	defer func() {
		if err := pg.Stop(); err != nil {
			logger.Error("stop PostgreSQL", "err", err)
		}
	}()
	st, err := store.Open(ctx, pg.URL)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}

	tmp, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{
		DataDir: cfg.DataDir, Port: cfg.Temporal.DevPort, Namespace: cfg.Temporal.Namespace, ClientLogger: logger,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := tmp.Stop(); err != nil {
			logger.Error("stop Temporal", "err", err)
		}
	}()
	cfg.Temporal.Address = tmp.HostPort
	tc, err := tmp.Client(ctx)
	if err != nil {
		return err
	}
	defer tc.Close()
	wc := &workflows.Client{Temporal: tc, TaskQueue: cfg.Temporal.TaskQueue}

	// The worker and the web server run until Ctrl-C; either failing stops both.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	ready := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := runWorker(ctx, workerDeps{cfg: cfg, st: st, c: tc, logger: logger, reconcile: "all", dev: true, ready: ready}); err != nil {
			errc <- fmt.Errorf("worker: %w", err)
			cancel()
		}
	}()

	app, err := web.New(web.Options{
		Store: st, Items: wc, Syncer: wc, Secret: []byte(cfg.Secret), BaseURL: cfg.BaseURL, Dev: true, Logger: logger,
		TrustedProxies: cfg.TrustedProxies, ScanCommand: cfg.Get("ZWGK_SCAN_COMMAND"),
	})
	if err != nil {
		return err
	}
	srv := newHTTPServer(cfg.HTTPAddr, app, st, tc, logger)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serveUntil(ctx, srv, logger); err != nil {
			errc <- fmt.Errorf("http: %w", err)
			cancel()
		}
	}()

	select {
	case <-ready:
	case <-ctx.Done():
	}
	login, password := "", ""
	if ctx.Err() == nil {
		if !*noDemo {
			if err := seedDemo(ctx, st, wc, logger); err != nil {
				logger.Error("demo list", "err", err)
			}
		}
		if login, password, err = web.EnsureDemoAdmin(ctx, st); err != nil {
			logger.Error("demo admin", "err", err)
		}
		outbox := "dev outbox (no ZWGK_SMTP_HOST): " + cfg.BaseURL + "/admin/outbox"
		if cfg.SMTP.Host != "" {
			outbox = "SMTP " + cfg.SMTP.Host
		}
		fmt.Fprintf(e.stdout, `
zwgk dev is up (%s)
  web UI       %s   login %s / %s
  messages     %s
  Temporal     %s namespace %s (embedded; any Temporal UI or CLI can connect)
  PostgreSQL   %s
  data         %s
Ctrl-C stops; starting again resumes where it was.
`, time.Since(started).Round(100*time.Millisecond), cfg.BaseURL, login, password, outbox,
			tmp.HostPort, cfg.Temporal.Namespace, pg.Source, cfg.DataDir)
	}

	<-ctx.Done()
	cancel()
	wg.Wait()
	close(errc)
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// devSecret keeps one random secret per data directory so that sessions and links survive a
// restart of `zwgk dev`.
func devSecret(dir string) (string, error) {
	path := filepath.Join(dir, "secret")
	// A secret kept by an earlier release that config.CheckSecret now refuses is replaced: the
	// dev sessions and links it signed die, which a laptop can afford.
	if b, err := os.ReadFile(path); err == nil && config.CheckSecret(strings.TrimSpace(string(b))) == nil {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	s := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return s, nil
}

// seedDemo loads the demo list for the current year and gives each demo office a contact and
// a head, and the unit a supervisor, so that reminders and escalations have someone to reach
// (their messages land in the dev outbox).
func seedDemo(ctx context.Context, st *store.Store, wc *workflows.Client, logger *slog.Logger) error {
	year := calendar.DateOf(time.Now()).Year
	if err := demo.Seed(ctx, st, wc, year); err != nil {
		return err
	}
	return demo.SeedPeople(ctx, st)
}
