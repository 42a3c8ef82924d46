package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MetricsCounts is what the Prometheus collector (package metrics) reads at scrape time. The
// totals are counts of rows, so they only grow while rows are kept; a deleted list takes its
// notices with it, which Prometheus reads as a counter reset.
type MetricsCounts struct {
	NoticesPending int64 // pending, whether their time has come or not
	NoticesDue     int64 // pending with their time come: what the dispatcher has yet to claim
	NoticesClaimed int64 // claimed by a dispatch that has not settled them yet
	NoticesSent    int64
	NoticesDropped int64
	// OldestDue is the time of the oldest notice due and not yet sent or dropped (pending or
	// claimed); zero when there is none. Its age is the dispatch lag.
	OldestDue time.Time

	// Deliveries counts deliveries by the channel last tried ("" before any attempt) and status.
	Deliveries []ChannelCount
	// Attempts counts delivery attempts by channel and outcome.
	Attempts []ChannelCount

	// ItemsByStatus counts item_state rows (items whose workflow recorded a state) by status.
	ItemsByStatus map[string]int64

	ImportRuns     int64 // committed list revisions
	ImportAdded    int64 // items added, changed and removed by those revisions
	ImportChanged  int64
	ImportRemoved  int64
	LastImportedAt time.Time // zero before the first import
}

// ChannelCount is a number of deliveries or attempts on one channel with one status.
type ChannelCount struct {
	Channel string
	Status  string
	N       int64
}

// MetricsCounts reads the counts in one read-only snapshot, each query bounded by timeout so
// that a scrape never holds a connection for long on a large database.
func (s *Store) MetricsCounts(ctx context.Context, now time.Time, timeout time.Duration) (MetricsCounts, error) {
	var m MetricsCounts
	err := pgx.BeginTxFunc(ctx, s.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if timeout > 0 {
			if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, fmt.Sprint(max(timeout.Milliseconds(), 1))); err != nil {
				return err
			}
		}
		// One pass over notices for every figure rather than one query each: the table is the
		// largest one (every planned reminder of every cycle).
		var oldest *time.Time
		if err := tx.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE status = 'pending'),
			       count(*) FILTER (WHERE status = 'pending' AND at <= $1),
			       count(*) FILTER (WHERE status = 'claimed'),
			       count(*) FILTER (WHERE status = 'sent'),
			       count(*) FILTER (WHERE status = 'dropped'),
			       min(at) FILTER (WHERE status IN ('pending', 'claimed') AND at <= $1)
			FROM notices`, now).Scan(&m.NoticesPending, &m.NoticesDue, &m.NoticesClaimed, &m.NoticesSent, &m.NoticesDropped, &oldest); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
		if oldest != nil {
			m.OldestDue = *oldest
		}
		var err error
		if m.Deliveries, err = channelCounts(ctx, tx, `SELECT channel, status, count(*) FROM deliveries GROUP BY 1, 2 ORDER BY 1, 2`); err != nil {
			return fmt.Errorf("deliveries: %w", err)
		}
		if m.Attempts, err = channelCounts(ctx, tx, `SELECT channel, status, count(*) FROM delivery_attempts GROUP BY 1, 2 ORDER BY 1, 2`); err != nil {
			return fmt.Errorf("delivery attempts: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT status, count(*) FROM item_state GROUP BY 1`)
		if err != nil {
			return fmt.Errorf("item states: %w", err)
		}
		m.ItemsByStatus = map[string]int64{}
		var st string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { m.ItemsByStatus[st] = n; return nil }); err != nil {
			return fmt.Errorf("item states: %w", err)
		}
		var last *time.Time
		if err := tx.QueryRow(ctx, `
			SELECT count(*), coalesce(sum(added), 0), coalesce(sum(changed), 0), coalesce(sum(removed), 0), max(imported_at)
			FROM list_revisions`).Scan(&m.ImportRuns, &m.ImportAdded, &m.ImportChanged, &m.ImportRemoved, &last); err != nil {
			return fmt.Errorf("list revisions: %w", err)
		}
		if last != nil {
			m.LastImportedAt = *last
		}
		return nil
	})
	if err != nil {
		return MetricsCounts{}, fmt.Errorf("store: metrics counts: %w", err)
	}
	return m, nil
}

func channelCounts(ctx context.Context, tx pgx.Tx, sql string) ([]ChannelCount, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChannelCount, error) {
		var c ChannelCount
		return c, r.Scan(&c.Channel, &c.Status, &c.N)
	})
}

// ChannelAttemptsSince counts the attempts on a channel since a time that a provider may have
// accepted, as BeginAttempt counts them against a channel-wide quota.
func (s *Store) ChannelAttemptsSince(ctx context.Context, channel string, since time.Time) (int64, error) {
	var n int64
	if err := s.Pool.QueryRow(ctx, `
		SELECT count(*) FROM delivery_attempts
		WHERE channel = $1 AND status IN ('sending', 'sent', 'unknown') AND started_at >= $2`, channel, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: attempts on %s since %s: %w", channel, since.Format(time.RFC3339), err)
	}
	return n, nil
}
