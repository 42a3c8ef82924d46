package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
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
	return s.inTx(ctx, func(tx pgx.Tx) error { return createSession(ctx, tx, token, userID, expires, ip, userAgent) })
}

// CreateSessionAudited is CreateSession for a sign-in, auditing session.login: a session that
// exists has its entry.
func (s *Store) CreateSessionAudited(ctx context.Context, token string, userID int64, expires time.Time, ip, userAgent string, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := createSession(ctx, tx, token, userID, expires, ip, userAgent); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "session.login", "user", fmt.Sprint(userID)
		return writeAudit(ctx, tx, a)
	})
}

func createSession(ctx context.Context, tx pgx.Tx, token string, userID int64, expires time.Time, ip, userAgent string) error {
	_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`,
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
	if _, err := s.Pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessionAudited is DeleteSession for the sign-out of userID, auditing session.logout. A
// session already gone (pruned, or ended in another tab) is still a sign-out the user asked
// for, so it is audited too, as it was before the two were one transaction.
func (s *Store) DeleteSessionAudited(ctx context.Context, token string, userID int64, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token)); err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		a.Action, a.ObjectType, a.ObjectID = "session.logout", "user", fmt.Sprint(userID)
		return writeAudit(ctx, tx, a)
	})
}

// PruneWebState drops expired sessions, forgotten login attempts, the login failures the
// previous release wrote, and link nonces past their links' expiry. forget is how long a quiet
// login or address keeps its attempts (LoginPolicy.Forget). Setup links go as PruneSetupLinks says.
func (s *Store) PruneWebState(ctx context.Context, now time.Time, forget time.Duration) error {
	// $1 is cast: untyped, PostgreSQL reads "$1 - interval" as interval - interval and the
	// comparison fails (42883).
	for _, q := range []struct {
		what, sql string
		args      []any
	}{
		{"sessions", `DELETE FROM sessions WHERE expires_at < $1::timestamptz`, []any{now}},
		{"login attempts", `DELETE FROM login_throttle WHERE last_at < $1::timestamptz - make_interval(secs => $2)`, []any{now, forget.Seconds()}},
		{"login failures", `DELETE FROM login_failures WHERE at < $1::timestamptz - interval '1 day'`, []any{now}},
		{"link nonces", `DELETE FROM used_link_nonces WHERE expires_at < $1::timestamptz`, []any{now}},
	} {
		if _, err := s.Pool.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("store: prune %s: %w", q.what, err)
		}
	}
	return s.PruneSetupLinks(ctx, now)
}

// LoginPolicy is the sign-in backoff: a login, and a client address, may have Free attempts
// evaluated; after them each further attempt waits Delay after the previous one, doubling with
// each, up to MaxDelay. A key's attempts are forgotten after Forget without one, or (a login's)
// when it signs in.
type LoginPolicy struct {
	FreePerLogin   int
	FreePerAddress int
	Delay          time.Duration
	MaxDelay       time.Duration
	Forget         time.Duration
}

// Wait is how long after the last of n evaluated attempts the next one may be evaluated.
func (p LoginPolicy) Wait(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := p.Delay
	for i := free; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// printable is s as valid UTF-8 without control characters (PostgreSQL's text takes no NUL).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// throttleKeys are the rows an attempt locks, sorted so that every attempt locks in the same
// order and two attempts never wait for each other crosswise (no deadlock).
func throttleKeys(login, ip string) (keys []string, free func(key string, p LoginPolicy) int) {
	// The form field is the client's to fill: valid UTF-8 for a text column, and cut (no login
	// is that long; users.login is 2–64 characters) so that a long one is one bounded key.
	lk := "login:" + strings.ToLower(printable(login))
	if r := []rune(lk); len(r) > 100 {
		lk = string(r[:100])
	}
	keys = []string{"ip:" + ip, lk}
	sort.Strings(keys)
	return keys, func(key string, p LoginPolicy) int {
		if key == lk {
			return p.FreePerLogin
		}
		return p.FreePerAddress
	}
}

// BeginLogin counts a sign-in attempt for its login and its client address BEFORE the password
// is checked, under a lock of both rows: parallel attempts for one login are counted one after
// the other, so at most the free attempts of the policy are ever evaluated at once. It returns 0
// when this attempt may check its password (and is counted as a failure until LoginSucceeded),
// or how long until the next attempt may, counting nothing.
func (s *Store) BeginLogin(ctx context.Context, login, ip string, now time.Time, p LoginPolicy) (time.Duration, error) {
	keys, free := throttleKeys(login, ip)
	// A look without the lock first: during a flood nearly every attempt is refused, and
	// refusing needs no lock, so the flood does not queue on the rows.
	rows, err := s.Pool.Query(ctx, `SELECT key, failures, last_at FROM login_throttle WHERE key = ANY($1)`, keys)
	if err != nil {
		return 0, fmt.Errorf("store: login attempt %q from %s: %w", login, ip, err)
	}
	got, err := collectThrottle(rows)
	if err != nil {
		return 0, fmt.Errorf("store: login attempt %q from %s: %w", login, ip, err)
	}
	if wait := throttleWait(got, now, p, free); wait > 0 {
		return wait, nil
	}
	var wait time.Duration
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO login_throttle (key, failures, last_at) SELECT k, 0, $2 FROM unnest($1::text[]) AS k
			ON CONFLICT (key) DO NOTHING`, keys, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT key, failures, last_at FROM login_throttle WHERE key = ANY($1) ORDER BY key FOR UPDATE`, keys)
		if err != nil {
			return err
		}
		got, err := collectThrottle(rows)
		if err != nil {
			return err
		}
		if wait = throttleWait(got, now, p, free); wait > 0 {
			return nil // refused: the backoff is not pushed further by attempts it refuses
		}
		for _, x := range got {
			n := x.failures + 1
			if now.Sub(x.last) > p.Forget {
				n = 1
			}
			if _, err := tx.Exec(ctx, `UPDATE login_throttle SET failures = $2, last_at = $3 WHERE key = $1`, x.key, n, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: login attempt %q from %s: %w", login, ip, err)
	}
	return wait, nil
}

type throttleRow struct {
	key      string
	failures int
	last     time.Time
}

func collectThrottle(rows pgx.Rows) ([]throttleRow, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (throttleRow, error) {
		var x throttleRow
		err := r.Scan(&x.key, &x.failures, &x.last)
		return x, err
	})
}

// throttleWait is how long the keys' rows make the next attempt wait.
func throttleWait(rows []throttleRow, now time.Time, p LoginPolicy, free func(string, LoginPolicy) int) time.Duration {
	var wait time.Duration
	for _, x := range rows {
		if now.Sub(x.last) > p.Forget {
			continue // forgotten
		}
		if w := x.last.Add(p.Wait(x.failures, free(x.key, p))).Sub(now); w > wait {
			wait = w
		}
	}
	return wait
}

// LoginSucceeded forgets a login's attempts and takes the successful one back from its
// address, so that the people behind one office NAT signing in all day do not use up the
// address's free attempts.
func (s *Store) LoginSucceeded(ctx context.Context, login, ip string) error {
	keys, _ := throttleKeys(login, ip)
	_, err := s.Pool.Exec(ctx, `UPDATE login_throttle SET failures = CASE WHEN key LIKE 'login:%' THEN 0 ELSE greatest(failures - 1, 0) END
		WHERE key = ANY($1)`, keys)
	if err != nil {
		return fmt.Errorf("store: login %s succeeded: %w", login, err)
	}
	return nil
}

// LoginAttempts returns the attempts counted for a login and an address, 0 for a key never
// seen, so that tests can watch the backoff without a clock.
func (s *Store) LoginAttempts(ctx context.Context, login, ip string) (byLogin, byIP int, err error) {
	keys, _ := throttleKeys(login, ip)
	rows, err := s.Pool.Query(ctx, `SELECT key, failures FROM login_throttle WHERE key = ANY($1)`, keys)
	if err != nil {
		return 0, 0, fmt.Errorf("store: login attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return 0, 0, fmt.Errorf("store: login attempts: %w", err)
		}
		if strings.HasPrefix(key, "ip:") {
			byIP = n
		} else {
			byLogin = n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: login attempts: %w", err)
	}
	return byLogin, byIP, nil
}

// APIToken is a bearer token's record; the token itself is shown once at creation.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreateAPIToken stores the hash of token for user, valid until expires.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, token string, expires time.Time, a Audit) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, name, hashToken(token), expires).Scan(&id); err != nil {
			return fmt.Errorf("store: create API token: %w", err)
		}
		a.Action, a.ObjectType, a.ObjectID = "token.create", "api_token", fmt.Sprint(id)
		a.Detail = map[string]any{"name": name, "user_id": userID, "expires_at": expires}
		return writeAudit(ctx, tx, a)
	})
	return id, err
}

// APITokens lists a user's tokens.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, user_id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens
		WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: API tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
		var t APIToken
		err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt)
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

// APITokenUser returns the user of a token that is unrevoked, unexpired at now, made after its
// user's last password change, and whose user is enabled, and notes its use. Any other token is
// not found: the caller answers 401 without saying which condition failed.
func (s *Store) APITokenUser(ctx context.Context, token string, now time.Time) (*User, error) {
	var uid int64
	err := s.Pool.QueryRow(ctx, `UPDATE api_tokens t SET last_used_at = $2 FROM users u
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
		  AND u.id = t.user_id AND NOT u.disabled AND t.created_at >= u.password_changed_at
		RETURNING t.user_id`, hashToken(token), now).Scan(&uid)
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
		return nil, notFound("API token", "(disabled user)") // disabled between the two queries
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
