package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// A setup link for an account linked to a person with an email address is queued for mail in
// the transaction that issues it, and the page says so. The worker's mailer sends it: in dev
// mode its email channel is the outbox, which then holds the mail once per link, however
// often the mailer runs. The audit log names the address, never the link, and the mailed link
// works like the one on the admin's screen.
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
	if !strings.Contains(body, "已交由系统发送到 wang@x.gov.cn") || !strings.Contains(body, "开发模式：邮件见发件箱") {
		t.Errorf("the page does not say the link was queued for mail: %s", pageText(body))
	}
	queued, err := f.st.SetupMailOf(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if queued.Status != "pending" || queued.Address != "wang@x.gov.cn" || !strings.Contains(queued.BodyText, "/setup/"+tok) ||
		!strings.Contains(queued.BodyHTML, "/setup/"+tok) || strings.Contains(queued.Handle, tok) {
		t.Errorf("queued mail %+v", queued)
	}
	if msgs, _ := f.st.Outbox(ctx, 10, 0); len(msgs) != 0 {
		t.Errorf("the web wrote %d outbox messages itself; the worker sends", len(msgs))
	}
	if f.auditCount(t, "user.setup_mail", u.ID) != 1 {
		t.Error("mailing the link is not in the audit log")
	}
	var leaked int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail::text LIKE '%'||$1||'%' OR object_id LIKE '%'||$1||'%'`, tok).
		Scan(&leaked); err != nil || leaked != 0 {
		t.Errorf("the link is in the audit log (%d entries, %v)", leaked, err)
	}

	mailer := &activities.SetupMailer{Store: f.st, Email: &notify.Outbox{Store: f.st, As: "email"}, Now: func() time.Time { return testNow }}
	for range 2 {
		if _, err := mailer.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := f.st.Outbox(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("outbox has %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Channel != "email" || m.Address != "wang@x.gov.cn" || m.Recipient != "王办公" || m.Key != queued.Handle ||
		!strings.Contains(m.BodyText, "/setup/"+tok) || !strings.Contains(m.BodyHTML, "/setup/"+tok) {
		t.Errorf("outbox message %+v", m)
	}
	if sent, _ := f.st.SetupMailOf(ctx, u.ID); sent.Status != "sent" || sent.BodyText != "" {
		t.Errorf("after sending: %+v", sent)
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
	if _, err := mailer.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	if msgs, _ = f.st.Outbox(ctx, 10, 0); len(msgs) != 2 || !strings.Contains(msgs[0].BodyText, tok2) {
		t.Errorf("a second link: %d outbox messages", len(msgs))
	}

	// An account without a person is not mailed, and the page says why.
	other := f.users["office2"]
	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(other.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	setupToken(t, body)
	if strings.Contains(body, "已交由系统发送") || !strings.Contains(body, "账号未关联人员，链接未发送邮件，请将链接交给本人") {
		t.Errorf("an account without a person: %s", pageText(body))
	}
	if _, err := f.st.SetupMailOf(ctx, other.ID); err == nil {
		t.Error("a mail was queued for an account without a person")
	}
}

// Outside dev mode the web has no mail channel either: it queues the mail the same way, for
// the worker to send on SMTP, and writes nothing to the outbox. A person without an address
// gets the link shown only, and the page says so. The API answers the same.
func TestSetupLinkQueuedInProduction(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	u, noMail := f.users["office"], f.users["office2"]
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "王办公", Email: "wang@x.gov.cn", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := f.st.AddPerson(ctx, store.Person{Name: "李无邮", Mobile: "13800138000", Channels: []string{"sms"}})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.as(t, "admin")
	for uid, p := range map[int64]int64{u.ID: pid, noMail.ID: bare} {
		resp, body := admin.post("/admin/users/person", url.Values{"user": {itoa(uid)}, "person": {itoa(p)}})
		wantStatus(t, resp, body, http.StatusSeeOther)
	}
	resp, body := admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	setupToken(t, body)
	if !strings.Contains(body, "已交由系统发送到 wang@x.gov.cn") || strings.Contains(body, "开发模式") {
		t.Errorf("production page: %s", pageText(body))
	}
	if m, err := f.st.SetupMailOf(ctx, u.ID); err != nil || m.Status != "pending" {
		t.Errorf("queued mail: %+v %v", m, err)
	}
	if msgs, err := f.st.Outbox(ctx, 10, 0); err != nil || len(msgs) != 0 {
		t.Errorf("production wrote %d outbox messages (%v)", len(msgs), err)
	}

	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(noMail.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	setupToken(t, body)
	if !strings.Contains(body, "关联人员李无邮没有登记邮箱，链接未发送邮件") {
		t.Errorf("a person without an address: %s", pageText(body))
	}
	if _, err := f.st.SetupMailOf(ctx, noMail.ID); err == nil {
		t.Error("a mail was queued for a person without an address")
	}

	var out SetupLink
	resp, raw := admin.json("POST", "/api/users/setup", map[string]any{"user": u.ID})
	wantStatus(t, resp, raw, http.StatusCreated)
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatal(err)
	}
	if out.MailedTo != "wang@x.gov.cn" || !strings.Contains(out.URL, "/setup/") || out.Expires.Before(testNow.Add(71*time.Hour)) {
		t.Errorf("API answer %+v", out)
	}
}
