package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Audit is one change for the audit log: who (UserID, Actor, IP), what (Action on ObjectType
// ObjectID, Detail) and when (the database's clock). Store functions that change something fill
// Action and the object themselves and write the entry in the same transaction as the change.
type Audit struct {
	UserID     int64  // 0 for the CLI or a signed link
	Actor      string // login, "cli", or "link:<contact>"
	IP         string
	Action     string
	ObjectType string
	ObjectID   string
	Detail     any
}

// AuditEntry is a row of the audit log.
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	UserID     *int64          `json:"user_id,omitempty"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Detail     json.RawMessage `json:"detail"`
	IP         string          `json:"ip"`
}

func writeAudit(ctx context.Context, tx pgx.Tx, a Audit) error {
	if a.Action == "" || a.Actor == "" {
		return fmt.Errorf("store: audit entry without action or actor: %+v", a)
	}
	detail := a.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", a.Action, err)
	}
	var uid *int64
	if a.UserID != 0 {
		uid = &a.UserID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (user_id, actor, action, object_type, object_id, detail, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, uid, a.Actor, a.Action, a.ObjectType, a.ObjectID, b, a.IP); err != nil {
		return fmt.Errorf("store: audit %s: %w", a.Action, err)
	}
	return nil
}

// RecordAudit writes an entry for a change made elsewhere (a workflow update, an import), after
// that change succeeded.
func (s *Store) RecordAudit(ctx context.Context, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return writeAudit(ctx, tx, a) })
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	ObjectType string
	ObjectID   string
	Actor      string
	Before     int64 // id to page backwards from; 0 for the newest
	Limit      int
}

// AuditLog lists entries, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT id, at, user_id, actor, action, object_type, object_id, detail, ip FROM audit_log
		WHERE ($1 = '' OR object_type = $1) AND ($2 = '' OR object_id = $2) AND ($3 = '' OR actor = $3)
		  AND ($4 = 0 OR id < $4)
		ORDER BY id DESC LIMIT $5`, f.ObjectType, f.ObjectID, f.Actor, f.Before, f.Limit)
	return collect(rows, err, "audit log", func(r pgx.Row) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.UserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail, &e.IP)
		return e, err
	})
}
