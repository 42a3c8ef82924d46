package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrRateLimited is returned when an item or a user has recorded as many events as the window
// allows.
var ErrRateLimited = errors.New("rate limited")

// ItemEventRules is what recording an event on an item must check beyond the caller's scope:
// the list's year (an event belongs to that year's list) and whether the item is handled by
// whoever handles the case (谁承办谁更新), so that an office of the unit may name itself.
type ItemEventRules struct {
	Year     int
	PerEvent bool
}

// ItemEventRulesOf looks up the year and the per-event groups of an item. The importer keeps
// 谁承办谁更新 and its kin as group names containing 谁 (see GroupUsage).
func (s *Store) ItemEventRulesOf(ctx context.Context, itemID int64) (ItemEventRules, error) {
	var r ItemEventRules
	err := s.Pool.QueryRow(ctx, `SELECT l.year, EXISTS (SELECT 1 FROM unnest(i.groups) g WHERE g LIKE '%谁%')
		FROM items i JOIN lists l ON l.id = i.list_id WHERE i.id = $1`, itemID).Scan(&r.Year, &r.PerEvent)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, notFound("item", itemID)
	}
	if err != nil {
		return r, fmt.Errorf("store: event rules of item %d: %w", itemID, err)
	}
	return r, nil
}

// EventLimit bounds the events recorded within Window: PerItem for one item whoever records
// them, PerUser for one user over all items.
type EventLimit struct {
	PerItem int
	PerUser int
	Window  time.Duration
}

// EventCounts are the events recorded within the window when a reservation was refused.
type EventCounts struct {
	Item int
	User int
}

// ReserveItemEvent counts one event request of a user on an item at now, or returns an error
// wrapping ErrRateLimited (with the counts) when the item or the user already reached its limit
// within the window. The item and user locks serialise concurrent requests, so that two at once
// cannot both take the last slot; they are taken in one order (user, then item) to rule out
// deadlocks.
func (s *Store) ReserveItemEvent(ctx context.Context, itemID, userID int64, now time.Time, lim EventLimit) (EventCounts, error) {
	var got EventCounts
	since := now.Add(-lim.Window)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// two-key advisory locks: class 7201 for users, 7202 for items; ids beyond int4 share a
		// lock with another id, which only serialises them
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7201, ($1::bigint % 2147483647)::int),
			pg_advisory_xact_lock(7202, ($2::bigint % 2147483647)::int)`, userID, itemID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM item_event_requests WHERE (item_id = $1 OR user_id = $2) AND at <= $3`,
			itemID, userID, since); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE item_id = $1), count(*) FILTER (WHERE user_id = $2)
			FROM item_event_requests WHERE (item_id = $1 OR user_id = $2) AND at > $3`, itemID, userID, since).Scan(&got.Item, &got.User); err != nil {
			return err
		}
		if got.Item >= lim.PerItem || got.User >= lim.PerUser {
			return ErrRateLimited
		}
		_, err := tx.Exec(ctx, `INSERT INTO item_event_requests (item_id, user_id, at) VALUES ($1, $2, $3)`, itemID, userID, now)
		return err
	})
	if errors.Is(err, ErrRateLimited) {
		return got, fmt.Errorf("store: events of item %d by user %d: %d and %d within %s: %w", itemID, userID, got.Item, got.User, lim.Window, ErrRateLimited)
	}
	if err != nil {
		return got, fmt.Errorf("store: reserve an event of item %d by user %d: %w", itemID, userID, err)
	}
	return got, nil
}
