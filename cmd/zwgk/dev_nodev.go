//go:build nodev

package main

import (
	"context"
	"errors"
)

// errNoDev is what `zwgk dev` says in a production build: the embedded Temporal server and
// the dev stack are left out of it (deploy/Dockerfile builds with -tags nodev), so that the
// image does not ship a Temporal server that production never runs.
var errNoDev = errors.New(`此程序是生产构建（-tags nodev），不含内嵌的 Temporal 服务器，不能运行 zwgk dev。
开发环境请用完整构建：在源码目录运行 go run ./cmd/zwgk dev，或 go build ./cmd/zwgk（不加 -tags nodev）。
this is a production build (-tags nodev) without the embedded Temporal server, so it cannot run zwgk dev;
for a dev build run go run ./cmd/zwgk dev in the source tree, or go build ./cmd/zwgk without -tags nodev`)

func init() {
	register(&command{
		name:    "dev",
		summary: "not in this build: production builds (-tags nodev) leave out the embedded Temporal server",
		usage: `
Build without -tags nodev (go run ./cmd/zwgk dev) for the all-in-one dev stack.`,
		run: func(context.Context, *env, []string) error { return errNoDev },
	})
}
