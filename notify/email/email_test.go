package email

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/smtptest"
)

const subject = "【政务公开提醒】部门预算公开（6月28日到期，剩余3个工作日）"

func message() notify.Message {
	return notify.Message{
		Key:     notify.Handle("digest/person:7/20240628T010000Z", "person:7"),
		Kind:    notify.Reminder,
		Format:  notify.FormatEmail,
		To:      notify.Address{Recipient: "person:7", Name: "张三（办公室）", Email: "zhangsan@example.gov.cn"},
		Subject: subject,
		Text:    "张三：\n您好！请于2024年6月28日（星期五）前公开部门预算。\n",
		HTML:    "<p>张三：您好！请于<b>2024年6月28日（星期五）</b>前公开部门预算。</p>",
	}
}

func channel(t testing.TB, s *smtptest.Server, mode, user, pass string) *Channel {
	t.Helper()
	c, err := New(Config{Host: s.Host, Port: s.Port, User: user, Password: pass, TLS: mode,
		From: "政务公开办 <gk@example.gov.cn>", Timeout: 5 * time.Second, RootCAs: s.Roots})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// parsed is a received message taken apart the way a mail client would.
type parsed struct {
	header        mail.Header
	subject, from string
	to            string
	parts         map[string]string // media type → decoded body
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, raw)
	}
	dec := new(mime.WordDecoder)
	p := parsed{header: m.Header, parts: map[string]string{}}
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	p.from = from[0].Name + " <" + from[0].Address + ">"
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}
	p.to = to[0].Name + " <" + to[0].Address + ">"
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		if enc := part.Header.Get("Content-Transfer-Encoding"); enc != "base64" {
			t.Fatalf("part encoding %q, want base64", enc)
		}
		body, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if !strings.EqualFold(cp["charset"], "UTF-8") {
			t.Errorf("part %s charset %q", ct, cp["charset"])
		}
		p.parts[ct] = string(body)
	}
	return p
}

func TestSendOverEveryTLSMode(t *testing.T) {
	for _, tc := range []struct {
		mode, user, pass string
		wantTLS          bool
	}{
		{mode: NoTLS},
		{mode: StartTLS, user: "gk", pass: "s3cret", wantTLS: true},
		{mode: Implicit, user: "gk", pass: "s3cret", wantTLS: true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Options{TLS: tc.mode, User: tc.user, Password: tc.pass})
			c := channel(t, s, tc.mode, tc.user, tc.pass)
			m := message()
			rec, err := c.Send(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(rec.Answer, "250 ") || !strings.Contains(rec.Answer, "queued") {
				t.Errorf("answer %q", rec.Answer)
			}
			if tc.wantTLS && !strings.Contains(rec.Answer, "TLS 1.") {
				t.Errorf("answer %q does not report TLS", rec.Answer)
			}
			msgs := s.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			got := msgs[0]
			if got.From != "gk@example.gov.cn" || len(got.To) != 1 || got.To[0] != "zhangsan@example.gov.cn" {
				t.Errorf("envelope from %q to %q", got.From, got.To)
			}
			if got.TLS != tc.wantTLS || got.User != tc.user {
				t.Errorf("session TLS %v user %q", got.TLS, got.User)
			}
			p := parse(t, got.Data)
			if p.subject != subject {
				t.Errorf("subject %q, want %q", p.subject, subject)
			}
			raw := p.header.Get("Subject")
			if !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?b?") {
				t.Errorf("raw subject %q is not RFC 2047 B-encoded", raw)
			}
			for _, line := range strings.Split(string(got.Data), "\r\n") {
				for _, r := range line {
					if r > 127 {
						t.Fatalf("non-ASCII byte in the message: %q", line)
					}
				}
			}
			if p.from != "政务公开办 <gk@example.gov.cn>" || p.to != "张三（办公室） <zhangsan@example.gov.cn>" {
				t.Errorf("From %q To %q", p.from, p.to)
			}
			if id := p.header.Get("Message-ID"); id != "<"+m.Key+"@example.gov.cn>" {
				t.Errorf("Message-ID %q", id)
			}
			if p.header.Get("Auto-Submitted") != "auto-generated" || p.header.Get("Date") == "" {
				t.Errorf("headers %v", p.header)
			}
			if p.parts["text/plain"] != m.Text || p.parts["text/html"] != m.HTML {
				t.Errorf("parts %q", p.parts)
			}
		})
	}
}

func TestReplyCodesClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts smtptest.Options
		pass string
		want notify.Class
		code string
	}{
		{"unknown mailbox", smtptest.Options{Rcpt: func(string) error {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}}, "", notify.Permanent, "550"},
		{"greylisted", smtptest.Options{Rcpt: func(string) error {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "try later"}
		}}, "", notify.Transient, "451"},
		{"content rejected", smtptest.Options{Data: func(smtptest.Message) error {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "spam"}
		}}, "", notify.Permanent, "554"},
		{"wrong password", smtptest.Options{TLS: StartTLS, User: "gk", Password: "right"}, "wrong", notify.Permanent, "535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := smtptest.Start(t, tc.opts)
			mode, user := NoTLS, ""
			if tc.opts.TLS != "" {
				mode, user = tc.opts.TLS, tc.opts.User
			}
			_, err := channel(t, s, mode, user, tc.pass).Send(context.Background(), message())
			var e *notify.Error
			if !errors.As(err, &e) || e.Class != tc.want || e.Code != tc.code {
				t.Fatalf("error %v, want class %s code %s", err, tc.want, tc.code)
			}
			if s.Count() != 0 {
				t.Errorf("server kept %d messages", s.Count())
			}
		})
	}
}

