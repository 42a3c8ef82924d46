package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// counts tallies what an item workflow asks of Temporal, to compute the history events and the
// billable actions of a run. The time-skipping environment runs a year in milliseconds but keeps
// no history, so the events are derived from the commands; TestEventModelMatchesServer checks
// the derivation against a history kept by the real server.
type counts struct {
	mu        sync.Mutex
	timers    int // timers started
	fired     int // timers that fired
	cancelled int // timers cancelled because a message came first
	markers   int // local activities (one MarkerRecorded each)
	upserts   int // search-attribute upserts
	updates   int // accepted updates
	continued int
}

// events is the history length of a run: started; three events per workflow task (the first,
// one per fired timer, one per update); each timer started and, unless still pending, fired or
// cancelled; one marker per local activity; one per upsert; accepted and completed per update;
// and the closing event if the run is over.
func (c *counts) events(closed bool) int {
	wakes := 1 + c.fired + c.updates
	n := 1 + 3*wakes + c.timers + c.fired + c.cancelled + c.markers + c.upserts + 2*c.updates
	if closed {
		n++
	}
	return n
}

// actions are what Temporal Cloud bills: the start, each timer, each local activity, each
// upsert, each update and each continue-as-new.
func (c *counts) actions() int {
	return 1 + c.timers + c.markers + c.upserts + c.updates + c.continued
}

type countingWorker struct {
	interceptor.WorkerInterceptorBase
	c *counts
	// skipReplay ignores workflow code re-run from history (a restarted worker, an evicted
	// cache), which issues no new commands.
	skipReplay bool
}

func (w *countingWorker) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	if workflow.GetInfo(ctx).WorkflowType.Name != workflows.ItemWorkflowName {
		return next
	}
	return &countingInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, w: w}
}

// add counts unless the code is replaying history and the worker was told to skip that.
func (w *countingWorker) add(ctx workflow.Context, f func(c *counts)) {
	if w.skipReplay && workflow.IsReplaying(ctx) {
		return
	}
	w.c.mu.Lock()
	f(w.c)
	w.c.mu.Unlock()
}

type countingInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	w *countingWorker
}

func (i *countingInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&countingOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, w: i.w})
}

func (i *countingInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	i.w.add(ctx, func(c *counts) { c.updates++ })
	return i.Next.ExecuteUpdate(ctx, in)
}

type countingOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	w        *countingWorker
	versions map[string]bool
}

func (o *countingOutbound) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	f := o.Next.NewTimer(ctx, d)
	o.w.add(ctx, func(c *counts) { c.timers++ })
	workflow.Go(ctx, func(gctx workflow.Context) {
		if err := f.Get(gctx, nil); err == nil {
			o.w.add(gctx, func(c *counts) { c.fired++ })
		} else if temporal.IsCanceledError(err) {
			o.w.add(gctx, func(c *counts) { c.cancelled++ })
		}
	})
	return f
}

// GetVersion records a marker the first time a run meets a change, and the SDK upserts the
// TemporalChangeVersion search attribute with it.
func (o *countingOutbound) GetVersion(ctx workflow.Context, changeID string, minV, maxV workflow.Version) workflow.Version {
	if o.versions == nil {
		o.versions = map[string]bool{}
	}
	if !o.versions[changeID] {
		o.versions[changeID] = true
		o.w.add(ctx, func(c *counts) { c.markers++; c.upserts++ })
	}
	return o.Next.GetVersion(ctx, changeID, minV, maxV)
}

func (o *countingOutbound) ExecuteLocalActivity(ctx workflow.Context, name string, args ...any) workflow.Future {
	o.w.add(ctx, func(c *counts) { c.markers++ })
	return o.Next.ExecuteLocalActivity(ctx, name, args...)
}

func (o *countingOutbound) UpsertTypedSearchAttributes(ctx workflow.Context, attrs ...temporal.SearchAttributeUpdate) error {
	o.w.add(ctx, func(c *counts) { c.upserts++ })
	return o.Next.UpsertTypedSearchAttributes(ctx, attrs...)
}

func (o *countingOutbound) NewContinueAsNewError(ctx workflow.Context, wfn any, args ...any) error {
	o.w.add(ctx, func(c *counts) { c.continued++ })
	return o.Next.NewContinueAsNewError(ctx, wfn, args...)
}

