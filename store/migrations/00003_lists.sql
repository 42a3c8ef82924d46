-- Annual task lists and their items. An item keeps a stable key across revisions of its list so
-- that a revised list updates items in place instead of restarting their clocks; removed items
-- are cancelled, never deleted, so their history stays.

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
    items       int NOT NULL DEFAULT 0,
    added       int NOT NULL DEFAULT 0,
    changed     int NOT NULL DEFAULT 0,
    removed     int NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, revision)
);

CREATE TABLE items (
    id            bigserial PRIMARY KEY,
    list_id       bigint NOT NULL REFERENCES lists ON DELETE CASCADE,
    -- 16 hex characters derived from the section, hierarchy path and title at creation
    key           text NOT NULL CHECK (key ~ '^[0-9a-f]{16}$'),
    seq           int NOT NULL,
    number        text NOT NULL DEFAULT '',  -- the list's own 序号, as written
    section       text NOT NULL DEFAULT '',
    path          text[] NOT NULL DEFAULT '{}',
    title         text NOT NULL,
    requirement   text NOT NULL DEFAULT '',
    -- schedule.Rule as JSON (its text is the wording it was read from), and where that wording
    -- was: the column header (完成时限, 更新频率, 具体要求) or 默认
    rule          jsonb NOT NULL,
    rule_kind     text GENERATED ALWAYS AS (rule->>'kind') STORED,
    rule_from     text NOT NULL DEFAULT '',
    groups        text[] NOT NULL DEFAULT '{}',
    offices_text  text NOT NULL DEFAULT '',  -- the responsibility cell as written
    -- per-item override of the unit's reminder and escalation policy
    policy        jsonb,
    source_file   text NOT NULL DEFAULT '',
    source_row    int NOT NULL DEFAULT 0,
    workflow_id   text NOT NULL UNIQUE,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    -- hash of the definition as imported: a revision whose hash differs changed the item
    fingerprint   text NOT NULL DEFAULT '',
    created_rev   int NOT NULL DEFAULT 1,
    updated_rev   int NOT NULL DEFAULT 1,
    -- the revision the workflow was last told about; below updated_rev the sync is pending
    synced_rev    int NOT NULL DEFAULT 0,
    cancelled_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list_id, key)
);
CREATE INDEX items_list_seq ON items (list_id, seq);
CREATE INDEX items_sync_pending ON items (list_id) WHERE synced_rev < updated_rev;

CREATE TABLE item_offices (
    item_id   bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    office_id bigint NOT NULL REFERENCES offices ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('lead', 'co')),
    -- the group the office came from (各相关科室), '' when the list named the office
    via_group text NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, office_id)
);
CREATE INDEX item_offices_office ON item_offices (office_id);

-- +goose Down
DROP TABLE item_offices;
DROP TABLE items;
DROP TABLE list_revisions;
DROP TABLE lists;
