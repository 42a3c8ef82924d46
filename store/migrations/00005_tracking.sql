-- What the item workflows report: the current state of each item, its cycles and its history,
-- plus the notices they plan for the dispatcher. Workflows write these through idempotent
-- activities carrying a per-workflow sequence number, so a retried activity or a replayed
-- workflow never records a change twice and a stale write never overwrites a newer one.

-- +goose Up
CREATE TABLE item_state (
    item_id          bigint PRIMARY KEY REFERENCES items ON DELETE CASCADE,
    workflow_id      text NOT NULL,
    seq              bigint NOT NULL,
    status           text NOT NULL,
    paused           boolean NOT NULL DEFAULT false,
    cycle_key        text NOT NULL DEFAULT '',
    due_at           timestamptz,
    escalation_level int NOT NULL DEFAULT 0,
    overdue_since    timestamptz,
    last_done_at     timestamptz,
    provisional      boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_state_status_due ON item_state (status, due_at);

CREATE TABLE item_cycles (
    item_id          bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    cycle_key        text NOT NULL,
    seq              bigint NOT NULL,
    starts_at        timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    original_due_at  timestamptz NOT NULL,
    status           text NOT NULL,
    required         int NOT NULL DEFAULT 1,
    completions      int NOT NULL DEFAULT 0,
    done_at          timestamptz,
    late             boolean NOT NULL DEFAULT false,
    escalation_level int NOT NULL DEFAULT 0,
    event_title      text NOT NULL DEFAULT '',
    evidence_url     text NOT NULL DEFAULT '',
    note             text NOT NULL DEFAULT '',
    done_by          text NOT NULL DEFAULT '',
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, cycle_key)
);
CREATE INDEX item_cycles_due ON item_cycles (status, due_at);

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

-- A notice is one planned message about one cycle of one item to one escalation target
-- (contact, head, supervisor): reminders before due, the due-day notice, escalation levels and
-- "still overdue" repeats. Item workflows plan them ahead; the dispatcher workflow sends every
-- pending notice whose time has come, one digest per recipient, resolving recipients at send
-- time so that directory changes apply.
CREATE TABLE notices (
    id           bigserial PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    workflow_id  text NOT NULL,
    cycle_key    text NOT NULL,
    -- the cycle's due point when planned: an extension plans fresh notices for the new date
    due_at       timestamptz NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('reminder', 'due', 'overdue', 'escalation')),
    level        int NOT NULL DEFAULT 0,
    "offset"     int NOT NULL DEFAULT 0,
    target       text NOT NULL,
    at           timestamptz NOT NULL,
    urgent       boolean NOT NULL DEFAULT false,
    -- the workflow sequence that planned it: a stale plan never replaces a newer one
    seq          bigint NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'sent', 'dropped')),
    dispatch_key text,
    -- the send window of the dispatch that claimed it: a dispatch taken over after its
    -- dispatcher was lost reuses it, so its messages keep their idempotency keys
    dispatch_cutoff timestamptz,
    reason       text NOT NULL DEFAULT '',
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workflow_id, cycle_key, due_at, kind, level, "offset", target)
);
CREATE INDEX notices_pending ON notices (at) WHERE status = 'pending';
CREATE INDEX notices_dispatch ON notices (dispatch_key) WHERE dispatch_key IS NOT NULL;
CREATE INDEX notices_item ON notices (item_id, cycle_key);

-- The instant the dispatcher workflow sleeps until; planners compare against it to decide
-- whether the dispatcher must be woken early.
CREATE TABLE dispatch_wake (
    id      int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    wake_at timestamptz
);
INSERT INTO dispatch_wake (id, wake_at) VALUES (1, NULL);

-- +goose Down
DROP TABLE dispatch_wake;
DROP TABLE notices;
DROP TABLE item_events;
DROP TABLE item_cycles;
DROP TABLE item_state;
