//go:build !nodev

package main

import (
	"context"
	"log/slog"

	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/devstack"
)

// database is the PostgreSQL a command settled on, and how to stop it if this process started it.
type database struct {
	url  string
	stop func() error
}

// choosePostgres lets CLI commands work against a dev stack without extra settings: without
// ZWGK_DATABASE_URL it takes the local server or the private one in the data directory.
func choosePostgres(ctx context.Context, cfg *config.Config, logger *slog.Logger) (database, error) {
	pg, err := devstack.ChoosePostgres(ctx, devstack.PostgresOptions{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: logger})
	if err != nil {
		return database{}, err
	}
	return database{url: pg.URL, stop: pg.Stop}, nil
}
