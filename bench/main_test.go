package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/temporaltest"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/temporalclient"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// roleEnv makes the test binary a child of a benchmark instead of running tests.
const roleEnv = "ZWGK_BENCH_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "server":
		os.Exit(serveTemporal())
	case "worker":
		os.Exit(runWorker())
	}
	testenv.Main(m)
}

// serveTemporal runs an in-process Temporal server until stdin closes, after printing its
// address and namespace.
func serveTemporal() int {
	ts := temporaltest.NewServer()
	defer ts.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := temporalclient.EnsureSearchAttributes(ctx, ts.GetDefaultClient(), ts.GetDefaultNamespace()); err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		return 1
	}
	fmt.Printf("READY %s %s\n", ts.GetFrontendHostPort(), ts.GetDefaultNamespace())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// runWorker polls the task queue with the item workflow, the trivial sleeper and zwgk's
// activities until stdin closes, and prints the Go heap every second.
func runWorker() int {
	env := func(k string) string { return os.Getenv("ZWGK_BENCH_" + k) }
	if n, _ := strconv.Atoi(env("CACHE")); n > 0 {
		worker.SetStickyWorkflowCacheSize(n)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, env("DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 1
	}
	defer st.Close()
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	c, err := client.Dial(client.Options{HostPort: env("TEMPORAL"), Namespace: env("NAMESPACE"), Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 1
	}
	defer c.Close()
	tq := env("TASK_QUEUE")
	// The dispatcher's task queue is one no worker polls: the pokes of planned notices cost
	// what they cost in production, but no dispatch competes with the wakes measured here.
	acts := &activities.Activities{Store: st, Temporal: c, TaskQueue: tq + "-no-dispatcher"}
	w := worker.New(c, tq, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.ItemWorkflow, workflow.RegisterOptions{Name: workflows.ItemWorkflowName})
	w.RegisterWorkflowWithOptions(sleeper, workflow.RegisterOptions{Name: sleeperName})
	w.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
	if err := w.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 1
	}
	defer w.Stop()
	fmt.Println("READY")
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return 0
		case <-t.C:
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("MEM %d %d %d\n", ms.HeapInuse, ms.Sys, runtime.NumGoroutine())
		}
	}
}

const sleeperName = "BenchSleeper"

// sleeper is the trivial workflow whose wake-up rate the item workflows are held to: it sleeps
// on one timer and ends.
func sleeper(ctx workflow.Context, until time.Time) error {
	return workflow.Sleep(ctx, until.Sub(workflow.Now(ctx)))
}

// child is a process started from this test binary in another role.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ready []string // the words after READY

	mu      sync.Mutex
	heap    uint64 // last Go heap in use reported (workers only)
	sys     uint64
	goroutn int
}

func startChild(tb testing.TB, role string, env ...string) *child {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{roleEnv + "=" + role}, env...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin}
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) > 0 && f[0] == "READY":
				ready <- f[1:]
			case len(f) == 4 && f[0] == "MEM":
				h, _ := strconv.ParseUint(f[1], 10, 64)
				s, _ := strconv.ParseUint(f[2], 10, 64)
				g, _ := strconv.Atoi(f[3])
				c.mu.Lock()
				c.heap, c.sys, c.goroutn = h, s, g
				c.mu.Unlock()
			}
		}
	}()
	// Interrupted benchmarks must not leave a server behind.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; ok {
			_ = cmd.Process.Kill()
			os.Exit(2)
		}
	}()
	select {
	case c.ready = <-ready:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		tb.Fatalf("bench %s child did not start", role)
	}
	tb.Cleanup(c.stop)
	return c
}

func (c *child) stop() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// goHeap is the child's last reported Go heap in use and memory obtained from the OS.
func (c *child) goHeap() (inuse, sys uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.heap, c.sys
}

// memory is VmRSS and VmHWM (peak RSS) of a process, in bytes, from /proc.
func memory(pid int) (rss, hwm uint64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
