package faults

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// The mail server answers 451 to every message for 30 minutes (a full queue, a greylisting
// relay, an antivirus update), then accepts. Nothing may be lost to the outage and nothing
// sent twice: the dispatch activity fails transiently and is retried on its policy (5 s doubling
// to 5 minutes) until the server takes the messages.
//
// The 30 minutes are not slept: the real DispatchWorkflow runs in the SDK's time-skipping test
// environment, whose clock jumps over the retry backoffs, and that clock is the one the
// deliverer stamps attempts with and the SMTP server decides by. The activities, PostgreSQL and
// the SMTP conversations are real.
func TestSMTPRefusesForThirtyMinutes(t *testing.T) {
	const (
		recipients = 1000
		outage     = 30 * time.Minute
	)
	ctx := context.Background()
	st := testenv.Store(t)
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(nopSDKLogger{})
	env := suite.NewTestWorkflowEnvironment()
	start := time.Now().Truncate(time.Second)
	env.SetStartTime(start)
	// an activity attempt of hundreds of SMTP conversations takes real seconds; the default
	// idle limit of the environment (3 s of wall clock) is for workflows that hang
	env.SetTestTimeout(3 * time.Minute)
	window := start.Add(time.Minute)
	until := window.Add(outage)

	mb := newMailbox(t, 0, env.Now, func() bool { return env.Now().Before(until) })
	emails, items := fixtures.OfficeList(t, ctx, st, "故障测试", recipients)
	fixtures.PlanReminders(t, ctx, st, items, window)
	d := newDeliverer(t, ctx, st, mb)
	d.Now = env.Now
	acts := &activities.Activities{Store: st, TaskQueue: "faults", Logger: quietLogger(), Deliverer: d, SendParallel: 8}
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&unlimitedRetries{}}})
	env.RegisterWorkflowWithOptions(workflows.DispatchWorkflow, workflow.RegisterOptions{Name: workflows.DispatchWorkflowName})
	env.RegisterActivity(acts)
	var dispatches atomic.Int32
	var firstDispatch, lastDispatch atomic.Int64
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "Dispatch" {
			dispatches.Add(1)
			at := env.Now().UnixNano()
			firstDispatch.CompareAndSwap(0, at)
			lastDispatch.Store(at)
		}
	})
	// the dispatcher never ends by itself (it ignores cancellation: it is terminated, if ever):
	// its run ends well after the outage
	env.SetWorkflowRunTimeout(window.Sub(start) + outage + 30*time.Minute)
	began := time.Now()
	env.ExecuteWorkflow(workflows.DispatchWorkflowName, workflows.DispatchInput{})
	took := time.Since(began)
	if !env.IsWorkflowCompleted() {
		t.Fatal("the dispatcher did not run to the cancellation")
	}
	if err := env.GetWorkflowError(); !temporal.IsTimeoutError(err) {
		t.Errorf("the dispatcher ended with %v, want the end of its run", err)
	}

	if !settled(t, ctx, st) {
		t.Error("notices are still pending or claimed after the outage")
	}
	r := count(t, ctx, st, mb, emails)
	if r.rawDuplicates != 0 {
		t.Errorf("%d extra copies: a refused message is never accepted, so nothing may go out twice", r.rawDuplicates)
	}
	var failed, sent int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = $1), count(*) FILTER (WHERE status = $2) FROM delivery_attempts`,
		store.AttemptFailed, store.AttemptSent).Scan(&failed, &sent); err != nil {
		t.Fatal(err)
	}
	if sent != recipients {
		t.Errorf("%d attempts sent, want %d", sent, recipients)
	}
	first := time.Unix(0, firstDispatch.Load())
	last := time.Unix(0, lastDispatch.Load())
	if first.Before(window) || last.Before(until) {
		t.Errorf("dispatch attempts from %s to %s, want them to start at the window (%s) and outlast the outage (%s)",
			first.Sub(start), last.Sub(start), window.Sub(start), until.Sub(start))
	}
	t.Logf("SMTP refused every message for %s: %d dispatch attempts from the window to %s after it (the retry policy's "+
		"backoff, on the test clock), %d messages refused with 451, %d attempts failed transiently, then %d accepted; "+
		"the last recipient's message came %s after the outage ended (test clock); %s of wall clock for the whole run; "+
		"messages lost %d, recipients with two different messages %d, extra copies %d",
		outage, dispatches.Load(), last.Sub(window).Round(time.Second), mb.refused.Load(), failed, sent,
		mb.Last().Sub(until).Round(time.Second), took.Round(time.Millisecond), r.lost, r.twice, r.rawDuplicates)
}

// unlimitedRetries gives the test environment the server's meaning of a retry policy without
// MaximumAttempts: unlimited. The environment caps such policies at 10 attempts for unit tests,
// which a 30-minute outage at the dispatcher's backoff (5 s doubling to 5 minutes) outlasts; the
// policy is otherwise the workflow's own.
type unlimitedRetries struct {
	interceptor.WorkerInterceptorBase
}

func (*unlimitedRetries) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &retryInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type retryInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (i *retryInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&retryOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}})
}

type retryOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
}

func (o *retryOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	if p := workflow.GetActivityOptions(ctx).RetryPolicy; p != nil && p.MaximumAttempts == 0 {
		unlimited := *p
		unlimited.MaximumAttempts = math.MaxInt32
		ctx = workflow.WithRetryPolicy(ctx, unlimited)
	}
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}
