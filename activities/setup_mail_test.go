package activities_test

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

type setupMailFixture struct {
	ctx   context.Context
	st    *store.Store
	smtp  *smtptest.Server
	email notify.Channel
	now   time.Time
	n     int
}

func newSetupMailFixture(t *testing.T, o smtptest.Options) *setupMailFixture {
	f := &setupMailFixture{ctx: context.Background(), st: testenv.Store(t), now: time.Now().Truncate(time.Second)}
	o.TLS = "none"
	f.smtp = smtptest.Start(t, o)
	d := fixtures.Deliverer(t, f.ctx, f.st, f.smtp, "setup-mail-test-secret-0123456789abcdef", 1)
	f.email = d.Channels["email"]
	return f
}

// issue makes a user linked to a person and a setup link for them with its mail queued, and
// returns the token and the user's id.
func (f *setupMailFixture) issue(t *testing.T) (string, int64) {
	t.Helper()
	f.n++
	pid, err := f.st.AddPerson(f.ctx, store.Person{Name: fmt.Sprintf("王%d", f.n), Email: fmt.Sprintf("w%d@x.gov.cn", f.n), Channels: []string{"email"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.st.CreateUser(f.ctx, store.NewUser{Login: fmt.Sprintf("u%d", f.n), Role: store.RoleOffice, PasswordHash: "x"}, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetUserPerson(f.ctx, u.ID, pid, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	tok := fmt.Sprintf("token-%d-%d", f.n, time.Now().UnixNano())
	link := "https://gk.example.gov.cn/setup/" + tok
	if err := f.st.CreateSetupLinkMailed(f.ctx, u.ID, tok, f.now.Add(72*time.Hour), store.Audit{Actor: "admin"}, &store.SetupMail{
		PersonID: pid, Recipient: fmt.Sprintf("王%d", f.n), Address: fmt.Sprintf("w%d@x.gov.cn", f.n), Subject: "设置政务公开任务系统登录密码",
		BodyText: "请打开 " + link, BodyHTML: `<a href="` + link + `">` + link + `</a>`,
	}); err != nil {
		t.Fatal(err)
	}
	return tok, u.ID
}

func (f *setupMailFixture) mailer() *activities.SetupMailer {
	return &activities.SetupMailer{Store: f.st, Email: f.email, Now: func() time.Time { return f.now }}
}

func (f *setupMailFixture) mailOf(t *testing.T, userID int64) store.SetupMail {
	t.Helper()
	m, err := f.st.SetupMailOf(f.ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A queued setup mail goes out once on real SMTP, with a Message-ID made of its handle; a
// server that refuses for now (451) gets it again after the backoff, not before, and with the
// same Message-ID; once sent, the link's clear text is gone from the database.
func TestSetupMailSentOnceAndWiped(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	f := newSetupMailFixture(t, smtptest.Options{Data: func(smtptest.Message) error {
		if refuse.Load() {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}})
	tok, uid := f.issue(t)
	m := f.mailer()

	if n, err := m.SendDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("refused: sent %d, %v", n, err)
	}
	if got := f.mailOf(t, uid); got.Status != "pending" || got.Attempts != 1 || got.Error == "" || !strings.Contains(got.BodyText, tok) {
		t.Fatalf("after a refusal: %+v", got)
	}
	refuse.Store(false)
	if n, err := m.SendDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("before the backoff: sent %d, %v", n, err)
	}
	f.now = f.now.Add(31 * time.Second)
	if n, err := m.SendDue(f.ctx); err != nil || n != 1 {
		t.Fatalf("after the backoff: sent %d, %v", n, err)
	}
	if n, err := m.SendDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("again: sent %d, %v", n, err)
	}
	msgs := f.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages accepted, want 1", len(msgs))
	}
	got := f.mailOf(t, uid)
	pm, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if id := pm.Header.Get("Message-ID"); id != "<"+got.Handle+"@example.gov.cn>" || strings.Contains(id, tok) {
		t.Errorf("Message-ID %q, want the handle %s", id, got.Handle)
	}
	if msgs[0].To[0] != "w1@x.gov.cn" {
		t.Errorf("sent to %v", msgs[0].To)
	}
	if got.Status != "sent" || got.Attempts != 2 || got.SentAt == nil || got.BodyText != "" || got.BodyHTML != "" {
		t.Errorf("after sending: %+v", got)
	}
	var clear int
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT count(*) FROM setup_mails WHERE body_text LIKE '%'||$1||'%' OR body_html LIKE '%'||$1||'%'`, tok).Scan(&clear); err != nil || clear != 0 {
		t.Errorf("the link is still in setup_mails (%d, %v)", clear, err)
	}
}

// A mail whose link was used, or has expired, before the worker got to it is not sent and its
// text is wiped; one whose account was disabled waits (the link opens nothing meanwhile).
func TestSetupMailOfDeadLinkNotSent(t *testing.T) {
	f := newSetupMailFixture(t, smtptest.Options{})
	used, usedUser := f.issue(t)
	if _, err := f.st.UseSetupLink(f.ctx, used, "hash", f.now, store.Audit{Actor: "u1"}); err != nil {
		t.Fatal(err)
	}
	_, disabledUser := f.issue(t)
	if err := f.st.SetUserDisabled(f.ctx, disabledUser, true, store.Audit{Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	m := f.mailer()
	if n, err := m.SendDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("sent %d for a used link and a disabled account, %v", n, err)
	}
	_, expiredUser := f.issue(t)
	f.now = f.now.Add(73 * time.Hour)
	if n, err := m.SendDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("sent %d, %v", n, err)
	}
	if c := f.smtp.Count(); c != 0 {
		t.Errorf("%d messages for dead links", c)
	}
	for _, uid := range []int64{usedUser, expiredUser} {
		if got := f.mailOf(t, uid); got.Status != "void" || got.BodyText != "" || got.BodyHTML != "" {
			t.Errorf("user %d: %+v, want void and wiped", uid, got)
		}
	}
}

// Two workers sweeping at once send each of ten mails once: a mail's row is locked while it is
// sent, and the other worker skips it.
func TestSetupMailTwoWorkersSendOnce(t *testing.T) {
	f := newSetupMailFixture(t, smtptest.Options{})
	for range 10 {
		f.issue(t)
	}
	var wg sync.WaitGroup
	var total atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.mailer().SendDue(f.ctx)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	if c := f.smtp.Count(); c != 10 || total.Load() != 10 {
		t.Errorf("%d messages accepted, %d counted sent; want 10 and 10", c, total.Load())
	}
	seen := map[string]bool{}
	for _, m := range f.smtp.Messages() {
		if seen[m.To[0]] {
			t.Errorf("%s mailed twice", m.To[0])
		}
		seen[m.To[0]] = true
	}
}

// A running mailer sends a link as soon as it is issued: the queue's notification wakes it,
// long before its hourly sweep.
func TestSetupMailerWakesOnQueue(t *testing.T) {
	f := newSetupMailFixture(t, smtptest.Options{})
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	m := &activities.SetupMailer{Store: f.st, Email: f.email, Sweep: time.Hour}
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(300 * time.Millisecond) // let it sweep the empty queue and listen
	start := time.Now()
	_, uid := f.issue(t)
	select {
	case <-f.smtp.Accepted():
		t.Logf("sent %v after the link was issued", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("the mailer did not send the queued link within 10 s")
	}
	for deadline := time.Now().Add(5 * time.Second); f.mailOf(t, uid).Status != "sent"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("accepted but not recorded as sent: %+v", f.mailOf(t, uid))
		}
	}
}

// dyingChannel sends for real and then kills the attempt's context, as a worker that dies
// after the server accepted the message and before the outcome is committed.
type dyingChannel struct {
	notify.Channel
	kill context.CancelFunc
}

func (c *dyingChannel) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	rec, err := c.Channel.Send(ctx, m)
	c.kill()
	return rec, err
}

// A worker that dies between the server's acceptance and the commit loses nothing: the mail is
// still queued (its transaction rolled back) and the next sweep sends it again with the same
// Message-ID, which mail clients fold into one; the sweep after that sends nothing.
func TestSetupMailResentWithSameMessageIDAfterCrash(t *testing.T) {
	f := newSetupMailFixture(t, smtptest.Options{})
	_, uid := f.issue(t)
	ctx, kill := context.WithCancel(f.ctx)
	dying := &activities.SetupMailer{Store: f.st, Email: &dyingChannel{f.email, kill}, Now: func() time.Time { return f.now }}
	if _, err := dying.SendDue(ctx); err == nil {
		t.Fatal("the dying worker recorded its send")
	}
	if got := f.mailOf(t, uid); got.Status != "pending" || got.BodyText == "" {
		t.Fatalf("after the crash: %+v, want still queued", got)
	}
	// The dead attempt's row lock lasts until PostgreSQL has closed its connection; until then
	// the row is skipped, as another worker's would be.
	m := f.mailer()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := m.SendDue(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the mail was not sent again within 10 s of the crash")
		}
	}
	if n, err := m.SendDue(f.ctx); n != 0 || err != nil {
		t.Fatalf("a third sweep sent %d (%v)", n, err)
	}
	msgs := f.smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the one the crash hid and its resend", len(msgs))
	}
	var ids []string
	for _, raw := range msgs {
		pm, err := mail.ReadMessage(bytes.NewReader(raw.Data))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pm.Header.Get("Message-ID"))
	}
	if ids[0] != ids[1] || ids[0] == "" {
		t.Errorf("Message-IDs %q, want one", ids)
	}
	if got := f.mailOf(t, uid); got.Status != "sent" || got.BodyText != "" {
		t.Errorf("after the resend: %+v", got)
	}
}

// The mailer's next wake-up ignores what it would not send: a disabled account's mail is not
// due (no busy loop while the admin decides), a mail never tried is due at once, one refused
// is due after its backoff.
func TestNextSetupMailAt(t *testing.T) {
	f := newSetupMailFixture(t, smtptest.Options{})
	if _, ok, err := f.st.NextSetupMailAt(f.ctx); ok || err != nil {
		t.Fatalf("empty queue: ok %v, %v", ok, err)
	}
	_, uid := f.issue(t)
	if err := f.st.SetUserDisabled(f.ctx, uid, true, store.Audit{Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	if at, ok, err := f.st.NextSetupMailAt(f.ctx); ok || err != nil {
		t.Errorf("a disabled account's mail is due at %v (%v)", at, err)
	}
	f.issue(t)
	if at, ok, err := f.st.NextSetupMailAt(f.ctx); !ok || err != nil || !at.Before(f.now) {
		t.Errorf("a fresh mail is due at %v ok %v (%v), want now", at, ok, err)
	}
}
