package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ItemQuery is ItemFilter plus the filters of the list pages and exports that the lists of
// several years need: the list's year.
type ItemQuery struct {
	ItemFilter
	Year int // 0: any
}

// ReportItem is an item row with the evidence of its latest completion, for exports.
type ReportItem struct {
	ItemRow
	// Evidence is the URL given with the latest completed cycle; EvidenceFiles counts the files
	// attached to any of its cycles.
	Evidence      string `json:"evidence,omitempty"`
	EvidenceFiles int    `json:"evidence_files"`
}

// ReportItems lists items as Items does, filtered by year too, with their evidence.
func (s *Store) ReportItems(ctx context.Context, f ItemQuery) ([]ReportItem, error) {
	all, units, offices := f.Scope.args()
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	q := `SELECT ` + itemRowCols + `,
		COALESCE((SELECT c.evidence_url FROM item_cycles c WHERE c.item_id = i.id AND c.evidence_url <> ''
		          ORDER BY c.done_at DESC NULLS LAST LIMIT 1), ''),
		(SELECT count(*) FROM item_evidence e WHERE e.item_id = i.id)` + itemFrom + ` WHERE ` + scopeCond + `
		AND ($4 = 0 OR EXISTS (SELECT 1 FROM item_offices fo WHERE fo.item_id = i.id AND fo.office_id = $4))
		AND ($5 = 0 OR l.unit_id = $5)
		AND CASE $6
		      WHEN '' THEN i.status <> 'cancelled'
		      WHEN 'open' THEN i.status <> 'cancelled' AND COALESCE(s.status, 'pending') NOT IN ('done', 'cancelled')
		      ELSE COALESCE(s.status, CASE WHEN i.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END) = $6 END
		AND ($7 = '' OR strpos(i.title, $7) > 0 OR strpos(i.requirement, $7) > 0)
		AND ($10 = 0 OR l.year = $10)
		ORDER BY s.due_at ASC NULLS LAST, l.year DESC, i.list_id, i.seq
		LIMIT $8 OFFSET $9`
	rows, err := s.Pool.Query(ctx, q, all, units, offices, f.Office, f.Unit, f.Status, strings.TrimSpace(f.Query), f.Limit, f.Offset, f.Year)
	return collect(rows, err, "report items", func(r pgx.Row) (ReportItem, error) {
		var it ReportItem
		var offs []byte
		err := r.Scan(&it.ID, &it.WorkflowID, &it.ListID, &it.UnitID, &it.Unit, &it.Year, &it.Seq, &it.Section, &it.Path, &it.Title, &it.Summary,
			&it.RuleKind, &it.RuleText, &it.Status, &it.CycleKey, &it.DueAt, &it.EscalationLevel, &it.OverdueSince, &it.LastDoneAt,
			&it.Provisional, &offs, &it.Evidence, &it.EvidenceFiles)
		if err != nil {
			return it, err
		}
		return it, unmarshalOffices(offs, &it.ItemRow)
	})
}

// ListYears are the years of the lists in scope, newest first, for the year filter.
func (s *Store) ListYears(ctx context.Context, sc Scope) ([]int, error) {
	all, units, offices := sc.args()
	rows, err := s.Pool.Query(ctx, `SELECT DISTINCT l.year FROM lists l
		WHERE $1::bool OR l.unit_id = ANY($2::bigint[]) OR EXISTS (SELECT 1 FROM offices o WHERE o.unit_id = l.unit_id AND o.id = ANY($3::bigint[]))
		ORDER BY l.year DESC`, all, units, offices)
	return collect(rows, err, "list years", scalar[int])
}

// ReportFilter selects the cycles the charts and the month calendar count.
type ReportFilter struct {
	Scope  Scope
	Unit   int64 // 0: every unit in scope
	Office int64 // 0: every office in scope
	// From and To bound the cycles' due points: From <= due < To.
	From, To time.Time
}

// MonthFigures are the cycles due in one month (Asia/Shanghai) and what became of them; the
// counts mean what the dashboard's rates mean: closed cycles are those done or marked overdue.
type MonthFigures struct {
	Month   string `json:"month"` // 2024-05
	Due     int    `json:"due"`
	Closed  int    `json:"closed"`
	Done    int    `json:"done"`
	OnTime  int    `json:"on_time"`
	Overdue int    `json:"overdue"` // still overdue now
}

// OfficeMonth is one office's figures of one month, for the office × month heat map.
type OfficeMonth struct {
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	Unit     string `json:"unit"`
	MonthFigures
}

