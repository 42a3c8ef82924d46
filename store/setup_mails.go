package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Setup link mails: the web queues the mail of a link in the transaction that issues it
// (CreateSetupLinkMailed) and the worker sends it (SendSetupMail). The web has no mail channel
// in production; the worker has, and a row here is how the one hands the other a message.

// setupMailChannel is the PostgreSQL notification channel that wakes the worker's mailer when
// a mail is queued; the mailer sweeps as well, so a notification missed while no worker
// listened costs a sweep's delay, not the mail.
const setupMailChannel = "zwgk_setup_mail"

// SetupMail is the mail of one setup link, as queued and as sent.
type SetupMail struct {
	LinkID    int64
	PersonID  int64
	Handle    string // Message-ID local part and dev outbox key, the same on every attempt
	Recipient string // the person's name
	Address   string
	Subject   string
	BodyText  string // the link in clear; empty once wiped
	BodyHTML  string
	Status    string // pending, sent, failed (for good), void (link used or expired first)
	Attempts  int
	Error     string
	ExpiresAt time.Time // the link's
	SentAt    *time.Time
}

// setupMailHandle is the delivery handle of a link's mail: derived from the token, so stable,
// and not its stored hash, so that the mail's headers say nothing about setup_links.
func setupMailHandle(token string) string {
	h := sha256.Sum256([]byte("setup-mail\x00" + token))
	return "setup-link-" + hex.EncodeToString(h[:12])
}

func queueSetupMail(ctx context.Context, tx pgx.Tx, userID int64, m SetupMail, expires time.Time, a Audit) error {
	var person any
	if m.PersonID != 0 {
		person = m.PersonID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO setup_mails (link_id, person_id, handle, recipient, address, subject, body_text, body_html)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.LinkID, person, m.Handle, m.Recipient, m.Address, m.Subject, m.BodyText, m.BodyHTML); err != nil {
		return fmt.Errorf("store: setup mail of link %d: %w", m.LinkID, err)
	}
	a.Action, a.ObjectType, a.ObjectID = "user.setup_mail", "user", fmt.Sprint(userID)
	a.Detail = map[string]any{"person": m.PersonID, "address": m.Address, "expires_at": expires, "queued": true}
	if err := writeAudit(ctx, tx, a); err != nil {
		return err
	}
	// delivered at commit, and only then: the mailer never wakes for a mail rolled back
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, setupMailChannel); err != nil {
		return fmt.Errorf("store: setup mail of link %d: notify: %w", m.LinkID, err)
	}
	return nil
}

// wipeSetupMail forgets the text of a link's mail; an unsent one is then never sent.
func wipeSetupMail(ctx context.Context, tx pgx.Tx, linkID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE setup_mails SET body_text = NULL, body_html = NULL,
		status = CASE WHEN status = 'pending' THEN 'void' ELSE status END
		WHERE link_id = $1 AND (body_text IS NOT NULL OR body_html IS NOT NULL)`, linkID); err != nil {
		return fmt.Errorf("store: setup mail of link %d: %w", linkID, err)
	}
	return nil
}

// setupLinkKeep is how long a used or expired link is kept, so that its page still says it
// was used or has expired, rather than that it is unknown.
const setupLinkKeep = 7 * 24 * time.Hour

// PruneSetupLinks wipes the text of the mails of used and expired links (an unsent one is
// given up) and deletes links used or expired more than a week before now, with their mails.
func (s *Store) PruneSetupLinks(ctx context.Context, now time.Time) error {
	if _, err := s.Pool.Exec(ctx, `
		UPDATE setup_mails m SET body_text = NULL, body_html = NULL,
			status = CASE WHEN m.status = 'pending' THEN 'void' ELSE m.status END
		FROM setup_links l
		WHERE l.id = m.link_id AND (m.body_text IS NOT NULL OR m.body_html IS NOT NULL)
		  AND (l.used_at IS NOT NULL OR l.expires_at <= $1::timestamptz)`, now); err != nil {
		return fmt.Errorf("store: prune setup mails: %w", err)
	}
	if _, err := s.Pool.Exec(ctx, `DELETE FROM setup_links
		WHERE coalesce(used_at, expires_at) < $1::timestamptz - make_interval(secs => $2)`, now, setupLinkKeep.Seconds()); err != nil {
		return fmt.Errorf("store: prune setup links: %w", err)
	}
	return nil
}

const setupMailCols = `m.link_id, coalesce(m.person_id, 0), m.handle, m.recipient, m.address, m.subject,
	coalesce(m.body_text, ''), coalesce(m.body_html, ''), m.status, m.attempts, m.error, l.expires_at, m.sent_at`

func scanSetupMail(r pgx.Row) (SetupMail, error) {
	var m SetupMail
	err := r.Scan(&m.LinkID, &m.PersonID, &m.Handle, &m.Recipient, &m.Address, &m.Subject, &m.BodyText, &m.BodyHTML,
		&m.Status, &m.Attempts, &m.Error, &m.ExpiresAt, &m.SentAt)
	return m, err
}

// SetupMailOf returns the mail of a user's newest link (ErrNotFound when it has none).
func (s *Store) SetupMailOf(ctx context.Context, userID int64) (SetupMail, error) {
	m, err := scanSetupMail(s.Pool.QueryRow(ctx, `SELECT `+setupMailCols+`
		FROM setup_mails m JOIN setup_links l ON l.id = m.link_id
		WHERE l.user_id = $1 ORDER BY l.id DESC LIMIT 1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, notFound("setup mail of user", userID)
	}
	if err != nil {
		return m, fmt.Errorf("store: setup mail of user %d: %w", userID, err)
	}
	return m, nil
}

