package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// The figures /metrics shows, read as the dispatcher moves notices and deliveries along: due
// and claimed notices with the age of the oldest, sent notices, deliveries and attempts by
// channel and outcome, and what one channel-wide quota counts.
func TestMetricsCounts(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	ref := oneItem(t, st)
	now := time.Now().Truncate(time.Second)
	due := now.AddDate(0, 1, 0)
	if _, err := st.SyncItem(ctx, store.ItemSync{WorkflowID: ref.WorkflowID, ItemID: ref.ID, Seq: 1,
		State:  store.ItemStateRow{Status: "upcoming", CycleKey: "c", DueAt: due},
		Cycles: []store.CycleRow{{Key: "c", Start: now.AddDate(0, -1, 0), Due: due, OriginalDue: due, Status: "open", Required: 1}},
		Plans: []store.CyclePlan{{CycleKey: "c", Due: due, Notices: []store.NoticePlan{
			{Kind: "reminder", Offset: 3, Target: "contact", At: now.Add(-2 * time.Hour)},
			{Kind: "reminder", Offset: 2, Target: "contact", At: now.Add(-time.Hour)},
			{Kind: "reminder", Offset: 1, Target: "contact", At: now.Add(24 * time.Hour)},
		}}},
	}); err != nil {
		t.Fatal(err)
	}
	read := func() store.MetricsCounts {
		t.Helper()
		m, err := st.MetricsCounts(ctx, now, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := read()
	if m.NoticesPending != 3 || m.NoticesDue != 2 || m.NoticesClaimed != 0 || m.NoticesSent != 0 || !m.OldestDue.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("planned: %+v", m)
	}
	if m.ImportRuns != 1 || m.ImportAdded != 1 || m.LastImportedAt.IsZero() || m.ItemsByStatus["upcoming"] != 1 {
		t.Errorf("imports and items: %+v", m)
	}

	// A dispatch claims what was due 90 minutes ago: the claimed notice is still owed, so it
	// stays the oldest due.
	if _, err := st.ClaimNotices(ctx, "run/1", now.Add(-90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	m = read()
	if m.NoticesPending != 2 || m.NoticesDue != 1 || m.NoticesClaimed != 1 || !m.OldestDue.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("claimed: %+v", m)
	}
	claimed, err := st.ClaimedNotices(ctx, "run/1")
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed notices %v, %v", claimed, err)
	}
	if err := st.SettleNotices(ctx, []int64{claimed[0].ID}, "sent", ""); err != nil {
		t.Fatal(err)
	}

	// Two deliveries by email: one sent at the first attempt, one failed at its only one.
	for i, outcome := range []string{store.AttemptSent, store.AttemptFailed} {
		d, err := st.EnsureDelivery(ctx, store.Delivery{Key: "digest/run/1", Recipient: store.PersonKey(int64(i + 1)), Kind: "digest", Payload: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		n, err := st.BeginAttempt(ctx, store.AttemptStart{DeliveryID: d.ID, Channel: "email", Address: "a@example.gov.cn", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishAttempt(ctx, d.ID, n, store.AttemptResult{Status: outcome, At: now}); err != nil {
			t.Fatal(err)
		}
		if outcome == store.AttemptFailed {
			if err := st.FailDelivery(ctx, d.ID, "550", now); err != nil {
				t.Fatal(err)
			}
		}
	}
	m = read()
	if m.NoticesSent != 1 || m.NoticesClaimed != 0 || !m.OldestDue.Equal(now.Add(-time.Hour)) {
		t.Errorf("settled: %+v", m)
	}
	got := map[string]int64{}
	for _, c := range m.Deliveries {
		got["delivery "+c.Channel+" "+c.Status] = c.N
	}
	for _, c := range m.Attempts {
		got["attempt "+c.Channel+" "+c.Status] = c.N
	}
	want := map[string]int64{"delivery email sent": 1, "delivery email failed": 1, "attempt email sent": 1, "attempt email failed": 1}
	if len(got) != len(want) {
		t.Errorf("by channel: %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	// a quota counts what a provider may have taken: the sent attempt, not the failed one
	if n, err := st.ChannelAttemptsSince(ctx, "email", now.Add(-time.Minute)); err != nil || n != 1 {
		t.Errorf("email attempts in the window: %d, %v; want 1", n, err)
	}
	if n, err := st.ChannelAttemptsSince(ctx, "email", now.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("email attempts after them: %d, %v; want 0", n, err)
	}
}
