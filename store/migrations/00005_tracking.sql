-- What the item workflows report: the current state of each item, its cycles and its history.
-- Workflows write these through idempotent activities keyed by (workflow_id, seq), so a retried
-- activity or a replayed workflow never records a change twice and a stale write never wins.

-- +goose Up
CREATE TABLE item_state (
    item_id          bigint PRIMARY KEY REFERENCES items ON DELETE CASCADE,
    seq              bigint NOT NULL,
    status           text NOT NULL,
    cycle_key        text NOT NULL DEFAULT '',
    due_at           timestamptz,
    escalation_level int NOT NULL DEFAULT 0,
    overdue_since    timestamptz,
    last_done_at     timestamptz,
    provisional      boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_state_due ON item_state (status, due_at);

CREATE TABLE item_cycles (
    item_id          bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    cycle_key        text NOT NULL,
    starts_at        timestamptz,
    due_at           timestamptz,
    original_due_at  timestamptz,
    status           text NOT NULL,
    required         int NOT NULL DEFAULT 1,
    completions      int NOT NULL DEFAULT 0,
    done_at          timestamptz,
    late             boolean NOT NULL DEFAULT false,
    escalation_level int NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, cycle_key)
);

CREATE TABLE item_events (
    workflow_id text NOT NULL,
    seq         bigint NOT NULL,
    item_id     bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    kind        text NOT NULL,
    cycle_key   text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    actor       text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (workflow_id, seq)
);
CREATE INDEX item_events_item ON item_events (item_id, at);

-- +goose Down
DROP TABLE item_events;
DROP TABLE item_cycles;
DROP TABLE item_state;
