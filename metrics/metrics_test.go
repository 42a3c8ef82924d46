package metrics

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func family(t *testing.T, reg *prometheus.Registry, name string) *dto.MetricFamily {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	t.Fatalf("no %s among %d families", name, len(fams))
	return nil
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.Label {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// The SDK gives one metric name different tag sets (a poll counter with poller_type, the same
// counter of a task with workflow_type); a fixed-label Vec would refuse the second, this
// handler keeps both, and what the SDK adds through WithTags accumulates.
func TestSDKHandlerKeepsEachTagSet(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := SDKHandler(reg)
	ns := h.WithTags(map[string]string{"namespace": "default", "task_queue": "zwgk"})
	ns.WithTags(map[string]string{"poller_type": "workflow_task"}).Counter("temporal_request").Inc(2)
	ns.WithTags(map[string]string{"workflow_type": "ItemWorkflow"}).Counter("temporal_request").Inc(1)
	ns.WithTags(map[string]string{"workflow_type": "ItemWorkflow"}).Counter("temporal_request").Inc(4) // the same series again
	ns.Gauge("temporal_sticky_cache_size").Update(7)
	ns.WithTags(map[string]string{"activity_type": "Dispatch"}).Timer("temporal_activity_execution_latency").Record(1500 * time.Millisecond)
	ns.Counter("temporal_request").Inc(-3) // a counter never goes down

	f := family(t, reg, "temporal_request_total")
	if f.GetType() != dto.MetricType_COUNTER || len(f.Metric) != 3 {
		t.Fatalf("temporal_request_total: %v", f)
	}
	byKind := map[string]float64{}
	for _, m := range f.Metric {
		l := labelsOf(m)
		if l["namespace"] != "default" || l["task_queue"] != "zwgk" {
			t.Errorf("a series lost the handler's tags: %v", l)
		}
		byKind[l["poller_type"]+"/"+l["workflow_type"]] = m.Counter.GetValue()
	}
	if byKind["workflow_task/"] != 2 || byKind["/ItemWorkflow"] != 5 || byKind["/"] != 0 {
		t.Errorf("counts by tag set: %v", byKind)
	}
	if g := family(t, reg, "temporal_sticky_cache_size"); g.GetType() != dto.MetricType_GAUGE || g.Metric[0].Gauge.GetValue() != 7 {
		t.Errorf("gauge: %v", g)
	}
	hist := family(t, reg, "temporal_activity_execution_latency_seconds")
	if hist.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("timer is a %s", hist.GetType())
	}
	hm := hist.Metric[0].Histogram
	if hm.GetSampleCount() != 1 || hm.GetSampleSum() != 1.5 || labelsOf(hist.Metric[0])["activity_type"] != "Dispatch" {
		t.Errorf("timer: %v", hist.Metric[0])
	}

	// the whole registry is valid exposition text
	srv := httptest.NewServer(Handler(reg))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the handler's answer does not parse: %v", err)
	}
	if _, ok := fams["temporal_request_total"]; !ok {
		t.Errorf("the handler's answer lacks temporal_request_total: %v", fams)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"temporal_request":    "temporal_request",
		"task-queue":          "task_queue",
		"9lives":              "_lives",
		"a.b c":               "a_b_c",
		"nexus_operation_v2":  "nexus_operation_v2",
		"temporal_请求":         "temporal_" + "______", // one per byte
		"WorkflowTaskLatency": "WorkflowTaskLatency",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Requests are counted by route pattern and status class; a request no pattern took is one
// series, whatever its path.
func TestHTTPObserver(t *testing.T) {
	reg := prometheus.NewRegistry()
	observe := HTTPObserver(reg)
	observe("GET /items/{id}", 200, 20*time.Millisecond)
	observe("GET /items/{id}", 204, 30*time.Millisecond)
	observe("GET /items/{id}", 404, time.Millisecond)
	observe("", 405, time.Millisecond)
	observe("POST /login", 303, 3*time.Second)
	f := family(t, reg, "zwgk_http_request_duration_seconds")
	got := map[string]uint64{}
	for _, m := range f.Metric {
		l := labelsOf(m)
		got[l["route"]+" "+l["code"]] = m.Histogram.GetSampleCount()
	}
	wantCounts := map[string]uint64{"GET /items/{id} 2xx": 2, "GET /items/{id} 4xx": 1, "unmatched 4xx": 1, "POST /login 3xx": 1}
	if len(got) != len(wantCounts) {
		t.Errorf("series %v, want %v", got, wantCounts)
	}
	for k, n := range wantCounts {
		if got[k] != n {
			t.Errorf("%s: %d requests, want %d (all: %v)", k, got[k], n, got)
		}
	}
	for status, want := range map[int]string{200: "2xx", 302: "3xx", 499: "4xx", 503: "5xx", 0: "other", 1000: "other"} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", status, got, want)
		}
	}
}
