package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// oneItem commits a list with one item and returns it.
func oneItem(t *testing.T, st *store.Store) store.ItemRef {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUnit(ctx, "测试局")
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.CreateOffice(ctx, u.ID, "办公室", nil)
	if err != nil {
		t.Fatal(err)
	}
	rule, _ := json.Marshal(map[string]any{"kind": "deadline", "text": "6月底", "due": "2024-06-30"})
	ch, err := st.CommitList(ctx, store.ListCommit{UnitID: u.ID, Year: 2024, BaseRevision: -1, SourceFile: "t.csv", SHA256: "x",
		Items: []store.ListItem{{Key: "0123456789abcdef", Seq: 1, Title: "部门预算", Rule: rule, Offices: []store.ItemOffice{{ID: o.ID, Name: o.Name, Role: "lead"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return ch.Added[0]
}

func noticeStatuses(t *testing.T, st *store.Store, itemID int64) map[string]string {
	rows, err := st.Pool.Query(context.Background(), `SELECT kind || ':' || level || ':' || "offset", status FROM notices WHERE item_id = $1`, itemID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, s string
		rows.Scan(&k, &s)
		out[k] = s
	}
	return out
}

// The projection an item workflow writes: stale writes lose, retries are harmless, a full plan
// replaces the cycle's pending notices while an additive one (a "still overdue" repeat) keeps
// them, and the dispatcher is woken only for a notice earlier than its wake-up.
func TestSyncItem(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	ref := oneItem(t, st)
	due := time.Date(2024, 6, 30, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
	at := func(d int, h int) time.Time { return time.Date(2024, 6, d, h, 0, 0, 0, due.Location()) }
	full := store.CyclePlan{CycleKey: "2024-06-30", Due: due, Replace: true, Notices: []store.NoticePlan{
		{Kind: "reminder", Offset: 5, Target: "contact", At: at(21, 9)},
		{Kind: "due", Target: "contact", At: at(28, 9)},
		{Kind: "overdue", Level: 1, Target: "contact", At: due.Add(33*time.Hour + time.Second)},
	}}
	sync := store.ItemSync{WorkflowID: ref.WorkflowID, ItemID: ref.ID, Seq: 1,
		State:  store.ItemStateRow{Status: "upcoming", CycleKey: "2024-06-30", DueAt: due},
		Cycles: []store.CycleRow{{Key: "2024-06-30", Start: at(1, 0), Due: due, OriginalDue: due, Status: "open", Required: 1}},
		Events: []store.EventRow{{Seq: 1, Kind: "started", At: at(1, 8)}},
		Plans:  []store.CyclePlan{full},
	}
	wake, err := st.SyncItem(ctx, sync)
	if err != nil {
		t.Fatal(err)
	}
	if !wake.Equal(at(21, 9)) {
		t.Errorf("first plan must wake the dispatcher at the first reminder, got %v", wake)
	}
	// The retried activity pokes again (the poke of the crashed attempt may be lost).
	if wake, err = st.SyncItem(ctx, sync); err != nil || !wake.Equal(at(21, 9)) {
		t.Errorf("retry: wake %v, err %v", wake, err)
	}

	// A stale write (lower sequence) changes nothing.
	stale := sync
	stale.Seq = 0
	stale.State.Status = "overdue"
	stale.Events = []store.EventRow{{Seq: 0, Kind: "bogus", At: at(2, 8)}}
	if _, err := st.SyncItem(ctx, stale); err != nil {
		t.Fatal(err)
	}
	var status string
	st.Pool.QueryRow(ctx, `SELECT status FROM item_state WHERE item_id = $1`, ref.ID).Scan(&status)
	if status != "upcoming" {
		t.Errorf("a stale write won: status %s", status)
	}

	// An additive plan keeps the cycle's pending notices.
	repeat := store.ItemSync{WorkflowID: ref.WorkflowID, ItemID: ref.ID, Seq: 2,
		State: store.ItemStateRow{Status: "overdue", CycleKey: "2024-06-30", DueAt: due, Level: 1},
		Plans: []store.CyclePlan{{CycleKey: "2024-06-30", Due: due, Notices: []store.NoticePlan{
			{Kind: "escalation", Level: 3, Offset: 1, Target: "supervisor", At: due.Add(240 * time.Hour)},
		}}},
	}
	if wake, err = st.SyncItem(ctx, repeat); err != nil || !wake.IsZero() {
		t.Errorf("a later notice must not wake the dispatcher: %v, %v", wake, err)
	}
	got := noticeStatuses(t, st, ref.ID)
	for _, k := range []string{"reminder:0:5", "due:0:0", "overdue:1:0", "escalation:3:1"} {
		if got[k] != "pending" {
			t.Errorf("after an additive plan %s is %q: %v", k, got[k], got)
		}
	}

	// Claim what is due by June 29 and send it; a retry of the claim sees the same set.
	n, err := st.ClaimNotices(ctx, "d1", at(29, 0))
	if err != nil || n != 2 {
		t.Fatalf("claimed %d, %v", n, err)
	}
	if n, _ := st.ClaimNotices(ctx, "d1", at(29, 0)); n != 2 {
		t.Errorf("a retried claim holds %d", n)
	}
	claimed, err := st.ClaimedNotices(ctx, "d1")
	if err != nil || len(claimed) != 2 || claimed[0].Title != "部门预算" || claimed[0].Unit != "测试局" {
		t.Fatalf("claimed notices: %+v, %v", claimed, err)
	}
	if err := st.SettleNotices(ctx, []int64{claimed[0].ID, claimed[1].ID}, "sent", ""); err != nil {
		t.Fatal(err)
	}

	// A dispatcher run that died holding claims is found by the next run, with its window.
	if n, err := st.ClaimNotices(ctx, "runA/3", due.Add(34*time.Hour)); err != nil || n != 1 {
		t.Fatalf("claim: %d, %v", n, err)
	}
	lost, err := st.StaleDispatches(ctx, "runB/")
	if err != nil || len(lost) != 1 || lost[0].Key != "runA/3" || !lost[0].Cutoff.Equal(due.Add(34*time.Hour)) {
		t.Errorf("stale dispatches seen by another run: %+v, %v", lost, err)
	}
	if own, _ := st.StaleDispatches(ctx, "runA/"); len(own) != 0 {
		t.Errorf("a run's own dispatch is not stale: %+v", own)
	}
	claimed, _ = st.ClaimedNotices(ctx, "runA/3")
	st.SettleNotices(ctx, []int64{claimed[0].ID}, "dropped", "test")

	// A full replan (an extension) drops pending notices it does not contain, never sent ones.
	replan := store.ItemSync{WorkflowID: ref.WorkflowID, ItemID: ref.ID, Seq: 3,
		State: store.ItemStateRow{Status: "upcoming"},
		Plans: []store.CyclePlan{{CycleKey: "2024-06-30", Due: due, Replace: true, Notices: []store.NoticePlan{
			{Kind: "reminder", Offset: 2, Target: "contact", At: at(26, 9)},
		}}},
	}
	if _, err := st.SyncItem(ctx, replan); err != nil {
		t.Fatal(err)
	}
	got = noticeStatuses(t, st, ref.ID)
	want := map[string]string{"reminder:0:5": "sent", "due:0:0": "sent", "overdue:1:0": "dropped", "escalation:3:1": "dropped", "reminder:0:2": "pending"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("after a full replan %s is %q, want %q", k, got[k], w)
		}
	}
	next, ok, err := st.NextNoticeAt(ctx)
	if err != nil || !ok || !next.Equal(at(26, 9)) {
		t.Errorf("next notice %v %v %v", next, ok, err)
	}

	// Progress read back for a restarted run.
	p, err := st.ItemProgressOf(ctx, ref.ID)
	if err != nil || p.Seq != 3 || len(p.Cycles) != 1 || p.Cycles[0].Status != "open" {
		t.Errorf("progress %+v, %v", p, err)
	}
}
