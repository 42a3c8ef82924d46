package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HTTPObserver registers zwgk_http_request_duration_seconds on reg and returns the function
// web.Options.ObserveRequest takes. The route label is the ServeMux pattern that matched, never
// the path, so item ids and tokens in URLs cannot grow the label set.
func HTTPObserver(reg prometheus.Registerer) func(pattern string, status int, elapsed time.Duration) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zwgk_http_request_duration_seconds",
		Help: "Time to answer a web or API request, by route pattern and status class.",
		// From a cached page (a few ms) to a 督办单 export or an upload over a slow county link.
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120},
	}, []string{"route", "code"})
	reg.MustRegister(h)
	return func(pattern string, status int, elapsed time.Duration) {
		h.WithLabelValues(RouteLabel(pattern), StatusClass(status)).Observe(elapsed.Seconds())
	}
}

// RouteLabel is the route label of a ServeMux pattern; "unmatched" for requests no route took
// (404s for made-up paths, which must not each become a series).
func RouteLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

// StatusClass is 2xx, 3xx, 4xx or 5xx.
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}
