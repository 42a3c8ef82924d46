package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// Scrapes in these tests come seconds apart; the default read interval would serve the
// figures of the first one again.
func init() { metricsReadEvery = time.Millisecond }

// syncBuffer is a log the command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCommand runs a zwgk command in this process until the test ends and returns the address
// it logged under msg (the listener of an address ending in :0).
func startCommand(t *testing.T, vars map[string]string, msg string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, &env{stdout: io.Discard, stderr: logs, getenv: func(k string) string { return vars[k] }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("zwgk %v did not stop", args)
		}
	})
	re := regexp.MustCompile(`msg="` + msg + `" addr=(\S+)`)
	deadline := time.Now().Add(time.Minute)
	for {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("zwgk %v exited %d:\n%s", args, code, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("zwgk %v never logged %q:\n%s", args, msg, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s is not the Prometheus text format: %v", url, err)
	}
	return fams
}

// sample is the value of the series of name whose labels include the pairs given (a
// histogram's sample count); ok is false when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, pairs ...string) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(pairs); i += 2 {
			if labels[pairs[i]] != pairs[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// metricsFixture is a database with one item of one office whose two contacts are owed a
// reminder since an hour ago: one address the mail server takes, one it refuses for good.
type metricsFixture struct {
	dbURL string
	st    *store.Store
	smtp  *smtptest.Server
}

func newMetricsFixture(t *testing.T) *metricsFixture {
	t.Helper()
	ctx := context.Background()
	f := &metricsFixture{dbURL: testenv.DatabaseURL(t)}
	var err error
	if f.st, err = store.Open(ctx, f.dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.st.Close)
	f.smtp = smtptest.Start(t, smtptest.Options{TLS: "none", Rcpt: func(to string) error {
		if to == "gone@example.gov.cn" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}})
	year := calendar.DateOf(time.Now()).Year
	item := fixtures.OneItem(t, ctx, f.st, "指标测试局", year, nil,
		store.Person{Name: "张联络", Email: "contact@example.gov.cn", Channels: []string{"email"}, Active: true},
		store.Person{Name: "李离职", Email: "gone@example.gov.cn", Channels: []string{"email"}, Active: true})
	// The state an item workflow records when it plans a reminder, written directly so that
	// the dispatcher has one due notice and no item workflow has to run.
	due := calendar.D(year, 12, 31).End()
	if _, err := f.st.SyncItem(ctx, store.ItemSync{WorkflowID: item.WorkflowID, ItemID: item.ID, Seq: 1,
		State:  store.ItemStateRow{Status: "upcoming", CycleKey: fmt.Sprint(year), DueAt: due},
		Cycles: []store.CycleRow{{Key: fmt.Sprint(year), Start: calendar.D(year, 1, 1).Start(), Due: due, OriginalDue: due, Status: "open", Required: 1}},
		Plans: []store.CyclePlan{{CycleKey: fmt.Sprint(year), Due: due, Notices: []store.NoticePlan{
			{Kind: "reminder", Offset: 10, Target: "contact", At: time.Now().Add(-time.Hour)},
		}}},
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// The worker's /metrics: before the dispatcher runs it shows the due notice and its lag and
// no delivery; after the dispatcher sent the reminder it shows one delivery sent and one
// failed on email, the notice sent, no lag, and the Temporal SDK's worker metrics of the
// Dispatch activity that did it.
func TestWorkerMetricsAfterASend(t *testing.T) {
	f := newMetricsFixture(t)
	hostPort, namespace := testenv.TemporalAddress(t)
	tq := testenv.TaskQueue(t)
	vars := map[string]string{
		"ZWGK_DATABASE_URL": f.dbURL, "ZWGK_TEMPORAL_ADDRESS": hostPort, "ZWGK_TEMPORAL_NAMESPACE": namespace,
		"ZWGK_TEMPORAL_TASK_QUEUE": tq, "ZWGK_SMTP_HOST": f.smtp.Host, "ZWGK_SMTP_PORT": fmt.Sprint(f.smtp.Port),
		"ZWGK_SMTP_TLS": "none", "ZWGK_SMTP_FROM": "政务公开办 <gk@example.gov.cn>", "ZWGK_SMTP_DAILY_LIMIT": "100",
		"ZWGK_SECRET": "metrics-test-secret-0123456789abcdef", "ZWGK_BASE_URL": "https://gk.example.gov.cn",
		"ZWGK_WORKER_METRICS_ADDR": "127.0.0.1:0",
	}
	addr := startCommand(t, vars, "metrics listening", "worker", "--reconcile=none")
	url := "http://" + addr + "/metrics"

	before := scrape(t, url)
	if v, _ := sample(before, "zwgk_notices", "status", "due"); v != 1 {
		t.Errorf("before: zwgk_notices{status=due} = %v, want 1", v)
	}
	if v, _ := sample(before, "zwgk_dispatch_lag_seconds"); v < 3500 || v > 3700 {
		t.Errorf("before: dispatch lag %v s, want about an hour", v)
	}
	if v, ok := sample(before, "zwgk_deliveries_total", "channel", "email", "status", "sent"); ok {
		t.Errorf("before: %v email deliveries sent", v)
	}
	if v, _ := sample(before, "zwgk_quota_remaining", "channel", "email", "window", "day"); v != 100 {
		t.Errorf("before: SMTP quota left %v, want 100", v)
	}

	c, err := dialTemporalMetered(context.Background(), config.Temporal{Address: hostPort, Namespace: namespace}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wc := &workflows.Client{Temporal: c, TaskQueue: tq}
	if err := wc.EnsureDispatcher(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Rows are written while the Dispatch activity runs and its SDK metrics when it ends, so
	// wait for both.
	deadline := time.Now().Add(time.Minute)
	var after map[string]*dto.MetricFamily
	for {
		after = scrape(t, url)
		sent, _ := sample(after, "zwgk_deliveries_total", "channel", "email", "status", "sent")
		failed, _ := sample(after, "zwgk_deliveries_total", "channel", "email", "status", "failed")
		settled, _ := sample(after, "zwgk_notices_sent_total")
		ran, _ := sample(after, "temporal_activity_execution_latency_seconds", "activity_type", "Dispatch", "task_queue", tq)
		if sent == 1 && failed == 1 && settled == 1 && ran >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %v sent, %v failed email deliveries, %v notices sent, %v Dispatch activities; the mail server has %d messages",
				sent, failed, settled, ran, f.smtp.Count())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := f.smtp.Count(); n != 1 {
		t.Errorf("the mail server has %d messages, want 1", n)
	}
	for _, c := range []struct {
		name  string
		pairs []string
		want  float64
	}{
		{"zwgk_notices_sent_total", nil, 1},
		{"zwgk_notices", []string{"status", "due"}, 0},
		{"zwgk_dispatch_lag_seconds", nil, 0},
		{"zwgk_delivery_attempts_total", []string{"channel", "email", "status", "sent"}, 1},
		{"zwgk_delivery_attempts_total", []string{"channel", "email", "status", "failed"}, 1},
		{"zwgk_quota_remaining", []string{"channel", "email", "window", "day"}, 99},
		{"zwgk_import_runs_total", nil, 1},
	} {
		if v, _ := sample(after, c.name, c.pairs...); v != c.want {
			t.Errorf("after: %s%v = %v, want %v", c.name, c.pairs, v, c.want)
		}
	}
	// The SDK's worker metrics beside them.
	if v, _ := sample(after, "temporal_workflow_task_execution_latency_seconds", "workflow_type", workflows.DispatchWorkflowName, "task_queue", tq); v < 1 {
		t.Errorf("temporal_workflow_task_execution_latency_seconds{workflow_type=%s} has %v samples", workflows.DispatchWorkflowName, v)
	}
	if _, ok := sample(after, "temporal_worker_task_slots_available", "worker_type", "ActivityWorker", "task_queue", tq); !ok {
		t.Error("no temporal_worker_task_slots_available{worker_type=ActivityWorker}")
	}
	if _, ok := sample(after, "temporal_sticky_cache_size"); !ok {
		t.Error("no temporal_sticky_cache_size")
	}
}

// serve's /metrics: the request latency histogram counts the routes requests took, by
// pattern and status class, and unknown paths as one route (never the path); the database
// figures are there too.
func TestServeMetricsCountRequests(t *testing.T) {
	f := newMetricsFixture(t)
	vars := map[string]string{
		"ZWGK_DATABASE_URL": f.dbURL, "ZWGK_TEMPORAL_ADDRESS": "127.0.0.1:1", "ZWGK_HTTP_ADDR": "127.0.0.1:0",
		"ZWGK_SECRET": "metrics-test-secret-0123456789abcdef",
	}
	addr := startCommand(t, vars, "http listening", "serve")
	base := "http://" + addr
	get := func(path string, want int) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("GET %s: %s, want %d", path, resp.Status, want)
		}
	}
	get("/login", http.StatusOK)
	get("/login", http.StatusOK)
	get("/no/such/page/123", http.StatusNotFound)
	get("/no/such/page/456", http.StatusNotFound)
	fams := scrape(t, base+"/metrics")
	if v, _ := sample(fams, "zwgk_http_request_duration_seconds", "route", "GET /login", "code", "2xx"); v != 2 {
		t.Errorf("GET /login counted %v times, want 2", v)
	}
	// Unknown paths fall to the web app's catch-all pattern (its Chinese 404 page): one series.
	if v, _ := sample(fams, "zwgk_http_request_duration_seconds", "route", "/", "code", "4xx"); v != 2 {
		t.Errorf("unknown paths counted %v times under route=/, want 2", v)
	}
	for _, m := range fams["zwgk_http_request_duration_seconds"].GetMetric() {
		for _, l := range m.Label {
			if l.GetName() == "route" && regexp.MustCompile(`[0-9]{3}`).MatchString(l.GetValue()) {
				t.Errorf("a path became a route label: %s", l.GetValue())
			}
		}
	}
	if v, _ := sample(fams, "zwgk_notices", "status", "due"); v != 1 {
		t.Errorf("zwgk_notices{status=due} = %v on serve, want 1", v)
	}
	if _, ok := sample(fams, "zwgk_http_request_duration_seconds", "route", "GET /metrics"); ok {
		t.Error("scrapes are counted as web requests")
	}
}
