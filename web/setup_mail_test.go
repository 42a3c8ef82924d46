package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// In dev mode a setup link for an account linked to a person with an email address goes to the
// outbox as the person's mail, once per link; the audit log names the address, never the link;
// and the link in the mail works like the one on the admin's screen.
func TestSetupLinkMailed(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	admin := f.as(t, "admin")
	u := f.users["office"]
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "王办公", Email: "wang@x.gov.cn", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := admin.post("/admin/users/person", url.Values{"user": {itoa(u.ID)}, "person": {itoa(pid)}})
	wantStatus(t, resp, body, http.StatusSeeOther)

	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	tok := setupToken(t, body)
	if !strings.Contains(body, "已同时发送到 wang@x.gov.cn") {
		t.Errorf("the page does not say the link was mailed: %s", pageText(body))
	}
	msgs, err := f.st.Outbox(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("outbox has %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Channel != "email" || m.Address != "wang@x.gov.cn" || m.Recipient != "王办公" ||
		!strings.Contains(m.BodyText, "/setup/"+tok) || !strings.Contains(m.BodyHTML, "/setup/"+tok) || strings.Contains(m.Key, tok) {
		t.Errorf("outbox message %+v", m)
	}
	if f.auditCount(t, "user.setup_mail", u.ID) != 1 {
		t.Error("mailing the link is not in the audit log")
	}
	var leaked int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail::text LIKE '%'||$1||'%' OR object_id LIKE '%'||$1||'%'`, tok).
		Scan(&leaked); err != nil || leaked != 0 {
		t.Errorf("the link is in the audit log (%d entries, %v)", leaked, err)
	}
	// The admin sees it on /admin/outbox, as every dev mail.
	resp, body = admin.get("/admin/outbox")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "设置政务公开任务系统登录密码") {
		t.Error("the setup mail is not on the outbox page")
	}
	// The mailed link opens the setup page for that account.
	resp, body = f.as(t, "anonymous").get("/setup/" + tok)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, u.Login) {
		t.Errorf("the mailed link's page does not name %s", u.Login)
	}

	// A new link is a new mail; the one before is dead, as on screen.
	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	tok2 := setupToken(t, body)
	if msgs, _ = f.st.Outbox(ctx, 10, 0); len(msgs) != 2 || !strings.Contains(msgs[0].BodyText, tok2) {
		t.Errorf("a second link: %d outbox messages", len(msgs))
	}

	// An account without a person, or whose person has no address, is not mailed.
	other := f.users["office2"]
	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(other.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	setupToken(t, body)
	if strings.Contains(body, "已同时发送") {
		t.Error("an account without a person is said to be mailed")
	}
	if msgs, _ = f.st.Outbox(ctx, 10, 0); len(msgs) != 2 {
		t.Errorf("an account without a person was mailed: %d messages", len(msgs))
	}
}

// Outside dev mode the web has no mail channel: the link is shown to the admin only and nothing
// is written to the outbox.
func TestSetupLinkNotMailedInProduction(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	u := f.users["office"]
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "王办公", Email: "wang@x.gov.cn", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.as(t, "admin")
	resp, body := admin.post("/admin/users/person", url.Values{"user": {itoa(u.ID)}, "person": {itoa(pid)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	setupToken(t, body)
	msgs, err := f.st.Outbox(ctx, 10, 0)
	if err != nil || len(msgs) != 0 {
		t.Errorf("production wrote %d outbox messages (%v)", len(msgs), err)
	}
}
