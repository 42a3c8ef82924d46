package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrUsed is returned when a one-time value (a signed link's nonce) was already used.
var ErrUsed = errors.New("already used")

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateSession stores a session for the cookie value token.
func (s *Store) CreateSession(ctx context.Context, token string, userID int64, expires time.Time, ip, userAgent string) error {
	_, err := s.Pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`,
		hashToken(token), userID, expires, ip, userAgent)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionUser returns the enabled user of an unexpired session and slides its expiry to
// now+idle, capped at the session's absolute lifetime maxAge.
func (s *Store) SessionUser(ctx context.Context, token string, now time.Time, idle, maxAge time.Duration) (*User, error) {
	var uid int64
	err := s.Pool.QueryRow(ctx, `
		UPDATE sessions SET seen_at = $2, expires_at = LEAST($2 + make_interval(secs => $3), created_at + make_interval(secs => $4))
		WHERE token_hash = $1 AND expires_at > $2
		RETURNING user_id`, hashToken(token), now, idle.Seconds(), maxAge.Seconds()).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("session", "(cookie)")
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	u, err := s.UserByID(ctx, uid)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, notFound("session", "(disabled user)")
	}
	return u, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	_, err := s.Pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
	return err
}

// PruneWebState drops expired sessions, old login failures and expired link nonces.
func (s *Store) PruneWebState(ctx context.Context, now time.Time) error {
	// $1 is cast: untyped, PostgreSQL reads "$1 - interval" as interval - interval and the
	// comparison fails (42883).
	for _, q := range []string{
		`DELETE FROM sessions WHERE expires_at < $1::timestamptz`,
		`DELETE FROM login_failures WHERE at < $1::timestamptz - interval '1 day'`,
		`DELETE FROM used_link_nonces WHERE expires_at < $1::timestamptz`,
	} {
		if _, err := s.Pool.Exec(ctx, q, now); err != nil {
			return fmt.Errorf("store: prune: %w", err)
		}
	}
	return nil
}

// LoginFailures counts the failed logins for login and for ip since since.
func (s *Store) LoginFailures(ctx context.Context, login, ip string, since time.Time) (byLogin, byIP int, err error) {
	err = s.Pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM login_failures WHERE lower(login) = lower($1) AND at > $3),
		       (SELECT count(*) FROM login_failures WHERE ip = $2 AND at > $3)`, login, ip, since).Scan(&byLogin, &byIP)
	if err != nil {
		return 0, 0, fmt.Errorf("store: login failures: %w", err)
	}
	return byLogin, byIP, nil
}

// RecordLoginFailure notes a failed login.
func (s *Store) RecordLoginFailure(ctx context.Context, login, ip string, at time.Time) error {
	_, err := s.Pool.Exec(ctx, `INSERT INTO login_failures (login, ip, at) VALUES ($1, $2, $3)`, login, ip, at)
	return err
}

// ClearLoginFailures forgets a login's failures after it succeeded.
func (s *Store) ClearLoginFailures(ctx context.Context, login string) error {
	_, err := s.Pool.Exec(ctx, `DELETE FROM login_failures WHERE lower(login) = lower($1)`, login)
	return err
}

// APIToken is a bearer token's record; the token itself is shown once at creation.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreateAPIToken stores the hash of token for user.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, token string, a Audit) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id`,
			userID, name, hashToken(token)).Scan(&id); err != nil {
			return fmt.Errorf("store: create API token: %w", err)
		}
		a.Action, a.ObjectType, a.ObjectID = "token.create", "api_token", fmt.Sprint(id)
		a.Detail = map[string]any{"name": name, "user_id": userID}
		return writeAudit(ctx, tx, a)
	})
	return id, err
}

// APITokens lists a user's tokens.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens
		WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: API tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
		var t APIToken
		err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		return t, err
	})
}

// RevokeAPIToken revokes one of a user's tokens.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, id, userID)
		if err != nil {
			return fmt.Errorf("store: revoke API token %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("API token", id)
		}
		a.Action, a.ObjectType, a.ObjectID = "token.revoke", "api_token", fmt.Sprint(id)
		return writeAudit(ctx, tx, a)
	})
}

// APITokenUser returns the enabled user of an unrevoked token and notes its use.
func (s *Store) APITokenUser(ctx context.Context, token string, now time.Time) (*User, error) {
	var uid int64
	err := s.Pool.QueryRow(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL RETURNING user_id`,
		hashToken(token), now).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("API token", "(bearer)")
	}
	if err != nil {
		return nil, fmt.Errorf("store: API token: %w", err)
	}
	u, err := s.UserByID(ctx, uid)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, notFound("API token", "(disabled user)")
	}
	return u, nil
}

// UseLinkNonce marks a signed link's nonce used; a second use returns ErrUsed.
func (s *Store) UseLinkNonce(ctx context.Context, nonce string, expires time.Time, by string) error {
	tag, err := s.Pool.Exec(ctx, `INSERT INTO used_link_nonces (nonce, expires_at, used_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		nonce, expires, by)
	if err != nil {
		return fmt.Errorf("store: link nonce: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: link nonce %s: %w", nonce, ErrUsed)
	}
	return nil
}

// LinkNonceUsed reports whether a nonce was used, so the confirmation page can say so before
// the user presses the button.
func (s *Store) LinkNonceUsed(ctx context.Context, nonce string) (bool, error) {
	var used bool
	err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM used_link_nonces WHERE nonce = $1)`, nonce).Scan(&used)
	return used, err
}

// ReleaseLinkNonce forgets a nonce whose completion failed, so that the link can be retried.
func (s *Store) ReleaseLinkNonce(ctx context.Context, nonce string) error {
	_, err := s.Pool.Exec(ctx, `DELETE FROM used_link_nonces WHERE nonce = $1`, nonce)
	return err
}

// ICalGeneration returns the current generation of an office's feed key (1 if never rotated).
func (s *Store) ICalGeneration(ctx context.Context, officeID int64) (int, error) {
	var g int
	err := s.Pool.QueryRow(ctx, `SELECT COALESCE((SELECT generation FROM ical_feeds WHERE office_id = $1), 1)`, officeID).Scan(&g)
	if err != nil {
		return 0, fmt.Errorf("store: ical feed %d: %w", officeID, err)
	}
	return g, nil
}

// RotateICal invalidates an office's feed URL and returns the new generation.
func (s *Store) RotateICal(ctx context.Context, officeID int64, a Audit) (int, error) {
	var g int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO ical_feeds (office_id, generation) VALUES ($1, 2)
			ON CONFLICT (office_id) DO UPDATE SET generation = ical_feeds.generation + 1, rotated_at = now()
			RETURNING generation`, officeID).Scan(&g); err != nil {
			return fmt.Errorf("store: rotate ical feed %d: %w", officeID, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "ical.rotate", "office", fmt.Sprint(officeID)
		return writeAudit(ctx, tx, a)
	})
	return g, err
}
