package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

var testPolicy = store.LoginPolicy{FreePerLogin: 5, FreePerAddress: 30, Delay: 30 * time.Second, MaxDelay: 15 * time.Minute, Forget: time.Hour}

func newUser(t *testing.T, st *store.Store, login string) *store.User {
	t.Helper()
	u, err := st.CreateUser(context.Background(), store.NewUser{Login: login, Role: store.RoleAdmin, PasswordHash: "x"}, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func count(t *testing.T, st *store.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestPruneWebState fills every table the pruning keeps short with an old and a fresh row, and
// prunes: the old ones go, the fresh ones stay. (It used to fail on every sign-in with
// "timestamp with time zone < interval", SQLSTATE 42883, and prune nothing.)
func TestPruneWebState(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	u := newUser(t, st, "prune")
	now := time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC)
	for tok, exp := range map[string]time.Time{"old-session": now.Add(-time.Minute), "live-session": now.Add(time.Hour)} {
		if err := st.CreateSession(ctx, tok, u.ID, exp, "127.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(-time.Minute)} {
		if _, err := st.BeginLogin(ctx, fmt.Sprintf("login-%d", at.Unix()), fmt.Sprintf("192.0.2.%d", at.Minute()), at, testPolicy); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{now.Add(-48 * time.Hour), now.Add(-time.Hour)} {
		if _, err := st.Pool.Exec(ctx, `INSERT INTO login_failures (login, ip, at) VALUES ('x', '192.0.2.1', $1)`, at); err != nil {
			t.Fatal(err)
		}
	}
	for nonce, exp := range map[string]time.Time{"old-nonce": now.Add(-time.Minute), "live-nonce": now.Add(time.Hour)} {
		if err := st.UseLinkNonce(ctx, nonce, exp, "person:1"); err != nil {
			t.Fatal(err)
		}
	}

	if err := st.PruneWebState(ctx, now, testPolicy.Forget); err != nil {
		t.Fatalf("prune: %v", err)
	}
	for _, c := range []struct {
		what, sql string
		want      int
	}{
		{"sessions", `SELECT count(*) FROM sessions`, 1},
		{"login attempts (two keys per attempt)", `SELECT count(*) FROM login_throttle`, 2},
		{"login failures of the previous release", `SELECT count(*) FROM login_failures`, 1},
		{"link nonces", `SELECT count(*) FROM used_link_nonces WHERE nonce = 'live-nonce'`, 1},
		{"all link nonces", `SELECT count(*) FROM used_link_nonces`, 1},
	} {
		if got := count(t, st, c.sql); got != c.want {
			t.Errorf("%s after pruning: %d rows, want %d", c.what, got, c.want)
		}
	}
	if _, err := st.SessionUser(ctx, "live-session", now, time.Hour, 24*time.Hour); err != nil {
		t.Errorf("the live session after pruning: %v", err)
	}
}

// TestBeginLoginParallel: 50 attempts for one login at once, each in its own transaction: the
// row lock lets exactly the free attempts through.
func TestBeginLoginParallel(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC)
	const n = 50
	var wg sync.WaitGroup
	waits := make([]time.Duration, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// a different address each, so that only the login's row limits them
			waits[i], errs[i] = st.BeginLogin(ctx, "Root", fmt.Sprintf("198.51.100.%d", i), now, testPolicy)
		}()
	}
	wg.Wait()
	allowed := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("attempt %d: %v", i, errs[i])
		}
		if waits[i] == 0 {
			allowed++
		} else if waits[i] != testPolicy.Delay {
			t.Errorf("attempt %d: wait %v, want %v", i, waits[i], testPolicy.Delay)
		}
	}
	t.Logf("%d parallel attempts for one login: %d allowed (free %d)", n, allowed, testPolicy.FreePerLogin)
	if allowed != testPolicy.FreePerLogin {
		t.Fatalf("%d attempts allowed, want %d", allowed, testPolicy.FreePerLogin)
	}
	byLogin, _, err := st.LoginAttempts(ctx, "ROOT", "198.51.100.1")
	if err != nil || byLogin != testPolicy.FreePerLogin {
		t.Fatalf("counted %d, %v", byLogin, err)
	}
	if err := st.LoginSucceeded(ctx, "root", "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if w, err := st.BeginLogin(ctx, "root", "198.51.100.1", now, testPolicy); err != nil || w != 0 {
		t.Fatalf("after a success: wait %v, %v", w, err)
	}
}

func TestLoginPolicyWait(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: 30 * time.Second, 6: time.Minute, 7: 2 * time.Minute,
		9: 8 * time.Minute, 10: 15 * time.Minute, 1000: 15 * time.Minute} {
		if got := testPolicy.Wait(n, 5); got != want {
			t.Errorf("Wait(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestAPITokenValidity: a token works until its expiry, not after a password change made after
// it, and not while (or after) its user is disabled.
func TestAPITokenValidity(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	u := newUser(t, st, "script-owner")
	now := time.Now()
	a := store.Audit{Actor: "test"}
	if _, err := st.CreateAPIToken(ctx, u.ID, "t", "tok-1", now.Add(time.Hour), a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.APITokenUser(ctx, "tok-1", now); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if _, err := st.APITokenUser(ctx, "tok-1", now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token at its expiry: %v", err)
	}
	if err := st.SetPassword(ctx, u.ID, "y", a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.APITokenUser(ctx, "tok-1", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token made before the password change: %v", err)
	}
	if _, err := st.CreateAPIToken(ctx, u.ID, "t2", "tok-2", now.Add(time.Hour), a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.APITokenUser(ctx, "tok-2", now); err != nil {
		t.Fatalf("token made after the password change: %v", err)
	}
	tokens, err := st.APITokens(ctx, u.ID)
	if err != nil || len(tokens) != 2 || tokens[1].ExpiresAt.IsZero() {
		t.Fatalf("tokens %+v, %v", tokens, err)
	}
	if err := st.SetUserDisabled(ctx, u.ID, true, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.APITokenUser(ctx, "tok-2", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token of a disabled user: %v", err)
	}
}

// TestAuditLogAppendOnly: the database itself refuses to change or remove audit entries; only
// the foreign key's SET NULL of a deleted account passes, keeping the actor's login.
func TestAuditLogAppendOnly(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	u := newUser(t, st, "auditor")
	if err := st.RecordAudit(ctx, store.Audit{UserID: u.ID, Actor: u.Login, Action: "session.login", ObjectType: "user", ObjectID: fmt.Sprint(u.ID)}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET actor = 'someone-else'`,
		`UPDATE audit_log SET detail = '{"x":1}' WHERE action = 'session.login'`,
		`UPDATE audit_log SET user_id = NULL, actor = 'someone-else' WHERE action = 'session.login'`,
		`DELETE FROM audit_log WHERE action = 'session.login'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := st.Pool.Exec(ctx, sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s: %v, want the append-only refusal (42501)", sql, err)
		}
	}
	before := count(t, st, `SELECT count(*) FROM audit_log WHERE user_id = $1`, u.ID)
	if _, err := st.Pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, u.ID); err != nil {
		t.Fatalf("deleting an account with audit entries: %v", err)
	}
	if got := count(t, st, `SELECT count(*) FROM audit_log WHERE user_id IS NULL AND actor = 'auditor'`); got != before {
		t.Fatalf("%d of %d entries kept with their actor after the account was deleted", got, before)
	}
}
