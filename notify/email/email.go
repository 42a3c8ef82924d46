// Package email is the SMTP channel. gomail (gopkg.in/gomail.v2) composes the message: RFC
// 2047-encoded Chinese subject and names, a text/plain and text/html alternative, base64
// bodies. The transport is emersion/go-smtp over a connection whose every deadline is clamped
// to the end of the conversation, because gomail's own Dialer sets no I/O deadline (a stalled
// server would hang a worker forever) and flattens server replies into strings (a 550 could
// not be told from a 451).
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"gopkg.in/gomail.v2"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// TLS modes.
const (
	StartTLS = "starttls" // plain connect, then STARTTLS (required: never falls back to plain text)
	Implicit = "implicit" // TLS from the first byte (SMTPS, port 465)
	NoTLS    = "none"     // plain text, for a relay on the same host or a trusted intranet
)

// Config is the SMTP server and sender.
type Config struct {
	Host     string
	Port     int
	User     string // AUTH when set (PLAIN, or LOGIN when the server offers only that)
	Password string
	From     string // "政务公开办 <gk@example.gov.cn>" or a bare address
	TLS      string // starttls, implicit or none
	// Timeout bounds the whole conversation, connect to QUIT; 30 s when zero.
	Timeout time.Duration
	// RootCAs verifies the server certificate; the system pool when nil.
	RootCAs *x509.CertPool
	// DailyLimit caps messages per day through this account (mail providers limit senders);
	// 0 means no limit.
	DailyLimit int
}

// Channel sends email over SMTP.
type Channel struct {
	cfg    Config
	from   *mail.Address
	domain string
}

// New checks cfg and makes the channel.
func New(cfg Config) (*Channel, error) {
	if cfg.Host == "" {
		return nil, errors.New("email: no SMTP host (ZWGK_SMTP_HOST)")
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email: SMTP port %d", cfg.Port)
	}
	switch cfg.TLS {
	case StartTLS, Implicit, NoTLS:
	case "":
		cfg.TLS = StartTLS
		if cfg.Port == 465 {
			cfg.TLS = Implicit
		}
	default:
		return nil, fmt.Errorf("email: TLS mode %q: want starttls, implicit or none", cfg.TLS)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: sender %q (ZWGK_SMTP_FROM): %w", cfg.From, err)
	}
	if cfg.User != "" && cfg.TLS == NoTLS && !isLoopback(cfg.Host) {
		return nil, fmt.Errorf("email: refusing to send the SMTP password to %s without TLS; set ZWGK_SMTP_TLS=starttls or implicit", cfg.Host)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	return &Channel{cfg: cfg, from: from, domain: domain}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Name is "email".
func (c *Channel) Name() string { return "email" }

// Limits is the account's daily limit, if configured.
func (c *Channel) Limits() []store.QuotaRule {
	if c.cfg.DailyLimit <= 0 {
		return nil
	}
	return []store.QuotaRule{{Name: "SMTP 账号每日发送上限", Max: c.cfg.DailyLimit, Hard: true}}
}

// MessageID is the Message-ID of a delivery handle: the same on every retry, so that a resend
// after a lost acknowledgement is recognisably the same message.
func (c *Channel) MessageID(key string) string { return "<" + key + "@" + c.domain + ">" }

// Compose builds the MIME message.
func (c *Channel) Compose(m notify.Message, date time.Time) (*gomail.Message, error) {
	to, err := mail.ParseAddress(m.To.Email)
	if err != nil {
		return nil, notify.Errorf(notify.Permanent, c.Name(), "address", "recipient address %q: %v", m.To.Email, err)
	}
	g := gomail.NewMessage(gomail.SetCharset("UTF-8"), gomail.SetEncoding(gomail.Base64))
	g.SetAddressHeader("From", c.from.Address, c.from.Name)
	g.SetAddressHeader("To", to.Address, m.To.Name)
	g.SetHeader("Subject", m.Subject)
	g.SetHeader("Message-ID", c.MessageID(m.Key))
	g.SetDateHeader("Date", date)
	// RFC 3834, and Exchange's variant: no out-of-office replies to a robot
	g.SetHeader("Auto-Submitted", "auto-generated")
	g.SetHeader("X-Auto-Response-Suppress", "All")
	g.SetHeader("X-Zwgk-Kind", string(m.Kind))
	g.SetBody("text/plain", m.Text)
	if m.HTML != "" {
		g.AddAlternative("text/html", m.HTML)
	}
	return g, nil
}

// Send delivers m in one SMTP conversation and returns the server's final answer.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	g, err := c.Compose(m, time.Now())
	if err != nil {
		return notify.Receipt{}, err
	}
	to, _ := mail.ParseAddress(m.To.Email)
	var answer string
	err = c.converse(ctx, func(cl *smtp.Client, info string) (phase string, err error) {
		if err := cl.Mail(c.from.Address, nil); err != nil {
			return "MAIL FROM", err
		}
		if err := cl.Rcpt(to.Address, nil); err != nil {
			return "RCPT TO", err
		}
		w, err := cl.Data()
		if err != nil {
			return "DATA", err
		}
		if _, err := g.WriteTo(w); err != nil {
			return "DATA", err
		}
		resp, err := w.CloseWithResponse()
		if err != nil {
			return "end of DATA", err
		}
		answer = "250 " + resp.StatusText + info
		return "", nil
	})
	if err != nil {
		return notify.Receipt{}, err
	}
	return notify.Receipt{ProviderID: queueID(answer), Answer: answer}, nil
}

// Probe connects, negotiates TLS and authenticates without sending, and describes the server:
// what `zwgk notify test` shows before sending.
func (c *Channel) Probe(ctx context.Context) (string, error) {
	var out string
	err := c.converse(ctx, func(cl *smtp.Client, info string) (string, error) {
		out = strings.TrimSuffix(strings.TrimPrefix(info, " ("), ")")
		return "", nil
	})
	return out, err
}

// converse dials, secures, authenticates and runs fn; fn returns the SMTP phase it failed in.
// The outcome of a failure is classified by phase: before the final dot nothing was accepted
// (transient or permanent by reply code); at the final dot a lost answer means the server may
// have the message (Unknown).
func (c *Channel) converse(ctx context.Context, fn func(cl *smtp.Client, info string) (string, error)) (err error) {
	deadline := time.Now().Add(c.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	addr := net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.Port))
	dialer := net.Dialer{Deadline: deadline}
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return &notify.Error{Class: notify.Transient, Channel: c.Name(), Code: "connect", Err: err}
	}
	conn := &deadlineConn{Conn: raw, limit: deadline}
	if err := conn.SetDeadline(deadline); err != nil {
		raw.Close()
		return &notify.Error{Class: notify.Transient, Channel: c.Name(), Err: err}
	}
	// cancellation (activity timeout, worker shutdown) aborts blocked I/O at once
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	tlsCfg := &tls.Config{ServerName: c.cfg.Host, RootCAs: c.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	var cl *smtp.Client
	phase := "greeting"
	switch c.cfg.TLS {
	case Implicit:
		cl = smtp.NewClient(tls.Client(conn, tlsCfg))
	case StartTLS:
		phase = "STARTTLS"
		cl, err = smtp.NewClientStartTLS(conn, tlsCfg)
		if err != nil {
			raw.Close()
			return c.classify(phase, false, err)
		}
	default:
		cl = smtp.NewClient(conn)
	}
	defer cl.Close()
	cl.CommandTimeout = c.cfg.Timeout
	cl.SubmissionTimeout = c.cfg.Timeout
	phase = "EHLO"
	if err := cl.Hello("localhost"); err != nil && !strings.Contains(err.Error(), "Hello called after") {
		return c.classify(phase, false, err)
	}
	info := ""
	if st, ok := cl.TLSConnectionState(); ok {
		info += " (" + tls.VersionName(st.Version)
	} else {
		info += " (no TLS"
	}
	if c.cfg.User != "" {
		phase = "AUTH"
		var a sasl.Client
		switch {
		case cl.SupportsAuth(sasl.Plain):
			a = sasl.NewPlainClient("", c.cfg.User, c.cfg.Password)
		case cl.SupportsAuth(sasl.Login):
			a = sasl.NewLoginClient(c.cfg.User, c.cfg.Password)
		default:
			_, mechs := cl.Extension("AUTH")
			return notify.Errorf(notify.Permanent, c.Name(), "auth", "server offers no PLAIN or LOGIN authentication (AUTH %q)", mechs)
		}
		if err := cl.Auth(a); err != nil {
			return c.classify(phase, false, err)
		}
		info += ", AUTH as " + c.cfg.User
	}
	info += ")"
	if phase, err := fn(cl, info); err != nil {
		return c.classify(phase, phase == "end of DATA", err)
	}
	// the message is accepted; a failing QUIT changes nothing
	_ = cl.Quit()
	return nil
}

