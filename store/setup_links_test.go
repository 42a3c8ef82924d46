package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// Submissions of one setup link racing each other set one password: the rest are told the
// link was used, and the password is the winner's.
func TestUseSetupLinkOnceUnderRace(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	u := newUser(t, st, "racer")
	now := time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC)
	if err := st.CreateSession(ctx, "old-session", u.ID, now.Add(time.Hour), "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSetupLink(ctx, u.ID, "tok-1", now.Add(72*time.Hour), store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		won    []string
		others int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash := "hash-" + string(rune('a'+i))
			_, err := st.UseSetupLink(ctx, "tok-1", hash, now, store.Audit{Actor: "racer"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, hash)
			case errors.Is(err, store.ErrUsed):
				others++
			default:
				t.Errorf("submission %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 || others != n-1 {
		t.Fatalf("%d submissions set the password (%v), %d were told it was used; want 1 and %d", len(won), won, others, n-1)
	}
	after, err := st.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.PasswordHash != won[0] {
		t.Errorf("password hash %q, want the winner's %q", after.PasswordHash, won[0])
	}
	if _, err := st.SessionUser(ctx, "old-session", now, time.Hour, 24*time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session from before the link: %v, want it ended", err)
	}
	if got := count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'user.password_setup' AND object_id = $1`, itoa(u.ID)); got != 1 {
		t.Errorf("%d audit entries for the password set by link, want 1", got)
	}
	if _, err := st.SetupLinkUser(ctx, "tok-1", now); !errors.Is(err, store.ErrUsed) {
		t.Errorf("the used link afterwards: %v, want ErrUsed", err)
	}
	if _, err := st.SetupLinkUser(ctx, "no-such", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown link: %v, want ErrNotFound", err)
	}
	if err := st.CreateSetupLink(ctx, u.ID, "tok-2", now.Add(time.Hour), store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UseSetupLink(ctx, "tok-2", "late", now.Add(time.Hour), store.Audit{Actor: "racer"}); !errors.Is(err, store.ErrExpired) {
		t.Errorf("a link at its expiry: %v, want ErrExpired", err)
	}
}

// An account links to one person and a person to one account; settings keep to the person's
// channels.
func TestUserPersonAndSettings(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a, b := newUser(t, st, "konto-a"), newUser(t, st, "konto-b")
	pid, err := st.AddPerson(ctx, store.Person{Name: "周九", Email: "zj@x.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserPerson(ctx, a.ID, pid, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserPerson(ctx, b.ID, pid, store.Audit{Actor: "test"}); !errors.Is(err, store.ErrPersonLinked) {
		t.Errorf("a second account for the person: %v, want ErrPersonLinked", err)
	}
	if err := st.SetUserPerson(ctx, b.ID, pid+1000, store.Audit{Actor: "test"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown person: %v, want ErrNotFound", err)
	}
	if u, err := st.UserByPerson(ctx, pid); err != nil || u.ID != a.ID || u.PersonID != pid {
		t.Errorf("the person's account: %+v, %v; want %s", u, err, a.Login)
	}
	if err := st.SetPersonSettings(ctx, pid, store.PersonSettings{Channels: []string{"sms"}, Digest: true}, store.Audit{Actor: "test"}); !errors.Is(err, store.ErrChannelNotHeld) {
		t.Errorf("SMS for a person without a mobile: %v, want ErrChannelNotHeld", err)
	}
	if err := st.SetPersonSettings(ctx, pid, store.PersonSettings{Channels: []string{"email"}, Digest: false}, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.PersonSettingsOf(ctx, []int64{pid})
	if err != nil {
		t.Fatal(err)
	}
	// email is all this person has: stored as no choice, the digest off kept
	if ps := got[pid]; ps.Channels != nil || ps.Digest {
		t.Errorf("settings %+v, want no channel choice and the digest off", ps)
	}
	// Deleting the person unlinks the account instead of failing.
	if _, err := st.Pool.Exec(ctx, `DELETE FROM people WHERE id = $1`, pid); err != nil {
		t.Fatal(err)
	}
	if u, err := st.UserByID(ctx, a.ID); err != nil || u.PersonID != 0 {
		t.Errorf("after deleting the person: %+v, %v; want the account unlinked", u, err)
	}
}
