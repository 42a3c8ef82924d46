package activities

import (
	"context"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// ApplicationDefinition is what an application workflow needs to run its clocks: the register
// row as last recorded, the unit's reminder policy and the calendar.
type ApplicationDefinition struct {
	Application store.Application `json:"application"`
	Policy      schedule.Policy   `json:"policy"`
	PolicyError string            `json:"policy_error,omitempty"`
	Calendar    []calendar.Year   `json:"calendar"`
	// Seq is the last sequence recorded, so that a restarted workflow's writes are not stale.
	Seq int64 `json:"seq"`
}

// LoadApplication reads an application, its unit's policy and the calendar of its years.
func (a *Activities) LoadApplication(ctx context.Context, id int64) (ApplicationDefinition, error) {
	app, err := a.Store.Application(ctx, id)
	if err != nil {
		return ApplicationDefinition{}, err
	}
	years, err := a.Store.CalendarYears(ctx)
	if err != nil {
		return ApplicationDefinition{}, err
	}
	raw, err := a.Store.UnitPolicyOfApplication(ctx, id)
	if err != nil {
		return ApplicationDefinition{}, err
	}
	seq, err := a.Store.ApplicationSeq(ctx, id)
	if err != nil {
		return ApplicationDefinition{}, err
	}
	def := ApplicationDefinition{Application: app, Calendar: CalendarFor(app.Received.Year, years), Seq: seq}
	def.Policy, def.PolicyError = policyOf(raw)
	return def, nil
}

// SyncApplication writes an application workflow's change and wakes the dispatcher when it
// planned a notice earlier than the dispatcher's wake-up.
func (a *Activities) SyncApplication(ctx context.Context, in store.ApplicationSync) (SyncResult, error) {
	wake, err := a.Store.SyncApplication(ctx, in)
	return a.afterSync(ctx, wake, err)
}
