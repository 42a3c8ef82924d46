//go:build nodev

package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/zwgk/zwgk/config"
)

type database struct {
	url  string
	stop func() error
}

// choosePostgres in a production build takes ZWGK_DATABASE_URL only: picking or starting a
// server is `zwgk dev`'s job, and that code (package devstack) is left out of this build.
func choosePostgres(_ context.Context, cfg *config.Config, _ *slog.Logger) (database, error) {
	if cfg.DatabaseURL == "" {
		return database{}, errors.New("ZWGK_DATABASE_URL 未设置（生产构建不会自行选择或启动 PostgreSQL）/ ZWGK_DATABASE_URL is not set: a production build (-tags nodev) does not pick or start a PostgreSQL server")
	}
	return database{url: cfg.DatabaseURL, stop: func() error { return nil }}, nil
}