// scenario is a year of one item: its rule and what the office does.
type scenario struct {
	name  string
	rule  string
	drive func(r *run)
}

func completeEvery(r *run, days []time.Time) {
	for _, d := range days {
		r.update(d, workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "bench"}, "")
	}
}

// threeDaysBefore completes each cycle of a recurring rule three calendar days before its due.
func threeDaysBefore(r *run, rule string) {
	cs, err := schedule.Cycles(schedule.Parse(rule, 2024), 2024, calendar.New(calendar.Official()...))
	if err != nil {
		r.t.Fatal(err)
	}
	var days []time.Time
	for _, c := range cs {
		if d := c.Due.AddDate(0, 0, -3); d.After(r.start) {
			days = append(days, d)
		}
	}
	completeEvery(r, days)
}

var scenarios = []scenario{
	{"deadline/on-time", "6月底", func(r *run) { completeEvery(r, []time.Time{at(2024, 6, 20, 10, 0)}) }},
	{"deadline/late-10wd", "4月底", func(r *run) { completeEvery(r, []time.Time{at(2024, 5, 17, 10, 0)}) }},
	{"window", "8月至12月", func(r *run) { completeEvery(r, []time.Time{at(2024, 11, 5, 10, 0)}) }},
	{"recurring/month", "每月更新", func(r *run) { threeDaysBefore(r, "每月更新") }},
	{"recurring/quarter", "季度更新", func(r *run) { threeDaysBefore(r, "季度更新") }},
	{"recurring/year", "年度更新", func(r *run) { threeDaysBefore(r, "年度更新") }},
	{"ongoing", "常态化", func(r *run) { threeDaysBefore(r, "常态化") }},
	{"quota/2-a-week", "每周更新不少于2次", func(r *run) {
		cs, _ := schedule.Cycles(schedule.Parse("每周更新不少于2次", 2024), 2024, calendar.New(calendar.Official()...))
		for _, c := range cs {
			first := c.Start.Add(33 * time.Hour) // Tuesday 09:00 and Thursday 09:00
			if c.Due.After(r.start) && first.After(r.start) {
				completeEvery(r, []time.Time{first, c.Start.Add(81 * time.Hour)})
			}
		}
	}},
	{"timely/12-events", "及时更新", func(r *run) {
		for m := time.January; m <= time.December; m++ {
			ev := at(2024, m, 10, 15, 0)
			r.update(ev.Add(time.Hour), workflows.UpdateRecordEvent, workflows.Event{At: ev, Title: "文件印发", By: "bench"}, "")
			r.update(ev.AddDate(0, 0, 7), workflows.UpdateComplete, workflows.Completion{Cycle: fmt.Sprintf("E%d", m), EvidenceURL: evidence, By: "bench"}, "")
		}
	}},
	{"maxgap/2-weeks", "至少2周内更新一次", func(r *run) {
		var days []time.Time
		for d := at(2024, 1, 10, 10, 0); d.Year() == 2024; d = d.AddDate(0, 0, 10) {
			days = append(days, d)
		}
		completeEvery(r, days)
	}},
}

// BenchmarkItemYear runs each rule kind through 2024 (with its holidays and make-up days) as an
// office that does its work, and reports the history events and Temporal actions of that
// item-year. There is no polling: events grow with cycles and messages, not with time.
//
// A completion before the due costs nine events: its workflow task (3), the update accepted and
// completed (2), the sync's marker (1), the upsert of the next due (1), and the old due's timer
// cancelled and the new one's started (2). A monthly year is the start (10), twelve of those
// and the close of the year (timer fired, its task, the end: 5), 123.
//
//	go test -run '^$' -bench ItemYear ./workflows
func BenchmarkItemYear(b *testing.B) {
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			var c *counts
			for range b.N {
				c = &counts{}
				r := newRun(b, itemDef(b, sc.rule, 2024), at(2024, 1, 1, 8, 0))
				r.env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&countingWorker{c: c}}})
				sc.drive(r)
				r.exec(workflows.ItemInput{})
				if err := r.env.GetWorkflowError(); err != nil {
					b.Fatalf("%s: %v", sc.name, err)
				}
			}
			b.ReportMetric(float64(c.events(true)), "events/item-year")
			b.ReportMetric(float64(c.actions()), "actions/item-year")
			b.ReportMetric(float64(c.fired+c.updates+1), "wakes/item-year")
		})
	}
}

