package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/devstack"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// countingClient counts the workflow starts the server answered, to cut the import in the middle.
type countingClient struct {
	client.Client
	started atomic.Int64
}

func (c *countingClient) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	run, err := c.Client.ExecuteWorkflow(ctx, o, wf, args...)
	if err == nil {
		c.started.Add(1)
	}
	return run, err
}

// The embedded Temporal server stops while an import of 1,000 items starts their workflows and
// comes back on the same port with the same SQLite file. Starts in flight are lost or succeed
// without their answer. The SDK client retries a start for up to a minute, so a short outage
// is absorbed; an import that gives up meanwhile (Ctrl-C, a web request's deadline) says to run
// it again, which passes the pending changes again (importer.Resync). Either way every item's
// workflow must have started exactly once: one run per workflow id, running, as the restarted
// server lists them.
func TestTemporalRestartMidImport(t *testing.T) {
	if os.Getenv(faultChild) == "" {
		inChild(t, "^TestTemporalRestartMidImport$")
		return
	}
	t.Run("import runs on through the outage", func(t *testing.T) { restartMidImport(t, false) })
	t.Run("import given up during the outage", func(t *testing.T) { restartMidImport(t, true) })
}

// faultChild marks the copy of the test binary that runs a restart test.
const faultChild = "ZWGK_FAULT_CHILD"

// inChild runs the test in a copy of the test binary. A Temporal server stopped or restarted
// while one of its services is still joining the membership ring ends its whole process with a
// log.Fatal inside the server (ringpop: "failed to start ringpop … context canceled"), which
// no test can catch: in a child it is seen, and the run is tried again, up to three times (on
// two cores it has hit two runs in a row). Any other failure, and a third ringpop exit, fail the
// test. The child's figures are logged here.
func inChild(t *testing.T, run string) {
	for attempt := 1; ; attempt++ {
		cmd := exec.Command(os.Args[0], "-test.run", run, "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), faultChild+"=1")
		out, err := cmd.CombinedOutput()
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "_test.go:") {
				t.Log(strings.TrimSpace(l))
			}
		}
		switch {
		case err == nil:
			return
		case attempt < 3 && strings.Contains(string(out), "failed to start ringpop"):
			t.Logf("attempt %d: the Temporal server ended its process while a service was joining its ring (ringpop); running again", attempt)
		default:
			t.Fatalf("attempt %d: %v\n%s", attempt, err, out)
		}
	}
}

// settleTime is how long a restarted server is left running before it is stopped: past the
// membership join's limit (devstack's MaxJoinDuration, 30 s), so that no service is still joining.
const settleTime = 35 * time.Second

