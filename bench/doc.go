// Package bench holds the scale benchmarks of issue 15, run with go test against the
// in-process Temporal server, PostgreSQL and a loopback SMTP server (see docs/performance.md):
//
//	go test -run '^$' -bench ItemWorkflows -benchtime 1x -timeout 3h ./bench -items 100000
//	go test -run '^$' -bench PeakDay -benchtime 1x -timeout 1h ./bench
//
// The item workflow benchmark runs the Temporal server and the worker in child processes (the
// test binary started again in another role), so that the worker's memory read from /proc is
// its own and not the server's.
package bench
