package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zwgk/zwgk/calendar"
)

// QuietDays are the days a person gets no non-urgent reminders: weekdays (1 = Monday …
// 7 = Sunday, as people say 周一…周日) and date ranges, both ends included. The dispatcher
// defers what falls on them; escalations and urgent hour clocks ignore them.
type QuietDays struct {
	Weekdays []int        `json:"weekdays,omitempty"`
	Ranges   []QuietRange `json:"ranges,omitempty"`
}

// QuietRange is a run of quiet days, e.g. 休假 2026-12-20 to 2026-12-31.
type QuietRange struct {
	From calendar.Date `json:"from"`
	To   calendar.Date `json:"to"`
	Note string        `json:"note,omitempty"`
}

// IsZero says the person has no quiet days.
func (q QuietDays) IsZero() bool { return len(q.Weekdays) == 0 && len(q.Ranges) == 0 }

// ISOWeekday is d's weekday as QuietDays counts them (1 = Monday … 7 = Sunday).
func ISOWeekday(d calendar.Date) int {
	if w := d.Weekday(); w != time.Sunday {
		return int(w)
	}
	return 7
}

// Has says whether d is a quiet day.
func (q QuietDays) Has(d calendar.Date) bool {
	if slices.Contains(q.Weekdays, ISOWeekday(d)) {
		return true
	}
	for _, r := range q.Ranges {
		if !d.Before(r.From) && !d.After(r.To) {
			return true
		}
	}
	return false
}

// ErrQuietDays is returned, wrapped, for quiet days that cannot be stored.
var ErrQuietDays = errors.New("invalid quiet days")

// Validate checks what the schema cannot say: a weekday is 1 to 7, a range ends on or after
// it starts. At least one of Monday to Friday must stay: a person quiet on every working day
// would have their reminders deferred for ever.
func (q QuietDays) Validate() error {
	workdays := 0
	for _, w := range q.Weekdays {
		if w < 1 || w > 7 {
			return fmt.Errorf("store: weekday %d: %w", w, ErrQuietDays)
		}
		if w <= 5 {
			workdays++
		}
	}
	if workdays >= 5 {
		return fmt.Errorf("store: every working weekday is quiet: %w", ErrQuietDays)
	}
	for _, r := range q.Ranges {
		if r.From.IsZero() || r.To.IsZero() || r.To.Before(r.From) {
			return fmt.Errorf("store: range %s..%s: %w", r.From, r.To, ErrQuietDays)
		}
	}
	return nil
}

