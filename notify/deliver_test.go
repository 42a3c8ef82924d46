package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/email"
	"github.com/zwgk/zwgk/notify/providertest"
	"github.com/zwgk/zwgk/notify/robot"
	"github.com/zwgk/zwgk/notify/sms"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

func newRenderer(t testing.TB) *notify.Renderer {
	t.Helper()
	return fixtures.Renderer(t, "deliver-test-secret-0123456789")
}

func newDeliverer(t testing.TB, st *store.Store, chs map[string]notify.Channel) *notify.Deliverer {
	t.Helper()
	d, err := notify.NewDeliverer(ctx, st, newRenderer(t), chs, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func emailChannel(t testing.TB, s *smtptest.Server, timeout time.Duration) *email.Channel {
	t.Helper()
	c, err := email.New(email.Config{Host: s.Host, Port: s.Port, TLS: email.NoTLS, From: "政务公开办 <gk@example.gov.cn>", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func aliyunChannel(f *providertest.Aliyun) *sms.Aliyun {
	return &sms.Aliyun{Endpoint: f.URL(), AccessKeyID: f.ID, AccessKeySecret: f.Secret, SignName: "某某县政务公开办",
		Templates: sms.Templates{notify.Reminder: "SMS_1", notify.Digest: "SMS_4", notify.Alert: "SMS_9"}}
}

func addPerson(t testing.TB, st *store.Store, p store.Person) store.Recipient {
	t.Helper()
	id, err := st.AddPerson(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Recipient(ctx, store.PersonKey(id))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func reminder(key string, item int64) notify.Notice {
	return notify.Notice{Key: key, Kind: notify.Reminder, At: time.Now(), Entries: []notify.Entry{{
		ItemID: item, Kind: notify.Reminder, Title: "部门预算公开", Requirement: "公开2024年部门预算。",
		Offices: []string{"办公室"}, Due: calendar.D(2024, 6, 28), WorkdaysLeft: 3}}}
}

func attempts(t testing.TB, st *store.Store, key, recipient string) (store.Delivery, []store.DeliveryAttempt) {
	t.Helper()
	d, err := st.DeliveryByKey(ctx, key, recipient)
	if err != nil {
		t.Fatal(err)
	}
	as, err := st.DeliveryAttempts(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d, as
}

func statuses(as []store.DeliveryAttempt) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Channel+":"+a.Status)
	}
	return strings.Join(s, ",")
}

func TestDeliverSendsOnceAndReplays(t *testing.T) {
	st := testenv.Store(t)
	srv := smtptest.Start(t, smtptest.Options{})
	d := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "zhangsan@example.gov.cn"})
	n := reminder("reminder/42/2024/1", 42)
	first, err := d.Deliver(ctx, n, p)
	if err != nil {
		t.Fatal(err)
	}
	if first.Replayed || first.Channel != "email" || !strings.HasPrefix(first.Answer, "250") {
		t.Fatalf("receipt %+v", first)
	}
	again, err := d.Deliver(ctx, n, p)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.Answer != first.Answer || again.Address != "zhangsan@example.gov.cn" {
		t.Errorf("retry receipt %+v", again)
	}
	if srv.Count() != 1 {
		t.Fatalf("SMTP server got %d messages", srv.Count())
	}
	row, as := attempts(t, st, n.Key, p.Key)
	if row.Status != store.DeliverySent || row.Attempts != 1 || statuses(as) != "email:sent" || row.Subject == "" ||
		len(row.ItemIDs) != 1 || row.ItemIDs[0] != 42 {
		t.Errorf("row %+v attempts %s", row, statuses(as))
	}
	msg, _ := mail.ReadMessage(strings.NewReader(string(srv.Messages()[0].Data)))
	if msg.Header.Get("Message-ID") != "<"+notify.Handle(n.Key, p.Key)+"@example.gov.cn>" {
		t.Errorf("Message-ID %q", msg.Header.Get("Message-ID"))
	}
}

func TestConcurrentDeliveriesOfOneKeySendOnce(t *testing.T) {
	st := testenv.Store(t)
	srv := smtptest.Start(t, smtptest.Options{})
	d1 := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	d2 := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "zhangsan@example.gov.cn"})
	n := reminder("reminder/42/2024/2", 42)
	var wg sync.WaitGroup
	var busy atomic.Int32
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := d1
			if i%2 == 1 {
				d = d2 // two workers
			}
			for {
				_, err := d.Deliver(ctx, n, p)
				if err == nil {
					return
				}
				if notify.IsPermanent(err) {
					t.Error(err)
					return
				}
				if busy.Add(1) > 2000 {
					t.Errorf("still not delivered: %v", err)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if srv.Count() != 1 {
		t.Fatalf("SMTP server got %d messages from 16 concurrent deliveries", srv.Count())
	}
	t.Logf("%d deliveries found another worker holding the message", busy.Load())
}

// firstRcptDeferred is an SMTP server that answers the first RCPT with a temporary 451 (ec, msg)
// and accepts every later one: a transient failure, then success.
func firstRcptDeferred(t *testing.T, ec smtp.EnhancedCode, msg string) *smtptest.Server {
	t.Helper()
	var calls atomic.Int32
	return smtptest.Start(t, smtptest.Options{Rcpt: func(string) error {
		if calls.Add(1) == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: ec, Message: msg}
		}
		return nil
	}})
}

// rcptRefused is an SMTP server that answers every RCPT with code (ec, msg).
func rcptRefused(t *testing.T, code int, ec smtp.EnhancedCode, msg string) *smtptest.Server {
	t.Helper()
	return smtptest.Start(t, smtptest.Options{Rcpt: func(string) error {
		return &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: msg}
	}})
}

