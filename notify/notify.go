// Package notify sends zwgk's messages: reminders, due-today notices, overdue notices,
// escalations and digests, by email, SMS and office chat robots, each exactly once as far as
// the providers allow.
//
// The pieces:
//   - Notice is a logical message (kind, entries, idempotency key) as a workflow builds it;
//     it is plain data, JSON-safe and deterministic, so workflow code may build it.
//   - Renderer turns a Notice into a Message for one recipient and one channel format (email
//     subject + plain + HTML, SMS template parameters, robot markdown), from text/template and
//     html/template files embedded in the binary, with signed links (package links).
//   - Channel sends a Message: email (notify/email), Aliyun, Tencent and HTTP-gateway SMS
//     (notify/sms), DingTalk and WeCom robots (notify/robot), and the dev Outbox (this package).
//   - Deliverer sends a Notice to a Recipient through the delivery log in PostgreSQL: once per
//     key, on the recipient's first usable channel, with quotas, fallback and reconciliation.
//
// # Exactly once
//
// A delivery row (key, recipient) is inserted before anything is sent (status pending), with
// the notice as first submitted: a retry sends that, whatever it is given. A worker takes the
// delivery's advisory lock (a second worker gets a retryable "in progress" error), commits an
// attempt 'sending' (delivery sending, attempts+1), calls the provider, and commits the outcome
// in one statement: sent with the provider's message id and answer, or failed with the error.
// A retry of a key that is sent returns the stored receipt (Replayed) without sending: a
// provider that accepted a message is never asked again.
//
// The window: a worker that dies after the provider accepted a message and before the outcome
// is committed leaves the attempt 'sending'; so does a live worker that lost the provider's
// answer (a timeout after the request was handed over: class Unknown). The dead worker's lock
// dies with its database session, so the next try at once sees the unresolved attempt and
// reconciles it before sending anything:
//   - Aliyun SMS: every message carries OutId = the delivery handle; QuerySendDetails lists the
//     number's messages of the day with their OutId, so an accepted message is found and
//     recorded as sent. Not found 2 minutes after the attempt means Aliyun never had it, and it
//     is sent again.
//   - Tencent SMS: SessionContext = the handle; PullSmsSendStatusByPhoneNumber returns it with
//     each status report. Reports arrive after the operator answers, so a message not found is
//     only sent again once the attempt is 10 minutes old (until then the retry waits).
//   - Dev outbox: keyed by the handle, found directly: exactly once.
//   - Email: SMTP cannot be asked. The message is sent again with the same Message-ID
//     (<handle@sender-domain>) and the same content (stored payload, link nonces derived from
//     the key; only the Date header differs), which mail clients and archives collapse into
//     one message. The window in which this happens opens at the client's final dot, not at
//     the server's "250": a server that has the whole message keeps it even when the client
//     is gone before the answer (RFC 1047). It spans the server's own work on the message
//     (queueing, content filters: milliseconds to seconds) and one database round trip; a
//     worker killed before the final dot or after the commit causes no second message. So a
//     worker killed mid-burst repeats at most the conversations it had in flight (see the
//     crash test in cmd/zwgk).
//   - DingTalk / WeCom robots: no de-duplication handle exists, so a resend after a death in
//     that window is a visible duplicate. The HTTP SMS gateway gets the handle as .Key and as an
//     Idempotency-Key header, for gateways that de-duplicate.
//
// Resending in the window rather than dropping is deliberate: a reminder lost costs an office
// points at the inspection; a duplicate with the same Message-ID costs nothing.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// Kind is what a message is about.
type Kind string

// Message kinds. Reminder, Due, Overdue and Escalation are the kinds of entries too.
const (
	Reminder   Kind = "reminder"   // before the due date
	Due        Kind = "due"        // 今日到期
	Overdue    Kind = "overdue"    // past due, to the office
	Escalation Kind = "escalation" // past due, to heads or supervisors
	Digest     Kind = "digest"     // several entries for one recipient
	Alert      Kind = "alert"      // deliveries that failed for good, to admins
	Test       Kind = "test"       // `zwgk notify test`
	// Tongbao is an entry kind only: a unit's monthly 通报, always sent inside a digest.
	Tongbao Kind = "tongbao"
)

// Kinds lists the kinds in order, for configuration checks.
var Kinds = []Kind{Reminder, Due, Overdue, Escalation, Digest, Alert, Test}

// Entry is one item in a message. The caller computes the numbers (working days need the
// calendar, which is not this package's business).
type Entry struct {
	ItemID      int64    `json:"item_id"`
	Kind        Kind     `json:"kind"`
	Title       string   `json:"title"`
	Requirement string   `json:"requirement,omitempty"`
	Unit        string   `json:"unit,omitempty"`
	Offices     []string `json:"offices,omitempty"` // lead office first
	Cycle       string   `json:"cycle,omitempty"`   // cycle key, e.g. 2024-06
	// Due is the due date; zero for items without one (常态化).
	Due calendar.Date `json:"due,omitzero"`
	// DueAt is the due instant of hour clocks (public-opinion events); zero otherwise.
	DueAt           time.Time `json:"due_at,omitzero"`
	WorkdaysLeft    int       `json:"workdays_left,omitempty"`
	WorkdaysOverdue int       `json:"workdays_overdue,omitempty"`
	HoursLeft       int       `json:"hours_left,omitempty"`
	Level           int       `json:"level,omitempty"` // escalation level
	Urgent          bool      `json:"urgent,omitempty"`
	// OtherCycles is how many other cycles of the item a digest folded into this entry.
	OtherCycles int `json:"other_cycles,omitempty"`
	// Link is the web page of an entry that is not an item (a 通报: /tongbao?unit=&month=),
	// relative to the app URL; it needs a login, so it is not signed.
	Link string `json:"link,omitempty"`
}

