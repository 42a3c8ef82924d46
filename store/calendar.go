package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zwgk/zwgk/calendar"
)

// CalendarYearInfo is an admin-loaded year with who loaded it and when.
type CalendarYearInfo struct {
	calendar.Year
	LoadedBy string    `json:"loaded_by"`
	LoadedAt time.Time `json:"loaded_at"`
}

// SaveCalendarYear stores an admin's schedule of one year, replacing what was stored for that
// year, with an audit entry, in one transaction. The year is validated first; Source is kept as
// given (the CLI and the web page put the file name in it).
func (s *Store) SaveCalendarYear(ctx context.Context, y calendar.Year, a Audit) error {
	if err := y.Validate(); err != nil {
		return fmt.Errorf("store: calendar year: %w", err)
	}
	if y.Source == "" {
		return fmt.Errorf("store: calendar year %d: no source", y.Year)
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_years WHERE year = $1`, y.Year); err != nil {
			return fmt.Errorf("store: calendar year %d: %w", y.Year, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_years (year, source, loaded_by) VALUES ($1, $2, $3)`,
			y.Year, y.Source, a.Actor); err != nil {
			return fmt.Errorf("store: calendar year %d: %w", y.Year, err)
		}
		rows := make([][]any, 0, len(y.Holidays)+len(y.Workdays))
		for _, d := range y.Holidays {
			rows = append(rows, []any{civil(d), y.Year, false, y.Names[d]})
		}
		for _, d := range y.Workdays {
			rows = append(rows, []any{civil(d), y.Year, true, y.Names[d]})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"calendar_days"}, []string{"day", "year", "working", "name"},
			pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("store: calendar year %d days: %w", y.Year, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "calendar.load", "calendar_year", fmt.Sprint(y.Year)
		a.Detail = map[string]any{"source": y.Source, "holidays": len(y.Holidays), "workdays": len(y.Workdays)}
		return writeAudit(ctx, tx, a)
	})
}

// DeleteCalendarYear removes an admin year, so that the official data (if any) applies again.
func (s *Store) DeleteCalendarYear(ctx context.Context, year int, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM calendar_years WHERE year = $1`, year)
		if err != nil {
			return fmt.Errorf("store: calendar year %d: %w", year, err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("calendar year", year)
		}
		a.Action, a.ObjectType, a.ObjectID = "calendar.delete", "calendar_year", fmt.Sprint(year)
		return writeAudit(ctx, tx, a)
	})
}

// CalendarYears returns every admin-loaded year, in year order, ready for
// calendar.New(append(calendar.Official(), years...)...): admin years override official ones.
func (s *Store) CalendarYears(ctx context.Context) ([]calendar.Year, error) {
	infos, err := s.calendarYears(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]calendar.Year, len(infos))
	for i, y := range infos {
		out[i] = y.Year
	}
	return out, nil
}

// CalendarYear returns one admin-loaded year with who loaded it; ErrNotFound (wrapped) when the
// year was never loaded.
func (s *Store) CalendarYear(ctx context.Context, year int) (CalendarYearInfo, error) {
	infos, err := s.calendarYears(ctx, year)
	if err != nil {
		return CalendarYearInfo{}, err
	}
	if len(infos) == 0 {
		return CalendarYearInfo{}, notFound("calendar year", year)
	}
	return infos[0], nil
}

// calendarYears reads one year, or all when year is 0.
func (s *Store) calendarYears(ctx context.Context, year int) ([]CalendarYearInfo, error) {
	rows, err := s.Pool.Query(ctx, `SELECT year, source, loaded_by, loaded_at FROM calendar_years
		WHERE $1 = 0 OR year = $1 ORDER BY year`, year)
	if err != nil {
		return nil, fmt.Errorf("store: calendar years: %w", err)
	}
	infos, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalendarYearInfo, error) {
		var y CalendarYearInfo
		err := r.Scan(&y.Year.Year, &y.Source, &y.LoadedBy, &y.LoadedAt)
		return y, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: calendar years: %w", err)
	}
	if len(infos) == 0 {
		return nil, nil
	}
	byYear := make(map[int]*CalendarYearInfo, len(infos))
	for i := range infos {
		byYear[infos[i].Year.Year] = &infos[i]
	}
	rows, err = s.Pool.Query(ctx, `SELECT day, year, working, name FROM calendar_days
		WHERE $1 = 0 OR year = $1 ORDER BY day`, year)
	if err != nil {
		return nil, fmt.Errorf("store: calendar days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day     time.Time
			y       int
			working bool
			name    string
		)
		if err := rows.Scan(&day, &y, &working, &name); err != nil {
			return nil, fmt.Errorf("store: calendar days: %w", err)
		}
		info := byYear[y]
		if info == nil {
			continue
		}
		// A date column comes back as midnight UTC; its civil date is what counts.
		d := calendar.D(day.Year(), day.Month(), day.Day())
		if working {
			info.Workdays = append(info.Workdays, d)
		} else {
			info.Holidays = append(info.Holidays, d)
		}
		if name != "" {
			if info.Names == nil {
				info.Names = map[calendar.Date]string{}
			}
			info.Names[d] = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: calendar days: %w", err)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Year.Year < infos[j].Year.Year })
	return infos, nil
}

// civil is a Date as the time.Time pgx writes to a date column: midnight UTC of that day.
func civil(d calendar.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }
