// Package metrics is zwgk's Prometheus instrumentation: one registry per process with the Go
// runtime, zwgk's own figures read from PostgreSQL at scrape time (StoreCollector), the web
// server's request latency (HTTPObserver) and the Temporal SDK's client and worker metrics
// (SDKHandler). docs/operations.md lists every name and label.
//
// zwgk's figures come from the database rather than from counters kept in memory: notices,
// deliveries and imports are written by any replica of any role, and a count read from the
// tables is the same whichever replica Prometheus asks, survives restarts and needs no change
// to the code that sends.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry is a registry with the Go runtime and process collectors, to which the caller
// adds zwgk's.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg in the Prometheus text format. A collector that fails is reported in the
// answer and the rest still served, so that one slow query does not blank the whole scrape.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: reg})
}