// reportCond restricts the rows of items i in lists l, with item_offices io when byOffice, to
// the filter, whose From and To ($1, $2) bound the column at; args go after them.
func reportCond(f ReportFilter, at string, byOffice bool, args *[]any) string {
	arg := func(v any) string { *args = append(*args, v); return fmt.Sprintf("$%d", len(*args)) }
	conds := []string{"i.status = 'active'", at + " >= $1", at + " < $2"}
	if !f.Scope.All {
		units, offices := arg(nonNil(f.Scope.Units)), arg(nonNil(f.Scope.Offices))
		if byOffice {
			// an office user sees the lines of their own offices only, not of co-responsible ones
			conds = append(conds, "(l.unit_id = ANY("+units+"::bigint[]) OR io.office_id = ANY("+offices+"::bigint[]))")
		} else {
			conds = append(conds, "(l.unit_id = ANY("+units+"::bigint[]) OR EXISTS (SELECT 1 FROM item_offices so WHERE so.item_id = i.id AND so.office_id = ANY("+offices+"::bigint[])))")
		}
	}
	if f.Unit != 0 {
		conds = append(conds, "l.unit_id = "+arg(f.Unit))
	}
	if f.Office != 0 {
		if byOffice {
			conds = append(conds, "io.office_id = "+arg(f.Office))
		} else {
			conds = append(conds, "EXISTS (SELECT 1 FROM item_offices fo WHERE fo.item_id = i.id AND fo.office_id = "+arg(f.Office)+")")
		}
	}
	return strings.Join(conds, " AND ")
}

const monthCols = `to_char(c.due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, count(*),
	count(*) FILTER (WHERE c.status IN ('overdue', 'done') OR c.done_at IS NOT NULL),
	count(*) FILTER (WHERE c.done_at IS NOT NULL),
	count(*) FILTER (WHERE c.done_at IS NOT NULL AND NOT c.late),
	count(*) FILTER (WHERE c.status = 'overdue')`

// MonthlyFigures counts the cycles in scope by the month they fall due, each cycle once
// however many offices share it; months without cycles are left out.
func (s *Store) MonthlyFigures(ctx context.Context, f ReportFilter) ([]MonthFigures, error) {
	args := []any{f.From, f.To}
	where := reportCond(f, "c.due_at", false, &args)
	rows, err := s.Pool.Query(ctx, `SELECT `+monthCols+`
		FROM item_cycles c JOIN items i ON i.id = c.item_id JOIN lists l ON l.id = i.list_id
		WHERE `+where+` GROUP BY month ORDER BY month`, args...)
	return collect(rows, err, "monthly figures", func(r pgx.Row) (MonthFigures, error) {
		var m MonthFigures
		err := r.Scan(&m.Month, &m.Due, &m.Closed, &m.Done, &m.OnTime, &m.Overdue)
		return m, err
	})
}

// OfficeMonthlyFigures counts the cycles in scope by office and due month; a cycle shared by
// two offices counts for each, since each is answerable for it.
func (s *Store) OfficeMonthlyFigures(ctx context.Context, f ReportFilter) ([]OfficeMonth, error) {
	args := []any{f.From, f.To}
	where := reportCond(f, "c.due_at", true, &args)
	rows, err := s.Pool.Query(ctx, `SELECT o.id, o.name, u.name, `+monthCols+`
		FROM item_cycles c JOIN items i ON i.id = c.item_id JOIN lists l ON l.id = i.list_id
		JOIN item_offices io ON io.item_id = i.id JOIN offices o ON o.id = io.office_id JOIN units u ON u.id = o.unit_id
		WHERE `+where+` GROUP BY o.id, o.name, u.name, month ORDER BY u.name, o.name, month`, args...)
	return collect(rows, err, "office monthly figures", func(r pgx.Row) (OfficeMonth, error) {
		var m OfficeMonth
		err := r.Scan(&m.OfficeID, &m.Office, &m.Unit, &m.Month, &m.Due, &m.Closed, &m.Done, &m.OnTime, &m.Overdue)
		return m, err
	})
}

// OfficeOverdue is the number of cycles an office has overdue now.
type OfficeOverdue struct {
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	Unit     string `json:"unit"`
	Overdue  int    `json:"overdue"`
}