// emailThenSMS is a deliverer with email to srv and SMS through a fake Aliyun, which it returns.
func emailThenSMS(t *testing.T, st *store.Store, srv *smtptest.Server) (*notify.Deliverer, *providertest.Aliyun) {
	t.Helper()
	ali := providertest.NewAliyun(t, "id", "secret")
	return newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second), "sms": aliyunChannel(ali)}), ali
}

func TestRetryAfterTransientFailure(t *testing.T) {
	st := testenv.Store(t)
	srv := firstRcptDeferred(t, smtp.EnhancedCode{4, 3, 0}, "try again later")
	d := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "zhangsan@example.gov.cn"})
	n := reminder("reminder/42/2024/3", 42)
	_, err := d.Deliver(ctx, n, p)
	if err == nil || notify.IsPermanent(err) || notify.Classify(err) != notify.Transient {
		t.Fatalf("first try: %v, want transient", err)
	}
	row, _ := attempts(t, st, n.Key, p.Key)
	if row.Status != store.DeliveryPending || !strings.Contains(row.Error, "451") {
		t.Errorf("after a transient failure: %+v", row)
	}
	if _, err := d.Deliver(ctx, n, p); err != nil {
		t.Fatal(err)
	}
	row, as := attempts(t, st, n.Key, p.Key)
	if srv.Count() != 1 || row.Status != store.DeliverySent || statuses(as) != "email:failed,email:sent" {
		t.Errorf("%d messages, row %s, attempts %s", srv.Count(), row.Status, statuses(as))
	}
}

func TestFallbackToTheNextChannel(t *testing.T) {
	st := testenv.Store(t)
	srv := rcptRefused(t, 550, smtp.EnhancedCode{5, 1, 1}, "mailbox unavailable")
	d, ali := emailThenSMS(t, st, srv)
	p := addPerson(t, st, store.Person{Name: "张三", Email: "gone@example.gov.cn", Mobile: "13800138000", Channels: []string{"email", "sms"}})
	n := reminder("reminder/42/2024/4", 42)
	rec, err := d.Deliver(ctx, n, p)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Channel != "sms-aliyun" || len(ali.Sent()) != 1 || ali.Sent()[0].Handle != notify.Handle(n.Key, p.Key) {
		t.Fatalf("receipt %+v, aliyun %+v", rec, ali.Sent())
	}
	_, as := attempts(t, st, n.Key, p.Key)
	if statuses(as) != "email:failed,sms-aliyun:sent" || as[0].Class != "permanent" {
		t.Errorf("attempts %s (%s)", statuses(as), as[0].Class)
	}
}

