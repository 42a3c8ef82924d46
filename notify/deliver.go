package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// Limiter is a channel with quotas, counted by the deliverer from the delivery log.
type Limiter interface {
	Limits() []store.QuotaRule
}

// Deliverer sends notices through the delivery log. Configure the fields, then call Deliver
// from an activity; it is safe for concurrent use.
type Deliverer struct {
	Store    *store.Store
	Locker   *store.DeliveryLocker
	Renderer *Renderer
	// Channels by the names recipients list in their preferences: email, sms, dingtalk,
	// wecom. In dev mode "email" may be the Outbox.
	Channels map[string]Channel
	Logger   *slog.Logger
	// Now is the clock of attempts and quotas (tests move it); time.Now when nil.
	Now func() time.Time
	// SendTimeout bounds one provider call; 60 s when zero.
	SendTimeout time.Duration
	// MaxTransient transient failures on one channel make the delivery try the next channel;
	// 3 when zero.
	MaxTransient int
	// AlertEvery is the least time between two failure alerts to the admins; 1 hour when zero.
	AlertEvery time.Duration
}

// NewDeliverer makes a deliverer with its own lock connections (maxConcurrent: the number of
// deliveries the worker runs at once). Close releases them.
func NewDeliverer(ctx context.Context, st *store.Store, r *Renderer, channels map[string]Channel, maxConcurrent int) (*Deliverer, error) {
	l, err := st.NewDeliveryLocker(ctx, maxConcurrent)
	if err != nil {
		return nil, err
	}
	return &Deliverer{Store: st, Locker: l, Renderer: r, Channels: channels, Logger: slog.Default()}, nil
}

// Close releases the lock connections.
func (d *Deliverer) Close() { d.Locker.Close() }

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// FormatOf is the content format of a channel preference name.
func FormatOf(pref string) Format {
	switch pref {
	case "sms":
		return FormatSMS
	case "dingtalk", "wecom":
		return FormatMarkdown
	}
	return FormatEmail
}

// addressFor is the address a preference uses; robots are logged by their recipient key so
// that webhook tokens stay out of the delivery log.
func addressFor(pref string, to Recipient) (Address, string) {
	a := AddressOf(to)
	switch pref {
	case "email":
		return a, to.Email
	case "sms":
		return a, to.Mobile
	case "dingtalk", "wecom":
		if to.Webhook == "" {
			return a, ""
		}
		return a, to.Key
	}
	return a, ""
}

// Deliver sends n to one recipient once. A retry with the same n.Key and recipient returns the
// stored receipt (Replayed) without sending, and a retry of one not yet sent sends the notice as
// first submitted. The recipient is taken as given (resolve it at send time with
// store.Recipient or store.RecipientsFor so that directory changes apply). Errors are *Error:
// Permanent when no channel can deliver it (the delivery is failed, and AlertFailures will tell
// the admins), otherwise retryable, possibly with RetryAfter (rate limits, a provider record to
// wait for, another worker holding the delivery).
func (d *Deliverer) Deliver(ctx context.Context, n Notice, to Recipient) (Receipt, error) {
	if n.Key == "" {
		return Receipt{}, Errorf(Permanent, "", "", "notice without a key")
	}
	if to.Key == "" {
		return Receipt{}, Errorf(Permanent, "", "", "recipient without a key")
	}
	payload, err := json.Marshal(n)
	if err != nil {
		return Receipt{}, Errorf(Permanent, "", "", "notice %s: %v", n.Key, err)
	}
	subject, err := d.Renderer.Subject(n, AddressOf(to))
	if err != nil {
		return Receipt{}, &Error{Class: Permanent, Err: err}
	}
	row, err := d.Store.EnsureDelivery(ctx, store.Delivery{Key: n.Key, Recipient: to.Key, RecipientName: to.Name,
		Kind: string(n.Kind), Urgent: n.Urgent, Subject: subject, ItemIDs: n.ItemIDs(), Payload: payload})
	if err != nil {
		return Receipt{}, &Error{Class: Transient, Err: err}
	}
	if r, err, done := settled(row); done {
		return r, err
	}
	lock, err := d.Locker.TryLock(ctx, row.ID)
	if errors.Is(err, store.ErrDeliveryBusy) {
		return Receipt{}, &Error{Class: Transient, RetryAfter: 5 * time.Second, Err: err}
	}
	if err != nil {
		return Receipt{}, &Error{Class: Transient, Err: err}
	}
	defer lock.Release()
	// re-read under the lock: another worker may have finished while we were getting here
	if row, err = d.Store.Delivery(ctx, row.ID); err != nil {
		return Receipt{}, &Error{Class: Transient, Err: err}
	}
	if r, err, done := settled(row); done {
		return r, err
	}
	var stored Notice // the first submission wins, so every retry sends the same thing
	if err := json.Unmarshal(row.Payload, &stored); err != nil {
		return Receipt{}, Errorf(Permanent, "", "", "delivery %d payload: %v", row.ID, err)
	}
	attempts, err := d.Store.DeliveryAttempts(ctx, row.ID)
	if err != nil {
		return Receipt{}, &Error{Class: Transient, Err: err}
	}
	if len(attempts) > 0 && attempts[len(attempts)-1].Status == store.AttemptSending {
		last := &attempts[len(attempts)-1]
		rec, found, err := d.reconcile(ctx, row, *last, stored, to)
		if err != nil || found {
			return rec, err
		}
		last.Status, last.Class = store.AttemptUnknown, string(Unknown)
	}
	return d.send(ctx, row, stored, to, attempts)
}

