package web

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// Tiles equal lists: a change to the items (here a workflow's sync making an item overdue) shows
// in the dashboard's figures on the next page load, even where refreshing them is expensive.
func TestDashboardFiguresFollowChanges(t *testing.T) {
	f := newFixture(t, false)
	sup := f.as(t, "supervisor")
	load := func() dashboardData {
		t.Helper()
		resp, body := sup.json("GET", "/api/dashboard", nil)
		wantStatus(t, resp, body, http.StatusOK)
		var d dashboardData
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := load()
	if d.Totals.Overdue != len(d.Overdue) {
		t.Fatalf("before: tile %d, list %d", d.Totals.Overdue, len(d.Overdue))
	}
	ctx := context.Background()
	// refreshing is expensive here: the figures would otherwise wait up to a minute
	if _, err := f.st.Pool.Exec(ctx, `UPDATE web_snapshots SET took_ms = 60000`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(ctx, `UPDATE item_state SET status = 'overdue', escalation_level = 1, updated_at = now() WHERE item_id = $1`, f.itemA2); err != nil {
		t.Fatal(err)
	}
	d = load()
	if d.Totals.Overdue != len(d.Overdue) || len(d.Overdue) != 2 {
		t.Fatalf("after the change: tile %d, list %d (want 2 and 2)", d.Totals.Overdue, len(d.Overdue))
	}
}
