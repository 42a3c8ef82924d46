package metrics

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// SDKHandler is a client.MetricsHandler that exports what the Temporal SDK measures (requests,
// workflow and activity task latencies, task slots, sticky cache) through reg. Counters get the
// suffix _total and timers become histograms in seconds with the suffix _seconds, as Temporal's
// own dashboards name them (temporal_workflow_task_schedule_to_start_latency_seconds_bucket).
//
// It is written over client_golang rather than the SDK's tally contrib module, which the module
// proxy here does not serve. The SDK emits one name with different tag sets (a poll has
// poller_type, a task workflow_type), which a prometheus Vec with fixed labels cannot hold, so
// the series are kept here and collected unchecked.
func SDKHandler(reg prometheus.Registerer) client.MetricsHandler {
	s := &sdkSeries{series: map[string]prometheus.Collector{}, kinds: map[string]string{}}
	reg.MustRegister(s)
	return &sdkHandler{s: s}
}

// sdkBuckets span a local activity (1 ms) to a long poll (70 s) and a slow Dispatch.
var sdkBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

type sdkSeries struct {
	mu     sync.Mutex
	series map[string]prometheus.Collector // by name and tags
	kinds  map[string]string               // by Prometheus name: counter, gauge or histogram
}

// Describe sends nothing, which makes the collector unchecked: its series differ in labels.
func (s *sdkSeries) Describe(chan<- *prometheus.Desc) {}

func (s *sdkSeries) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	all := make([]prometheus.Collector, 0, len(s.series))
	for _, c := range s.series {
		all = append(all, c)
	}
	s.mu.Unlock()
	for _, c := range all {
		c.Collect(ch)
	}
}

// get returns the series of name and tags, made by mk on first use. A name the SDK used as
// another kind before (never expected) gets a suffix instead of breaking the scrape.
func (s *sdkSeries) get(kind, name string, tags map[string]string, mk func(prometheus.Opts) prometheus.Collector) prometheus.Collector {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.kinds[name]; ok && k != kind {
		name += "_" + kind
	}
	s.kinds[name] = kind
	key := name + "{" + tagKey(tags) + "}"
	if c, ok := s.series[key]; ok {
		return c
	}
	c := mk(prometheus.Opts{Name: name, Help: "Temporal SDK metric " + name + ".", ConstLabels: tags})
	s.series[key] = c
	return c
}

type sdkHandler struct {
	s    *sdkSeries
	tags map[string]string
}

func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[sanitize(k)] = v
	}
	return &sdkHandler{s: h.s, tags: merged}
}

func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	c := h.s.get("counter", sanitize(name)+"_total", h.tags, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewCounter(prometheus.CounterOpts(o))
	}).(prometheus.Counter)
	return counterFunc(func(d int64) {
		if d > 0 {
			c.Add(float64(d))
		}
	})
}

func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	g := h.s.get("gauge", sanitize(name), h.tags, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewGauge(prometheus.GaugeOpts(o))
	}).(prometheus.Gauge)
	return gaugeFunc(g.Set)
}

func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	hist := h.s.get("histogram", sanitize(name)+"_seconds", h.tags, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: o.Name, Help: o.Help, ConstLabels: o.ConstLabels, Buckets: sdkBuckets})
	}).(prometheus.Histogram)
	return timerFunc(func(d time.Duration) { hist.Observe(d.Seconds()) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

func tagKey(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(tags[k])
		b.WriteByte(',')
	}
	return b.String()
}

// sanitize makes a metric or label name of an SDK name: letters, digits and underscores, not
// starting with a digit.
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}