// settled answers for a delivery that is already sent or failed.
func settled(row store.Delivery) (Receipt, error, bool) {
	switch row.Status {
	case store.DeliverySent:
		r := Receipt{Channel: row.Channel, Address: row.Address, ProviderID: row.ProviderID,
			Answer: row.ProviderAnswer, Replayed: true}
		if row.SentAt != nil {
			r.At = *row.SentAt
		}
		return r, nil, true
	case store.DeliveryFailed:
		return Receipt{}, Errorf(Permanent, row.Channel, "", "delivery %d failed: %s", row.ID, row.Error), true
	}
	return Receipt{}, nil, false
}

// channelNamed finds the configured channel behind an attempt's channel name.
func (d *Deliverer) channelNamed(name string) (pref string, ch Channel) {
	for p, c := range d.Channels {
		if c.Name() == name {
			return p, c
		}
	}
	return "", nil
}

// reconcile settles an attempt whose outcome was never recorded. found means the provider has
// the message and the delivery is now recorded as sent.
func (d *Deliverer) reconcile(ctx context.Context, row store.Delivery, a store.DeliveryAttempt, n Notice, to Recipient) (Receipt, bool, error) {
	pref, ch := d.channelNamed(a.Channel)
	if r, ok := ch.(Reconciler); ok {
		addr, _ := addressFor(pref, to)
		switch pref {
		case "email":
			addr.Email = a.Address
		case "sms":
			addr.Mobile = a.Address
		}
		msg, err := d.Renderer.Render(n, addr, FormatOf(pref))
		if err != nil {
			return Receipt{}, false, &Error{Class: Permanent, Channel: a.Channel, Err: err}
		}
		lctx, cancel := context.WithTimeout(ctx, orDefault(d.SendTimeout, time.Minute))
		rec, found, err := r.Lookup(lctx, msg, a.StartedAt)
		cancel()
		if err != nil {
			return Receipt{}, false, &Error{Class: Transient, Channel: a.Channel, Err: fmt.Errorf("reconcile attempt %d: %w", a.N, err)}
		}
		if found {
			rec.Channel, rec.Address = a.Channel, a.Address
			if rec.At.IsZero() {
				rec.At = d.now()
			}
			if err := d.finish(ctx, row.ID, a.N, store.AttemptResult{Status: store.AttemptSent, ProviderID: rec.ProviderID,
				Answer: "reconciled: " + rec.Answer, At: rec.At}); err != nil {
				return Receipt{}, false, err
			}
			d.log().Info("notify: reconciled an attempt the provider had accepted", "delivery", row.ID, "attempt", a.N, "channel", a.Channel)
			return rec, true, nil
		}
		if wait := r.Settle() - d.now().Sub(a.StartedAt); wait > 0 {
			return Receipt{}, false, &Error{Class: Transient, Channel: a.Channel, RetryAfter: wait,
				Err: fmt.Errorf("attempt %d outcome unknown; waiting for the provider's record", a.N)}
		}
	}
	d.log().Warn("notify: attempt outcome unknown, sending again", "delivery", row.ID, "attempt", a.N, "channel", a.Channel)
	if err := d.finish(ctx, row.ID, a.N, store.AttemptResult{Status: store.AttemptUnknown, Class: string(Unknown),
		Error: "outcome unknown (worker stopped or answer lost); sent again with the same handle", At: d.now()}); err != nil {
		return Receipt{}, false, err
	}
	return Receipt{}, false, nil
}

