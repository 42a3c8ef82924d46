package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// completionSync is the sync an item workflow sends after the web completed its cycle: a
// history row carrying the command's audit entry, beside a row the workflow recorded itself.
func completionSync(ref store.ItemRef) store.ItemSync {
	at := time.Date(2024, 6, 20, 10, 0, 0, 0, time.UTC)
	detail, _ := json.Marshal(map[string]any{"evidence_url": "https://gk.example.gov.cn/ys.html", "by": "bangongshi"})
	return store.ItemSync{WorkflowID: ref.WorkflowID, ItemID: ref.ID, Seq: 3,
		State:  store.ItemStateRow{Status: "done", LastDoneAt: at},
		Cycles: []store.CycleRow{{Key: "2024-06-30", Start: at.AddDate(0, 0, -19), Due: at.AddDate(0, 0, 10), OriginalDue: at.AddDate(0, 0, 10), Status: "done", Required: 1, Completions: 1, DoneAt: at}},
		Events: []store.EventRow{
			{Seq: 2, Kind: "overdue", CycleKey: "2024-06-30", At: at},
			{Seq: 3, Kind: "completed", CycleKey: "2024-06-30", At: at, Actor: "bangongshi",
				Audit: &store.EventAudit{UserID: 0, Actor: "bangongshi", IP: "10.1.2.3", Action: "item.complete", Detail: detail}},
		},
	}
}

func itemAudits(t *testing.T, st *store.Store, itemID int64) []store.AuditEntry {
	t.Helper()
	entries, err := st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "item", ObjectID: fmt.Sprint(itemID)})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// A retried sync activity (the worker died after the commit, before Temporal heard of it)
// sends the same rows again: the history rows are already there, and so is their entry.
func TestSyncItemAuditsOnce(t *testing.T) {
	st := testenv.Store(t)
	ref := oneItem(t, st)
	sync := completionSync(ref)
	for try := 1; try <= 2; try++ {
		if _, err := st.SyncItem(context.Background(), sync); err != nil {
			t.Fatalf("try %d: %v", try, err)
		}
	}
	entries := itemAudits(t, st, ref.ID)
	if len(entries) != 1 {
		t.Fatalf("%d entries after a retried sync, want 1: %+v", len(entries), entries)
	}
	e := entries[0]
	var detail map[string]any
	if err := json.Unmarshal(e.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if e.Action != "item.complete" || e.Actor != "bangongshi" || e.IP != "10.1.2.3" || e.ObjectType != "item" ||
		e.ObjectID != fmt.Sprint(ref.ID) || e.UserID != nil || detail["evidence_url"] != "https://gk.example.gov.cn/ys.html" {
		t.Fatalf("entry %+v detail %s", e, e.Detail)
	}
}

// An audit entry PostgreSQL refuses fails the whole sync: neither the history row nor the
// state it shows is written, and the activity's retry writes both once the entry is accepted.
func TestSyncItemAuditRefused(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	ref := oneItem(t, st)
	sync := completionSync(ref)
	lift := refuseAudit(t, st, "item.complete")
	if _, err := st.SyncItem(ctx, sync); err == nil {
		t.Fatal("the sync committed although its audit entry was refused")
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := st.Pool.QueryRow(ctx, sql, ref.ID).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	const events = `SELECT count(*) FROM item_events WHERE item_id = $1`
	const done = `SELECT count(*) FROM item_cycles WHERE item_id = $1 AND status = 'done'`
	if n, d := count(events), count(done); n != 0 || d != 0 {
		t.Fatalf("%d history rows and %d done cycles without the audit entry", n, d)
	}
	lift()
	if _, err := st.SyncItem(ctx, sync); err != nil {
		t.Fatal(err)
	}
	if n, d, a := count(events), count(done), len(itemAudits(t, st, ref.ID)); n != 2 || d != 1 || a != 1 {
		t.Fatalf("after the retry: %d history rows, %d done cycles, %d entries; want 2, 1, 1", n, d, a)
	}
}
