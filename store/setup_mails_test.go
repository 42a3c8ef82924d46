package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func queueLink(t *testing.T, st *store.Store, u *store.User, tok string, expires time.Time) {
	t.Helper()
	if err := st.CreateSetupLinkMailed(context.Background(), u.ID, tok, expires, store.Audit{Actor: "admin"}, &store.SetupMail{
		Recipient: u.Login, Address: u.Login + "@x.gov.cn", Subject: "设置密码", BodyText: "/setup/" + tok, BodyHTML: "<a>/setup/" + tok + "</a>",
	}); err != nil {
		t.Fatal(err)
	}
}

func setupMailState(t *testing.T, st *store.Store, tok string) (status string, wiped, exists bool) {
	t.Helper()
	err := st.Pool.QueryRow(context.Background(), `SELECT status, body_text IS NULL AND body_html IS NULL FROM setup_mails WHERE body_text LIKE '%'||$1
		OR handle IN (SELECT m.handle FROM setup_mails m JOIN setup_links l ON l.id = m.link_id WHERE l.token_hash = sha256($1::bytea))`, tok).Scan(&status, &wiped)
	if err != nil {
		return "", false, false
	}
	return status, wiped, true
}

// Sign-in housekeeping prunes setup links as it prunes sessions: the text of a used or expired
// link's mail goes at once (an unsent one is given up), and the link itself a week later, so
// that its page says "used" or "expired" meanwhile rather than "unknown". A newer link takes
// the unsent mail of the one it replaces with it.
func TestPruneSetupLinks(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2024, 5, 20, 10, 0, 0, 0, time.UTC)
	users := map[string]*store.User{}
	for _, l := range []string{"fresh", "used", "usedlong", "expired", "expiredlong", "replaced"} {
		users[l] = newUser(t, st, l)
	}
	queueLink(t, st, users["fresh"], "tok-fresh", now.Add(time.Hour))
	queueLink(t, st, users["used"], "tok-used", now.Add(time.Hour))
	if _, err := st.UseSetupLink(ctx, "tok-used", "hash", now.Add(-24*time.Hour), store.Audit{Actor: "used"}); err != nil {
		t.Fatal(err)
	}
	queueLink(t, st, users["usedlong"], "tok-usedlong", now.Add(time.Hour))
	if _, err := st.UseSetupLink(ctx, "tok-usedlong", "hash", now.Add(-8*24*time.Hour), store.Audit{Actor: "usedlong"}); err != nil {
		t.Fatal(err)
	}
	queueLink(t, st, users["expired"], "tok-expired", now.Add(-time.Hour))
	queueLink(t, st, users["expiredlong"], "tok-expiredlong", now.Add(-8*24*time.Hour))
	queueLink(t, st, users["replaced"], "tok-old", now.Add(time.Hour))
	queueLink(t, st, users["replaced"], "tok-new", now.Add(time.Hour))

	// used: wiped in the transaction that used the link
	if status, wiped, ok := setupMailState(t, st, "tok-used"); !ok || status != "void" || !wiped {
		t.Errorf("used link's mail before pruning: %q wiped %v exists %v", status, wiped, ok)
	}
	if _, _, ok := setupMailState(t, st, "tok-old"); ok {
		t.Error("the replaced link's mail is still queued")
	}
	if err := st.PruneWebState(ctx, now, time.Hour); err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]string{"tok-fresh": "pending", "tok-used": "void", "tok-expired": "void", "tok-new": "pending"} {
		status, wiped, ok := setupMailState(t, st, tok)
		if !ok || status != want || wiped != (want == "void") {
			t.Errorf("%s: %q wiped %v exists %v, want %s", tok, status, wiped, ok, want)
		}
	}
	for tok, want := range map[string]error{"tok-fresh": nil, "tok-used": store.ErrUsed, "tok-expired": store.ErrExpired,
		"tok-usedlong": store.ErrNotFound, "tok-expiredlong": store.ErrNotFound} {
		_, err := st.SetupLinkUser(ctx, tok, now)
		if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("%s after pruning: %v, want %v", tok, err, want)
		}
	}
	var left int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM setup_links`).Scan(&left); err != nil || left != 4 {
		t.Errorf("%d setup links left (%v), want 4", left, err)
	}
}

// A mail is queued only with its link: a link that cannot be stored (the user is gone) leaves
// no mail, nor an audit entry, behind.
func TestSetupMailRollsBackWithItsLink(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	err := st.CreateSetupLinkMailed(ctx, 999999, "tok-x", time.Now().Add(time.Hour), store.Audit{Actor: "admin"},
		&store.SetupMail{Recipient: "x", Address: "x@x.gov.cn", Subject: "s", BodyText: "t"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a link for no user: %v, want not found", err)
	}
	var mails, audits int
	if err := st.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM setup_mails), (SELECT count(*) FROM audit_log WHERE action LIKE 'user.setup%')`).
		Scan(&mails, &audits); err != nil || mails != 0 || audits != 0 {
		t.Errorf("%d mails and %d audit entries left (%v)", mails, audits, err)
	}
}

// Quiet days round-trip with ranges that ended dropped, and what would defer reminders for
// ever is refused.
func TestQuietDaysStored(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	pid, err := st.AddPerson(ctx, store.Person{Name: "王兼职", Email: "w@x.gov.cn", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	today := calendar.D(2026, 12, 7)
	q := store.QuietDays{Weekdays: []int{6, 6, 5}, Ranges: []store.QuietRange{
		{From: calendar.D(2026, 12, 20), To: calendar.D(2026, 12, 31), Note: "休假"},
		{From: calendar.D(2026, 11, 1), To: calendar.D(2026, 11, 2), Note: "过去"},
	}}
	if err := st.SetQuietDays(ctx, pid, q, today, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.QuietDaysOf(ctx, []int64{pid, pid + 1}, today)
	if err != nil {
		t.Fatal(err)
	}
	if g := got[pid]; fmt.Sprint(g.Weekdays) != "[5 6]" || len(g.Ranges) != 1 || g.Ranges[0].Note != "休假" ||
		g.Ranges[0].From != calendar.D(2026, 12, 20) || g.Ranges[0].To != calendar.D(2026, 12, 31) {
		t.Errorf("stored %+v", g)
	}
	if _, ok := got[pid+1]; ok || len(got) != 1 {
		t.Errorf("people without quiet days in the answer: %+v", got)
	}
	// a range over by the window's day no longer matters to the dispatcher
	if later, _ := st.QuietDaysOf(ctx, []int64{pid}, calendar.D(2027, 1, 1)); len(later[pid].Ranges) != 0 {
		t.Errorf("in January: %+v", later[pid])
	}
	for _, bad := range []store.QuietDays{
		{Weekdays: []int{1, 2, 3, 4, 5}},
		{Weekdays: []int{0}},
		{Ranges: []store.QuietRange{{From: calendar.D(2026, 12, 31), To: calendar.D(2026, 12, 20)}}},
	} {
		if err := st.SetQuietDays(ctx, pid, bad, today, store.Audit{Actor: "test"}); !errors.Is(err, store.ErrQuietDays) {
			t.Errorf("%+v: %v, want ErrQuietDays", bad, err)
		}
	}
	if err := st.SetQuietDays(ctx, 999999, store.QuietDays{}, today, store.Audit{Actor: "test"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no such person: %v", err)
	}
}
