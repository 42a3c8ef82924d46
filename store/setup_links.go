package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrExpired is returned when a one-time value is past its expiry.
var ErrExpired = errors.New("expired")

// CreateSetupLink stores a password setup link for userID under the hash of token. Earlier
// links of the user die: the newest link an admin handed over is the only one that works.
func (s *Store) CreateSetupLink(ctx context.Context, userID int64, token string, expires time.Time, a Audit) error {
	return s.CreateSetupLinkMailed(ctx, userID, token, expires, a, nil)
}

// CreateSetupLinkMailed is CreateSetupLink that also queues mail, the link's mail to its
// person, in the same transaction: the worker sends it (SendSetupMail), so a link is never
// issued with its mail lost, nor mailed without existing. mail's Handle is filled in.
func (s *Store) CreateSetupLinkMailed(ctx context.Context, userID int64, token string, expires time.Time, a Audit, mail *SetupMail) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// Deleted, not marked used: the page then says a newer link exists, not that this one was
		// used. A mail of theirs not yet sent goes with them: it would carry a dead link.
		if _, err := tx.Exec(ctx, `DELETE FROM setup_links WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return fmt.Errorf("store: setup links of user %d: %w", userID, err)
		}
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO setup_links (token_hash, user_id, created_by, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			hashToken(token), userID, by, expires).Scan(&id)
		if isForeignKeyViolation(err) {
			return notFound("user", userID)
		}
		if err != nil {
			return fmt.Errorf("store: setup link of user %d: %w", userID, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "user.setup_link", "user", fmt.Sprint(userID)
		a.Detail = map[string]any{"expires_at": expires}
		if err := writeAudit(ctx, tx, a); err != nil {
			return err
		}
		if mail == nil {
			return nil
		}
		mail.LinkID, mail.Handle = id, setupMailHandle(token)
		return queueSetupMail(ctx, tx, userID, *mail, expires, a)
	})
}

// SetupLinkUser returns the enabled user a setup link is for, so the page can greet them
// before they choose a password: ErrNotFound for an unknown link or a disabled user,
// ErrUsed or ErrExpired (wrapped) for one that no longer works.
func (s *Store) SetupLinkUser(ctx context.Context, token string, now time.Time) (*User, error) {
	var (
		uid     int64
		expires time.Time
		used    *time.Time
	)
	err := s.Pool.QueryRow(ctx, `SELECT user_id, expires_at, used_at FROM setup_links WHERE token_hash = $1`, hashToken(token)).
		Scan(&uid, &expires, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("setup link", "(token)")
	}
	if err != nil {
		return nil, fmt.Errorf("store: setup link: %w", err)
	}
	switch {
	case used != nil:
		return nil, fmt.Errorf("store: setup link: %w", ErrUsed)
	case !now.Before(expires):
		return nil, fmt.Errorf("store: setup link: %w", ErrExpired)
	}
	u, err := s.UserByID(ctx, uid)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, notFound("setup link", "(disabled user)")
	}
	return u, nil
}

// UseSetupLink sets the password of the link's user and spends the link, in one transaction
// that locks the link's row, so that two submissions of one link cannot both set a password.
// The user's sessions end as with SetPassword; the caller signs them in afresh.
func (s *Store) UseSetupLink(ctx context.Context, token, hash string, now time.Time, a Audit) (*User, error) {
	var uid int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var (
			id      int64
			expires time.Time
			used    *time.Time
		)
		err := tx.QueryRow(ctx, `SELECT id, user_id, expires_at, used_at FROM setup_links WHERE token_hash = $1 FOR UPDATE`,
			hashToken(token)).Scan(&id, &uid, &expires, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("setup link", "(token)")
		}
		if err != nil {
			return fmt.Errorf("store: setup link: %w", err)
		}
		switch {
		case used != nil:
			return fmt.Errorf("store: setup link: %w", ErrUsed)
		case !now.Before(expires):
			return fmt.Errorf("store: setup link: %w", ErrExpired)
		}
		var disabled bool
		if err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2, updated_at = now(), password_changed_at = now()
			WHERE id = $1 RETURNING disabled`, uid, hash).Scan(&disabled); err != nil {
			return fmt.Errorf("store: user %d password: %w", uid, err)
		}
		if disabled {
			return notFound("setup link", "(disabled user)")
		}
		if _, err := tx.Exec(ctx, `UPDATE setup_links SET used_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("store: setup link %d: %w", id, err)
		}
		// A used link opens nothing: its mail, if still unsent, is not sent, and its text goes.
		if err := wipeSetupMail(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, uid); err != nil {
			return fmt.Errorf("store: sessions of user %d: %w", uid, err)
		}
		a.UserID = uid
		a.Action, a.ObjectType, a.ObjectID = "user.password_setup", "user", fmt.Sprint(uid)
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, uid)
}
