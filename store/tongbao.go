package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zwgk/zwgk/calendar"
)

// TongbaoUnit is a unit whose leaders get a monthly 通报: it has a list and active supervisors.
type TongbaoUnit struct {
	ID          int64
	Name        string
	Supervisors []int64 // person ids, each once however many levels they hold
	Policy      []byte  // the unit's reminder policy override (nil: none): its send windows apply
}

// TongbaoUnits lists the units a 通报 goes to, by id. A unit without a list has nothing to
// report, and one without supervisors nobody to tell.
func (s *Store) TongbaoUnits(ctx context.Context) ([]TongbaoUnit, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT u.id, u.name, array_agg(DISTINCT p.id ORDER BY p.id), u.policy
		FROM units u
		JOIN unit_supervisors us ON us.unit_id = u.id
		JOIN people p ON p.id = us.person_id AND p.active
		WHERE EXISTS (SELECT 1 FROM lists l WHERE l.unit_id = u.id)
		GROUP BY u.id ORDER BY u.id`)
	return collect(rows, err, "units for the 通报", func(r pgx.Row) (TongbaoUnit, error) {
		var u TongbaoUnit
		return u, r.Scan(&u.ID, &u.Name, &u.Supervisors, &u.Policy)
	})
}

// TongbaoPlan is one unit's 通报 of one month or quarter, to be sent at At to each of its
// supervisors.
type TongbaoPlan struct {
	UnitID    int64
	Month     string // 2026-11 or 2026Q4: the month or quarter reported on (TongbaoPeriod)
	At        time.Time
	Note      string // the figures the message states
	PersonIDs []int64
}

// TongbaoWorkflowID names a unit's 通报 notices in the notices' unique key; with the month as
// the cycle and the person as the target, a re-run plans nothing new.
func TongbaoWorkflowID(unitID int64) string { return "tongbao/" + strconv.FormatInt(unitID, 10) }

// PlanTongbao writes the notices of a unit's 通报, one per supervisor, unless they were written
// before (then nothing changes, whatever their state: a sent 通报 is never sent again). It
// returns how many it wrote and, as SyncItem does, the instant to wake the dispatcher at when
// that is earlier than its wake-up (zero otherwise).
func (s *Store) PlanTongbao(ctx context.Context, p TongbaoPlan) (planned int, wake time.Time, err error) {
	first, _, err := TongbaoPeriod(p.Month)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: 通报 of unit %d: %w", p.UnitID, err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for _, person := range p.PersonIDs {
			n, err := execCount(ctx, tx, `
				INSERT INTO notices (unit_id, workflow_id, cycle_key, due_at, kind, level, "offset", target, at, urgent, seq, note)
				VALUES ($1, $2, $3, $4, 'tongbao', 0, 0, $5, $6, false, 1, $7)
				ON CONFLICT (workflow_id, cycle_key, due_at, kind, level, "offset", target) DO NOTHING`,
				p.UnitID, TongbaoWorkflowID(p.UnitID), p.Month, first, PersonKey(person), p.At, p.Note)
			if err != nil {
				return fmt.Errorf("store: 通报 of unit %d for person %d: %w", p.UnitID, person, err)
			}
			planned += int(n)
		}
		if planned == 0 {
			return nil
		}
		var err error
		wake, err = moveWake(ctx, tx, p.At)
		return err
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	return planned, wake, nil
}

// ClaimedTongbaoNotices lists the 通报 notices a dispatch key holds, shaped like item notices so
// that the dispatcher puts them in the same digests: Title names the unit and the month,
// Requirement the figures.
func (s *Store) ClaimedTongbaoNotices(ctx context.Context, key string) ([]Notice, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT n.id, n.unit_id, u.name, n.cycle_key, n.kind, n.level, n."offset", n.target, n.at, n.urgent, n.due_at, n.note
		FROM notices n JOIN units u ON u.id = n.unit_id
		WHERE n.dispatch_key = $1 AND n.status = 'claimed'
		ORDER BY n.at, n.unit_id, n.id`, key)
	return collect(rows, err, "通报 notices of "+key, func(r pgx.Row) (Notice, error) {
		var n Notice
		if err := r.Scan(&n.ID, &n.UnitID, &n.Unit, &n.CycleKey, &n.Kind, &n.Level, &n.Offset, &n.Target, &n.At,
			&n.Urgent, &n.CycleDue, &n.Requirement); err != nil {
			return n, err
		}
		n.Title = n.Unit + monthLabel(n.CycleKey) + "政务公开工作通报"
		n.ItemActive = true
		return n, nil
	})
}