func TestFallbackAfterRepeatedTransientFailures(t *testing.T) {
	st := testenv.Store(t)
	srv := rcptRefused(t, 421, smtp.EnhancedCode{4, 4, 5}, "busy")
	d, _ := emailThenSMS(t, st, srv)
	d.MaxTransient = 2
	p := addPerson(t, st, store.Person{Name: "张三", Email: "z@example.gov.cn", Mobile: "13800138000"})
	n := reminder("reminder/42/2024/5", 42)
	if _, err := d.Deliver(ctx, n, p); notify.Classify(err) != notify.Transient {
		t.Fatalf("first: %v", err)
	}
	rec, err := d.Deliver(ctx, n, p)
	if err != nil || rec.Channel != "sms-aliyun" {
		t.Fatalf("second: %+v %v", rec, err)
	}
	_, as := attempts(t, st, n.Key, p.Key)
	if statuses(as) != "email:failed,email:failed,sms-aliyun:sent" {
		t.Errorf("attempts %s", statuses(as))
	}
}

func TestDailyQuotaHoldsAcrossWorkersAndFallsBack(t *testing.T) {
	st := testenv.Store(t)
	srv := smtptest.Start(t, smtptest.Options{})
	ali := providertest.NewAliyun(t, "id", "secret")
	ch := aliyunChannel(ali)
	ch.DailyLimit = 3
	now := time.Date(2024, 6, 28, 9, 0, 0, 0, calendar.Shanghai)
	clock := func() time.Time { return now }
	workers := []*notify.Deliverer{
		newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second), "sms": ch}),
		newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second), "sms": ch}),
	}
	for _, w := range workers {
		w.Now = clock
	}
	p := addPerson(t, st, store.Person{Name: "张三", Email: "z@example.gov.cn", Mobile: "13800138000", Channels: []string{"sms", "email"}})
	var got []string
	for i := range 5 {
		rec, err := workers[i%2].Deliver(ctx, reminder(fmt.Sprintf("q/%d", i), 42), p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.Channel)
	}
	if strings.Join(got, ",") != "sms-aliyun,sms-aliyun,sms-aliyun,email,email" || len(ali.Sent()) != 3 {
		t.Fatalf("channels %v, aliyun got %d", got, len(ali.Sent()))
	}
	_, as := attempts(t, st, "q/3", p.Key)
	if statuses(as) != "sms-aliyun:quota,email:sent" || !strings.Contains(as[0].Error, "每日3条") {
		t.Errorf("attempts %s: %s", statuses(as), as[0].Error)
	}
	// the quota is per natural day in China: the next morning SMS is back
	now = time.Date(2024, 6, 29, 0, 0, 1, 0, calendar.Shanghai)
	rec, err := workers[0].Deliver(ctx, reminder("q/next-day", 42), p)
	if err != nil || rec.Channel != "sms-aliyun" {
		t.Fatalf("next day: %+v %v", rec, err)
	}
}

