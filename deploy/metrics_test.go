package deploy

import (
	"encoding/json"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/zwgk/zwgk/metrics"
)

var metricName = regexp.MustCompile(`\b(?:zwgk|temporal|process|go)_[a-z_]+\b`)

// zwgkMetrics are the names package metrics exports, from the collectors themselves.
func zwgkMetrics(t *testing.T) []string {
	t.Helper()
	ch := make(chan *prometheus.Desc, 64)
	metrics.NewStoreCollector(nil, metrics.StoreOptions{}).Describe(ch)
	close(ch)
	fq := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	var names []string
	for d := range ch {
		m := fq.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no name in %s", d)
		}
		names = append(names, m[1])
	}
	reg := prometheus.NewRegistry()
	metrics.HTTPObserver(reg)("GET /login", 200, time.Millisecond)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		names = append(names, f.GetName())
	}
	return names
}

// family is the metric a PromQL series name belongs to (a histogram's _bucket, _sum, _count).
func family(name string) string {
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && (strings.HasSuffix(base, "_seconds") || strings.HasSuffix(base, "_bytes")) {
			return base
		}
	}
	return name
}

// The dashboard is valid Grafana JSON over metrics that exist: every zwgk_ name it queries is
// exported by package metrics, and every zwgk_ and temporal_ name is in docs/operations.md,
// which in turn documents every zwgk_ metric.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("grafana/zwgk-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID           string `json:"uid"`
		Title         string `json:"title"`
		SchemaVersion int    `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query string `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource *struct {
				Type string `json:"type"`
				UID  string `json:"uid"`
			} `json:"datasource"`
			GridPos struct{ H, W, X, Y int } `json:"gridPos"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana/zwgk-dashboard.json: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 30 || len(d.Panels) == 0 {
		t.Fatalf("dashboard header: uid %q title %q schema %d, %d panels", d.UID, d.Title, d.SchemaVersion, len(d.Panels))
	}
	if len(d.Templating.List) != 1 || d.Templating.List[0].Type != "datasource" || d.Templating.List[0].Query != "prometheus" {
		t.Errorf("the dashboard should ask for its Prometheus data source: %+v", d.Templating.List)
	}
	docs, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	exported := zwgkMetrics(t)
	for _, name := range exported {
		if !strings.Contains(string(docs), "`"+name+"`") {
			t.Errorf("docs/operations.md does not document %s", name)
		}
	}
	ids := map[int]bool{}
	queried := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q is outside the 24-column grid: %+v", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the dashboard's data source", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			names := metricName.FindAllString(q.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: %q queries no metric", p.Title, q.Expr)
			}
			for _, n := range names {
				queried++
				f := family(n)
				if strings.HasPrefix(f, "zwgk_") && !slices.Contains(exported, f) {
					t.Errorf("panel %q queries %s, which zwgk does not export", p.Title, f)
				}
				if (strings.HasPrefix(f, "zwgk_") || strings.HasPrefix(f, "temporal_")) && !strings.Contains(string(docs), "`"+f+"`") {
					t.Errorf("panel %q queries %s, which docs/operations.md does not document", p.Title, f)
				}
			}
		}
	}
	if queried < 20 {
		t.Errorf("the dashboard queries %d series", queried)
	}
}

// Prometheus in compose scrapes serve on its web port and the worker on the address the worker
// is told to serve its metrics on.
func TestPrometheusScrapesServeAndWorker(t *testing.T) {
	b, err := os.ReadFile("prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName     string `yaml:"job_name"`
			MetricsPath string `yaml:"metrics_path"`
			DNSSD       []struct {
				Names []string `yaml:"names"`
				Type  string   `yaml:"type"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	p := loadCompose(t)
	prom, err := p.GetService("prometheus")
	if err != nil {
		t.Fatal(err)
	}
	mounted := slices.ContainsFunc(prom.Volumes, func(v types.ServiceVolumeConfig) bool {
		return strings.HasSuffix(v.Source, "deploy/prometheus.yml") && v.Target == "/etc/prometheus/prometheus.yml"
	})
	if !mounted {
		t.Errorf("the prometheus service does not mount deploy/prometheus.yml: %+v", prom.Volumes)
	}
	worker, _ := p.GetService("zwgk-worker")
	addr := worker.Environment["ZWGK_WORKER_METRICS_ADDR"]
	if addr == nil {
		t.Fatal("zwgk-worker has no ZWGK_WORKER_METRICS_ADDR: nothing to scrape")
	}
	_, workerPort, err := net.SplitHostPort(*addr)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"zwgk-serve": "8080", "zwgk-worker": workerPort}
	got := map[string]string{}
	for _, sc := range cfg.ScrapeConfigs {
		if sc.MetricsPath != "/metrics" {
			t.Errorf("job %s scrapes %q", sc.JobName, sc.MetricsPath)
		}
		for _, sd := range sc.DNSSD {
			for _, n := range sd.Names {
				if _, err := p.GetService(n); err != nil {
					t.Errorf("job %s looks up %s, which is no compose service", sc.JobName, n)
				}
				got[n] = strconv.Itoa(sd.Port)
			}
		}
	}
	for svc, port := range want {
		if got[svc] != port {
			t.Errorf("Prometheus scrapes %s on port %q, want %s", svc, got[svc], port)
		}
	}
}