// SetupMailResult is what one attempt at sending a setup mail came to.
type SetupMailResult struct {
	ProviderID string
	Answer     string
	// Err is nil when the mail was sent. Permanent: no retry will do better (a refused
	// address); otherwise the mail is tried again after RetryAfter, or a backoff when zero.
	Err       error
	Permanent bool
	// RetryAfter is how long the provider asked to wait.
	RetryAfter time.Duration
}

// SendSetupMail sends the next queued mail that is due, if any, with send, and records what it
// came to; found is false when none is due. The mail's row stays locked while send runs, so
// that two workers never send one mail at once; a worker that dies mid-send leaves the mail
// pending, and the next attempt sends it again with the same handle (the SMTP window the
// delivery log has too; see package notify). The text is wiped once sent or failed for good.
func (s *Store) SendSetupMail(ctx context.Context, now time.Time, send func(context.Context, SetupMail) SetupMailResult) (found bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m, err := scanSetupMail(tx.QueryRow(ctx, `SELECT `+setupMailCols+`
			FROM setup_mails m JOIN setup_links l ON l.id = m.link_id
			WHERE m.status = 'pending' AND (m.attempts = 0 OR m.next_at <= $1) AND l.used_at IS NULL AND l.expires_at > $1
			  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id AND u.disabled)
			ORDER BY m.next_at, m.link_id LIMIT 1 FOR UPDATE OF m SKIP LOCKED`, now))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: next setup mail: %w", err)
		}
		found = true
		res := send(ctx, m)
		switch {
		case res.Err == nil:
			_, err = tx.Exec(ctx, `UPDATE setup_mails SET status = 'sent', sent_at = $2, attempts = attempts + 1, error = '',
				provider_id = $3, body_text = NULL, body_html = NULL WHERE link_id = $1`, m.LinkID, now, res.ProviderID)
		case res.Permanent:
			_, err = tx.Exec(ctx, `UPDATE setup_mails SET status = 'failed', attempts = attempts + 1, error = $2,
				body_text = NULL, body_html = NULL WHERE link_id = $1`, m.LinkID, res.Err.Error())
		default:
			wait := res.RetryAfter
			if wait <= 0 {
				wait = min(30*time.Second<<min(m.Attempts, 7), time.Hour)
			}
			_, err = tx.Exec(ctx, `UPDATE setup_mails SET attempts = attempts + 1, error = $2, next_at = $3 WHERE link_id = $1`,
				m.LinkID, res.Err.Error(), now.Add(wait))
		}
		if err != nil {
			return fmt.Errorf("store: setup mail of link %d: %w", m.LinkID, err)
		}
		return nil
	})
	return found, err
}

// NextSetupMailAt is when the earliest queued mail is due (ok false when none is queued).
func (s *Store) NextSetupMailAt(ctx context.Context) (at time.Time, ok bool, err error) {
	var next *time.Time
	// a mail never tried is due at once, whatever the clocks of the database and the worker say
	// and one SendSetupMail would not send (a disabled account's) is not due at all
	if err := s.Pool.QueryRow(ctx, `SELECT min(CASE WHEN m.attempts = 0 THEN '1970-01-01'::timestamptz ELSE m.next_at END)
		FROM setup_mails m JOIN setup_links l ON l.id = m.link_id JOIN users u ON u.id = l.user_id
		WHERE m.status = 'pending' AND l.used_at IS NULL AND NOT u.disabled`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next setup mail: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// SetupMailListener wakes a mailer when a setup mail is queued. It holds one connection of
// the pool; Close gives it back.
type SetupMailListener struct {
	st   *Store
	conn *pgxpool.Conn
}

// ListenSetupMails makes a listener for queued setup mails; it connects on its first Wait.
func (s *Store) ListenSetupMails() *SetupMailListener { return &SetupMailListener{st: s} }

func (l *SetupMailListener) listen(ctx context.Context) error {
	c, err := l.st.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: listen for setup mails: %w", err)
	}
	if _, err := c.Exec(ctx, `LISTEN `+setupMailChannel); err != nil {
		c.Release()
		return fmt.Errorf("store: listen for setup mails: %w", err)
	}
	l.conn = c
	return nil
}

// Wait returns when a mail was queued, or after d, or with ctx's error once ctx ends. A lost
// connection is listened on again; the caller sweeps after every return, so a notification
// missed meanwhile is not a mail missed.
func (l *SetupMailListener) Wait(ctx context.Context, d time.Duration) error {
	if l.conn == nil {
		if err := l.listen(ctx); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := l.conn.Conn().WaitForNotification(wctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if l.conn.Conn().IsClosed() {
		l.conn.Release()
		l.conn = nil
	}
	if errors.Is(err, context.DeadlineExceeded) || wctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("store: wait for setup mails: %w", err)
}

// Close stops listening.
func (l *SetupMailListener) Close() {
	if l.conn != nil {
		// UNLISTEN before the connection goes back to the pool, whose next user must not get
		// our notifications; a connection that cannot is closed instead.
		if _, err := l.conn.Exec(context.Background(), `UNLISTEN *`); err != nil {
			_ = l.conn.Conn().Close(context.Background())
		}
		l.conn.Release()
		l.conn = nil
	}
}
