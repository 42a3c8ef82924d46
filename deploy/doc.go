// Package deploy holds what runs zwgk outside `zwgk dev`: the Dockerfile, the Temporal dynamic
// config and schema scripts used by docker-compose.yml, and Kubernetes manifests (k8s/). Its
// tests load those files with the parsers the real tools use and check that they agree with the
// binary's settings.
package deploy
