#!/bin/sh
# Creates Temporal's two databases on the compose PostgreSQL and brings their schemas up to the
# version the temporalio/server image expects. Safe to run again: update-schema is idempotent and
# setup-schema runs only for a database this run created.
set -eu
: "${POSTGRES_HOST:=postgres}" "${POSTGRES_PORT:=5432}" "${POSTGRES_USER:=zwgk}"
export SQL_PASSWORD
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_HOST" -p "$POSTGRES_PORT" -u "$POSTGRES_USER" "$@"; }
until nc -z "$POSTGRES_HOST" "$POSTGRES_PORT"; do echo "waiting for PostgreSQL"; sleep 1; done
for db in temporal temporal_visibility; do
  if tool --db "$db" create; then
    tool --db "$db" setup-schema -v 0.0
  fi
done
tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "Temporal schema ready"
