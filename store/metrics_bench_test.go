package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/zwgk/zwgk/testenv"
)

// BenchmarkMetricsCounts1M times the metrics scrape over a million notices (20,000 items with 50
// each: 74% sent, 14% dropped, 12% pending, a few claimed), with migration 00019's index on
// notices (status, at) and without it (dropped in the same database), after VACUUM ANALYZE as
// autovacuum would leave the table.
//
//	go test -run '^$' -bench MetricsCounts1M -benchtime 20x ./store
func BenchmarkMetricsCounts1M(b *testing.B) {
	ctx := context.Background()
	st := testenv.Store(b)
	exec := func(sql string) {
		b.Helper()
		if _, err := st.Pool.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO units (name) VALUES ('基准测试局')`)
	exec(`INSERT INTO lists (unit_id, year) SELECT id, 2026 FROM units`)
	exec(`INSERT INTO items (list_id, key, seq, title, rule, workflow_id)
		SELECT l.id, lpad(to_hex(g), 16, '0'), g, '第' || g || '项', '{}'::jsonb, 'item/' || g
		FROM lists l, generate_series(1, 20000) g`)
	// a year of notices per item, one every six days, the oldest 44 settled
	exec(`INSERT INTO notices (item_id, workflow_id, cycle_key, due_at, kind, "offset", target, at, seq,
			status, reason, sent_at, dispatch_key, dispatch_cutoff)
		SELECT i.id, i.workflow_id, 'M' || (n / 4), now() - interval '300 days' + n * interval '6 days',
			'reminder', n % 4, 'contact', now() - interval '303 days' + n * interval '6 days', 1,
			s.status, CASE s.status WHEN 'dropped' THEN 'cycle settled' ELSE '' END,
			CASE s.status WHEN 'sent' THEN now() END,
			CASE WHEN s.status <> 'pending' THEN 'run/' || n END,
			CASE WHEN s.status <> 'pending' THEN now() END
		FROM items i, generate_series(0, 49) n,
			LATERAL (SELECT CASE WHEN n < 44 AND n % 7 = 0 THEN 'dropped' WHEN n < 44 THEN 'sent'
				WHEN n = 44 AND i.id % 100 = 0 THEN 'claimed' ELSE 'pending' END AS status) s`)
	exec(`VACUUM ANALYZE notices`)
	var total int64
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM notices`).Scan(&total); err != nil || total != 1_000_000 {
		b.Fatalf("%d notices, %v", total, err)
	}
	scrape := func(b *testing.B) {
		now := time.Now()
		for b.Loop() {
			m, err := st.MetricsCounts(ctx, now, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			if m.NoticesSent != 740_000 || m.NoticesDropped != 140_000 || m.NoticesClaimed != 200 || m.NoticesPending != 119_800 {
				b.Fatalf("counts %+v", m)
			}
		}
	}
	b.Run("with-00019", scrape)
	exec(`DROP INDEX notices_status_at`)
	exec(`ANALYZE notices`)
	b.Run("without-00019", scrape)
}
