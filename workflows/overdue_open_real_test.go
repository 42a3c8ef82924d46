package workflows_test

import (
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/workflows"
)

// On the real server, through the real activities and PostgreSQL: an event recorded two months
// late writes the ladder and one repeat, not every missed notice; the first to go out is the one
// overdue notice, in a send window, and nothing goes out before it.
func TestRealServerLateEventWritesOneOverdueNotice(t *testing.T) {
	s := newStack(t)
	year := time.Now().Year()
	ch := s.importList("序号,工作任务,责任科室,完成时限\n1,规范性文件公开,办公室,及时公开\n", year)
	item := ch.Added[0]
	s.eventually("the item workflow to record its state", 20*time.Second, func() bool { st, _ := s.state(item.ID); return st == workflows.StatusWaiting })

	recorded := time.Now()
	if _, err := s.wc.RecordEvent(s.ctx, item.WorkflowID, workflows.Event{At: recorded.AddDate(0, -2, 0), Title: "印发《补登文件》", By: "admin"}); err != nil {
		t.Fatal(err)
	}
	if st, lvl := s.state(item.ID); st != workflows.StatusOverdue || lvl != 0 {
		t.Errorf("after the event: %s level %d, want overdue at level 0 until the window", st, lvl)
	}
	rows, err := s.st.Pool.Query(s.ctx, `SELECT kind, level, "offset", at FROM notices WHERE item_id = $1 AND status = 'pending' ORDER BY at, level, kind`, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	type notice struct {
		kind          string
		level, offset int
		at            time.Time
	}
	var ns []notice
	for rows.Next() {
		var n notice
		if err := rows.Scan(&n.kind, &n.level, &n.offset, &n.at); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("notices written for an event recorded two months late: %d", len(ns))
	// levels 1–3, and the first "still overdue" repeat to the leaders and to the office
	if len(ns) != 5 {
		s.dumpNotices(item.ID)
		t.Fatalf("%d notices written, want 5", len(ns))
	}
	first := ns[0]
	if first.kind != "overdue" || first.level != 1 || first.at.Before(recorded.Add(-time.Second)) {
		t.Errorf("first notice %+v, want the level 1 overdue notice in the next window", first)
	}
	if h := first.at.In(calendar.Shanghai).Hour(); h != 9 {
		t.Errorf("first notice at %s: outside the 09:00 window", first.at)
	}
	if next := ns[1]; next.at.Sub(first.at) < 24*time.Hour || next.kind != "escalation" || next.level != 2 {
		t.Errorf("second notice %+v, want level 2 working days after the first at %s", next, first.at)
	}
	if n := s.smtp.Count(); n != 0 {
		t.Errorf("%d messages sent at once", n)
	}
}
