package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// Quota is a channel-wide limit a channel declares (notify.Limiter), such as ZWGK_SMTP_DAILY_LIMIT.
// Limits per number or per template (the SMS providers') have no single "left" to show, and no
// provider API zwgk uses reports the account's balance, so those are not exported.
type Quota struct {
	Channel string
	Rule    store.QuotaRule
}

// StoreOptions tunes a StoreCollector; the zero value is usable.
type StoreOptions struct {
	// MinInterval is the least time between two reads of the database: scrapes closer together
	// (several Prometheus servers, a dashboard refresh) get the last figures. 15 s when zero.
	MinInterval time.Duration
	// Timeout bounds each query of a read; 10 s when zero.
	Timeout time.Duration
	// Quotas are the channel-wide limits to report what is left of.
	Quotas []Quota
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
}

// StoreCollector exports zwgk's own figures, read from PostgreSQL when Prometheus scrapes.
type StoreCollector struct {
	st  *store.Store
	opt StoreOptions

	mu     sync.Mutex
	readAt time.Time
	counts store.MetricsCounts
	quota  map[string]int64 // attempts counted against each quota, by channel
	err    error
	took   time.Duration

	errors prometheus.Counter
}

var (
	descNotices = prometheus.NewDesc("zwgk_notices",
		"Notices that are not settled, by status: pending (planned, its time may not have come), due (pending and its time has come), claimed (taken by a dispatch, being sent).",
		[]string{"status"}, nil)
	descNoticesSent    = prometheus.NewDesc("zwgk_notices_sent_total", "Notices sent (each is an entry of a message to its recipients).", nil, nil)
	descNoticesDropped = prometheus.NewDesc("zwgk_notices_dropped_total", "Notices dropped at send time (the cycle was done, the item paused or cancelled, nobody to tell).", nil, nil)
	descLag            = prometheus.NewDesc("zwgk_dispatch_lag_seconds",
		"Age of the oldest notice whose time has come and that is not yet sent or dropped; 0 when there is none.", nil, nil)
	descDeliveries = prometheus.NewDesc("zwgk_deliveries_total",
		"Deliveries (one message to one recipient) that ended, by the channel last tried and status: sent or failed.",
		[]string{"channel", "status"}, nil)
	descDeliveriesOpen = prometheus.NewDesc("zwgk_deliveries_open",
		"Deliveries not ended yet, by the channel last tried and status: pending (waiting for a retry or a channel) or sending.",
		[]string{"channel", "status"}, nil)
	descAttempts = prometheus.NewDesc("zwgk_delivery_attempts_total",
		"Delivery attempts that ended, by channel and outcome: sent, failed, quota (a daily limit skipped the channel) or unknown.",
		[]string{"channel", "status"}, nil)
	descAttemptsOpen = prometheus.NewDesc("zwgk_delivery_attempts_sending",
		"Delivery attempts under way (or left by a worker that died, until reconciled), by channel.",
		[]string{"channel"}, nil)
	descItems       = prometheus.NewDesc("zwgk_items", "Items whose workflow recorded a state, by status.", []string{"status"}, nil)
	descImports     = prometheus.NewDesc("zwgk_import_runs_total", "Committed list imports (list revisions).", nil, nil)
	descImportItems = prometheus.NewDesc("zwgk_import_items_total", "Items added, changed and removed by committed imports.", []string{"change"}, nil)
	descLastImport  = prometheus.NewDesc("zwgk_import_last_timestamp_seconds", "When the last list revision was committed (Unix time); absent before the first.", nil, nil)
	descQuotaLimit  = prometheus.NewDesc("zwgk_quota_limit", "A channel-wide sending limit (ZWGK_SMTP_DAILY_LIMIT) per window.", []string{"channel", "window"}, nil)
	descQuotaLeft   = prometheus.NewDesc("zwgk_quota_remaining", "What is left of a channel-wide sending limit in the current window.", []string{"channel", "window"}, nil)
	descReadSeconds = prometheus.NewDesc("zwgk_metrics_store_read_seconds", "Time the last read of these figures from PostgreSQL took.", nil, nil)
)

// NewStoreCollector makes the collector; register it on a registry.
func NewStoreCollector(st *store.Store, o StoreOptions) *StoreCollector {
	if o.MinInterval <= 0 {
		o.MinInterval = 15 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &StoreCollector{st: st, opt: o, errors: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zwgk_metrics_store_errors_total",
		Help: "Reads of these figures from PostgreSQL that failed (the scrape then reports them missing).",
	})}
}