func TestConcurrentQuotaIsNotOverrun(t *testing.T) {
	st := testenv.Store(t)
	ali := providertest.NewAliyun(t, "id", "secret")
	ch := aliyunChannel(ali)
	ch.DailyLimit = 5
	d := newDeliverer(t, st, map[string]notify.Channel{"sms": ch})
	p := addPerson(t, st, store.Person{Name: "张三", Mobile: "13800138000", Channels: []string{"sms"}})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Deliver(ctx, reminder(fmt.Sprintf("c/%d", i), 42), p); err != nil {
				if !notify.IsPermanent(err) {
					t.Errorf("unexpected %v", err)
				}
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if len(ali.Sent()) != 5 || failed.Load() != 7 {
		t.Fatalf("aliyun got %d, %d failed; want 5 and 7", len(ali.Sent()), failed.Load())
	}
}

func TestRobotRateLimitWaits(t *testing.T) {
	st := testenv.Store(t)
	var posts atomic.Int32
	hook, client := robotEndpoint(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	unit, offices := seedDirectory(t, st)
	_ = unit
	id, err := st.AddRobot(ctx, store.Robot{OfficeID: offices["办公室"], Kind: "wecom", Webhook: hook.URL + "/send?key=k"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Recipient(ctx, store.RobotKey(id))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 6, 28, 9, 0, 0, 0, calendar.Shanghai)
	d := newDeliverer(t, st, map[string]notify.Channel{"wecom": &robot.WeCom{Client: client}})
	d.Now = func() time.Time { return now }
	for i := range 20 {
		if _, err := d.Deliver(ctx, reminder(fmt.Sprintf("r/%d", i), 42), r); err != nil {
			t.Fatal(err)
		}
	}
	_, err = d.Deliver(ctx, reminder("r/20", 42), r)
	if notify.Classify(err) != notify.RateLimited || notify.RetryAfter(err) <= 0 || notify.RetryAfter(err) > time.Minute {
		t.Fatalf("21st message in a minute: %v (retry after %v)", err, notify.RetryAfter(err))
	}
	now = now.Add(61 * time.Second)
	if _, err := d.Deliver(ctx, reminder("r/20", 42), r); err != nil {
		t.Fatal(err)
	}
	if posts.Load() != 21 {
		t.Fatalf("webhook got %d posts", posts.Load())
	}
	row, _ := attempts(t, st, "r/20", r.Key)
	if row.Address != r.Key {
		t.Errorf("robot address %q logged; the webhook token must stay out of the log", row.Address)
	}
}

func TestLostAnswerIsReconciledWithAliyun(t *testing.T) {
	st := testenv.Store(t)
	ali := providertest.NewAliyun(t, "id", "secret")
	ali.SetReply(func(string) *providertest.Reply { return &providertest.Reply{DropAnswer: true} })
	d := newDeliverer(t, st, map[string]notify.Channel{"sms": aliyunChannel(ali)})
	p := addPerson(t, st, store.Person{Name: "张三", Mobile: "13800138000", Channels: []string{"sms"}})
	n := reminder("reminder/42/2024/6", 42)
	_, err := d.Deliver(ctx, n, p)
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("lost answer: %v, want a retryable error", err)
	}
	_, as := attempts(t, st, n.Key, p.Key)
	if statuses(as) != "sms-aliyun:sending" {
		t.Fatalf("attempts %s: the attempt must stay open", statuses(as))
	}
	ali.SetReply(nil)
	rec, err := d.Deliver(ctx, n, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ali.Sent()) != 1 || !strings.HasPrefix(rec.Answer, "QuerySendDetails") {
		t.Fatalf("aliyun got %d messages; receipt %+v", len(ali.Sent()), rec)
	}
	row, as := attempts(t, st, n.Key, p.Key)
	if row.Status != store.DeliverySent || statuses(as) != "sms-aliyun:sent" || !strings.HasPrefix(row.ProviderAnswer, "reconciled") {
		t.Errorf("row %s %q attempts %s", row.Status, row.ProviderAnswer, statuses(as))
	}
}

func TestLostSMTPAnswerResendsTheSameMessage(t *testing.T) {
	st := testenv.Store(t)
	release := make(chan struct{})
	var calls atomic.Int32
	srv := smtptest.Start(t, smtptest.Options{Data: func(smtptest.Message) error {
		if calls.Add(1) == 1 {
			<-release // hold the first answer past the client's deadline
		}
		return nil
	}})
	d := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 400*time.Millisecond)})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "z@example.gov.cn"})
	n := reminder("reminder/42/2024/7", 42)
	if _, err := d.Deliver(ctx, n, p); err == nil || notify.IsPermanent(err) {
		t.Fatalf("lost answer: %v", err)
	}
	close(release)
	<-srv.Accepted()
	if _, err := d.Deliver(ctx, n, p); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server has %d messages", len(msgs))
	}
	id := func(m smtptest.Message) string {
		mm, _ := mail.ReadMessage(strings.NewReader(string(m.Data)))
		return mm.Header.Get("Message-ID")
	}
	if id(msgs[0]) == "" || id(msgs[0]) != id(msgs[1]) {
		t.Fatalf("Message-IDs %q and %q: a resend must be recognisably the same message", id(msgs[0]), id(msgs[1]))
	}
	_, as := attempts(t, st, n.Key, p.Key)
	if statuses(as) != "email:unknown,email:sent" {
		t.Errorf("attempts %s", statuses(as))
	}
}

