package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ScoredItem is an active item of a scored list (考核细则) with its 分值 and deduction rule.
type ScoredItem struct {
	ItemRow
	Score     float64
	Deduction string
	// Missed counts its overdue cycles: the occurrences a per-occurrence deduction rule counts.
	Missed int
}

// PointsFilter selects a unit's scored items within a scope; Year 0 is every list year.
type PointsFilter struct {
	Scope Scope
	Unit  int64
	Year  int
}

// ScoredItems lists the active items that carry a score, of one unit's lists in scope, by id.
func (s *Store) ScoredItems(ctx context.Context, f PointsFilter) ([]ScoredItem, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+itemRowCols+`, i.score::float8, i.deduction,
		(SELECT count(*) FROM item_cycles c WHERE c.item_id = i.id AND c.status = 'overdue')::int`+itemFrom+`
		WHERE `+scopeCond+` AND i.status = 'active' AND i.score IS NOT NULL AND l.unit_id = $4 AND ($5 = 0 OR l.year = $5)
		ORDER BY i.id`, f.Scope.All, nonNil(f.Scope.Units), nonNil(f.Scope.Offices), f.Unit, f.Year)
	return collect(rows, err, fmt.Sprintf("scored items of unit %d", f.Unit), func(r pgx.Row) (ScoredItem, error) {
		var it ScoredItem
		var offices []byte
		err := r.Scan(&it.ID, &it.WorkflowID, &it.ListID, &it.UnitID, &it.Unit, &it.Year, &it.Seq, &it.Section, &it.Path, &it.Title, &it.Summary,
			&it.RuleKind, &it.RuleText, &it.Status, &it.CycleKey, &it.DueAt, &it.EscalationLevel, &it.OverdueSince, &it.LastDoneAt,
			&it.Provisional, &offices, &it.Score, &it.Deduction, &it.Missed)
		if err != nil {
			return it, err
		}
		return it, json.Unmarshal(offices, &it.Offices)
	})
}