func restartMidImport(t *testing.T, giveUp bool) {
	const (
		items    = 1000
		stopAt   = items * 3 / 10
		downtime = 3 * time.Second
		ns       = "zwgk-faults"
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := testenv.Store(t)
	dataDir := t.TempDir()
	srv, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{DataDir: dataDir, Namespace: ns, LogLevel: "fatal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	_, portText, _ := net.SplitHostPort(srv.HostPort)
	port, _ := strconv.Atoi(portText)
	c, err := client.Dial(client.Options{HostPort: srv.HostPort, Namespace: ns, Logger: nopSDKLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// No worker polls: the claim is about starts, which the server alone accepts and
	// de-duplicates, and 1,000 item workflows running on the embedded SQLite server would take
	// minutes of this machine's two cores without telling more about them.
	tq := testenv.TaskQueue(t)

	// the list as an admin uploads it: 1,000 rows over ten offices
	year := calendar.DateOf(time.Now()).Year + 1
	unit, err := st.CreateUnit(ctx, "故障测试县文旅局")
	if err != nil {
		t.Fatal(err)
	}
	var offices []string
	for i := range 10 {
		name := fmt.Sprintf("第%d股", i+1)
		if _, err := st.CreateOffice(ctx, unit.ID, name, nil); err != nil {
			t.Fatal(err)
		}
		offices = append(offices, name)
	}
	dir, err := st.LoadDirectory(ctx, unit.ID)
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("序号,工作任务,责任科室,完成时限\n")
	for i := range items {
		fmt.Fprintf(&csv, "%d,第%d项 政府信息主动公开,%s,6月底前\n", i+1, i+1, offices[i%len(offices)])
	}
	res := importer.Load("故障测试清单.csv", []byte(csv.String()), dir, importer.Options{
		Read: importer.ReadOptions{Year: year}, Build: importer.BuildOptions{Year: year}})
	if !res.OK() || len(res.Items) != items {
		t.Fatalf("the list reads as %d items with errors %v", len(res.Items), res.Errors)
	}

	counting := &countingClient{Client: c}
	syncer := &workflows.Client{Temporal: counting, TaskQueue: tq}
	type restart struct {
		stoppedAt, upAt time.Time
		startedBefore   int64
		err             error
	}
	restarted := make(chan restart, 1)
	commitCtx, giveUpNow := context.WithCancel(ctx)
	defer giveUpNow()
	go func() {
		var r restart
		defer func() { restarted <- r }()
		for counting.started.Load() < stopAt {
			if ctx.Err() != nil {
				r.err = ctx.Err()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		r.startedBefore, r.stoppedAt = counting.started.Load(), time.Now()
		if r.err = srv.Stop(); r.err != nil {
			return
		}
		if giveUp {
			giveUpNow()
		}
		time.Sleep(downtime) // the outage itself
		if srv, r.err = devstack.StartTemporal(ctx, devstack.TemporalOptions{DataDir: dataDir, Port: port, Namespace: ns, LogLevel: "fatal"}); r.err != nil {
			return
		}
		r.upAt = time.Now()
	}()
	began := time.Now()
	cm, commitErr := importer.Commit(commitCtx, st, res, importer.CommitOptions{ImportedBy: "fault test", BaseRevision: -1}, syncer)
	if cm == nil {
		t.Fatalf("the import committed nothing: %v", commitErr)
	}
	r := <-restarted
	if r.err != nil {
		t.Fatalf("restarting Temporal: %v", r.err)
	}
	// The restarted server's services join their membership ring in the background, against
	// the rows its previous run left; stopped before a service has joined, the server ends the
	// whole test binary (ringpop: "exhausted all retries: context canceled", a log.Fatal). Give
	// them the join's time before the cleanup stops it. Registered after srv's Stop, so it runs
	// first.
	upAt := r.upAt
	t.Cleanup(func() {
		if d := settleTime - time.Since(upAt); d > 0 {
			time.Sleep(d)
		}
	})
	failedStarts := 0
	if commitErr != nil {
		failedStarts = strings.Count(commitErr.Error(), "start zwgk/")
	}
	returned := time.Since(began)
	if giveUp && commitErr == nil {
		t.Fatal("the import gave up during the outage but reported no failed start")
	}
	t.Logf("import of %d items: Temporal stopped after %d starts (%s into the import), down %s, back on port %d after %s; "+
		"the import returned after %s with %d starts failed (%v)",
		items, r.startedBefore, r.stoppedAt.Sub(began).Round(time.Millisecond), downtime, port,
		r.upAt.Sub(r.stoppedAt).Round(time.Millisecond), returned.Round(time.Millisecond), failedStarts, firstLine(commitErr))

	// what the import's error says to do: run it again, which passes the pending changes again
	again := 0
	for commitErr != nil {
		again++
		if again > 20 {
			t.Fatalf("the import still fails after %d runs: %v", again, commitErr)
		}
		_, commitErr = importer.Resync(ctx, st, unit.ID, year, syncer)
		if commitErr != nil {
			time.Sleep(time.Second)
		}
	}
	resynced := time.Now()

	// one run per workflow id, as the server's visibility store lists them
	var runs map[string]int
	var notRunning int
	waitFor(t, "the server to list every item workflow", time.Minute, func() bool {
		runs, notRunning = map[string]int{}, 0
		var token []byte
		for {
			page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns,
				Query: "WorkflowType = '" + workflows.ItemWorkflowName + "'", PageSize: 1000, NextPageToken: token})
			if err != nil {
				t.Logf("list workflows: %v", err)
				return false
			}
			for _, e := range page.Executions {
				runs[e.Execution.WorkflowId]++
				if e.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					notRunning++
				}
			}
			if token = page.NextPageToken; len(token) == 0 {
				break
			}
		}
		return len(runs) >= items
	})
	twice := 0
	for id, n := range runs {
		if n != 1 {
			twice++
			if twice <= 5 {
				t.Errorf("workflow %s has %d runs", id, n)
			}
		}
	}
	listed := time.Now()
	if len(runs) != items || twice > 0 || notRunning > 0 {
		t.Errorf("%d item workflows listed (want %d), %d started more than once, %d not running", len(runs), items, twice, notRunning)
	}
	t.Logf("recovered: the import was run again %d times, done %s after Temporal was back, every workflow listed %s after it; "+
		"%d item workflows, %d started more than once, %d not running, %d items without a workflow",
		again, resynced.Sub(r.upAt).Round(time.Millisecond), listed.Sub(r.upAt).Round(time.Millisecond),
		len(runs), twice, notRunning, items-len(runs))
}

func firstLine(err error) string {
	if err == nil {
		return "no error"
	}
	s, more, _ := strings.Cut(err.Error(), "\n")
	if more != "" {
		s += " …"
	}
	return s
}

// nopSDKLogger keeps the client's reconnection warnings during the outage out of the output.
type nopSDKLogger struct{}

func (nopSDKLogger) Debug(string, ...any) {}
func (nopSDKLogger) Info(string, ...any)  {}
func (nopSDKLogger) Warn(string, ...any)  {}
func (nopSDKLogger) Error(string, ...any) {}