// classify maps an SMTP failure to the deliverer's classes: 5xx replies are permanent (bad
// address, rejected content, refused credentials), 4xx transient, network trouble transient
// unless it hit while the server was answering the final dot (afterDot), where it is Unknown.
func (c *Channel) classify(phase string, afterDot bool, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		class := notify.Transient
		if se.Code >= 500 {
			class = notify.Permanent
		}
		return &notify.Error{Class: class, Channel: c.Name(), Code: strconv.Itoa(se.Code),
			Err: fmt.Errorf("%s: %w", phase, err)}
	}
	var ce x509.CertificateInvalidError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	if errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &he) {
		return &notify.Error{Class: notify.Permanent, Channel: c.Name(), Code: "tls",
			Err: fmt.Errorf("%s: server certificate not trusted (set ZWGK_SMTP_TLS_CA): %w", phase, err)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isTimeout(err) {
		err = fmt.Errorf("%s: connection lost or timed out: %w", phase, err)
	} else {
		err = fmt.Errorf("%s: %w", phase, err)
	}
	if afterDot {
		return &notify.Error{Class: notify.Unknown, Channel: c.Name(), Err: err}
	}
	if strings.Contains(err.Error(), "doesn't support STARTTLS") {
		return &notify.Error{Class: notify.Permanent, Channel: c.Name(), Code: "starttls", Err: err}
	}
	return &notify.Error{Class: notify.Transient, Channel: c.Name(), Err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// queueID picks the queue id out of answers like "2.0.0 Ok: queued as 4Xb1Tz2Hk0z".
func queueID(answer string) string {
	if _, id, ok := strings.Cut(answer, "queued as "); ok {
		id, _, _ = strings.Cut(id, " ")
		return strings.TrimRight(id, ")")
	}
	return ""
}

// deadlineConn clamps every deadline to the end of the conversation: go-smtp resets deadlines
// per command and clears them in between, which alone would let a server that trickles bytes
// or stalls between commands hold the worker indefinitely.
type deadlineConn struct {
	net.Conn
	limit time.Time
}

func (c *deadlineConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.limit) {
		return c.limit
	}
	return t
}

func (c *deadlineConn) SetDeadline(t time.Time) error     { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *deadlineConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}