func TestFirstPayloadWins(t *testing.T) {
	st := testenv.Store(t)
	srv := firstRcptDeferred(t, smtp.EnhancedCode{4, 0, 0}, "later")
	d := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "z@example.gov.cn"})
	n := reminder("reminder/42/2024/8", 42)
	if _, err := d.Deliver(ctx, n, p); err == nil {
		t.Fatal("want a transient failure first")
	}
	changed := n
	changed.Entries = []notify.Entry{{ItemID: 99, Kind: notify.Reminder, Title: "另一个事项", Due: calendar.D(2024, 7, 1)}}
	if _, err := d.Deliver(ctx, changed, p); err != nil {
		t.Fatal(err)
	}
	body := string(srv.Messages()[0].Data)
	m, _ := mail.ReadMessage(strings.NewReader(body))
	subject, _ := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.Contains(subject, "部门预算公开") {
		t.Errorf("retry sent %q instead of the first submission", subject)
	}
}

func TestNoUsableChannelFailsAndAlertsAdmins(t *testing.T) {
	st := testenv.Store(t)
	srv := smtptest.Start(t, smtptest.Options{})
	d := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	d.AlertEvery = time.Hour
	p := addPerson(t, st, store.Person{Name: "李四", Mobile: "13800138000", Channels: []string{"sms"}})
	addPerson(t, st, store.Person{Name: "王五（政务公开办）", Email: "admin@example.gov.cn", Alerts: true})
	n := reminder("reminder/42/2024/9", 42)
	_, err := d.Deliver(ctx, n, p)
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "sms: 通道未配置") {
		t.Fatalf("error %v", err)
	}
	if _, err := d.Deliver(ctx, n, p); !notify.IsPermanent(err) {
		t.Fatalf("retry of a failed delivery: %v", err)
	}
	failed, err := st.Deliveries(ctx, store.DeliveryFilter{Status: store.DeliveryFailed})
	if err != nil || len(failed) != 1 || failed[0].Recipient != p.Key {
		t.Fatalf("failed deliveries %+v %v", failed, err)
	}
	count, err := d.AlertFailures(ctx)
	if err != nil || count != 1 {
		t.Fatalf("alert: %d %v", count, err)
	}
	if srv.Count() != 1 || srv.Messages()[0].To[0] != "admin@example.gov.cn" {
		t.Fatalf("alert mail: %d messages", srv.Count())
	}
	m, _ := mail.ReadMessage(strings.NewReader(string(srv.Messages()[0].Data)))
	subject, _ := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "【通知发送失败】1条通知未能送达" {
		t.Errorf("alert subject %q", subject)
	}
	// a second failure within the hour waits for the next alert: no flood
	if _, err := d.Deliver(ctx, reminder("reminder/42/2024/10", 42), p); !notify.IsPermanent(err) {
		t.Fatal(err)
	}
	if count, err := d.AlertFailures(ctx); err != nil || count != 0 || srv.Count() != 1 {
		t.Fatalf("second alert within the hour: %d %v, %d mails", count, err, srv.Count())
	}
	d.AlertEvery = time.Nanosecond
	if count, err := d.AlertFailures(ctx); err != nil || count != 1 || srv.Count() != 2 {
		t.Fatalf("next alert: %d %v, %d mails", count, err, srv.Count())
	}
}