// QuietDaysOf returns the quiet days of the given people that matter from the date from on
// (ranges that ended before it are left out); a person not in the result has none.
func (s *Store) QuietDaysOf(ctx context.Context, ids []int64, from calendar.Date) (map[int64]QuietDays, error) {
	out := map[int64]QuietDays{}
	rows, err := s.Pool.Query(ctx, `SELECT id, quiet_weekdays FROM people WHERE id = ANY($1) AND quiet_weekdays <> '{}'`, nonNil(ids))
	if err != nil {
		return nil, fmt.Errorf("store: quiet days: %w", err)
	}
	var (
		id    int64
		days  []int16
		start time.Time
		end   time.Time
		note  string
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &days}, func() error {
		q := out[id]
		for _, d := range days {
			q.Weekdays = append(q.Weekdays, int(d))
		}
		slices.Sort(q.Weekdays)
		out[id] = q
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: quiet days: %w", err)
	}
	rows, err = s.Pool.Query(ctx, `SELECT person_id, from_date, to_date, note FROM person_quiet_ranges
		WHERE person_id = ANY($1) AND to_date >= $2 ORDER BY person_id, from_date, to_date, id`, nonNil(ids), from.String())
	if err != nil {
		return nil, fmt.Errorf("store: quiet days: %w", err)
	}
	if _, err := pgx.ForEachRow(rows, []any{&id, &start, &end, &note}, func() error {
		q := out[id]
		q.Ranges = append(q.Ranges, QuietRange{From: dateOfColumn(start), To: dateOfColumn(end), Note: note})
		out[id] = q
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: quiet ranges: %w", err)
	}
	return out, nil
}

// dateOfColumn is a date column's value as a calendar date: pgx reads a date as midnight UTC.
func dateOfColumn(t time.Time) calendar.Date {
	return calendar.D(t.Year(), t.Month(), t.Day())
}

// SetQuietDays replaces a person's quiet days; ranges that ended before today (Shanghai) are
// not kept, they could never apply again.
func (s *Store) SetQuietDays(ctx context.Context, id int64, q QuietDays, today calendar.Date, a Audit) error {
	if err := q.Validate(); err != nil {
		return err
	}
	days := []int16{}
	for _, w := range q.Weekdays {
		if !slices.Contains(days, int16(w)) {
			days = append(days, int16(w))
		}
	}
	slices.Sort(days)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE people SET quiet_weekdays = $2, updated_at = now() WHERE id = $1`, id, days)
		if err != nil {
			return fmt.Errorf("store: person %d quiet days: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("person", id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM person_quiet_ranges WHERE person_id = $1`, id); err != nil {
			return fmt.Errorf("store: person %d quiet ranges: %w", id, err)
		}
		var kept []map[string]any
		for _, r := range q.Ranges {
			if r.To.Before(today) {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO person_quiet_ranges (person_id, from_date, to_date, note) VALUES ($1, $2, $3, $4)`,
				id, r.From.String(), r.To.String(), r.Note); err != nil {
				return fmt.Errorf("store: person %d quiet range %s..%s: %w", id, r.From, r.To, err)
			}
			kept = append(kept, map[string]any{"from": r.From, "to": r.To, "note": r.Note})
		}
		a.Action, a.ObjectType, a.ObjectID = "person.quiet_days", "person", fmt.Sprint(id)
		a.Detail = map[string]any{"weekdays": days, "ranges": kept}
		return writeAudit(ctx, tx, a)
	})
}

// Deferral is a reminder held back from a person on a quiet day, to be sent to them at At.
// Target names the copy's recipients (see activities' quiet targets); Move retimes the claimed
// notice NoticeID itself, a copy already deferred once, instead of copying it.
type Deferral struct {
	NoticeID int64
	PersonID int64
	Target   string
	At       time.Time
	Move     bool
}

// DeferNotices writes the deferrals of a dispatch: a copy of each notice, pending at its new
// time for the one person, or the claimed copy moved there. Retries are harmless: a copy is
// keyed like every notice, by its plan and target, and a moved copy is no longer claimed. A
// copy keeps its notice's plan sequence, so a newer plan of the cycle (its due day moved)
// drops it with the cycle's other pending notices.
func (s *Store) DeferNotices(ctx context.Context, ds []Deferral) error {
	if len(ds) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, d := range ds {
			var err error
			if d.Move {
				_, err = tx.Exec(ctx, `UPDATE notices SET status = 'pending', at = $2, dispatch_key = NULL, dispatch_cutoff = NULL
					WHERE id = $1 AND status = 'claimed'`, d.NoticeID, d.At)
			} else {
				_, err = tx.Exec(ctx, `
					INSERT INTO notices (item_id, application_id, unit_id, workflow_id, cycle_key, due_at, kind, level, "offset",
					                     target, at, urgent, seq, note)
					SELECT item_id, application_id, unit_id, workflow_id, cycle_key, due_at, kind, level, "offset",
					       $2, $3, urgent, seq, note
					FROM notices WHERE id = $1
					ON CONFLICT (workflow_id, cycle_key, due_at, kind, level, "offset", target) DO NOTHING`, d.NoticeID, d.Target, d.At)
			}
			if err != nil {
				return fmt.Errorf("store: defer notice %d for person %d: %w", d.NoticeID, d.PersonID, err)
			}
		}
		return nil
	})
}
