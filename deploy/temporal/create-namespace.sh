#!/bin/sh
# Registers the namespace zwgk uses. zwgk's worker adds its search attributes itself at start-up.
set -eu
: "${NAMESPACE:=default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do sleep 1; done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention 30d
echo "namespace $NAMESPACE ready"
