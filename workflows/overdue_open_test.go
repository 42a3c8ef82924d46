package workflows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// notices is what the store holds after the run: one row per notice key (SyncItem upserts on
// cycle, due point, kind, level, offset and target), at its last planned instant.
func (r *run) notices(cycle string) map[string]store.NoticePlan {
	out := map[string]store.NoticePlan{}
	for _, s := range r.rec.Syncs() {
		for _, p := range s.Plans {
			if p.CycleKey != cycle {
				continue
			}
			for _, n := range p.Notices {
				out[fmt.Sprintf("%s|%s|%d|%d|%s", p.Due.UTC().Format(time.RFC3339), n.Kind, n.Level, n.Offset, n.Target)] = n
			}
		}
	}
	return out
}

// before lists the notices planned at or before t.
func before(ns map[string]store.NoticePlan, t time.Time) []string {
	var out []string
	for _, n := range ns {
		if !n.At.After(t) {
			out = append(out, fmt.Sprintf("%s at %s", noticeName(n), n.At.In(calendar.Shanghai).Format("01-02 15:04")))
		}
	}
	return out
}

// levels samples the escalation level the item reports at instants.
type levels struct {
	r    *run
	seen map[time.Time]store.ItemStateRow
}

func (r *run) sampleLevels(ts ...time.Time) *levels {
	l := &levels{r: r, seen: map[time.Time]store.ItemStateRow{}}
	for _, t := range ts {
		r.at(t, func() { l.seen[t] = r.lastState() })
	}
	return l
}

func (l *levels) want(t *testing.T, at time.Time, level int) {
	t.Helper()
	s, ok := l.seen[at]
	if !ok {
		t.Fatalf("no sample at %s", at)
	}
	if s.Status != workflows.StatusOverdue || s.Level != level {
		t.Errorf("at %s: %s level %d, want overdue at level %d", at.Format("01-02 15:04"), s.Status, s.Level, level)
	}
}

func runCancelled(t *testing.T, r *run) {
	t.Helper()
	if err := r.exec(workflows.ItemInput{}); err != nil && !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("workflow: %v", err)
	}
}

// An office records an event dated 2000-01-01 on a 及时公开 item on Monday 6 May 2024 at 10:00,
// after that day's 09:00 window. Its cycle opens 24 years overdue: it says so once, to the
// office, in the next window (Tuesday 09:00), and climbs the ladder from there with the
// policy's spacing (level 2 two working days later, level 3 four, Saturday 11 May being a
// make-up working day), not to level 3 at once with every missed notice.
func TestEventDatedLongAgoSendsOneOverdueNotice(t *testing.T) {
	d := itemDef(t, "及时更新", 2024)
	r := newRun(t, d, at(2024, 5, 6, 8, 0))
	r.update(at(2024, 5, 6, 10, 0), workflows.UpdateRecordEvent, workflows.Event{At: at(2000, 1, 1, 12, 0), Title: "印发《关于…的通知》", By: "bangongshi"}, "")
	lv := r.sampleLevels(at(2024, 5, 6, 11, 0), at(2024, 5, 7, 12, 0), at(2024, 5, 8, 12, 0), at(2024, 5, 9, 12, 0), at(2024, 5, 11, 12, 0))
	r.cancelAt(at(2024, 5, 31, 12, 0))
	runCancelled(t, r)

	window, l2, l3 := at(2024, 5, 7, 9, 0), at(2024, 5, 9, 9, 0), at(2024, 5, 11, 9, 0)
	ns := r.notices("E1")
	if got := before(ns, l2.Add(-time.Second)); len(got) != 1 || !strings.HasPrefix(got[0], "overdue-L1 at 05-07 09:00") {
		t.Errorf("before level 2: %v, want one overdue notice in the window of %s", got, window)
	}
	wantTimes(t, r.plan("E1"), map[string]time.Time{"overdue-L1": window, "escalation-L2": l2, "escalation-L3": l3})
	for _, n := range ns {
		if n.Kind == "reminder" || n.Kind == "due" {
			t.Errorf("%s at %s: a missed reminder was planned", noticeName(n), n.At)
		}
	}
	lv.want(t, at(2024, 5, 6, 11, 0), 0)
	lv.want(t, at(2024, 5, 7, 12, 0), 1)
	lv.want(t, at(2024, 5, 8, 12, 0), 1)
	lv.want(t, at(2024, 5, 9, 12, 0), 2)
	lv.want(t, at(2024, 5, 11, 12, 0), 3)
	// three levels, then "still overdue" every 5 working days to the leaders and the office
	// until the cancellation: 17, 24 and 31 May (and the repeat after, planned ahead)
	if len(ns) > 3+2*4 {
		t.Errorf("%d notices written, want the ladder and a few repeats; before level 2: %d", len(ns), len(before(ns, at(2024, 5, 9, 8, 0))))
	}
	t.Logf("notices written for an event dated 2000-01-01: %d", len(ns))
}

