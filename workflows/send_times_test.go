package workflows_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/workflows"
)

// withSendTimes gives the item a unit policy of several send times a day.
func withSendTimes(d activities.ItemDefinition, times ...string) activities.ItemDefinition {
	p, err := schedule.DefaultPolicy().Merge([]byte(`{"send_times":["` + strings.Join(times, `","`) + `"]}`))
	if err != nil {
		panic(err)
	}
	d.Policy = p
	return d
}

// The list of TestLateImportWithoutGraceStartsTheLadderAtTheWindow imported at 10:00 into a unit
// that sends at 09:00 and 14:30: the one overdue notice goes out at 14:30 the same day, not the
// next morning, and the later levels keep the ladder's spacing in the morning window.
func TestSeveralSendTimesLateImportWaitsForTheNextWindowThatDay(t *testing.T) {
	d := withSendTimes(itemDef(t, "4月底", 2024), "09:00", "14:30")
	r := newRun(t, d, at(2024, 12, 2, 10, 0))
	lv := r.sampleLevels(at(2024, 12, 2, 14, 0), at(2024, 12, 2, 15, 0), at(2024, 12, 4, 12, 0))
	r.cancelAt(at(2024, 12, 20, 12, 0))
	runCancelled(t, r)
	window := at(2024, 12, 2, 14, 30)
	ns := r.notices("2024-04-30")
	if got := before(ns, at(2024, 12, 4, 8, 0)); len(got) != 1 || !strings.HasPrefix(got[0], "overdue-L1 at 12-02 14:30") {
		t.Errorf("before level 2: %v, want one overdue notice in the window of %s", got, window)
	}
	wantTimes(t, r.plan("2024-04-30"), map[string]time.Time{"overdue-L1": window, "escalation-L2": at(2024, 12, 4, 9, 0), "escalation-L3": at(2024, 12, 6, 9, 0)})
	lv.want(t, at(2024, 12, 2, 14, 0), 0)
	lv.want(t, at(2024, 12, 2, 15, 0), 1)
	lv.want(t, at(2024, 12, 4, 12, 0), 2)
	cal := calendar.New(d.Calendar...)
	for _, n := range ns {
		if !schedule.IsWindow(d.Policy, n.At, cal) {
			t.Errorf("%s at %s: not a send window of 09:00、14:30", noticeName(n), n.At.In(calendar.Shanghai))
		}
	}
}

// The same import in a workflow that ran before the change (GetVersion answers the default
// version) keeps the one morning window it had.
func TestSeveralSendTimesBeforeTheChange(t *testing.T) {
	d := withSendTimes(itemDef(t, "4月底", 2024), "09:00", "14:30")
	r := newRun(t, d, at(2024, 12, 2, 10, 0))
	r.beforeLeanHistory()
	r.env.OnGetVersion("several-send-times", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	r.cancelAt(at(2024, 12, 20, 12, 0))
	runCancelled(t, r)
	wantTimes(t, r.plan("2024-04-30"), map[string]time.Time{"overdue-L1": at(2024, 12, 3, 9, 0), "escalation-L2": at(2024, 12, 5, 9, 0), "escalation-L3": at(2024, 12, 9, 9, 0)})
}

// A policy saved at 10:00 between the windows: the replanned notices whose instant has passed
// wait for 14:30 that day; nothing is planned between the change and 14:30.
func TestSeveralSendTimesPolicyChangeBetweenWindows(t *testing.T) {
	d := withSendTimes(itemDef(t, "6月底", 2024), "09:00", "14:30")
	r := newRun(t, d, at(2024, 5, 6, 9, 0))
	r.at(at(2024, 7, 10, 9, 58), func() {
		nd := d
		nd.Policy.Reminders = []int{3}
		r.rec.SetDef(nd)
	})
	changed := at(2024, 7, 10, 10, 0)
	r.update(changed, workflows.UpdateRevise, workflows.Actor{By: "admin", Reason: workflows.PolicyChanged}, "")
	r.cancelAt(at(2024, 7, 31, 12, 0))
	runCancelled(t, r)
	window := at(2024, 7, 10, 14, 30)
	cal := calendar.New(d.Calendar...)
	moved := 0
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			for _, n := range p.Notices {
				if n.At.After(changed.Add(-2*time.Minute)) && n.At.Before(window) {
					t.Errorf("%s planned at %s, between the policy change and the 14:30 window", noticeName(n), n.At)
				}
				if n.At.Equal(window) {
					moved++
				}
				if !schedule.IsWindow(d.Policy, n.At, cal) {
					t.Errorf("%s at %s: not a send window", noticeName(n), n.At.In(calendar.Shanghai))
				}
			}
		}
	}
	if moved == 0 {
		t.Error("no replanned notice in the 14:30 window")
	}
}
