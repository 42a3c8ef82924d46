package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DashboardFilter selects what the supervisor dashboard shows.
type DashboardFilter struct {
	Scope    Scope
	Unit     int64 // 0: every unit in scope
	Office   int64 // 0: every office in scope
	MinLevel int   // only overdue items escalated at least this far
	// Sort orders the overdue items: "due" (longest overdue first, the default), "level"
	// (highest escalation first) or "office".
	Sort  string
	Now   time.Time
	Soon  time.Duration // "due soon" horizon of the item list; 7 days when zero
	Limit int           // rows of each item list; 200 when zero
}

// Stats are the dashboard's figures for an office, a unit or the whole scope.
type Stats struct {
	Overdue      int        `json:"overdue"`
	ByLevel      [4]int     `json:"by_level"` // overdue items at escalation level 0, 1, 2, 3 or more
	DueSoon      int        `json:"due_soon"` // due within 7 days
	OldestDue    *time.Time `json:"oldest_due,omitempty"`
	CyclesClosed int        `json:"cycles_closed"` // cycles due (marked overdue) or done
	CyclesDone   int        `json:"cycles_done"`
	CyclesOnTime int        `json:"cycles_on_time"`
}

// OverdueFrom is the overdue count of items escalated at least to level min.
func (s Stats) OverdueFrom(min int) int {
	n := 0
	for l := max(min, 0); l < len(s.ByLevel); l++ {
		n += s.ByLevel[l]
	}
	return n
}

// OfficeSummary is one office's line on the dashboard.
type OfficeSummary struct {
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	UnitID   int64  `json:"unit_id"`
	Unit     string `json:"unit"`
	Stats
}

// Dashboard is the supervisor's view.
type Dashboard struct {
	// Offices are the offices in scope, those with the most overdue items first (at most 500;
	// an office created since StatsAt appears with the next refresh);
	// Totals count the items in scope, each once. Both come from the snapshot of StatsAt.
	Offices []OfficeSummary `json:"offices"`
	Totals  Stats           `json:"totals"`
	StatsAt *time.Time      `json:"stats_at,omitempty"`
	// The item lists are live.
	Overdue []ItemRow `json:"overdue"`
	DueSoon []ItemRow `json:"due_soon"`
}

