package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/zwgk/zwgk/calendar"
)

// CategoryFigures are the cycles of one top-level category of a unit's task lists that fell due
// in a year, for the annual report's 本年度主动公开事项完成情况.
type CategoryFigures struct {
	// Category is the item's first path element, else its section; "" when the list had neither.
	Category string `json:"category"`
	Items    int    `json:"items"` // items with at least one cycle due in the year
	Due      int    `json:"due"`
	Done     int    `json:"done"`
	OnTime   int    `json:"on_time"`
}

// AnnualItemFigures counts a unit's cycles due in a calendar year (Asia/Shanghai), whatever
// list year they belong to, by category in the order the lists first name them. Done counts
// completions recorded up to now, so a report run in January includes the late ones of
// December; cancelled items are left out as the other reports leave them out.
func (s *Store) AnnualItemFigures(ctx context.Context, unitID int64, year int) ([]CategoryFigures, error) {
	from, to := calendar.D(year, 1, 1).Start(), calendar.D(year+1, 1, 1).Start()
	rows, err := s.Pool.Query(ctx, `SELECT COALESCE(NULLIF(i.path[1], ''), i.section) AS category,
			count(DISTINCT i.id), count(*),
			count(*) FILTER (WHERE c.done_at IS NOT NULL),
			count(*) FILTER (WHERE c.done_at IS NOT NULL AND NOT c.late)
		FROM item_cycles c JOIN items i ON i.id = c.item_id JOIN lists l ON l.id = i.list_id
		WHERE l.unit_id = $1 AND i.status = 'active' AND c.due_at >= $2 AND c.due_at < $3
		GROUP BY category ORDER BY min(l.year), min(i.seq), category`, unitID, from, to)
	return collect(rows, err, "annual item figures", func(r pgx.Row) (CategoryFigures, error) {
		var c CategoryFigures
		err := r.Scan(&c.Category, &c.Items, &c.Due, &c.Done, &c.OnTime)
		return c, err
	})
}
