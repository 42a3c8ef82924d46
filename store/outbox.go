package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// OutboxMessage is a message `zwgk dev` kept instead of sending.
type OutboxMessage struct {
	ID        int64
	Key       string
	Channel   string
	Recipient string
	Address   string
	Subject   string
	BodyText  string
	BodyHTML  string
	CreatedAt time.Time
}

// PutOutbox stores a message once per key; inserted is false when the key was already there.
func (s *Store) PutOutbox(ctx context.Context, m OutboxMessage) (id int64, inserted bool, err error) {
	err = s.Pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO outbox (key, channel, recipient, address, subject, body_text, body_html)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING id)
		SELECT id, true FROM ins UNION ALL SELECT id, false FROM outbox WHERE key = $1 LIMIT 1`,
		m.Key, m.Channel, m.Recipient, m.Address, m.Subject, m.BodyText, m.BodyHTML).Scan(&id, &inserted)
	if err != nil {
		return 0, false, fmt.Errorf("store: outbox %s: %w", m.Key, err)
	}
	return id, inserted, nil
}

const outboxCols = `id, key, channel, recipient, address, subject, body_text, body_html, created_at`

func scanOutbox(r pgx.Row) (OutboxMessage, error) {
	var m OutboxMessage
	err := r.Scan(&m.ID, &m.Key, &m.Channel, &m.Recipient, &m.Address, &m.Subject, &m.BodyText, &m.BodyHTML, &m.CreatedAt)
	return m, err
}

// OutboxByKey loads an outbox message by its key.
func (s *Store) OutboxByKey(ctx context.Context, key string) (OutboxMessage, error) {
	return s.outboxWhere(ctx, "key", key)
}

// OutboxMessage loads an outbox message by id.
func (s *Store) OutboxMessage(ctx context.Context, id int64) (OutboxMessage, error) {
	return s.outboxWhere(ctx, "id", id)
}

// outboxWhere loads the outbox message whose column (id or key, both unique) is v.
func (s *Store) outboxWhere(ctx context.Context, column string, v any) (OutboxMessage, error) {
	m, err := scanOutbox(s.Pool.QueryRow(ctx, `SELECT `+outboxCols+` FROM outbox WHERE `+column+` = $1`, v))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, notFound("outbox message", v)
	}
	if err != nil {
		return m, fmt.Errorf("store: outbox %v: %w", v, err)
	}
	return m, nil
}

// Outbox lists the dev outbox, newest first; beforeID pages (0 = from the newest).
func (s *Store) Outbox(ctx context.Context, limit int, beforeID int64) ([]OutboxMessage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE $1 = 0 OR id < $1 ORDER BY id DESC LIMIT $2`,
		beforeID, limit)
	return collect(rows, err, "outbox", scanOutbox)
}