// officeScopeSQL restricts offices o by scope and filter; the scope is spelled out rather than
// passed as "$all OR …" so that the planner can use the indexes of a narrow scope.
func officeScopeSQL(f DashboardFilter, args *[]any) string {
	arg := func(v any) string { *args = append(*args, v); return fmt.Sprintf("$%d", len(*args)) }
	var conds []string
	if !f.Scope.All {
		conds = append(conds, "(o.unit_id = ANY("+arg(nonNil(f.Scope.Units))+"::bigint[]) OR o.id = ANY("+arg(nonNil(f.Scope.Offices))+"::bigint[]))")
	}
	if f.Unit != 0 {
		conds = append(conds, "o.unit_id = "+arg(f.Unit))
	}
	if f.Office != 0 {
		conds = append(conds, "o.id = "+arg(f.Office))
	}
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

const statsCols = `COALESCE(st.overdue, 0), COALESCE(st.level0, 0), COALESCE(st.level1, 0), COALESCE(st.level2, 0),
	COALESCE(st.level3, 0), COALESCE(st.due_soon, 0), COALESCE(st.cycles_closed, 0), COALESCE(st.cycles_done, 0),
	COALESCE(st.cycles_on_time, 0)`

func (st *Stats) scanDest() []any {
	return []any{&st.Overdue, &st.ByLevel[0], &st.ByLevel[1], &st.ByLevel[2], &st.ByLevel[3], &st.DueSoon,
		&st.CyclesClosed, &st.CyclesDone, &st.CyclesOnTime}
}

// Dashboard computes the supervisor dashboard.
func (s *Store) Dashboard(ctx context.Context, f DashboardFilter) (*Dashboard, error) {
	if f.Soon <= 0 {
		f.Soon = 7 * 24 * time.Hour
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	var d Dashboard

	// Offices with the most (sufficiently escalated) overdue items first.
	var args []any
	where := officeScopeSQL(f, &args)
	// office_stats holds every office that existed at the refresh; its index gives the top
	// offices of a large scope without sorting all of them.
	rows, err := s.Pool.Query(ctx, `
		SELECT o.id, o.name, u.id, u.name, `+statsCols+`, st.oldest_due
		FROM office_stats st
		JOIN offices o ON o.id = st.office_id
		JOIN units u ON u.id = o.unit_id
		WHERE `+where+`
		ORDER BY st.overdue DESC, st.oldest_due ASC NULLS LAST, st.due_soon DESC, st.office_id
		LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard offices: %w", err)
	}
	d.Offices, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OfficeSummary, error) {
		var o OfficeSummary
		err := r.Scan(append([]any{&o.OfficeID, &o.Office, &o.UnitID, &o.Unit}, append(o.scanDest(), &o.OldestDue)...)...)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard offices: %w", err)
	}

	// Totals: one office's figures when filtered by office, else the sum over the units in
	// scope (an item belongs to one unit, so each counts once).
	if f.Office != 0 {
		for _, o := range d.Offices {
			if o.OfficeID == f.Office {
				d.Totals = o.Stats
			}
		}
	} else {
		var targs []any
		cond := "true"
		if !f.Scope.All {
			targs = append(targs, nonNil(f.Scope.Units), nonNil(f.Scope.Offices))
			cond = "(st.unit_id = ANY($1::bigint[]) OR st.unit_id IN (SELECT unit_id FROM offices WHERE id = ANY($2::bigint[])))"
		}
		if f.Unit != 0 {
			targs = append(targs, f.Unit)
			cond += fmt.Sprintf(" AND st.unit_id = $%d", len(targs))
		}
		t := &d.Totals
		err := s.Pool.QueryRow(ctx, `SELECT COALESCE(sum(st.overdue), 0), COALESCE(sum(st.level0), 0), COALESCE(sum(st.level1), 0),
			COALESCE(sum(st.level2), 0), COALESCE(sum(st.level3), 0), COALESCE(sum(st.due_soon), 0), COALESCE(sum(st.cycles_closed), 0),
			COALESCE(sum(st.cycles_done), 0), COALESCE(sum(st.cycles_on_time), 0)
			FROM unit_stats st WHERE `+cond, targs...).Scan(t.scanDest()...)
		if err != nil {
			return nil, fmt.Errorf("store: dashboard totals: %w", err)
		}
	}

	order := "s.due_at ASC, i.id"
	switch f.Sort {
	case "level":
		order = "s.escalation_level DESC, s.due_at ASC, i.id"
	case "office":
		order = "(SELECT min(o2.name) FROM item_offices io2 JOIN offices o2 ON o2.id = io2.office_id WHERE io2.item_id = i.id AND io2.role = 'lead'), s.due_at ASC, i.id"
	}
	if d.Overdue, err = s.dashboardItems(ctx, f, "s.status = 'overdue' AND s.escalation_level >= $1", []any{f.MinLevel}, order); err != nil {
		return nil, fmt.Errorf("store: dashboard overdue: %w", err)
	}
	if d.DueSoon, err = s.dashboardItems(ctx, f, "s.status = 'upcoming' AND s.due_at >= $1 AND s.due_at < $2", []any{f.Now, f.Now.Add(f.Soon)}, "s.due_at ASC, i.id"); err != nil {
		return nil, fmt.Errorf("store: dashboard due soon: %w", err)
	}
	if at, _, err := s.DashboardSnapshot(ctx); err == nil {
		d.StatsAt = &at
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return &d, nil
}

// dashboardItems lists items matching stateCond (over item_state s) whose offices are in the
// filter's scope.
func (s *Store) dashboardItems(ctx context.Context, f DashboardFilter, stateCond string, args []any, order string) ([]ItemRow, error) {
	where := officeScopeSQL(f, &args)
	scope := ""
	if where != "true" {
		scope = ` AND EXISTS (SELECT 1 FROM item_offices io JOIN offices o ON o.id = io.office_id WHERE io.item_id = i.id AND ` + where + `)`
	}
	args = append(args, f.Limit)
	q := `SELECT ` + itemRowCols + `
		FROM item_state s
		JOIN items i ON i.id = s.item_id
		JOIN lists l ON l.id = i.list_id
		JOIN units un ON un.id = l.unit_id
		WHERE ` + stateCond + ` AND i.status = 'active'` + scope + `
		ORDER BY ` + order + fmt.Sprintf(" LIMIT $%d", len(args))
	rows, err := s.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ItemRow, error) { return scanItemRow(r) })
}

const snapshotName = "dashboard_stats"

// DashboardSnapshot reports when the dashboard's figures were computed and how long that took.
func (s *Store) DashboardSnapshot(ctx context.Context) (refreshed time.Time, took time.Duration, err error) {
	var ms float64
	err = s.Pool.QueryRow(ctx, `SELECT refreshed_at, took_ms FROM web_snapshots WHERE name = $1`, snapshotName).Scan(&refreshed, &ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, 0, notFound("snapshot", snapshotName)
	}
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("store: snapshot: %w", err)
	}
	return refreshed, time.Duration(ms * float64(time.Millisecond)), nil
}

// RefreshDashboardStats recomputes the dashboard's figures (office_stats, unit_stats) unless
// another process is already doing it (then it returns false at once: one refresh at a time
// is enough).
func (s *Store) RefreshDashboardStats(ctx context.Context) (bool, error) {
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	const lockKey = 0x7a77676b_0001 // "zwgk" + 1
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(lockKey)).Scan(&got); err != nil {
		return false, fmt.Errorf("store: refresh dashboard: %w", err)
	}
	if !got {
		return false, nil
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(lockKey)) }()
	// refreshed_at is when the refresh began: a change after it may be missing from the figures
	var began time.Time
	if err := conn.QueryRow(ctx, `SELECT now()`).Scan(&began); err != nil {
		return false, fmt.Errorf("store: refresh dashboard: %w", err)
	}
	start := time.Now()
	for _, mv := range []string{"office_stats", "unit_stats"} {
		if _, err := conn.Exec(ctx, `REFRESH MATERIALIZED VIEW CONCURRENTLY `+mv); err != nil {
			return false, fmt.Errorf("store: refresh %s: %w", mv, err)
		}
	}
	took := float64(time.Since(start).Microseconds()) / 1000
	if _, err := conn.Exec(ctx, `INSERT INTO web_snapshots (name, refreshed_at, took_ms) VALUES ($1, $3, $2)
		ON CONFLICT (name) DO UPDATE SET refreshed_at = $3, took_ms = $2`, snapshotName, took, began); err != nil {
		return false, fmt.Errorf("store: refresh dashboard: %w", err)
	}
	return true, nil
}

// DashboardChangedSince reports whether an item, its state or one of its cycles changed at or
// after t (less a margin for transactions that began before t and committed after it): then
// figures computed at t may disagree with the live lists.
func (s *Store) DashboardChangedSince(ctx context.Context, t time.Time) (bool, error) {
	var changed bool
	err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM item_state WHERE updated_at >= $1)
		OR EXISTS (SELECT 1 FROM items WHERE updated_at >= $1)
		OR EXISTS (SELECT 1 FROM item_cycles WHERE updated_at >= $1)`, t.Add(-2*time.Second)).Scan(&changed)
	if err != nil {
		return false, fmt.Errorf("store: dashboard changes: %w", err)
	}
	return changed, nil
}