// The same event in a workflow that started before the change (GetVersion answers the default
// version, as for a running workflow replaying its history) keeps the old behaviour; the figure
// is what the change prevents.
func TestEventDatedLongAgoBeforeTheChange(t *testing.T) {
	d := itemDef(t, "及时更新", 2024)
	r := newRun(t, d, at(2024, 5, 6, 8, 0))
	r.beforeLeanHistory()
	r.env.OnGetVersion("overdue-open-no-replay", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	r.update(at(2024, 5, 6, 10, 0), workflows.UpdateRecordEvent, workflows.Event{At: at(2000, 1, 1, 12, 0), Title: "印发《关于…的通知》", By: "bangongshi"}, "")
	lv := r.sampleLevels(at(2024, 5, 6, 11, 0))
	r.cancelAt(at(2024, 5, 8, 12, 0))
	runCancelled(t, r)
	lv.want(t, at(2024, 5, 6, 11, 0), 3)
	ns := r.notices("E1")
	if len(ns) < 1000 {
		t.Errorf("%d notices: the old code replayed every missed repeat, this test no longer shows it", len(ns))
	}
	t.Logf("notices written by the previous code for an event dated 2000-01-01: %d", len(ns))
}

// A list imported on Monday 2 December 2024 at 10:00 whose 4月底 deadline is long past, with no
// grace: one overdue notice in Tuesday's window, the ladder from there.
func TestLateImportWithoutGraceStartsTheLadderAtTheWindow(t *testing.T) {
	d := itemDef(t, "4月底", 2024)
	r := newRun(t, d, at(2024, 12, 2, 10, 0))
	lv := r.sampleLevels(at(2024, 12, 2, 11, 0), at(2024, 12, 3, 12, 0), at(2024, 12, 5, 12, 0))
	r.cancelAt(at(2024, 12, 20, 12, 0))
	runCancelled(t, r)
	window := at(2024, 12, 3, 9, 0)
	ns := r.notices("2024-04-30")
	if got := before(ns, at(2024, 12, 5, 8, 0)); len(got) != 1 || !strings.HasPrefix(got[0], "overdue-L1 at 12-03 09:00") {
		t.Errorf("before level 2: %v, want one overdue notice in the window of %s", got, window)
	}
	wantTimes(t, r.plan("2024-04-30"), map[string]time.Time{"overdue-L1": window, "escalation-L2": at(2024, 12, 5, 9, 0), "escalation-L3": at(2024, 12, 9, 9, 0)})
	lv.want(t, at(2024, 12, 2, 11, 0), 0)
	lv.want(t, at(2024, 12, 3, 12, 0), 1)
	lv.want(t, at(2024, 12, 5, 12, 0), 2)
}

// An hour clock (5小时内) recorded days late: its notices are urgent, so the first level goes out
// at once (not between 22:00 and 07:00) and the next one an hour later, not all three together.
func TestHourClockRecordedLateClimbsByTheHourFromNow(t *testing.T) {
	d := itemDef(t, "5小时内", 2024)
	r := newRun(t, d, at(2024, 3, 1, 9, 0))
	r.update(at(2024, 3, 4, 10, 0), workflows.UpdateRecordEvent, workflows.Event{At: at(2024, 3, 1, 8, 0), Title: "网络舆情", By: "值班员"}, "")
	lv := r.sampleLevels(at(2024, 3, 4, 10, 30), at(2024, 3, 4, 11, 30))
	r.cancelAt(at(2024, 3, 4, 23, 0))
	runCancelled(t, r)
	lv.want(t, at(2024, 3, 4, 10, 30), 1)
	lv.want(t, at(2024, 3, 4, 11, 30), 2)
	wantTimes(t, r.plan("E1"), map[string]time.Time{"overdue-L1": at(2024, 3, 4, 10, 0), "escalation-L2": at(2024, 3, 4, 11, 0), "escalation-L3": at(2024, 3, 4, 12, 0)})
	if got := before(r.notices("E1"), at(2024, 3, 4, 10, 59)); len(got) != 1 {
		t.Errorf("within the first hour: %v, want the one overdue notice", got)
	}
}

// An extension of a cycle that went overdue late gives it the ordinary ladder of its new due
// date: the late start does not stick.
func TestExtensionAfterALateOpenUsesTheNewDueDate(t *testing.T) {
	d := itemDef(t, "及时更新", 2024)
	r := newRun(t, d, at(2024, 5, 6, 8, 0))
	r.update(at(2024, 5, 6, 10, 0), workflows.UpdateRecordEvent, workflows.Event{At: at(2000, 1, 1, 12, 0), Title: "印发《关于…的通知》", By: "bangongshi"}, "")
	r.update(at(2024, 5, 8, 10, 0), workflows.UpdateExtend, workflows.Extension{Cycle: "E1", Due: calendar.D(2024, 5, 20), Reason: "补登", ApprovedBy: "分管领导", By: "admin"}, "")
	r.cancelAt(at(2024, 5, 31, 12, 0))
	runCancelled(t, r)
	// 20 May + 1, 3 and 5 working days
	wantTimes(t, r.plan("E1"), map[string]time.Time{"overdue-L1": at(2024, 5, 21, 9, 0), "escalation-L2": at(2024, 5, 23, 9, 0), "escalation-L3": at(2024, 5, 27, 9, 0)})
}
