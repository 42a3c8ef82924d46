package activities

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// SetupMailer sends the password setup links the web queues (store.CreateSetupLinkMailed) on
// the worker's email channel. It is not a workflow: a link is what an admin just asked for, so
// it goes at once rather than in a send window, and one message per link needs no plan. It
// wakes on the queue's notification and sweeps every Sweep besides (a worker that was down
// when the link was issued sends it when it starts). Exactly once as the delivery log is for
// email: the mail's row is locked while it is sent, and a worker that dies mid-send leaves it
// to be sent again with the same Message-ID (in dev mode the outbox, keyed by it, keeps one).
type SetupMailer struct {
	Store  *store.Store
	Email  notify.Channel
	Logger *slog.Logger
	// Sweep is the longest wait between two looks at the queue; 1 minute when zero.
	Sweep time.Duration
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
}

func (m *SetupMailer) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *SetupMailer) log() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// Run sends queued mails until ctx ends.
func (m *SetupMailer) Run(ctx context.Context) error {
	sweep := m.Sweep
	if sweep <= 0 {
		sweep = time.Minute
	}
	l := m.Store.ListenSetupMails()
	defer l.Close()
	for {
		if _, err := m.SendDue(ctx); err != nil && ctx.Err() == nil {
			m.log().Warn("setup mails", "err", err)
		}
		wait := sweep
		if next, ok, err := m.Store.NextSetupMailAt(ctx); err == nil && ok {
			// at least a second: a mail due now that another worker is sending stays due
			wait = min(wait, max(next.Sub(m.now()), time.Second))
		}
		if err := l.Wait(ctx, wait); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// no listening connection (the database restarting): sweep on the clock instead
			m.log().Warn("setup mails: listen", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
	}
}

// SendDue sends every queued mail that is due, wipes the text of those whose link was used or
// expired first, and returns how many it sent.
func (m *SetupMailer) SendDue(ctx context.Context) (int, error) {
	if err := m.Store.PruneSetupLinks(ctx, m.now()); err != nil {
		return 0, err
	}
	sent := 0
	for {
		found, err := m.Store.SendSetupMail(ctx, m.now(), func(ctx context.Context, sm store.SetupMail) store.SetupMailResult {
			res := m.send(ctx, sm)
			if res.Err == nil {
				sent++
			}
			return res
		})
		if err != nil || !found {
			return sent, err
		}
	}
}

func (m *SetupMailer) send(ctx context.Context, sm store.SetupMail) store.SetupMailResult {
	if m.Email == nil {
		return store.SetupMailResult{Err: errors.New("no email channel configured"), RetryAfter: time.Hour}
	}
	msg := notify.Message{
		Key: sm.Handle, Kind: "setup_link", Format: notify.FormatEmail,
		To:      notify.Address{Recipient: "person:" + strconv.FormatInt(sm.PersonID, 10), Name: sm.Recipient, Email: sm.Address},
		Subject: sm.Subject, Text: sm.BodyText, HTML: sm.BodyHTML,
	}
	rec, err := m.Email.Send(ctx, msg)
	if err != nil {
		why := notify.Redact(err.Error())
		m.log().Warn("setup mail not sent", "link", sm.LinkID, "address", sm.Address, "attempt", sm.Attempts+1, "err", why)
		return store.SetupMailResult{Err: errors.New(why), Permanent: notify.IsPermanent(err), RetryAfter: notify.RetryAfter(err)}
	}
	m.log().Info("setup mail sent", "link", sm.LinkID, "address", sm.Address, "provider_id", rec.ProviderID)
	return store.SetupMailResult{ProviderID: rec.ProviderID, Answer: rec.Answer}
}