type candidate struct {
	pref      string
	ch        Channel
	addr      Address
	address   string
	transient int
}

func (d *Deliverer) send(ctx context.Context, row store.Delivery, n Notice, to Recipient, attempts []store.DeliveryAttempt) (Receipt, error) {
	maxTransient := orDefault(d.MaxTransient, 3)
	done := map[string]string{} // channel name → why it is out for this delivery
	transient := map[string]int{}
	for _, a := range attempts {
		switch {
		case a.Status == store.AttemptQuota, a.Status == store.AttemptFailed && a.Class == string(Permanent):
			done[a.Channel] = a.Error
		case a.Status == store.AttemptFailed, a.Status == store.AttemptUnknown:
			transient[a.Channel]++
		}
	}
	var reasons []string
	var cands []candidate
	for _, pref := range to.Channels {
		ch, ok := d.Channels[pref]
		if !ok {
			reasons = append(reasons, pref+": 通道未配置")
			continue
		}
		addr, address := addressFor(pref, to)
		if address == "" {
			reasons = append(reasons, pref+": 无地址")
			continue
		}
		if why, out := done[ch.Name()]; out {
			reasons = append(reasons, ch.Name()+": "+why)
			continue
		}
		cands = append(cands, candidate{pref, ch, addr, address, transient[ch.Name()]})
	}
	// channels that keep failing transiently go last; among them the least failed first
	slices.SortStableFunc(cands, func(a, b candidate) int {
		ax, bx := a.transient >= maxTransient, b.transient >= maxTransient
		switch {
		case ax == bx && ax:
			return a.transient - b.transient
		case ax == bx:
			return 0
		case ax:
			return 1
		}
		return -1
	})
	for i, c := range cands {
		more := i+1 < len(cands)
		msg, err := d.Renderer.Render(n, c.addr, FormatOf(c.pref))
		if err != nil {
			return Receipt{}, d.fail(ctx, row, []string{err.Error()})
		}
		var rules []store.QuotaRule
		if l, ok := c.ch.(Limiter); ok {
			rules = l.Limits()
		}
		started := d.now()
		num, err := d.Store.BeginAttempt(ctx, store.AttemptStart{DeliveryID: row.ID, Channel: c.ch.Name(), Address: c.address,
			Template: string(msg.SMS.Template), Rules: rules, Now: started, Zone: calendar.Shanghai})
		var qe *store.QuotaExceeded
		if errors.As(err, &qe) {
			if qe.Rule.Hard {
				reasons = append(reasons, c.ch.Name()+": "+qe.Error())
				continue
			}
			if n.Urgent && more {
				continue
			}
			return Receipt{}, &Error{Class: RateLimited, Channel: c.ch.Name(), RetryAfter: qe.RetryAfter, Err: qe}
		}
		if err != nil {
			return Receipt{}, &Error{Class: Transient, Channel: c.ch.Name(), Err: err}
		}
		sctx, cancel := context.WithTimeout(ctx, orDefault(d.SendTimeout, time.Minute))
		rec, serr := c.ch.Send(sctx, msg)
		cancel()
		if serr == nil {
			rec.Channel, rec.Address, rec.At = c.ch.Name(), c.address, d.now()
			if err := d.finish(ctx, row.ID, num, store.AttemptResult{Status: store.AttemptSent, ProviderID: rec.ProviderID,
				Answer: rec.Answer, At: rec.At}); err != nil {
				return Receipt{}, err
			}
			return rec, nil
		}
		class := Classify(serr)
		// A channel's error is normally an *Error, which redacts itself; one that is not must
		// not carry a token into the log and the delivery log either.
		why := Redact(serr.Error())
		d.log().Warn("notify: send failed", "delivery", row.ID, "channel", c.ch.Name(), "class", class, "err", why)
		res := store.AttemptResult{Status: store.AttemptFailed, Class: string(class), Error: why, At: d.now()}
		switch class {
		case Unknown:
			// the provider may have it: leave the attempt open for reconciliation
			res.Status = store.AttemptSending
		case Quota:
			res.Status = store.AttemptQuota
		}
		if err := d.finish(ctx, row.ID, num, res); err != nil {
			return Receipt{}, err
		}
		switch class {
		case Permanent, Quota:
			reasons = append(reasons, c.ch.Name()+": "+why)
			continue
		case RateLimited:
			if n.Urgent && more {
				continue
			}
			return Receipt{}, &Error{Class: RateLimited, Channel: c.ch.Name(), RetryAfter: RetryAfter(serr), Err: serr}
		case Transient:
			if c.transient+1 >= maxTransient && more {
				continue
			}
		}
		return Receipt{}, &Error{Class: Transient, Channel: c.ch.Name(), RetryAfter: RetryAfter(serr), Err: serr}
	}
	if len(reasons) == 0 {
		reasons = []string{"收件人没有可用的通知渠道"}
	}
	return Receipt{}, d.fail(ctx, row, reasons)
}