func TestBadAddressIsPermanentWithoutConnecting(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{StallGreeting: true})
	m := message()
	m.To.Email = "not an address"
	_, err := channel(t, s, NoTLS, "", "").Send(context.Background(), m)
	if notify.Classify(err) != notify.Permanent {
		t.Fatalf("error %v, want permanent", err)
	}
}

func TestUntrustedCertificateIsPermanent(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{TLS: Implicit})
	c, err := New(Config{Host: s.Host, Port: s.Port, TLS: Implicit, From: "gk@example.gov.cn", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), message())
	var e *notify.Error
	if !errors.As(err, &e) || e.Class != notify.Permanent || e.Code != "tls" {
		t.Fatalf("error %v, want permanent tls", err)
	}
}

func TestStartTLSIsRequiredWhenConfigured(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{TLS: NoTLS})
	_, err := channel(t, s, StartTLS, "", "").Send(context.Background(), message())
	if notify.Classify(err) != notify.Permanent || s.Count() != 0 {
		t.Fatalf("error %v with %d messages; want a permanent refusal to send in clear", err, s.Count())
	}
}

func TestStalledServerTimesOut(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{StallGreeting: true})
	c, err := New(Config{Host: s.Host, Port: s.Port, TLS: NoTLS, From: "gk@example.gov.cn", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Send(context.Background(), message())
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("send took %v with a 300ms timeout", took)
	}
	// nothing was handed over: safe to retry
	if notify.Classify(err) != notify.Transient {
		t.Fatalf("error %v, want transient", err)
	}
}

func TestStalledImplicitTLSHandshakeTimesOut(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{StallGreeting: true})
	c, err := New(Config{Host: s.Host, Port: s.Port, TLS: Implicit, From: "gk@example.gov.cn",
		Timeout: 300 * time.Millisecond, RootCAs: s.Roots})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Send(context.Background(), message())
	if time.Since(start) > 3*time.Second || notify.Classify(err) != notify.Transient {
		t.Fatalf("error %v after %v", err, time.Since(start))
	}
}

func TestCancelAbortsAStalledSend(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{StallGreeting: true})
	c, err := New(Config{Host: s.Host, Port: s.Port, TLS: NoTLS, From: "gk@example.gov.cn", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Send(ctx, message()); err == nil {
		t.Fatal("send to a silent server succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("cancelled send took %v", took)
	}
}

func TestLostAnswerAfterDataIsUnknown(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{StallAfterData: true})
	c, err := New(Config{Host: s.Host, Port: s.Port, TLS: NoTLS, From: "gk@example.gov.cn", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), message())
	if notify.Classify(err) != notify.Unknown {
		t.Fatalf("error %v, want unknown: the server may have the message", err)
	}
	if s.Count() != 1 {
		t.Fatalf("server has %d messages", s.Count())
	}
}

func TestNoPasswordInClearToARemoteServer(t *testing.T) {
	if _, err := New(Config{Host: "mail.example.gov.cn", Port: 25, User: "u", Password: "p", TLS: NoTLS, From: "a@b.c"}); err == nil {
		t.Fatal("accepted a password over plain text to a remote host")
	}
	if _, err := New(Config{Host: "127.0.0.1", Port: 25, TLS: "tls13", From: "a@b.c"}); err == nil {
		t.Fatal("accepted TLS mode tls13")
	}
	if _, err := New(Config{Host: "127.0.0.1", Port: 25, From: "政务公开办"}); err == nil {
		t.Fatal("accepted a sender without an address")
	}
}

func TestQueueID(t *testing.T) {
	for in, want := range map[string]string{
		"250 2.0.0 Ok: queued as 4Xb1Tz2Hk0z (TLS 1.3)": "4Xb1Tz2Hk0z",
		"250 2.0.0 OK: queued (no TLS)":                 "",
	} {
		if got := queueID(in); got != want {
			t.Errorf("queueID(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSend measures sustained sends to a local SMTP server, one conversation per message
// as the deliverer sends them.
func BenchmarkSend(b *testing.B) {
	for _, mode := range []string{NoTLS, StartTLS} {
		b.Run(mode, func(b *testing.B) {
			user, pass := "", ""
			if mode != NoTLS {
				user, pass = "gk", "s3cret"
			}
			s := smtptest.Start(b, smtptest.Options{TLS: mode, User: user, Password: pass})
			c := channel(b, s, mode, user, pass)
			m := message()
			m.HTML = strings.Repeat(m.HTML, 20)
			m.Text = strings.Repeat(m.Text, 20)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := c.Send(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			if s.Count() != b.N {
				b.Fatalf("server got %d of %d", s.Count(), b.N)
			}
		})
	}
}
