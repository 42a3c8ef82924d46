package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/temporalclient"
)

// newLogger logs text to stderr at the configured level.
func newLogger(e *env, cfg *config.Config) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
}

// openStore connects to ZWGK_DATABASE_URL or, when it is unset, to the database `zwgk dev` uses
// on this machine (the local server or the private one in the data directory), so that CLI
// commands work against a dev stack without extra settings. The returned func releases the
// pool and stops a private server this call started.
func openStore(ctx context.Context, e *env) (*store.Store, func(), error) {
	st, done, err := openStoreRaw(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		done()
		return nil, nil, err
	}
	return st, done, nil
}

// daemon is what a long-running command (serve, worker) starts from.
type daemon struct {
	cfg    *config.Config
	logger *slog.Logger
	st     *store.Store
}

// startDaemon reads the configuration, checks its secret and opens the store; the returned func
// closes the store. The web needs a secret (it signs sessions); a worker without one sends its
// links unsigned, so there a missing secret is allowed and only a weak one refused.
func startDaemon(ctx context.Context, e *env, needSecret bool) (daemon, func(), error) {
	cfg, err := e.config()
	if err != nil {
		return daemon{}, nil, err
	}
	if cfg.Secret == "" && needSecret {
		return daemon{}, nil, errors.New("ZWGK_SECRET is not set: it signs sessions and the links in reminders (e.g. openssl rand -hex 32)")
	}
	if cfg.Secret != "" {
		if err := config.CheckSecret(cfg.Secret); err != nil {
			return daemon{}, nil, err
		}
	}
	logger := newLogger(e, cfg)
	st, done, err := openStore(ctx, e)
	if err != nil {
		return daemon{}, nil, err
	}
	return daemon{cfg: cfg, logger: logger, st: st}, done, nil
}

// subcommand is one verb of a command that has several (people, people robot).
type subcommand struct {
	args  int         // how many positional arguments it takes
	ready func() bool // whether its required flags are set; nil: none are required
	run   func(st *store.Store) error
}

// runSubcommand checks sub's usage before it opens the store, so that a usage error needs no
// database, then runs it with the store open.
func runSubcommand(ctx context.Context, e *env, sub string, pos []string, subs map[string]subcommand) error {
	c, ok := subs[sub]
	if !ok || len(pos) != c.args || c.ready != nil && !c.ready() {
		return errUsage
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	return c.run(st)
}

// openStoreRaw is openStore without migrating, for `zwgk migrate` itself.
func openStoreRaw(ctx context.Context, e *env) (*store.Store, func(), error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	pg, err := choosePostgres(ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, pg.url)
	if err != nil {
		_ = pg.stop()
		return nil, nil, err
	}
	return st, func() {
		st.Close()
		if err := pg.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "zwgk: stop private PostgreSQL:", err)
		}
	}, nil
}

// cliAudit is who a change made from the shell is audited as: the CLI has no login of its own,
// so the entry names the operating-system account that ran it; there is no IP to record.
func cliAudit(e *env) store.Audit {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = e.getenv("USER")
	}
	if name == "" {
		name = "unknown"
	}
	return store.Audit{Actor: "cli:" + name}
}

// dialTemporal connects to the configured Temporal frontend.
func dialTemporal(ctx context.Context, e *env) (client.Client, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	return temporalclient.Dial(ctx, cfg.Temporal, newLogger(e, cfg))
}
