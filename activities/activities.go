// Package activities holds the side effects of zwgk's workflows: reading items and calendars,
// writing the state PostgreSQL shows, and sending notices. Each activity is a method of
// Activities, which holds the dependencies, and is idempotent under retries.
package activities

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// Activities are the worker's side effects.
type Activities struct {
	Store     *store.Store
	Temporal  client.Client // to wake the dispatcher
	TaskQueue string
	Logger    *slog.Logger
	// Deliverer sends messages exactly once through the delivery log.
	Deliverer *notify.Deliverer
	// SendParallel bounds concurrent deliveries in one dispatch (default 8).
	SendParallel int
}

// LoadItem reads an item, its merged reminder policy and the working-day calendar.
func (a *Activities) LoadItem(ctx context.Context, itemID int64) (ItemDefinition, error) {
	d, err := a.Store.ItemForWorkflow(ctx, itemID)
	if err != nil {
		return ItemDefinition{}, err
	}
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return ItemDefinition{}, err
	}
	def := ItemDefinition{
		ItemID: d.ItemID, UnitID: d.UnitID, Unit: d.Unit, Year: d.Year, Title: d.Title, Status: d.Status,
		Rule: d.Rule, Offices: d.Offices, GraceUntil: d.GraceUntil,
		Calendar: CalendarFor(d.Year, years),
	}
	prior, err := a.Store.ItemProgressOf(ctx, itemID)
	if err != nil {
		return ItemDefinition{}, err
	}
	def.Prior = progressOf(prior)
	def.Policy, def.PolicyError = policyOf(d.UnitPolicy, d.ItemPolicy)
	return def, nil
}

// policyOf merges a workflow's stored overrides. One that no longer validates must not stop the
// workflow: the default applies and the error travels in the definition for the page to show.
func policyOf(overrides ...[]byte) (schedule.Policy, string) {
	p, err := schedule.MergePolicy(overrides...)
	if err != nil {
		return schedule.DefaultPolicy(), err.Error()
	}
	return p, ""
}

// SyncItem writes an item workflow's state change and wakes the dispatcher when it planned a
// notice earlier than the dispatcher's wake-up.
func (a *Activities) SyncItem(ctx context.Context, in store.ItemSync) (SyncResult, error) {
	wake, err := a.Store.SyncItem(ctx, in)
	return a.afterSync(ctx, wake, err)
}

// afterSync wakes the dispatcher when a workflow's sync planned a notice earlier than its
// wake-up (wake is then that time), so the notice is not held until the dispatcher's next round.
func (a *Activities) afterSync(ctx context.Context, wake time.Time, err error) (SyncResult, error) {
	if err != nil {
		return SyncResult{}, err
	}
	if wake.IsZero() {
		return SyncResult{}, nil
	}
	if err := a.pokeDispatcher(ctx); err != nil {
		return SyncResult{}, err
	}
	return SyncResult{WokeDispatcher: wake}, nil
}

// Reassign replaces an item's offices and returns them as stored.
func (a *Activities) Reassign(ctx context.Context, itemID int64, offices []store.ItemOffice) ([]store.ItemOffice, error) {
	if err := a.Store.SetItemOffices(ctx, itemID, offices); err != nil {
		return nil, err
	}
	d, err := a.Store.ItemForWorkflow(ctx, itemID)
	if err != nil {
		return nil, err
	}
	return d.Offices, nil
}

// StaleDispatches lists dispatches left unfinished by a lost dispatcher run, for the current
// run (whose keys start with prefix) to finish under their original keys.
func (a *Activities) StaleDispatches(ctx context.Context, prefix string) ([]DispatchRequest, error) {
	ds, err := a.Store.StaleDispatches(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]DispatchRequest, 0, len(ds))
	for _, d := range ds {
		out = append(out, DispatchRequest{Key: d.Key, Cutoff: d.Cutoff})
	}
	return out, nil
}

// NextNotice gives the dispatcher its next wake-up.
func (a *Activities) NextNotice(ctx context.Context) (NextNotice, error) {
	at, ok, err := a.Store.NextNoticeAt(ctx)
	return NextNotice{At: at, OK: ok}, err
}

// How the dispatcher is addressed. They live here, not in workflows, because the activities
// wake it and workflows imports this package.
const (
	DispatchWorkflowName = "DispatchWorkflow"
	SignalPoke           = "poke"
)

// DispatcherID is the workflow id of the one dispatcher of a task queue, so that several zwgk
// installations (or test runs) can share a namespace.
func DispatcherID(taskQueue string) string { return "zwgk-dispatch/" + taskQueue }

func (a *Activities) pokeDispatcher(ctx context.Context) error {
	id := DispatcherID(a.TaskQueue)
	_, err := a.Temporal.SignalWithStartWorkflow(ctx, id, SignalPoke, time.Now().UTC(),
		client.StartWorkflowOptions{ID: id, TaskQueue: a.TaskQueue}, DispatchWorkflowName, struct{}{})
	if err != nil {
		return fmt.Errorf("wake the dispatcher: %w", err)
	}
	return nil
}

// CalendarFor is the calendar data an item of a list year needs: its year, the one before (a
// window may start in it) and the two after (escalations of a December deadline run into
// January; a late event clock may cross another year end). Admin years override official ones.
// Keeping it to these years keeps the workflow history small.
func CalendarFor(year int, admin []calendar.Year) []calendar.Year {
	var out []calendar.Year
	for _, y := range append(calendar.Official(), admin...) {
		if y.Year >= year-1 && y.Year <= year+2 {
			out = append(out, y)
		}
	}
	return out
}
