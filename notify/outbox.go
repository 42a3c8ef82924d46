package notify

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/zwgk/zwgk/store"
)

// Outbox is the dev channel: it keeps messages in the outbox table, where the web shows them,
// instead of sending them. `zwgk dev` uses it for email (and SMS) when no server is configured.
// Its key is the delivery handle, so it is exactly once and reconciles trivially.
type Outbox struct {
	Store *store.Store
	// As is what the outbox stands in for (email or sms), shown with each message.
	As string
}

// Name is "outbox".
func (o *Outbox) Name() string { return "outbox" }

// Send stores the message once per Key.
func (o *Outbox) Send(ctx context.Context, m Message) (Receipt, error) {
	om := store.OutboxMessage{Key: m.Key, Channel: o.As, Recipient: m.To.Name, Subject: m.Subject}
	switch m.Format {
	case FormatSMS:
		om.Address, om.BodyText = m.To.Mobile, m.SMS.Text
	case FormatMarkdown:
		om.Address, om.BodyText = m.To.Recipient, m.Markdown
	default:
		om.Address, om.BodyText, om.BodyHTML = m.To.Email, m.Text, m.HTML
	}
	if om.Channel == "" {
		om.Channel = string(m.Format)
	}
	id, _, err := o.Store.PutOutbox(ctx, om)
	if err != nil {
		return Receipt{}, &Error{Class: Transient, Channel: o.Name(), Err: err}
	}
	return Receipt{ProviderID: "outbox:" + strconv.FormatInt(id, 10), Answer: "kept in the dev outbox"}, nil
}

// Lookup finds a message kept by an earlier attempt.
func (o *Outbox) Lookup(ctx context.Context, m Message, _ time.Time) (Receipt, bool, error) {
	om, err := o.Store.OutboxByKey(ctx, m.Key)
	if errors.Is(err, store.ErrNotFound) {
		return Receipt{}, false, nil
	}
	if err != nil {
		return Receipt{}, false, err
	}
	return Receipt{ProviderID: "outbox:" + strconv.FormatInt(om.ID, 10), Answer: "kept in the dev outbox", At: om.CreatedAt}, true, nil
}

// Settle is zero: the outbox is written synchronously, so not found means never kept.
func (o *Outbox) Settle() time.Duration { return 0 }