// Failure is one failed delivery listed in an admin alert.
type Failure struct {
	DeliveryID int64     `json:"delivery_id"`
	Recipient  string    `json:"recipient"`
	Kind       Kind      `json:"kind"`
	Subject    string    `json:"subject"`
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

// Notice is a logical message. Key identifies it: the delivery log sends it once per
// recipient, so a retry with the same key never sends it twice. At is the message's logical
// time (the send window); links expire relative to it, which keeps rendering deterministic.
type Notice struct {
	Key      string    `json:"key"`
	Kind     Kind      `json:"kind"`
	At       time.Time `json:"at"`
	Urgent   bool      `json:"urgent,omitempty"`
	Entries  []Entry   `json:"entries,omitempty"`
	Failures []Failure `json:"failures,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// ItemIDs lists the notice's items, for the delivery log.
func (n Notice) ItemIDs() []int64 {
	ids := make([]int64, 0, len(n.Entries))
	seen := map[int64]bool{}
	for _, e := range n.Entries {
		if e.ItemID == 0 || seen[e.ItemID] { // 0: not about an item (a 通报)
			continue
		}
		seen[e.ItemID] = true
		ids = append(ids, e.ItemID)
	}
	return ids
}

// Recipient is a person or an office robot; see store.Recipient.
type Recipient = store.Recipient

// Address is where one message goes.
type Address struct {
	Recipient string // recipient key: person:ID, robot:ID, or test
	Name      string
	Email     string
	Mobile    string
	Webhook   string
	Secret    string
}

// AddressOf returns a recipient's addresses.
func AddressOf(r Recipient) Address {
	return Address{Recipient: r.Key, Name: r.Name, Email: r.Email, Mobile: r.Mobile, Webhook: r.Webhook, Secret: r.Secret}
}

// Format is the shape of content a channel sends.
type Format string

// Content formats.
const (
	FormatEmail    Format = "email"    // Subject, Text, HTML
	FormatSMS      Format = "sms"      // SMS
	FormatMarkdown Format = "markdown" // Subject as title, Markdown
)

// Message is a rendered notice for one recipient on one channel.
type Message struct {
	// Key is the delivery handle, stable across retries: Aliyun OutId, Tencent SessionContext,
	// the email Message-ID's local part, the outbox key.
	Key      string
	Kind     Kind
	Format   Format
	To       Address
	Subject  string
	Text     string
	HTML     string
	Markdown string
	SMS      SMS
}

// SMS is a message for SMS providers: a template (chosen by kind) with parameters, and the
// full text for gateways that take text.
type SMS struct {
	Template Kind    // the kind whose provider template applies
	Params   []Param // in template order (Tencent {1},{2}…; Aliyun by name)
	Text     string
}

// Param is a named SMS template parameter.
type Param struct {
	Name  string
	Value string
}

// Receipt is what a provider answered when it accepted a message.
type Receipt struct {
	Channel    string    `json:"channel"`
	Address    string    `json:"address"`
	ProviderID string    `json:"provider_id,omitempty"` // SMTP queue id text, Aliyun BizId, Tencent SerialNo…
	Answer     string    `json:"answer,omitempty"`      // the provider's reply, for the log
	At         time.Time `json:"at"`
	// Replayed is true when the delivery log already had this message as sent and nothing
	// was sent now.
	Replayed bool `json:"replayed,omitempty"`
}

// Channel sends messages one way. Send must return an *Error (see Classify) so that the
// deliverer knows whether to retry, fall back or reconcile.
type Channel interface {
	Name() string
	Send(ctx context.Context, m Message) (Receipt, error)
}

// Reconciler is a channel that can tell whether it accepted a message earlier, by its Key,
// to close the window between a provider's acceptance and the log write.
type Reconciler interface {
	// Lookup reports whether the provider has the message m (by m.Key, to m.To) from an
	// attempt that started at since.
	Lookup(ctx context.Context, m Message, since time.Time) (Receipt, bool, error)
	// Settle is how long after an attempt started a negative Lookup becomes conclusive (the
	// provider's records lag behind its acceptance); until then the attempt is not resent.
	Settle() time.Duration
}

// Handle is the delivery handle of a notice key and a recipient: short (fits Aliyun OutId and
// Tencent SessionContext), opaque, and the same on every retry.
func Handle(key, recipient string) string {
	h := sha256.Sum256([]byte(key + "\x00" + recipient))
	return "zwgk" + hex.EncodeToString(h[:14])
}
