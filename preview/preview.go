// Package preview computes the timeline a list will produce (reminders, due points and
// escalations) by running the real item workflow code in the Temporal SDK's time-skipping test
// environment with recording activities: what admins see is what the workers will do.
package preview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// Entry is one line of the timeline.
type Entry struct {
	Item        int64  `json:"item"`
	Title       string `json:"title"`
	Office      string `json:"office"`
	Cycle       string `json:"cycle"`
	Kind        string `json:"kind"` // reminder, due, escalation
	Level       int    `json:"level"`
	Offset      int    `json:"offset,omitempty"` // working days before due, or the repeat number
	Target      string `json:"target,omitempty"` // contact, head, supervisor
	At          string `json:"at"`               // RFC 3339 in Asia/Shanghai
	Provisional bool   `json:"provisional,omitempty"`
	at          time.Time
}

// Recorder stands in for the worker's activities: it serves one item definition and records
// every state change the workflow writes. Tests of workflow logic use it too.
type Recorder struct {
	Def activities.ItemDefinition

	mu    sync.Mutex
	syncs []store.ItemSync
}

// SetDef replaces the definition LoadItem serves, as a list revision or a policy change does.
func (r *Recorder) SetDef(d activities.ItemDefinition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Def = d
}

// LoadItem returns the definition.
func (r *Recorder) LoadItem(_ context.Context, itemID int64) (activities.ItemDefinition, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if itemID != r.Def.ItemID {
		return activities.ItemDefinition{}, fmt.Errorf("preview: item %d: %w", itemID, store.ErrNotFound)
	}
	return r.Def, nil
}

// SyncItem records a state change.
func (r *Recorder) SyncItem(_ context.Context, s store.ItemSync) (activities.SyncResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.syncs = append(r.syncs, s)
	return activities.SyncResult{}, nil
}

// Reassign accepts the new offices.
func (r *Recorder) Reassign(_ context.Context, _ int64, offices []store.ItemOffice) ([]store.ItemOffice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Def.Offices = offices
	return offices, nil
}

// Syncs returns what the workflow recorded so far.
func (r *Recorder) Syncs() []store.ItemSync {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.syncs)
}

// Register adds the recorder's activities to a test environment under the names the workflow
// calls.
func (r *Recorder) Register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterActivityWithOptions(r.LoadItem, activity.RegisterOptions{Name: "LoadItem"})
	env.RegisterActivityWithOptions(r.SyncItem, activity.RegisterOptions{Name: "SyncItem"})
	env.RegisterActivityWithOptions(r.Reassign, activity.RegisterOptions{Name: "Reassign"})
}

// quiet drops the test environment's debug chatter; a failing workflow still returns its error.
var quiet = log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// Item runs one item's workflow from `from` to `to` and returns its timeline in that range.
func Item(def activities.ItemDefinition, from, to time.Time) ([]Entry, error) {
	if !to.After(from) {
		return nil, errors.New("preview: --to must be after --from")
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet)
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(from)
	env.SetWorkflowRunTimeout(to.Sub(from) + 24*time.Hour)
	rec := &Recorder{Def: def}
	rec.Register(env)
	env.RegisterWorkflowWithOptions(workflows.ItemWorkflow, workflow.RegisterOptions{Name: workflows.ItemWorkflowName})
	env.RegisterDelayedCallback(env.CancelWorkflow, to.Sub(from))
	env.ExecuteWorkflow(workflows.ItemWorkflowName, workflows.ItemInput{ItemID: def.ItemID})
	if err := env.GetWorkflowError(); err != nil && !temporal.IsCanceledError(err) {
		return nil, fmt.Errorf("preview item %d: %w", def.ItemID, err)
	}
	return Timeline(def, rec.Syncs(), from, to), nil
}

// Timeline turns recorded state changes into entries within [from, to): every notice of the
// last plan of each cycle due point, and each cycle's due point.
func Timeline(def activities.ItemDefinition, syncs []store.ItemSync, from, to time.Time) []Entry {
	office := ""
	if len(def.Offices) > 0 {
		office = def.Offices[0].Name
	}
	type key struct {
		cycle, kind, target string
		due                 time.Time
		level, offset       int
	}
	notices := map[key]store.NoticePlan{}
	var order []key
	cycles := map[string]store.CycleRow{}
	var cycleOrder []string
	for _, s := range syncs {
		for _, p := range s.Plans {
			for _, n := range p.Notices {
				k := key{p.CycleKey, n.Kind, n.Target, p.Due, n.Level, n.Offset}
				if _, ok := notices[k]; !ok {
					order = append(order, k)
				}
				notices[k] = n
			}
		}
		for _, c := range s.Cycles {
			if _, ok := cycles[c.Key]; !ok {
				cycleOrder = append(cycleOrder, c.Key)
			}
			cycles[c.Key] = c
		}
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	var out []Entry
	add := func(e Entry, at time.Time) {
		e.Item, e.Title, e.Office = def.ItemID, def.Title, office
		e.at, e.At = at, at.In(calendar.Shanghai).Format(time.RFC3339)
		out = append(out, e)
	}
	for _, k := range order {
		n := notices[k]
		c, ok := cycles[k.cycle]
		if !ok || !c.Due.Equal(k.due) || !in(n.At) {
			continue // planned for a due point the cycle no longer has
		}
		kind := "reminder"
		if n.Kind == "escalation" || n.Kind == "overdue" {
			kind = "escalation"
		}
		add(Entry{Cycle: k.cycle, Kind: kind, Level: n.Level, Offset: n.Offset, Target: n.Target}, n.At)
	}
	for _, key := range cycleOrder {
		c := cycles[key]
		if c.Status == "skipped" || c.Status == "cancelled" || !in(c.Due) {
			continue
		}
		add(Entry{Cycle: key, Kind: "due"}, c.Due)
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.Level - b.Level
	})
	return out
}
