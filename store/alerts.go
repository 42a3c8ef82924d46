package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// UnalertedFailures lists deliveries that failed for good and were not yet reported to the
// admins, oldest first; failures of alerts themselves are left out so alerts cannot loop.
func (s *Store) UnalertedFailures(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT `+deliveryCols+` FROM deliveries
		WHERE status = 'failed' AND alerted_at IS NULL AND kind <> 'alert'
		ORDER BY failed_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unalerted failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unalerted failures: %w", err)
	}
	return out, nil
}

// MarkAlerted records that the admins were told about these failures.
func (s *Store) MarkAlerted(ctx context.Context, ids []int64, at time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE deliveries SET alerted_at = $2 WHERE id = ANY($1) AND alerted_at IS NULL`, ids, at); err != nil {
		return fmt.Errorf("store: mark alerted: %w", err)
	}
	return nil
}

// LastAlertAt is when the latest alert delivery was created, zero if never.
func (s *Store) LastAlertAt(ctx context.Context) (time.Time, error) {
	var at *time.Time
	if err := s.Pool.QueryRow(ctx, `SELECT max(created_at) FROM deliveries WHERE kind = 'alert'`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: last alert: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}
