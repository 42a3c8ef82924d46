package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// The dashboard benchmark runs against one million generated items: 1,000 units of 20 offices
// and 1,000 items each; every item has a lead office and every fifth a co-responsible one
// (1.2 M item_offices). Item states: 5 % overdue (escalation levels 0–3, 1–60 days past due),
// 60 % upcoming (due over the next year, so ~1.1 % within 7 days), 25 % done, 10 % waiting.
// Cycles: a past one for every item (done, 1 in 7 late, or overdue) and the current one of
// upcoming items: 1.6 M item_cycles.

var bench struct {
	once sync.Once
	st   *store.Store
	srv  *Server
	sup  *store.User // supervisor of one unit
	adm  *store.User
	err  error
	gen  time.Duration
	mv   time.Duration
}

const benchItems = 1_000_000

func benchSetup(b *testing.B) {
	bench.once.Do(func() {
		ctx := context.Background()
		// ZWGK_BENCH_DATABASE_URL reuses a database generated before (run once with
		// ZWGK_TEST_KEEP=1 to keep one), to iterate on queries without waiting for the data.
		url, reuse := os.LookupEnv("ZWGK_BENCH_DATABASE_URL")
		if !reuse {
			url = testenv.DatabaseURL(b)
		}
		st, err := store.Open(ctx, url)
		if err != nil {
			bench.err = err
			return
		}
		bench.st = st
		if reuse {
			if _, err := st.Migrate(ctx); err != nil {
				bench.err = err
				return
			}
			_, _ = st.Pool.Exec(ctx, `DELETE FROM users WHERE login LIKE 'bench-%'`)
		}
		start := time.Now()
		now := time.Now()
		for _, q := range benchData {
			if reuse {
				break
			}
			var args []any
			if strings.Contains(q, "$1") {
				args = append(args, now)
			}
			if _, err := st.Pool.Exec(ctx, q, args...); err != nil {
				bench.err = fmt.Errorf("%s: %w", q, err)
				return
			}
		}
		bench.gen = time.Since(start)
		start = time.Now()
		if _, err := st.RefreshDashboardStats(ctx); err != nil {
			bench.err = err
			return
		}
		bench.mv = time.Since(start)
		a := store.Audit{Actor: "bench"}
		bench.sup, _, err = CreateUser(ctx, st, "bench-sup", "", store.RoleSupervisor, "password-bench", nil, []int64{500}, a)
		if err != nil {
			bench.err = err
			return
		}
		bench.adm, _, err = CreateUser(ctx, st, "bench-admin", "", store.RoleAdmin, "password-bench", nil, nil, a)
		if err != nil {
			bench.err = err
			return
		}
		bench.srv, bench.err = New(Options{Store: st, Items: &recorder{}, Secret: []byte("bench-secret-0123456789-q8w7e6r5t4y3"), BaseURL: "http://zwgk.bench"})
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

// benchData generates the items; $1 is now.
var benchData = []string{
	`INSERT INTO units (id, name) SELECT u, '单位' || lpad(u::text, 4, '0') FROM generate_series(1, 1000) u`,
	`INSERT INTO offices (id, unit_id, name) SELECT o, (o - 1) / 20 + 1, '科室' || ((o - 1) % 20 + 1) FROM generate_series(1, 20000) o`,
	`INSERT INTO lists (id, unit_id, year, title) SELECT u, u, 2024, '任务清单' FROM generate_series(1, 1000) u`,
	`SELECT setval('units_id_seq', 1000), setval('offices_id_seq', 20000), setval('lists_id_seq', 1000)`,
	`INSERT INTO items (id, list_id, key, seq, title, requirement, rule, workflow_id)
	 SELECT i, (i - 1) / 1000 + 1, lpad(to_hex(i), 16, '0'), (i - 1) % 1000 + 1, '政务公开事项' || i,
	        '按要求在门户网站公开第 ' || i || ' 项信息', '{"kind":"deadline","text":"4月底"}', 'wf-' || i
	 FROM generate_series(1, 1000000) i`,
	`SELECT setval('items_id_seq', 1000000)`,
	`INSERT INTO item_offices (item_id, office_id, role)
	 SELECT i, ((i - 1) / 1000) * 20 + (i % 20) + 1, 'lead' FROM generate_series(1, 1000000) i`,
	`INSERT INTO item_offices (item_id, office_id, role)
	 SELECT i, ((i - 1) / 1000) * 20 + ((i + 7) % 20) + 1, 'co' FROM generate_series(1, 1000000, 5) i`,
	`INSERT INTO item_state (item_id, workflow_id, seq, status, cycle_key, due_at, escalation_level, overdue_since, last_done_at)
	 SELECT i, 'wf-' || i, 1,
	        CASE WHEN b < 5 THEN 'overdue' WHEN b < 65 THEN 'upcoming' WHEN b < 90 THEN 'done' ELSE 'waiting' END,
	        '2024',
	        CASE WHEN b < 5 THEN $1::timestamptz - (1 + i % 60) * interval '1 day'
	             WHEN b < 65 THEN $1::timestamptz + (i % 365) * interval '1 day' + interval '1 hour'
	             WHEN b < 90 THEN $1::timestamptz - (i % 200) * interval '1 day' END,
	        CASE WHEN b < 5 THEN i % 4 ELSE 0 END,
	        CASE WHEN b < 5 THEN $1::timestamptz - (1 + i % 60) * interval '1 day' END,
	        CASE WHEN b >= 65 AND b < 90 THEN $1::timestamptz - (i % 200) * interval '1 day' END
	 FROM (SELECT i, i % 100 AS b FROM generate_series(1, 1000000) i) g`,
	`INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status, completions, done_at, late)
	 SELECT i, 'past', 1, d - interval '90 days', d, d,
	        CASE WHEN b < 5 THEN 'overdue' ELSE 'done' END,
	        CASE WHEN b < 5 THEN 0 ELSE 1 END,
	        CASE WHEN b < 5 THEN NULL WHEN i % 7 = 0 THEN d + interval '2 days' ELSE d - interval '2 days' END,
	        b >= 5 AND i % 7 = 0
	 FROM (SELECT i, i % 100 AS b, $1::timestamptz - (30 + i % 300) * interval '1 day' AS d FROM generate_series(1, 1000000) i) g`,
	`INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status)
	 SELECT s.item_id, 'current', 2, s.due_at - interval '90 days', s.due_at, s.due_at, 'open'
	 FROM item_state s WHERE s.status = 'upcoming'`,
	`ANALYZE`,
}

// p95 runs fn b.N times and reports its 50th and 95th percentile in milliseconds.
func p95(b *testing.B, fn func() error) {
	b.Helper()
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// BenchmarkDashboard1M: the supervisor dashboard over one million items, as the HTTP response
// (authentication, three queries, working-day arithmetic, HTML) and as its bare SQL
// (store.Dashboard), for a supervisor of one unit and for an admin who sees all 1,000 units.
// Run: go test ./web -run '^$' -bench Dashboard1M -benchtime 200x
func BenchmarkDashboard1M(b *testing.B) {
	benchSetup(b)
	b.Logf("generated %d items in %v; dashboard figures refreshed in %v", benchItems, bench.gen.Round(time.Millisecond), bench.mv.Round(time.Millisecond))
	ctx := context.Background()
	for _, who := range []struct {
		name string
		user *store.User
	}{{"supervisor", bench.sup}, {"admin", bench.adm}} {
		scope := store.ScopeOf(who.user)
		b.Run("sql/"+who.name, func(b *testing.B) {
			p95(b, func() error {
				_, err := bench.st.Dashboard(ctx, store.DashboardFilter{Scope: scope, Now: time.Now()})
				return err
			})
		})
		for _, path := range []string{"/dashboard", "/api/dashboard"} {
			b.Run("http"+path+"/"+who.name, func(b *testing.B) {
				tok := randomToken(32)
				if err := bench.st.CreateSession(ctx, tok, who.user.ID, time.Now().Add(time.Hour), "", ""); err != nil {
					b.Fatal(err)
				}
				p95(b, func() error {
					req := httptest.NewRequest("GET", path, nil)
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
					rec := httptest.NewRecorder()
					bench.srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						return fmt.Errorf("status %d: %.300s", rec.Code, rec.Body.String())
					}
					return nil
				})
			})
		}
	}
}

// BenchmarkDashboardStats1M: refreshing the dashboard's per-office and per-unit figures over the
// same million items (1.6 M cycles), which the dashboard does in the background once it is slow.
// Run: go test ./web -run '^$' -bench DashboardStats1M -benchtime 5x
func BenchmarkDashboardStats1M(b *testing.B) {
	benchSetup(b)
	ctx := context.Background()
	p95(b, func() error {
		_, err := bench.st.RefreshDashboardStats(ctx)
		return err
	})
}
