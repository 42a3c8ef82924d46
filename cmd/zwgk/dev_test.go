//go:build !nodev

package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/demo"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// devSettings are the settings of a `zwgk dev` in dir with its own database and free ports for
// the web and Temporal, returned beside them.
func devSettings(t *testing.T, dir string) (settings map[string]string, httpPort, temporalPort int) {
	httpPort, temporalPort = testenv.FreePort(t), testenv.FreePort(t)
	return map[string]string{
		"ZWGK_DATA_DIR": dir, "ZWGK_DATABASE_URL": testenv.DatabaseURL(t),
		"ZWGK_HTTP_ADDR": fmt.Sprintf("127.0.0.1:%d", httpPort), "ZWGK_TEMPORAL_PORT": strconv.Itoa(temporalPort),
		"ZWGK_LOG_LEVEL": "warn",
	}, httpPort, temporalPort
}

// `zwgk dev` killed like a crashed laptop and started again keeps its Temporal state (the same
// workflow runs, their timers and a completion made before the kill) and its database, and
// does not seed the demo twice.
func TestDevSurvivesKill(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	settings, httpPort, temporalPort := devSettings(t, dir)
	started := time.Now()
	dev := startProc(t, "dev-1", dir, []string{"dev"}, settings, "zwgk dev is up")
	healthz := fmt.Sprintf("http://127.0.0.1:%d/healthz", httpPort)
	if resp, err := http.Get(healthz); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	t.Logf("first start: up and /healthz answering %s after launch", time.Since(started).Round(time.Millisecond))

	st, err := store.Open(ctx, settings["ZWGK_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	unit, err := st.UnitByName(ctx, demo.Unit)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := st.ActiveItemsOfUnit(ctx, unit.ID)
	if err != nil || len(refs) == 0 {
		t.Fatalf("demo items: %d, %v", len(refs), err)
	}
	c, err := client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", temporalPort), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	wc := &workflows.Client{Temporal: c, TaskQueue: "zwgk"}
	// Pick a demo item with a calendar cycle (not an event clock) and complete it.
	var done store.ItemRef
	var runID string
	for _, ref := range refs {
		var s workflows.State
		deadline := time.Now().Add(30 * time.Second)
		for {
			s, err = wc.Query(ctx, ref.WorkflowID)
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.Current == "" || s.Cycles[len(s.Cycles)-1].Key[0] == 'E' {
			continue
		}
		if _, err := wc.Complete(ctx, ref.WorkflowID, workflows.Completion{EvidenceURL: "https://www.example.gov.cn/x.html", By: "test"}); err != nil {
			t.Fatal(err)
		}
		d, err := c.DescribeWorkflowExecution(ctx, ref.WorkflowID, "")
		if err != nil {
			t.Fatal(err)
		}
		done, runID = ref, d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		break
	}
	if runID == "" {
		t.Fatal("no demo item with a calendar cycle")
	}
	c.Close()

	if err := dev.kill(); err != nil {
		t.Fatal(err)
	}
	startProc(t, "dev-2", dir, []string{"dev"}, settings, "zwgk dev is up")

	c, err = client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", temporalPort), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wc.Temporal = c
	d, err := c.DescribeWorkflowExecution(ctx, done.WorkflowID, runID)
	if err != nil {
		t.Fatalf("the workflow run from before the kill is gone: %v", err)
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("the run from before the kill is %s", st)
	}
	// The restarted server must serve at once (it keeps its service ports, see
	// devstack.servicePorts), not after its old members expire from the ring.
	var s workflows.State
	askedAt := time.Now()
	for {
		qctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		s, err = wc.Query(qctx, done.WorkflowID)
		cancel()
		if err == nil || time.Since(askedAt) > 90*time.Second {
			break
		}
		t.Logf("query at %s: %v", time.Since(askedAt).Round(time.Millisecond), err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the restarted worker answered a query %s after it was asked", time.Since(askedAt).Round(time.Millisecond))
	completed := false
	for _, cy := range s.Cycles {
		completed = completed || (cy.Status == "done" && cy.Completions == 1)
	}
	if !completed {
		t.Errorf("the completion made before the kill is lost: %+v", s.Cycles)
	}
	again, err := st.ActiveItemsOfUnit(ctx, unit.ID)
	if err != nil || len(again) != len(refs) {
		t.Errorf("items after the restart: %d, want %d (%v)", len(again), len(refs), err)
	}
	l, err := st.ListByUnitYear(ctx, unit.ID, time.Now().Year())
	if err != nil || l.Revision != 1 {
		t.Errorf("the demo list after the restart: %+v, %v (seeded twice?)", l, err)
	}
}