// OverdueByOffice counts each office's overdue cycles (due in [From, To)), most first; offices
// with none are left out.
func (s *Store) OverdueByOffice(ctx context.Context, f ReportFilter) ([]OfficeOverdue, error) {
	args := []any{f.From, f.To}
	where := reportCond(f, "c.due_at", true, &args)
	rows, err := s.Pool.Query(ctx, `SELECT o.id, o.name, u.name, count(*)
		FROM item_cycles c JOIN items i ON i.id = c.item_id JOIN lists l ON l.id = i.list_id
		JOIN item_offices io ON io.item_id = i.id JOIN offices o ON o.id = io.office_id JOIN units u ON u.id = o.unit_id
		WHERE `+where+` AND c.status = 'overdue'
		GROUP BY o.id, o.name, u.name ORDER BY count(*) DESC, u.name, o.name`, args...)
	return collect(rows, err, "overdue by office", func(r pgx.Row) (OfficeOverdue, error) {
		var o OfficeOverdue
		err := r.Scan(&o.OfficeID, &o.Office, &o.Unit, &o.Overdue)
		return o, err
	})
}

// DuePoint is one cycle falling due, for the month calendar.
type DuePoint struct {
	ItemID  int64        `json:"item_id"`
	Title   string       `json:"title"`
	Cycle   string       `json:"cycle"`
	DueAt   time.Time    `json:"due_at"`
	Status  string       `json:"status"`
	Late    bool         `json:"late"`
	Offices []ItemOffice `json:"offices"`
}

// DuePoints lists the cycles in scope due in [From, To), soonest first.
func (s *Store) DuePoints(ctx context.Context, f ReportFilter) ([]DuePoint, error) {
	args := []any{f.From, f.To}
	where := reportCond(f, "c.due_at", false, &args)
	rows, err := s.Pool.Query(ctx, `SELECT i.id, i.title, c.cycle_key, c.due_at, c.status, c.late,
		COALESCE((SELECT json_agg(json_build_object('id', o.id, 'name', o.name, 'role', io.role) ORDER BY io.role DESC, o.name)
		          FROM item_offices io JOIN offices o ON o.id = io.office_id WHERE io.item_id = i.id), '[]')
		FROM item_cycles c JOIN items i ON i.id = c.item_id JOIN lists l ON l.id = i.list_id
		WHERE `+where+` ORDER BY c.due_at, i.title, c.cycle_key LIMIT 2000`, args...)
	return collect(rows, err, "due points", func(r pgx.Row) (DuePoint, error) {
		var p DuePoint
		var offs []byte
		if err := r.Scan(&p.ItemID, &p.Title, &p.Cycle, &p.DueAt, &p.Status, &p.Late, &offs); err != nil {
			return p, err
		}
		var row ItemRow
		err := unmarshalOffices(offs, &row)
		p.Offices = row.Offices
		return p, err
	})
}

// PlannedNotices counts the notices planned or sent on one day, by kind.
type PlannedNotices struct {
	Day   string `json:"day"` // 2024-05-08, Asia/Shanghai
	Kind  string `json:"kind"`
	Count int    `json:"count"`
	Sent  int    `json:"sent"`
}

// NoticesByDay counts the notices of the items in scope whose send time is in [From, To), by
// day and kind; dropped notices (superseded by a later plan) are left out. The filter's From
// and To bound the send time here, not the due point.
func (s *Store) NoticesByDay(ctx context.Context, f ReportFilter) ([]PlannedNotices, error) {
	args := []any{f.From, f.To}
	where := reportCond(f, "n.at", false, &args)
	rows, err := s.Pool.Query(ctx, `SELECT to_char(n.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, n.kind,
		count(*), count(*) FILTER (WHERE n.status = 'sent')
		FROM notices n JOIN items i ON i.id = n.item_id JOIN lists l ON l.id = i.list_id
		WHERE `+where+` AND n.status <> 'dropped'
		GROUP BY day, n.kind ORDER BY day, n.kind`, args...)
	return collect(rows, err, "notices by day", func(r pgx.Row) (PlannedNotices, error) {
		var p PlannedNotices
		err := r.Scan(&p.Day, &p.Kind, &p.Count, &p.Sent)
		return p, err
	})
}

func unmarshalOffices(b []byte, it *ItemRow) error {
	if err := json.Unmarshal(b, &it.Offices); err != nil {
		return fmt.Errorf("offices of item %d: %w", it.ID, err)
	}
	return nil
}

// UnitName is a unit's name.
func (s *Store) UnitName(ctx context.Context, unitID int64) (string, error) {
	var name string
	err := s.Pool.QueryRow(ctx, `SELECT name FROM units WHERE id = $1`, unitID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound("unit", unitID)
	}
	if err != nil {
		return "", fmt.Errorf("store: unit %d: %w", unitID, err)
	}
	return name, nil
}
