// Package deploy holds what runs zwgk outside `zwgk dev`: the Dockerfile (a -tags nodev build,
// without the embedded Temporal server), the Temporal dynamic config and schema scripts used by
// docker-compose.yml, Prometheus's scrape config and a Grafana dashboard (grafana/), and
// Kubernetes manifests (k8s/). Its tests load those files with the parsers the real tools use
// and check that they agree with the binary's settings and metric names.
package deploy