// TongbaoPeriod reads the period a 通报 reports on, a month (2026-11) or a quarter (2026Q4),
// as its first instant in Asia/Shanghai and the first instant after it. The key is also the
// notices' cycle key, so a quarter's 通报 never shares a key with its last month's.
func TongbaoPeriod(key string) (from, to time.Time, err error) {
	if y, q, ok := strings.Cut(key, "Q"); ok {
		year, yerr := strconv.Atoi(y)
		n, qerr := strconv.Atoi(q)
		if yerr != nil || qerr != nil || len(y) != 4 || n < 1 || n > 4 {
			return time.Time{}, time.Time{}, fmt.Errorf("period %q: want a quarter such as 2026Q4", key)
		}
		from = time.Date(year, time.Month(3*n-2), 1, 0, 0, 0, 0, calendar.Shanghai)
		return from, from.AddDate(0, 3, 0), nil
	}
	from, err = time.ParseInLocation("2006-01", key, calendar.Shanghai)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("period %q: want a month such as 2026-11: %w", key, err)
	}
	return from, from.AddDate(0, 1, 0), nil
}

// QuarterKey is the key of the quarter month m of year is in: 2026, 11 → 2026Q4.
func QuarterKey(year int, m time.Month) string {
	return fmt.Sprintf("%dQ%d", year, (int(m)-1)/3+1)
}

var quarterNames = [...]string{"", "一", "二", "三", "四"}

// TongbaoLabel is a period's name in a 通报's title: 2026年11月, 2026年第四季度.
func TongbaoLabel(key string) string { return monthLabel(key) }

// monthLabel writes 2026-11 as 2026年11月 and 2026Q4 as 2026年第四季度.
func monthLabel(month string) string {
	if y, q, ok := strings.Cut(month, "Q"); ok {
		if n, err := strconv.Atoi(q); err == nil && n >= 1 && n <= 4 {
			return y + "年第" + quarterNames[n] + "季度"
		}
		return month
	}
	y, m, ok := strings.Cut(month, "-")
	if !ok {
		return month
	}
	return y + "年" + strings.TrimPrefix(m, "0") + "月"
}

// TongbaoRecipient resolves the target of a 通报 notice (person:ID): that person while they
// are active and still a supervisor of the unit, else an error wrapping ErrNotFound.
func (s *Store) TongbaoRecipient(ctx context.Context, unitID int64, target string) ([]Recipient, error) {
	idText, ok := strings.CutPrefix(target, "person:")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil {
		return nil, fmt.Errorf("store: 通报 of unit %d: target %q: want person:ID", unitID, target)
	}
	var p Person
	var role, unit string
	err = s.Pool.QueryRow(ctx, `
		SELECT `+personCols+`, us.role, u.name
		FROM unit_supervisors us JOIN people p ON p.id = us.person_id AND p.active JOIN units u ON u.id = us.unit_id
		WHERE us.unit_id = $1 AND p.id = $2 ORDER BY us.level DESC LIMIT 1`, unitID, id).
		Scan(&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &role, &unit)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("supervisor of unit %d", unitID), target)
	}
	if err != nil {
		return nil, fmt.Errorf("store: 通报 of unit %d to %s: %w", unitID, target, err)
	}
	return []Recipient{personRecipient(p, role, unit)}, nil
}

// SumMonths adds up the figures of the months of a quarter (one month gives itself).
func SumMonths(months []MonthFigures) MonthFigures {
	var t MonthFigures
	for _, x := range months {
		t.Due += x.Due
		t.Closed += x.Closed
		t.Done += x.Done
		t.OnTime += x.OnTime
		t.Overdue += x.Overdue
	}
	return t
}
