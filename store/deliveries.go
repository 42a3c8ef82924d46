package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Delivery statuses and attempt statuses.
const (
	DeliveryPending = "pending"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"

	AttemptSending = "sending"
	AttemptSent    = "sent"
	AttemptFailed  = "failed"
	AttemptQuota   = "quota"
	AttemptUnknown = "unknown"
)

// Delivery is one logical message to one recipient.
type Delivery struct {
	ID             int64
	Key            string
	Recipient      string
	RecipientName  string
	Kind           string
	Urgent         bool
	Subject        string
	ItemIDs        []int64
	Payload        json.RawMessage
	Status         string
	Attempts       int
	Channel        string
	Address        string
	ProviderID     string
	ProviderAnswer string
	Error          string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         *time.Time
	FailedAt       *time.Time
	AlertedAt      *time.Time
}

// DeliveryAttempt is one try on one channel.
type DeliveryAttempt struct {
	DeliveryID int64
	N          int
	Channel    string
	Address    string
	Template   string
	Status     string
	Class      string
	ProviderID string
	Answer     string
	Error      string
	StartedAt  time.Time
	FinishedAt *time.Time
}

const deliveryCols = `id, key, recipient, recipient_name, kind, urgent, subject, item_ids, payload, status, attempts,
	channel, address, provider_id, provider_answer, error, created_at, updated_at, sent_at, failed_at, alerted_at`

func scanDelivery(r pgx.Row) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.Key, &d.Recipient, &d.RecipientName, &d.Kind, &d.Urgent, &d.Subject, &d.ItemIDs,
		&d.Payload, &d.Status, &d.Attempts, &d.Channel, &d.Address, &d.ProviderID, &d.ProviderAnswer, &d.Error,
		&d.CreatedAt, &d.UpdatedAt, &d.SentAt, &d.FailedAt, &d.AlertedAt)
	return d, err
}

// EnsureDelivery inserts the delivery row of (Key, Recipient) unless it exists, and returns the
// stored row either way: the first payload wins.
func (s *Store) EnsureDelivery(ctx context.Context, d Delivery) (Delivery, error) {
	if d.Key == "" || d.Recipient == "" {
		return Delivery{}, errors.New("store: delivery needs a key and a recipient")
	}
	if d.ItemIDs == nil {
		d.ItemIDs = []int64{}
	}
	row := s.Pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO deliveries (key, recipient, recipient_name, kind, urgent, subject, item_ids, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (key, recipient) DO NOTHING
			RETURNING `+deliveryCols+`)
		SELECT `+deliveryCols+` FROM ins
		UNION ALL
		SELECT `+deliveryCols+` FROM deliveries WHERE key = $1 AND recipient = $2
		LIMIT 1`,
		d.Key, d.Recipient, d.RecipientName, d.Kind, d.Urgent, d.Subject, d.ItemIDs, []byte(d.Payload))
	out, err := scanDelivery(row)
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %s to %s: %w", d.Key, d.Recipient, err)
	}
	return out, nil
}

// Delivery loads a delivery by id.
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(s.Pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, notFound("delivery", id)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %d: %w", id, err)
	}
	return d, nil
}

// DeliveryByKey loads the delivery of a key to a recipient.
func (s *Store) DeliveryByKey(ctx context.Context, key, recipient string) (Delivery, error) {
	d, err := scanDelivery(s.Pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE key = $1 AND recipient = $2`, key, recipient))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, notFound("delivery", key+" to "+recipient)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %s: %w", key, err)
	}
	return d, nil
}

// DeliveryFilter selects rows of the admin's delivery log; zero fields do not filter.
type DeliveryFilter struct {
	Status    string // pending, sending, sent, failed
	Recipient string // recipient key
	Kind      string
	ItemID    int64
	Since     time.Time
	Until     time.Time
	BeforeID  int64 // keyset paging: rows with a smaller id
	Limit     int   // default 100, at most 1000
}

// Deliveries lists the delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Recipient != "" {
		where = append(where, "recipient = "+arg(f.Recipient))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.ItemID != 0 {
		where = append(where, arg(f.ItemID)+" = ANY(item_ids)")
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at < "+arg(f.Until))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.Pool.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), args...)
	return collect(rows, err, "deliveries", scanDelivery)
}

