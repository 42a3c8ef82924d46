package workflows_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// The send-window rule as a property: over random sequences of admin and office actions at
// random instants (late starts, policy changes, extensions, reassignments, pauses, completions,
// day or night) through time-skipped months, every notice that is not an urgent hour clock is
// planned at a send-window instant (09:00 on a working day, 2024's holidays and 调休 days
// included; two thirds of the runs are units with two or three send times a day, and a policy
// change may change them) and never before the moment it was planned, so the dispatcher sends
// it in a window and a recipient's notices of one window go out as one digest.
func TestNoticesOnlyInWindows(t *testing.T) {
	rules := []string{"4月底", "6月底", "每月更新", "季度更新", "8月至12月", "年底前", "每季度结束后10个工作日内"}
	cal := calendar.OfficialCalendar()
	for seed := uint64(1); seed <= 24; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 7))
		rule := rules[rnd.IntN(len(rules))]
		start := at(2024, time.Month(1+rnd.IntN(11)), 1+rnd.IntN(28), rnd.IntN(24), rnd.IntN(60))
		// the send times come from their own stream, so that the actions of a seed are the
		// ones it had before there were several times
		times := rand.New(rand.NewPCG(seed, 11))
		d := itemDef(t, rule, 2024)
		d.Policy = randomSendTimes(t, times, d.Policy, int(seed%3))
		t.Run(fmt.Sprintf("%d-%s-%s", seed, rule, schedule.SendTimesText(d.Policy)), func(t *testing.T) {
			policies := []schedule.Policy{d.Policy}
			r := newRun(t, d, start)
			when := start
			for range 6 {
				when = when.Add(time.Duration(1+rnd.IntN(40*24)) * time.Hour).Add(time.Duration(rnd.IntN(60)) * time.Minute)
				if when.Year() > 2024 {
					break
				}
				switch rnd.IntN(5) {
				case 0: // a policy change, often at night
					nd := d
					nd.Policy.Reminders = []int{1 + rnd.IntN(5)}
					if times.IntN(2) == 0 {
						nd.Policy = randomSendTimes(t, times, nd.Policy, times.IntN(3))
						policies = append(policies, nd.Policy)
					}
					r.at(when.Add(-time.Minute), func() { r.rec.SetDef(nd) })
					r.updateAny(when, workflows.UpdateRevise, workflows.Actor{By: "admin", Reason: "policy"})
				case 1:
					due := calendar.DateOf(when).AddDays(3 + rnd.IntN(20))
					r.updateAny(when, workflows.UpdateExtend, workflows.Extension{Due: due, Reason: "r", ApprovedBy: "a", By: "admin"})
				case 2:
					r.updateAny(when, workflows.UpdateReassign, workflows.Reassignment{
						Offices: []workflows.OfficeRef{{ID: 12, Name: "法规科", Role: "lead"}}, By: "admin"})
				case 3:
					r.updateAny(when, workflows.UpdatePause, workflows.Actor{By: "admin", Reason: "p"})
					r.updateAny(when.Add(time.Duration(1+rnd.IntN(72))*time.Hour), workflows.UpdateResume, workflows.Actor{By: "admin"})
				case 4:
					r.updateAny(when, workflows.UpdateComplete, workflows.Completion{EvidenceURL: evidence, By: "a"})
				}
			}
			r.cancelAt(at(2025, 2, 1, 12, 0))
			_ = r.exec(workflows.ItemInput{})
			planned := start
			for _, s := range r.rec.Syncs() {
				for _, p := range s.Plans {
					for _, n := range p.Notices {
						checkWindow(t, n, cal, planned, policies)
					}
				}
				planned = latest(planned, s)
			}
		})
	}
}

// latest is the time of the sync's newest event, as close as the recorder lets us get to the
// moment a plan was written.
func latest(t time.Time, s store.ItemSync) time.Time {
	for _, e := range s.Events {
		if e.At.After(t) {
			t = e.At
		}
	}
	return t
}

// randomSendTimes gives p one send time (09:00, the default) when n is 0, else n+1 distinct
// times of a working day.
func randomSendTimes(t *testing.T, rnd *rand.Rand, p schedule.Policy, n int) schedule.Policy {
	t.Helper()
	if n == 0 {
		p.SendWindow, p.SendTimes = schedule.DefaultSendWindow, nil
		return p
	}
	pool := []string{"08:00", "08:30", "09:00", "10:15", "11:30", "13:00", "14:30", "16:00", "17:45"}
	rnd.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	picked := pool[:n+1]
	slices.Sort(picked)
	window, got, err := schedule.ParseSendTimes(strings.Join(picked, "、"), false)
	if err != nil {
		t.Fatal(err)
	}
	p.SendWindow, p.SendTimes = window, got
	return p
}

func checkWindow(t *testing.T, n store.NoticePlan, cal *calendar.Calendar, plannedAfter time.Time, policies []schedule.Policy) {
	t.Helper()
	if n.Urgent {
		return
	}
	at := n.At.In(calendar.Shanghai)
	inWindow := false
	for _, p := range policies {
		inWindow = inWindow || schedule.IsWindow(p, at, cal)
	}
	if !inWindow {
		t.Errorf("%s at %s: not a send-window instant of %s", noticeName(n), at.Format(time.RFC3339), schedule.SendTimesText(policies[len(policies)-1]))
	}
	if at.Before(plannedAfter) {
		t.Errorf("%s at %s: before it was planned (after %s)", noticeName(n), at.Format(time.RFC3339), plannedAfter.Format(time.RFC3339))
	}
}

// updateAny sends an update and accepts either outcome: a random action may well be invalid
// at that moment (completing a paused item), which is the workflow's to refuse.
func (r *run) updateAny(when time.Time, name string, arg any) {
	r.at(when, func() {
		r.env.UpdateWorkflow(name, "", &updateIgnore{}, arg)
	})
}

type updateIgnore struct{}

func (updateIgnore) Accept()             {}
func (updateIgnore) Reject(error)        {}
func (updateIgnore) Complete(any, error) {}