func bare(ctx workflow.Context) error { return nil }

// BenchmarkStartFromImport measures how fast an import starts its item workflows against how
// fast the same in-process server accepts bare starts of an empty workflow, with the same
// concurrency and start options, in the same run. No worker polls during either phase, so both
// measure the start path alone. The 10,000 starts of each kind run in alternating rounds of
// 1,000, so that the server's growing database and other load on the machine weigh on both
// alike.
//
//	go test -run '^$' -bench StartFromImport -benchtime 1x ./workflows
func BenchmarkStartFromImport(b *testing.B) {
	const n, round = 10000, 1000
	ctx := context.Background()
	st := testenv.Store(b)
	c := testenv.Temporal(b)
	for range b.N {
		tq := testenv.TaskQueue(b)
		wc := &workflows.Client{Temporal: c, TaskQueue: tq}

		unit, err := st.CreateUnit(ctx, "基准测试局"+tq[len(tq)-6:])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.CreateOffice(ctx, unit.ID, "办公室", nil); err != nil {
			b.Fatal(err)
		}
		var csv strings.Builder
		csv.WriteString("序号,工作任务,责任科室,完成时限\n")
		for i := range n {
			fmt.Fprintf(&csv, "%d,第%d项公开任务,办公室,%d月底\n", i+1, i+1, i%12+1)
		}
		dir, err := st.LoadDirectory(ctx, unit.ID)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res := importer.Load("万项清单.csv", []byte(csv.String()), dir, importer.Options{Build: importer.BuildOptions{Year: 2030}})
		if !res.OK() {
			b.Fatalf("import: %v", res.Errors[0])
		}
		committed, err := importer.Commit(ctx, st, res, importer.CommitOptions{BaseRevision: -1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		importTook := time.Since(start)
		added := committed.Changes.Added
		if len(added) != n {
			b.Fatalf("%d items added", len(added))
		}

		bareRefs := make([]store.ItemRef, n)
		for i := range bareRefs {
			bareRefs[i] = store.ItemRef{ID: int64(i + 1), WorkflowID: fmt.Sprintf("bare/%s/%d", tq, i)}
		}
		startBare := func(refs []store.ItemRef) error {
			return eachParallel(ctx, wc.Parallel, refs, func(ctx context.Context, ref store.ItemRef) error {
				_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
					ID: ref.WorkflowID, TaskQueue: tq,
					WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
					WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
				}, bare)
				return err
			})
		}
		startItems := func(refs []store.ItemRef) error {
			ch := committed.Changes
			ch.Added, ch.Changed, ch.Removed = refs, nil, nil
			return wc.Sync(ctx, ch)
		}
		var bareTook, itemTook time.Duration
		timed := func(d *time.Duration, f func([]store.ItemRef) error, refs []store.ItemRef) {
			t0 := time.Now()
			if err := f(refs); err != nil {
				b.Fatal(err)
			}
			*d += time.Since(t0)
		}
		for r := 0; r*round < n; r++ {
			lo, hi := r*round, min((r+1)*round, n)
			if r%2 == 0 {
				timed(&bareTook, startBare, bareRefs[lo:hi])
				timed(&itemTook, startItems, added[lo:hi])
			} else {
				timed(&itemTook, startItems, added[lo:hi])
				timed(&bareTook, startBare, bareRefs[lo:hi])
			}
		}
		bareRate := n / bareTook.Seconds()
		itemRate := n / itemTook.Seconds()
		b.ReportMetric(bareRate, "bare-starts/s")
		b.ReportMetric(itemRate, "item-starts/s")
		b.ReportMetric(100*itemRate/bareRate, "%-of-bare")
		b.ReportMetric(importTook.Seconds(), "import-commit-s")
	}
}

func eachParallel(ctx context.Context, parallel int, refs []store.ItemRef, fn func(context.Context, store.ItemRef) error) error {
	if parallel <= 0 {
		parallel = 32
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, parallel)
	)
	for _, r := range refs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, r); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