// Describe implements prometheus.Collector.
func (c *StoreCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descNotices, descNoticesSent, descNoticesDropped, descLag, descDeliveries, descDeliveriesOpen, descAttempts, descAttemptsOpen,
		descItems, descImports, descImportItems, descLastImport, descQuotaLimit, descQuotaLeft, descReadSeconds} {
		ch <- d
	}
	c.errors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *StoreCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.opt.Now()
	c.mu.Lock()
	if c.readAt.IsZero() || now.Sub(c.readAt) >= c.opt.MinInterval || now.Before(c.readAt) {
		c.read(now)
	}
	counts, quota, err, took := c.counts, c.quota, c.err, c.took
	readAt := c.readAt
	c.mu.Unlock()
	c.errors.Collect(ch)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descNotices, err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descNotices, float64(counts.NoticesPending), "pending")
	gauge(descNotices, float64(counts.NoticesDue), "due")
	gauge(descNotices, float64(counts.NoticesClaimed), "claimed")
	counter(descNoticesSent, counts.NoticesSent)
	counter(descNoticesDropped, counts.NoticesDropped)
	lag := 0.0
	if !counts.OldestDue.IsZero() {
		lag = max(readAt.Sub(counts.OldestDue).Seconds(), 0)
	}
	gauge(descLag, lag)
	// Counters only for what has ended: a pending delivery becomes sent, so its count goes
	// down, which a counter must never do.
	for _, d := range counts.Deliveries {
		switch d.Status {
		case "sent", "failed":
			counter(descDeliveries, d.N, channelLabel(d.Channel), d.Status)
		default:
			gauge(descDeliveriesOpen, float64(d.N), channelLabel(d.Channel), d.Status)
		}
	}
	for _, a := range counts.Attempts {
		if a.Status == "sending" {
			gauge(descAttemptsOpen, float64(a.N), channelLabel(a.Channel))
		} else {
			counter(descAttempts, a.N, channelLabel(a.Channel), a.Status)
		}
	}
	for status, n := range counts.ItemsByStatus {
		gauge(descItems, float64(n), status)
	}
	counter(descImports, counts.ImportRuns)
	counter(descImportItems, counts.ImportAdded, "added")
	counter(descImportItems, counts.ImportChanged, "changed")
	counter(descImportItems, counts.ImportRemoved, "removed")
	if !counts.LastImportedAt.IsZero() {
		gauge(descLastImport, float64(counts.LastImportedAt.Unix()))
	}
	for _, q := range c.opt.Quotas {
		w := windowLabel(q.Rule.Window)
		gauge(descQuotaLimit, float64(q.Rule.Max), q.Channel, w)
		gauge(descQuotaLeft, float64(max(int64(q.Rule.Max)-quota[q.Channel], 0)), q.Channel, w)
	}
	gauge(descReadSeconds, took.Seconds())
}

// read refreshes the cached figures; c.mu is held, so concurrent scrapes wait for one read.
func (c *StoreCollector) read(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.opt.Timeout)
	defer cancel()
	start := time.Now()
	c.readAt = now
	counts, err := c.st.MetricsCounts(ctx, now, c.opt.Timeout)
	quota := map[string]int64{}
	for _, q := range c.opt.Quotas {
		if err != nil {
			break
		}
		quota[q.Channel], err = c.st.ChannelAttemptsSince(ctx, q.Channel, windowStart(q.Rule.Window, now))
	}
	c.took = time.Since(start)
	c.err = err
	if err != nil {
		c.errors.Inc()
		return
	}
	c.counts, c.quota = counts, quota
}

// windowStart is where a quota's count starts, as store.BeginAttempt counts it: a sliding window,
// or for a window of 0 the calendar day in Asia/Shanghai.
func windowStart(window time.Duration, now time.Time) time.Time {
	if window > 0 {
		return now.Add(-window)
	}
	y, m, d := now.In(calendar.Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

func windowLabel(window time.Duration) string {
	if window == 0 {
		return "day"
	}
	return window.String()
}

// channelLabel names the channel of a delivery no channel was tried for yet (nobody reachable).
func channelLabel(ch string) string {
	if ch == "" {
		return "none"
	}
	return ch
}
