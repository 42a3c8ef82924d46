package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

var (
	flagItems = flag.Int("items", 10000, "item workflows of BenchmarkItemWorkflows (half monthly, half a past deadline)")
	flagCache = flag.Int("cache", 1000, "bounded sticky workflow cache size of BenchmarkItemWorkflows")
	flagLead  = flag.Duration("lead", 0, "time from the start of BenchmarkItemWorkflows to its month-end window (0: 2 minutes plus 40 ms an item)")
)

// shanghai is where send windows are set.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// BenchmarkItemWorkflows starts -items item workflows on the in-process Temporal server (a
// child process), half of them 每月更新 and half 11月底, a deadline that passed before the
// import, so that each goes overdue at once and sleeps until its ladder's first level at the
// next send window. The real month-end cannot be waited for (the server does not skip time), so
// the unit's send window is set a few minutes ahead: at that window every deadline item wakes on
// its timer, climbs to level 1, records the event, its state and notices in PostgreSQL and
// upserts its search attributes, which is the work of a month-end wake. The monthly items sleep
// on until their cycle's due point.
//
// The worker runs in its own child process so that /proc shows its memory alone: worker A with
// the SDK's default sticky cache (10,000) starts everything; worker B with -cache entries, fresh
// (every wake replays its history), takes the window; then as many trivial workflows sleeping on
// one timer are started and, after a fresh worker C with the same cache, wake at one instant.
//
//	go test -run '^$' -bench ItemWorkflows -benchtime 1x -timeout 3h ./bench -items 100000
func BenchmarkItemWorkflows(b *testing.B) {
	n := *flagItems
	if n < 2 || n%2 != 0 {
		b.Fatalf("-items %d: want an even number", n)
	}
	lead := *flagLead
	if lead == 0 {
		lead = 2*time.Minute + time.Duration(n)*40*time.Millisecond
	}
	ctx := context.Background()
	srv := startChild(b, "server")
	addr, ns := srv.ready[0], srv.ready[1]
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: ns, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	dbURL := testenv.DatabaseURL(b)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	for range b.N {
		tq := testenv.TaskQueue(b)
		window := time.Now().Add(lead).In(shanghai).Truncate(time.Minute).Add(time.Minute)
		day := calendar.DateOf(window)
		if !calendar.New(calendar.Official()...).IsWorkingDay(day) || calendar.DateOf(time.Now()) != day {
			b.Fatalf("the window %s is not later today on a working day in Asia/Shanghai: run on a working day before 23:00 there, or shorten -lead", window.Format(time.DateTime))
		}
		policy := fmt.Sprintf(`{"send_times":[%q]}`, window.Format("15:04"))

		var changes []store.ListChanges
		const perUnit = 10000
		importStart := time.Now()
		for u := 0; u*perUnit < n; u++ {
			unit, err := st.CreateUnit(ctx, fmt.Sprintf("基准测试局%d-%s", u+1, tq[len(tq)-6:]))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.CreateOffice(ctx, unit.ID, "办公室", nil); err != nil {
				b.Fatal(err)
			}
			if err := st.SetUnitPolicy(ctx, unit.ID, []byte(policy), store.Audit{Actor: "bench", Action: "unit.policy"}); err != nil {
				b.Fatal(err)
			}
			var csv strings.Builder
			csv.WriteString("序号,工作任务,责任科室,完成时限\n")
			for i := u * perUnit; i < min((u+1)*perUnit, n); i++ {
				rule := "每月更新"
				if i%2 == 1 {
					rule = "11月底"
				}
				fmt.Fprintf(&csv, "%d,第%d项公开任务,办公室,%s\n", i+1, i+1, rule)
			}
			dir, err := st.LoadDirectory(ctx, unit.ID)
			if err != nil {
				b.Fatal(err)
			}
			res := importer.Load("清单.csv", []byte(csv.String()), dir, importer.Options{Build: importer.BuildOptions{Year: day.Year}})
			if !res.OK() {
				b.Fatalf("import: %v", res.Errors[0])
			}
			committed, err := importer.Commit(ctx, st, res, importer.CommitOptions{BaseRevision: -1}, nil)
			if err != nil {
				b.Fatal(err)
			}
			changes = append(changes, committed.Changes)
		}
		b.Logf("imported %d items in %s; month-end window %s Asia/Shanghai", n, time.Since(importStart).Round(time.Second), window.Format(time.DateTime))

		workerEnv := func(cache int) []string {
			return []string{"ZWGK_BENCH_DB=" + dbURL, "ZWGK_BENCH_TEMPORAL=" + addr, "ZWGK_BENCH_NAMESPACE=" + ns,
				"ZWGK_BENCH_TASK_QUEUE=" + tq, fmt.Sprintf("ZWGK_BENCH_CACHE=%d", cache)}
		}

		// Worker A, default cache: start every item and wait until each recorded its state.
		wa := startChild(b, "worker", workerEnv(0)...)
		wc := &workflows.Client{Temporal: c, TaskQueue: tq}
		t0 := time.Now()
		for _, ch := range changes {
			if err := wc.Sync(ctx, ch); err != nil {
				b.Fatal(err)
			}
		}
		startsTook := time.Since(t0)
		waitFor(b, "item states", 10*time.Second+lead, func() (int, error) {
			m, err := st.MetricsCounts(ctx, time.Now(), time.Minute)
			var sum int64
			for _, v := range m.ItemsByStatus {
				sum += v
			}
			return int(sum), err
		}, n)
		firstTasksTook := time.Since(t0)
		time.Sleep(10 * time.Second) // let the worker go idle
		rssA, hwmA := memory(wa.cmd.Process.Pid)
		heapA, sysA := wa.goHeap()
		srvRSS, _ := memory(srv.cmd.Process.Pid)
		wa.stop()
		if time.Now().After(window.Add(-30 * time.Second)) {
			b.Fatalf("the starts ran into the window %s: give a longer -lead", window.Format(time.TimeOnly))
		}

		// Worker B, bounded cache, fresh: the window.
		wb := startChild(b, "worker", workerEnv(*flagCache)...)
		time.Sleep(time.Until(window))
		woke := waitFor(b, "escalated items", time.Hour, countWorkflows(ctx, c, fmt.Sprintf("WorkflowType = %q AND TaskQueue = %q AND ZwgkEscalationLevel = 1", workflows.ItemWorkflowName, tq)), n/2)
		monthEnd := woke.Sub(window)
		rssB, hwmB := memory(wb.cmd.Process.Pid)
		heapB, sysB := wb.goHeap()

		// Trivial sleepers, as many as woke at the window, started through worker B and woken
		// by a fresh worker C with the same cache, so that each wake replays as the items' did.
		nt := n / 2
		rate := float64(n) / firstTasksTook.Seconds()
		t1 := time.Now().Add(30*time.Second + time.Duration(float64(nt)/rate*float64(time.Second)))
		ids := make([]string, nt)
		for i := range ids {
			ids[i] = fmt.Sprintf("sleeper/%s/%d", tq, i)
		}
		if err := parallel(32, ids, func(id string) error {
			_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, sleeperName, t1)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		waitFor(b, "sleepers asleep", time.Hour, countWorkflows(ctx, c, fmt.Sprintf("WorkflowType = %q AND TaskQueue = %q", sleeperName, tq)), nt)
		time.Sleep(5 * time.Second) // their first tasks answered
		wb.stop()
		if time.Now().After(t1.Add(-5 * time.Second)) {
			b.Fatalf("the sleepers' starts ran into their wake-up")
		}
		wcW := startChild(b, "worker", workerEnv(*flagCache)...)
		time.Sleep(time.Until(t1))
		slept := waitFor(b, "sleepers done", time.Hour, countWorkflows(ctx, c, fmt.Sprintf("WorkflowType = %q AND TaskQueue = %q AND ExecutionStatus = 'Completed'", sleeperName, tq)), nt)
		trivial := slept.Sub(t1)
		_, hwmC := memory(wcW.cmd.Process.Pid)
		wcW.stop()

		itemRate := float64(n/2) / monthEnd.Seconds()
		trivialRate := float64(nt) / trivial.Seconds()
		fmt.Printf(`
BenchmarkItemWorkflows: %d item workflows (%d 每月更新, %d 11月底), %d trivial sleepers
  starts (client)                 %8.1f s   %7.0f /s
  starts and first tasks          %8.1f s   %7.0f /s
  worker A, default cache 10000   VmRSS %6.0f MB  VmHWM %6.0f MB  Go heap %5.0f MB  Go sys %5.0f MB
  server (child) after the starts VmRSS %6.0f MB
  month-end window: %d wakes       %8.1f s   %7.0f /s
  worker B, cache %-6d           VmRSS %6.0f MB  VmHWM %6.0f MB  Go heap %5.0f MB  Go sys %5.0f MB
  trivial timer wakes: %d        %8.1f s   %7.0f /s
  worker C, cache %-6d           VmHWM %6.0f MB
  month-end rate / trivial rate   %8.0f %%
`, n, n/2, n/2, nt,
			startsTook.Seconds(), float64(n)/startsTook.Seconds(),
			firstTasksTook.Seconds(), rate,
			mb(rssA), mb(hwmA), mb(heapA), mb(sysA), mb(srvRSS),
			n/2, monthEnd.Seconds(), itemRate,
			*flagCache, mb(rssB), mb(hwmB), mb(heapB), mb(sysB),
			nt, trivial.Seconds(), trivialRate,
			*flagCache, mb(hwmC), 100*itemRate/trivialRate)
		b.ReportMetric(rate, "item-starts/s")
		b.ReportMetric(mb(hwmA), "MB-HWM-default-cache")
		b.ReportMetric(mb(hwmB), "MB-HWM-bounded-cache")
		b.ReportMetric(itemRate, "month-end-wakes/s")
		b.ReportMetric(trivialRate, "trivial-wakes/s")
		b.ReportMetric(100*itemRate/trivialRate, "%-of-trivial")
	}
}

// countWorkflows counts executions by a visibility query.
func countWorkflows(ctx context.Context, c client.Client, query string) func() (int, error) {
	return func() (int, error) {
		r, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return 0, err
		}
		return int(r.GetCount()), nil
	}
}

// waitFor polls count every half second until it reaches want, and returns when it first saw it.
func waitFor(b *testing.B, what string, limit time.Duration, count func() (int, error), want int) time.Time {
	b.Helper()
	deadline := time.Now().Add(limit)
	last, lastLog := -1, time.Now()
	for {
		got, err := count()
		if err != nil {
			b.Fatalf("%s: %v", what, err)
		}
		if got >= want {
			return time.Now()
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d after %s", what, got, want, limit)
		}
		if got != last && time.Since(lastLog) > time.Minute {
			b.Logf("%s: %d of %d", what, got, want)
			last, lastLog = got, time.Now()
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// parallel runs fn for each id, at most n at a time.
func parallel(n int, ids []string, fn func(string) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, n)
	)
	for _, id := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(id); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