func TestOutboxIsExactlyOnce(t *testing.T) {
	st := testenv.Store(t)
	d := newDeliverer(t, st, map[string]notify.Channel{"email": &notify.Outbox{Store: st, As: "email"},
		"sms": &notify.Outbox{Store: st, As: "sms"}})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "z@example.gov.cn"})
	q := addPerson(t, st, store.Person{Name: "李四", Mobile: "13800138000"})
	n := reminder("reminder/42/2024/11", 42)
	for range 3 {
		for _, r := range []store.Recipient{p, q} {
			if _, err := d.Deliver(ctx, n, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	box, err := st.Outbox(ctx, 10, 0)
	if err != nil || len(box) != 2 {
		t.Fatalf("outbox %d %v", len(box), err)
	}
	if box[0].Channel != "sms" || box[0].Address != "13800138000" || !strings.Contains(box[0].BodyText, "部门预算公开") ||
		box[1].Channel != "email" || !strings.Contains(box[1].BodyHTML, "部门预算公开") {
		t.Errorf("outbox %+v", box)
	}
}

func TestAbandon(t *testing.T) {
	st := testenv.Store(t)
	srv := rcptRefused(t, 451, smtp.EnhancedCode{4, 0, 0}, "later")
	d := newDeliverer(t, st, map[string]notify.Channel{"email": emailChannel(t, srv, 5*time.Second)})
	p := addPerson(t, st, store.Person{Name: "张三", Email: "z@example.gov.cn"})
	n := reminder("reminder/42/2024/12", 42)
	_, _ = d.Deliver(ctx, n, p)
	if err := d.Abandon(ctx, n.Key, p, "activity retries exhausted"); err != nil {
		t.Fatal(err)
	}
	row, _ := attempts(t, st, n.Key, p.Key)
	if row.Status != store.DeliveryFailed || !strings.Contains(row.Error, "activity retries exhausted") {
		t.Errorf("row %+v", row)
	}
}

// ---- a worker killed between the provider's acceptance and the log write ----

// dieAfterSend is a channel that exits the process right after the provider accepted: the
// worst moment for a worker to die.
type dieAfterSend struct{ notify.Channel }

func (c dieAfterSend) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	r, err := c.Channel.Send(ctx, m)
	if err == nil {
		os.Exit(3)
	}
	return r, err
}

// TestHelperWorker is the child process of TestWorkerKilledAfterAcceptance.
func TestHelperWorker(t *testing.T) {
	if os.Getenv("ZWGK_NOTIFY_CHILD") == "" {
		t.Skip("child process only")
	}
	st, err := store.Open(ctx, os.Getenv("ZWGK_NOTIFY_DB"))
	if err != nil {
		t.Fatal(err)
	}
	ch := childChannel(t, st)
	d := newDeliverer(t, st, map[string]notify.Channel{os.Getenv("ZWGK_NOTIFY_PREF"): dieAfterSend{ch}})
	r, err := st.Recipient(ctx, os.Getenv("ZWGK_NOTIFY_TO"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Deliver(ctx, reminder(os.Getenv("ZWGK_NOTIFY_KEY"), 42), r)
	t.Fatalf("the child survived its send: %v", err)
}

func childChannel(t *testing.T, st *store.Store) notify.Channel {
	switch os.Getenv("ZWGK_NOTIFY_CHANNEL") {
	case "email":
		port, _ := strconv.Atoi(os.Getenv("ZWGK_NOTIFY_PORT"))
		c, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLS: email.NoTLS, From: "gk@example.gov.cn", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	case "aliyun":
		return &sms.Aliyun{Endpoint: os.Getenv("ZWGK_NOTIFY_URL"), AccessKeyID: "id", AccessKeySecret: "secret",
			SignName: "某某县政务公开办", Templates: sms.Templates{notify.Reminder: "SMS_1"}}
	}
	return &notify.Outbox{Store: st, As: "email"}
}

func TestWorkerKilledAfterAcceptance(t *testing.T) {
	for _, tc := range []struct {
		channel   string
		wantSends int // what the provider ends up with
	}{
		{"aliyun", 1}, // found by OutId, not sent again
		{"outbox", 1}, // found by key
		{"email", 2},  // sent again with the same Message-ID
	} {
		t.Run(tc.channel, func(t *testing.T) {
			url := testenv.DatabaseURL(t)
			st, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			srv := smtptest.Start(t, smtptest.Options{})
			ali := providertest.NewAliyun(t, "id", "secret")
			var ch notify.Channel
			pref, person := "email", store.Person{Name: "张三", Email: "z@example.gov.cn"}
			switch tc.channel {
			case "email":
				ch = emailChannel(t, srv, 5*time.Second)
			case "aliyun":
				ch = aliyunChannel(ali)
				pref, person = "sms", store.Person{Name: "张三", Mobile: "13800138000", Channels: []string{"sms"}}
			default:
				ch = &notify.Outbox{Store: st, As: "email"}
			}
			p := addPerson(t, st, person)
			key := "killed/" + tc.channel
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWorker$", "-test.count=1")
			cmd.Env = append(os.Environ(), "ZWGK_NOTIFY_CHILD=1", "ZWGK_NOTIFY_DB="+url, "ZWGK_NOTIFY_PREF="+pref,
				"ZWGK_NOTIFY_TO="+p.Key, "ZWGK_NOTIFY_KEY="+key, "ZWGK_NOTIFY_CHANNEL="+tc.channel,
				"ZWGK_NOTIFY_PORT="+strconv.Itoa(srv.Port), "ZWGK_NOTIFY_URL="+ali.URL())
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("child: %v\n%s", err, out)
			}
			_, as := attempts(t, st, key, p.Key)
			if len(as) != 1 || as[0].Status != store.AttemptSending {
				t.Fatalf("after the kill: attempts %s", statuses(as))
			}
			// the survivor takes over at once: the dead worker's lock went with its session
			d := newDeliverer(t, st, map[string]notify.Channel{pref: ch})
			if _, err := d.Deliver(ctx, reminder(key, 42), p); err != nil {
				t.Fatal(err)
			}
			var sends int
			switch tc.channel {
			case "email":
				sends = srv.Count()
			case "aliyun":
				sends = len(ali.Sent())
			default:
				box, _ := st.Outbox(ctx, 10, 0)
				sends = len(box)
			}
			row, as := attempts(t, st, key, p.Key)
			if sends != tc.wantSends || row.Status != store.DeliverySent {
				t.Fatalf("provider has %d, want %d; delivery %s, attempts %s", sends, tc.wantSends, row.Status, statuses(as))
			}
			t.Logf("%s: attempts %s", tc.channel, statuses(as))
		})
	}
}

// BenchmarkDeliverSMTP measures sustained sends through the whole deliverer: delivery log in
// PostgreSQL, lock, attempt, SMTP conversation with a local server, outcome; 8 at a time as
// the worker runs them.
func BenchmarkDeliverSMTP(b *testing.B) {
	st := testenv.Store(b)
	srv := smtptest.Start(b, smtptest.Options{})
	d := newDeliverer(b, st, map[string]notify.Channel{"email": emailChannel(b, srv, 5*time.Second)})
	d.Logger = nil
	p := addPerson(b, st, store.Person{Name: "张三", Email: "z@example.gov.cn"})
	var seq atomic.Int64
	b.SetParallelism(4) // GOMAXPROCS 2 × 4 = 8 concurrent deliveries
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := d.Deliver(ctx, reminder(fmt.Sprintf("bench/%d", seq.Add(1)), 42), p); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if srv.Count() != b.N {
		b.Fatalf("server got %d of %d", srv.Count(), b.N)
	}
}