// finish records an attempt's outcome. The write must not be lost to a cancelled activity
// context right after a provider accepted the message, so it runs detached, and it is retried
// for up to 30 seconds: every failed write here is a message sent again later (with the same
// handle), and a database restart takes seconds (the fault test of a PostgreSQL crash
// mid-dispatch left 5 to 6 copies of 1,000 when this gave up after 3 seconds).
func (d *Deliverer) finish(ctx context.Context, deliveryID int64, n int, r store.AttemptResult) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for try := 0; ; try++ {
		err := d.Store.FinishAttempt(wctx, deliveryID, n, r)
		if err == nil {
			return nil
		}
		select {
		case <-time.After(min(time.Duration(200<<min(try, 4))*time.Millisecond, 2*time.Second)):
		case <-wctx.Done():
			return &Error{Class: Transient, Err: err}
		}
	}
}

func (d *Deliverer) fail(ctx context.Context, row store.Delivery, reasons []string) error {
	reason := strings.Join(reasons, "；")
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.Store.FailDelivery(wctx, row.ID, reason, d.now()); err != nil {
		return &Error{Class: Transient, Err: err}
	}
	d.log().Error("notify: delivery failed for good", "delivery", row.ID, "key", row.Key, "recipient", row.Recipient, "reason", reason)
	return Errorf(Permanent, "", "", "delivery %d to %s failed: %s", row.ID, row.RecipientName, reason)
}

// Abandon marks a delivery failed for good unless it was sent, for a caller that stops
// retrying (a Temporal activity's last attempt), so that the admins see it and are alerted.
func (d *Deliverer) Abandon(ctx context.Context, key string, to Recipient, reason string) error {
	row, err := d.Store.DeliveryByKey(ctx, key, to.Key)
	if err != nil {
		return err
	}
	if row.Status == store.DeliverySent || row.Status == store.DeliveryFailed {
		return nil
	}
	return d.Store.FailDelivery(ctx, row.ID, "放弃重试："+reason, d.now())
}

// AlertFailures tells the admins (people flagged for alerts and the units' 政务公开办
// supervisors) about deliveries that failed for good: one message per admin listing every
// failure not yet reported, at most once per AlertEvery, so a burst of failures is one alert.
// The caller runs it periodically (a cron workflow); it returns how many failures it reported.
func (d *Deliverer) AlertFailures(ctx context.Context) (int, error) {
	last, err := d.Store.LastAlertAt(ctx)
	if err != nil {
		return 0, err
	}
	if !last.IsZero() && time.Since(last) < orDefault(d.AlertEvery, time.Hour) {
		return 0, nil
	}
	failed, err := d.Store.UnalertedFailures(ctx, 200)
	if err != nil || len(failed) == 0 {
		return 0, err
	}
	admins, err := d.Store.AlertRecipients(ctx)
	if err != nil {
		return 0, err
	}
	if len(admins) == 0 {
		return 0, Errorf(Permanent, "", "", "%d deliveries failed and nobody receives alerts: `zwgk people add --alerts` or attach a gkb supervisor", len(failed))
	}
	h := sha256.New()
	n := Notice{Kind: Alert, At: d.now()}
	ids := make([]int64, 0, len(failed))
	for _, f := range failed {
		fmt.Fprintf(h, "%d,", f.ID)
		ids = append(ids, f.ID)
		at := f.UpdatedAt
		if f.FailedAt != nil {
			at = *f.FailedAt
		}
		n.Failures = append(n.Failures, Failure{DeliveryID: f.ID, Recipient: f.RecipientName, Kind: Kind(f.Kind),
			Subject: f.Subject, Error: f.Error, At: at})
	}
	n.Key = "alert/" + hex.EncodeToString(h.Sum(nil)[:12])
	var errs []error
	sent := 0
	for _, a := range admins {
		if _, err := d.Deliver(ctx, n, a); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	if sent == 0 {
		return 0, errors.Join(errs...)
	}
	if err := d.Store.MarkAlerted(ctx, ids, d.now()); err != nil {
		return 0, err
	}
	return len(ids), errors.Join(errs...)
}

func (d *Deliverer) log() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}
