-- Annual task lists and their items. An item keeps a stable key across revisions of its list so
-- that a revised list updates items in place instead of restarting their clocks.

-- +goose Up
CREATE TABLE lists (
    id         bigserial PRIMARY KEY,
    unit_id    bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    year       int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title      text NOT NULL DEFAULT '',
    revision   int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (unit_id, year)
);

CREATE TABLE list_revisions (
    list_id     bigint NOT NULL REFERENCES lists ON DELETE CASCADE,
    revision    int NOT NULL,
    source_file text NOT NULL,
    sha256      text NOT NULL,
    imported_by text NOT NULL DEFAULT '',
    imported_at timestamptz NOT NULL DEFAULT now(),
    added       int NOT NULL DEFAULT 0,
    changed     int NOT NULL DEFAULT 0,
    removed     int NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, revision)
);

CREATE TABLE items (
    id            bigserial PRIMARY KEY,
    list_id       bigint NOT NULL REFERENCES lists ON DELETE CASCADE,
    key           text NOT NULL,
    seq           int NOT NULL,
    section       text NOT NULL DEFAULT '',
    path          text[] NOT NULL DEFAULT '{}',
    title         text NOT NULL,
    requirement   text NOT NULL DEFAULT '',
    -- schedule.Rule as JSON, and the text it was parsed from
    rule          jsonb NOT NULL,
    rule_kind     text GENERATED ALWAYS AS (rule->>'kind') STORED,
    groups        text[] NOT NULL DEFAULT '{}',
    -- per-item override of the unit's reminder and escalation policy
    policy        jsonb,
    source_file   text NOT NULL DEFAULT '',
    source_row    int NOT NULL DEFAULT 0,
    workflow_id   text NOT NULL UNIQUE,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    created_rev   int NOT NULL DEFAULT 1,
    updated_rev   int NOT NULL DEFAULT 1,
    cancelled_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list_id, key)
);
CREATE INDEX items_list_seq ON items (list_id, seq);

CREATE TABLE item_offices (
    item_id   bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    office_id bigint NOT NULL REFERENCES offices ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('lead', 'co')),
    PRIMARY KEY (item_id, office_id)
);
CREATE INDEX item_offices_office ON item_offices (office_id);

-- +goose Down
DROP TABLE item_offices;
DROP TABLE items;
DROP TABLE list_revisions;
DROP TABLE lists;