// DeliveryCounts counts deliveries by status since a time, for the log's header.
func (s *Store) DeliveryCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.Pool.Query(ctx, `SELECT status, count(*) FROM deliveries WHERE created_at >= $1 GROUP BY status`, since)
	if err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	out := map[string]int{}
	var st string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[st] = n; return nil }); err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	return out, nil
}

// DeliveryAttempts lists a delivery's attempts in order.
func (s *Store) DeliveryAttempts(ctx context.Context, deliveryID int64) ([]DeliveryAttempt, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT delivery_id, n, channel, address, template, status, class, provider_id, answer, error, started_at, finished_at
		FROM delivery_attempts WHERE delivery_id = $1 ORDER BY n`, deliveryID)
	return collect(rows, err, fmt.Sprintf("attempts of delivery %d", deliveryID), func(r pgx.Row) (DeliveryAttempt, error) {
		var a DeliveryAttempt
		return a, r.Scan(&a.DeliveryID, &a.N, &a.Channel, &a.Address, &a.Template, &a.Status, &a.Class,
			&a.ProviderID, &a.Answer, &a.Error, &a.StartedAt, &a.FinishedAt)
	})
}

// QuotaRule is one limit on attempts, counted from the delivery log so that it holds across
// workers. Attempts that a provider may have accepted count: sending, unknown and sent.
type QuotaRule struct {
	Name        string        // for messages, e.g. "阿里云: 每号码每模板每日 50 条"
	PerAddress  bool          // count attempts to the same address only (else the whole channel)
	PerTemplate bool          // count attempts with the same template only
	Window      time.Duration // sliding window; 0 means the calendar day in the zone
	Max         int
	// Hard marks a daily quota: exhausted means try the next channel. A soft rule is a rate
	// limit: wait and retry the same channel.
	Hard bool
}

// QuotaExceeded is returned, wrapped, by BeginAttempt when a rule is at its maximum.
type QuotaExceeded struct {
	Rule       QuotaRule
	Count      int
	RetryAfter time.Duration // when the oldest counted attempt leaves the window
}

func (e *QuotaExceeded) Error() string {
	return fmt.Sprintf("quota %s reached (%d of %d)", e.Rule.Name, e.Count, e.Rule.Max)
}

// AttemptStart opens an attempt.
type AttemptStart struct {
	DeliveryID int64
	Channel    string
	Address    string
	Template   string
	Rules      []QuotaRule
	Now        time.Time
	Zone       *time.Location // of calendar-day rules; Asia/Shanghai when nil
}

// advisory lock classes (two-int4 form, so they cannot meet single-bigint locks such as goose's)
const (
	lockClassDelivery = 0x7a770004
	lockClassQuota    = 0x7a770005
)

// BeginAttempt checks the quota rules and, if none is exhausted, records an attempt 'sending'
// and marks the delivery sending, all in one transaction serialised per channel and address,
// so that concurrent workers cannot both take the last unit of a quota. A hard rule at its
// maximum records a 'quota' attempt and returns *QuotaExceeded; a soft one returns it without
// recording anything.
func (s *Store) BeginAttempt(ctx context.Context, a AttemptStart) (n int, err error) {
	zone := a.Zone
	if zone == nil {
		zone, err = time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return 0, err
		}
	}
	var exceeded *QuotaExceeded
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		exceeded = nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockClassQuota, a.Channel+"\n"+a.Address); err != nil {
			return err
		}
		for _, r := range a.Rules {
			if !r.PerAddress {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockClassQuota, a.Channel); err != nil {
					return err
				}
				break
			}
		}
		for _, r := range a.Rules {
			if r.Max <= 0 {
				continue
			}
			since := a.Now.Add(-r.Window)
			var next time.Time // when a unit frees up
			if r.Window == 0 {
				y, m, d := a.Now.In(zone).Date()
				since = time.Date(y, m, d, 0, 0, 0, 0, zone)
				next = since.AddDate(0, 0, 1)
			}
			addr, tmpl := a.Address, a.Template
			var count int
			var oldest *time.Time
			// spelled out per case so that the planner uses delivery_attempts_quota on the address.
			// No upper bound at a.Now: a worker reads its clock before it waits for the lock, so
			// an attempt another worker began meanwhile may carry a later instant than ours; it
			// has taken a unit all the same (leaving it out let 6 SMS through a limit of 5).
			q := `SELECT count(*), min(started_at) FROM delivery_attempts
				WHERE channel = $1 AND status IN ('sending', 'sent', 'unknown') AND started_at >= $2`
			args := []any{a.Channel, since}
			if r.PerAddress {
				q += ` AND address = $3`
				args = append(args, addr)
			}
			if r.PerTemplate {
				q += ` AND template = $` + strconv.Itoa(len(args)+1)
				args = append(args, tmpl)
			}
			if err := tx.QueryRow(ctx, q, args...).Scan(&count, &oldest); err != nil {
				return fmt.Errorf("count attempts: %w", err)
			}
			if count < r.Max {
				continue
			}
			if r.Window != 0 && oldest != nil {
				next = oldest.Add(r.Window)
			}
			e := &QuotaExceeded{Rule: r, Count: count, RetryAfter: max(next.Sub(a.Now), time.Second)}
			if exceeded == nil || (r.Hard && !exceeded.Rule.Hard) {
				exceeded = e
			}
		}
		if exceeded != nil && !exceeded.Rule.Hard {
			return nil // a rate limit records nothing
		}
		status, class, errText := AttemptSending, "", ""
		var finished *time.Time
		if exceeded != nil {
			status, class, errText, finished = AttemptQuota, "quota", exceeded.Error(), &a.Now
		}
		if err := tx.QueryRow(ctx, `
			UPDATE deliveries SET attempts = attempts + 1, status = CASE WHEN $2 = 'sending' THEN 'sending' ELSE status END,
			       channel = $3, address = $4, updated_at = now()
			WHERE id = $1 AND status <> 'sent' RETURNING attempts`, a.DeliveryID, status, a.Channel, a.Address).Scan(&n); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("delivery %d is already sent or gone", a.DeliveryID)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO delivery_attempts (delivery_id, n, channel, address, template, status, class, error, started_at, finished_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.DeliveryID, n, a.Channel, a.Address, a.Template, status, class, errText, a.Now, finished); err != nil {
			return err
		}
		return nil // a hard quota's attempt is committed: the log shows why the channel was skipped
	})
	if err != nil {
		return 0, fmt.Errorf("store: begin attempt of delivery %d on %s: %w", a.DeliveryID, a.Channel, err)
	}
	if exceeded != nil {
		return n, exceeded
	}
	return n, nil
}

// AttemptResult is how an attempt ended.
type AttemptResult struct {
	Status     string // sent, failed, unknown
	Class      string
	ProviderID string
	Answer     string
	Error      string
	At         time.Time
}

// FinishAttempt records an attempt's outcome. A sent attempt marks the delivery sent; a failed
// one puts it back to pending (the caller decides whether another channel follows or the
// delivery fails for good). Each outcome is one statement, so one round trip: the time between
// a provider's acceptance and its record is the window in which a dying worker leaves an
// attempt to be reconciled, and it is kept as short as the database allows.
func (s *Store) FinishAttempt(ctx context.Context, deliveryID int64, n int, r AttemptResult) error {
	var delivery string
	switch r.Status {
	case AttemptSent:
		delivery = `UPDATE deliveries d SET status = 'sent', channel = a.channel, address = a.address, provider_id = $5,
			provider_answer = $6, error = '', sent_at = $8, updated_at = now() FROM a WHERE d.id = $1`
	case AttemptFailed, AttemptQuota:
		delivery = `UPDATE deliveries d SET status = 'pending', error = $7, updated_at = now() FROM a
			WHERE d.id = $1 AND d.status <> 'sent'`
	default: // sending (outcome unknown, left for reconciliation) or unknown (superseded)
		delivery = `UPDATE deliveries d SET error = $7, updated_at = now() FROM a WHERE d.id = $1`
	}
	tag, err := s.Pool.Exec(ctx, `
		WITH a AS (
			UPDATE delivery_attempts SET status = $3, class = $4, provider_id = $5, answer = $6, error = $7, finished_at = $8
			WHERE delivery_id = $1 AND n = $2 RETURNING channel, address)
		`+delivery, deliveryID, n, r.Status, r.Class, r.ProviderID, r.Answer, r.Error, r.At)
	if err != nil {
		return fmt.Errorf("store: finish attempt %d of delivery %d: %w", n, deliveryID, err)
	}
	if tag.RowsAffected() == 0 && r.Status != AttemptFailed && r.Status != AttemptQuota {
		return notFound("attempt", fmt.Sprintf("%d/%d", deliveryID, n))
	}
	return nil
}

// FailDelivery marks a delivery failed for good, unless it was sent.
func (s *Store) FailDelivery(ctx context.Context, deliveryID int64, reason string, at time.Time) error {
	if _, err := s.Pool.Exec(ctx, `
		UPDATE deliveries SET status = 'failed', error = $2, failed_at = $3, updated_at = now()
		WHERE id = $1 AND status <> 'sent'`, deliveryID, reason, at); err != nil {
		return fmt.Errorf("store: fail delivery %d: %w", deliveryID, err)
	}
	return nil
}

// DeliveryLocker holds per-delivery locks on connections of its own, so that a delivery that
// holds a lock never waits for a connection of the main pool that another lock holder has: no
// pool deadlock at any concurrency. The locks are PostgreSQL session advisory locks: a worker
// that dies loses its connection and with it the lock, at once, without a lease to expire.
type DeliveryLocker struct {
	pool *pgxpool.Pool
}

// ErrDeliveryBusy is returned by TryLock while another worker holds the delivery.
var ErrDeliveryBusy = errors.New("delivery is being sent by another worker")

// NewDeliveryLocker opens a pool of at most maxConcurrent connections for delivery locks.
func (s *Store) NewDeliveryLocker(ctx context.Context, maxConcurrent int) (*DeliveryLocker, error) {
	cfg := s.Pool.Config()
	cfg.MaxConns = int32(max(maxConcurrent, 1))
	cfg.MinConns = 0
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: delivery locks: %w", err)
	}
	return &DeliveryLocker{pool: p}, nil
}

// Close releases the locker's connections.
func (l *DeliveryLocker) Close() { l.pool.Close() }

// DeliveryLock is a held delivery lock.
type DeliveryLock struct {
	conn *pgxpool.Conn
	id   int64
}

// TryLock takes the lock of a delivery or returns ErrDeliveryBusy without waiting.
func (l *DeliveryLocker) TryLock(ctx context.Context, deliveryID int64) (*DeliveryLock, error) {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock delivery %d: %w", deliveryID, err)
	}
	var ok bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockClassDelivery, int32(deliveryID)).Scan(&ok); err != nil {
		c.Release()
		return nil, fmt.Errorf("store: lock delivery %d: %w", deliveryID, err)
	}
	if !ok {
		c.Release()
		return nil, fmt.Errorf("store: delivery %d: %w", deliveryID, ErrDeliveryBusy)
	}
	return &DeliveryLock{conn: c, id: deliveryID}, nil
}

// Release gives the lock back. If the unlock cannot be confirmed the connection is closed,
// which releases the lock too, rather than returned to the pool still holding it.
func (k *DeliveryLock) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ok bool
	if err := k.conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockClassDelivery, int32(k.id)).Scan(&ok); err != nil || !ok {
		_ = k.conn.Hijack().Close(ctx)
		return
	}
	k.conn.Release()
}

// UnalertedFailures lists deliveries that failed for good and were not yet reported to the
// admins, oldest first; failures of alerts themselves are left out so alerts cannot loop.
func (s *Store) UnalertedFailures(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT `+deliveryCols+` FROM deliveries
		WHERE status = 'failed' AND alerted_at IS NULL AND kind <> 'alert'
		ORDER BY failed_at, id LIMIT $1`, limit)
	return collect(rows, err, "unalerted failures", scanDelivery)
}

// MarkAlerted records that the admins were told about these failures.
func (s *Store) MarkAlerted(ctx context.Context, ids []int64, at time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE deliveries SET alerted_at = $2 WHERE id = ANY($1) AND alerted_at IS NULL`, ids, at); err != nil {
		return fmt.Errorf("store: mark alerted: %w", err)
	}
	return nil
}

// LastAlertAt is when the latest alert delivery was created, zero if never.
func (s *Store) LastAlertAt(ctx context.Context) (time.Time, error) {
	var at *time.Time
	if err := s.Pool.QueryRow(ctx, `SELECT max(created_at) FROM deliveries WHERE kind = 'alert'`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: last alert: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}
