package bench

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

var (
	flagPeakItems      = flag.Int("peak-items", 50000, "items due on the peak day of BenchmarkPeakDay")
	flagPeakRecipients = flag.Int("peak-recipients", 2000, "office contacts of BenchmarkPeakDay, one office each")
	flagPeakUnits      = flag.Int("peak-units", 100, "units of BenchmarkPeakDay")
)

// activityClock records when the Dispatch activity was scheduled, started and ended.
type activityClock struct {
	interceptor.WorkerInterceptorBase
	mu                        sync.Mutex
	scheduled, started, ended time.Time
}

func (c *activityClock) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityTimer{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, c: c}
}

type activityTimer struct {
	interceptor.ActivityInboundInterceptorBase
	c *activityClock
}

func (t *activityTimer) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	if info.ActivityType.Name != "Dispatch" {
		return t.Next.ExecuteActivity(ctx, in)
	}
	t.c.mu.Lock()
	if t.c.started.IsZero() {
		t.c.scheduled, t.c.started = info.ScheduledTime, time.Now()
	}
	t.c.mu.Unlock()
	res, err := t.Next.ExecuteActivity(ctx, in)
	t.c.mu.Lock()
	t.c.ended = time.Now()
	t.c.mu.Unlock()
	return res, err
}

// BenchmarkPeakDay is the busiest morning: -peak-items items due on one day across
// -peak-recipients office contacts in -peak-units units, each item with its due-day notice at
// one send window. It measures, on the in-process Temporal server with the real worker and a
// loopback SMTP server, the time from the window opening to the last digest accepted, and checks
// that every contact got exactly one message. Then it plans the same notices again and runs the
// dispatch's steps one by one outside Temporal, to show where one dispatcher's time goes.
//
//	go test -run '^$' -bench PeakDay -benchtime 1x -timeout 1h ./bench
func BenchmarkPeakDay(b *testing.B) {
	nItems, nPeople, nUnits := *flagPeakItems, *flagPeakRecipients, *flagPeakUnits
	if nPeople%nUnits != 0 || nItems%nPeople != 0 {
		b.Fatalf("want recipients a multiple of units and items a multiple of recipients")
	}
	ctx := context.Background()
	st := testenv.Store(b)
	c := testenv.Temporal(b)
	smtp := smtptest.Start(b, smtptest.Options{TLS: "none"})
	const sendParallel = 8 // as zwgk worker
	d := fixtures.Deliverer(b, ctx, st, smtp, "peak-day-bench-secret-0123456789abcdef", sendParallel)

	// The directory and the lists: per unit, offices with one contact each and the unit's
	// share of the items, spread evenly over its offices.
	setup := time.Now()
	perUnit, officesPerUnit := nItems/nUnits, nPeople/nUnits
	var refs []store.ItemRef
	for u := range nUnits {
		unit, err := st.CreateUnit(ctx, fmt.Sprintf("高峰测试局%03d", u+1))
		if err != nil {
			b.Fatal(err)
		}
		for o := range officesPerUnit {
			office, err := st.CreateOffice(ctx, unit.ID, fmt.Sprintf("第%02d科", o+1), nil)
			if err != nil {
				b.Fatal(err)
			}
			id, _, err := st.UpsertPerson(ctx, store.Person{Name: fmt.Sprintf("联络人%03d-%02d", u+1, o+1),
				Email: fmt.Sprintf("c%03d-%02d@example.gov.cn", u+1, o+1), Channels: []string{"email"}, Active: true})
			if err != nil {
				b.Fatal(err)
			}
			if err := st.AttachOfficePerson(ctx, office.ID, id, "contact"); err != nil {
				b.Fatal(err)
			}
		}
		var csv strings.Builder
		csv.WriteString("序号,工作任务,责任科室,完成时限\n")
		for i := range perUnit {
			fmt.Fprintf(&csv, "%d,第%d项公开任务,第%02d科,12月底\n", i+1, i+1, i%officesPerUnit+1)
		}
		dir, err := st.LoadDirectory(ctx, unit.ID)
		if err != nil {
			b.Fatal(err)
		}
		res := importer.Load("清单.csv", []byte(csv.String()), dir, importer.Options{Build: importer.BuildOptions{Year: 2026}})
		if !res.OK() {
			b.Fatalf("import: %v", res.Errors[0])
		}
		committed, err := importer.Commit(ctx, st, res, importer.CommitOptions{BaseRevision: -1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		refs = append(refs, committed.Changes.Added...)
	}
	b.Logf("directory and %d items in %s", len(refs), time.Since(setup).Round(time.Second))

	// plan writes each item's due-day notice at window, as its workflow would, 8 at a time.
	var seq int64
	plan := func(cycle string, window time.Time) {
		b.Helper()
		seq++
		due := calendar.DateOf(window).End()
		ids := make([]string, len(refs))
		byWF := map[string]store.ItemRef{}
		for i, r := range refs {
			ids[i] = r.WorkflowID
			byWF[r.WorkflowID] = r
		}
		if err := parallel(8, ids, func(wf string) error {
			r := byWF[wf]
			_, err := st.SyncItem(ctx, store.ItemSync{WorkflowID: r.WorkflowID, ItemID: r.ID, Seq: seq,
				State:  store.ItemStateRow{Status: "upcoming", CycleKey: cycle, DueAt: due},
				Cycles: []store.CycleRow{{Key: cycle, Start: calendar.DateOf(window).Start(), Due: due, OriginalDue: due, Status: "open", Required: 1}},
				Plans:  []store.CyclePlan{{CycleKey: cycle, Due: due, Notices: []store.NoticePlan{{Kind: "due", Target: "contact", At: window}}}},
			})
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}

	for range b.N {
		// The window opens once the notices are planned and the worker polls.
		planStart := time.Now()
		window := planStart.Add(30*time.Second + time.Duration(nItems)*6*time.Millisecond).Truncate(time.Second)
		plan("D1", window)
		planTook := time.Since(planStart)
		if time.Now().After(window.Add(-5 * time.Second)) {
			b.Fatalf("planning took %s and ran into the window", planTook)
		}

		tq := testenv.TaskQueue(b)
		clock := &activityClock{}
		acts := &activities.Activities{Store: st, Temporal: c, TaskQueue: tq, Deliverer: d, SendParallel: sendParallel}
		w := worker.New(c, tq, worker.Options{Interceptors: []interceptor.WorkerInterceptor{clock}})
		workflows.Register(w, acts)
		if err := w.Start(); err != nil {
			b.Fatal(err)
		}
		wc := &workflows.Client{Temporal: c, TaskQueue: tq}
		if err := wc.EnsureDispatcher(ctx); err != nil {
			b.Fatal(err)
		}
		first, last := awaitMessages(b, smtp, nPeople, window.Add(30*time.Minute))
		for time.Now().Before(window.Add(30 * time.Minute)) {
			clock.mu.Lock()
			done := !clock.ended.IsZero()
			clock.mu.Unlock()
			if done {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		w.Stop()
		perRcpt := map[string]int{}
		for _, m := range smtp.Messages() {
			for _, to := range m.To {
				perRcpt[to]++
			}
		}
		if len(perRcpt) != nPeople {
			b.Fatalf("%d recipients got mail, want %d", len(perRcpt), nPeople)
		}
		for to, k := range perRcpt {
			if k != 1 {
				b.Fatalf("%s got %d messages", to, k)
			}
		}
		m, err := st.MetricsCounts(ctx, time.Now(), time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if m.NoticesSent != int64(nItems) || m.NoticesPending != 0 {
			b.Fatalf("after the window: %d sent, %d pending", m.NoticesSent, m.NoticesPending)
		}

		// The same window's work step by step, outside Temporal: new notices for the next day's
		// window, claimed, read and resolved as Dispatch does, then Dispatch itself on the claim.
		window2 := time.Now().Truncate(time.Second)
		if !window2.After(window) {
			// a small run is done within the window's second: the same instant would be the
			// same window, whose digests are already delivered (notify.WindowKey)
			window2 = window.Add(time.Second)
		}
		plan("D2", window2)
		before := smtp.Count()
		t := time.Now()
		if _, err := st.ClaimNotices(ctx, "direct/1", window2); err != nil {
			b.Fatal(err)
		}
		claimTook := time.Since(t)
		t = time.Now()
		claimed, err := st.ClaimedNotices(ctx, "direct/1")
		if err != nil || len(claimed) != nItems {
			b.Fatalf("claimed %d, %v", len(claimed), err)
		}
		readTook := time.Since(t)
		t = time.Now()
		for _, n := range claimed {
			if _, err := st.RecipientsFor(ctx, n.ItemID, n.Target, n.Level); err != nil {
				b.Fatal(err)
			}
		}
		resolveTook := time.Since(t)
		t = time.Now()
		res, err := acts.Dispatch(ctx, activities.DispatchRequest{Key: "direct/1", Cutoff: window2})
		if err != nil {
			b.Fatal(err)
		}
		directTook := time.Since(t)
		if res.Messages != nPeople || smtp.Count()-before != nPeople {
			b.Fatalf("direct dispatch: %+v, %d messages", res, smtp.Count()-before)
		}

		total := last.Sub(window)
		fmt.Printf(`
BenchmarkPeakDay: %d items due, %d recipients (one office contact each), %d units, email, %d sends at a time
  notices planned (%d SyncItem)         %8.1f s
  window → Dispatch activity scheduled   %8.1f s
  scheduled → started                    %8.1f s
  started → first digest accepted        %8.1f s   (claim, read, resolve, settings, plan, first render)
  first → last digest accepted           %8.1f s   %6.0f digests/s (render, delivery log, SMTP)
  last digest → activity done            %8.1f s   (notices settled)
  window → last digest accepted          %8.1f s   %d messages, one per recipient
 outside Temporal, the same amount again:
  ClaimNotices                           %8.2f s
  ClaimedNotices                         %8.2f s
  RecipientsFor × %d                  %8.2f s
  Dispatch on the claimed set            %8.1f s
`, nItems, nPeople, nUnits, sendParallel, nItems, planTook.Seconds(),
			clock.scheduled.Sub(window).Seconds(), clock.started.Sub(clock.scheduled).Seconds(),
			first.Sub(clock.started).Seconds(), last.Sub(first).Seconds(), float64(nPeople-1)/last.Sub(first).Seconds(),
			clock.ended.Sub(last).Seconds(), total.Seconds(), nPeople,
			claimTook.Seconds(), readTook.Seconds(), nItems, resolveTook.Seconds(), directTook.Seconds())
		b.ReportMetric(total.Seconds(), "s-window-to-last-digest")
		b.ReportMetric(float64(nPeople)/last.Sub(first).Seconds(), "digests/s")
	}
}

// awaitMessages waits until the server accepted want messages and returns when the first and
// the last were accepted.
func awaitMessages(b *testing.B, s *smtptest.Server, want int, deadline time.Time) (first, last time.Time) {
	b.Helper()
	for got := s.Count(); got < want; {
		select {
		case <-s.Accepted():
			got = s.Count()
			if first.IsZero() {
				first = time.Now()
			}
			last = time.Now()
		case <-time.After(time.Until(deadline)):
			b.Fatalf("%d of %d messages by %s", s.Count(), want, deadline.Format(time.TimeOnly))
		}
	}
	return first, last
}
