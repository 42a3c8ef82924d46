-- The web app: accounts and their scope, sessions, login throttling, the audit log, used link
-- nonces, iCalendar feed keys, API tokens, and the indexes behind the supervisor dashboard.

-- +goose Up
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    login         text NOT NULL CHECK (login ~ '^[A-Za-z0-9._@-]{2,64}$'),
    name          text NOT NULL DEFAULT '',
    -- bcrypt hash; never the password
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'supervisor', 'office')),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- logins are compared case-insensitively so that Zhang and zhang are one account
CREATE UNIQUE INDEX users_login ON users (lower(login));

-- An office user sees the items of these offices; a supervisor the items of these units.
CREATE TABLE user_offices (
    user_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    office_id bigint NOT NULL REFERENCES offices ON DELETE CASCADE,
    PRIMARY KEY (user_id, office_id)
);
CREATE TABLE user_units (
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    unit_id bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    PRIMARY KEY (user_id, unit_id)
);

-- Sessions are looked up by the SHA-256 of the cookie value, so a leaked table cannot be
-- replayed as cookies.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Bearer tokens for scripts; like sessions only the hash is kept.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins, counted per login and per address over a sliding window.
CREATE TABLE login_failures (
    id    bigserial PRIMARY KEY,
    login text NOT NULL,
    ip    text NOT NULL,
    at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_login ON login_failures (lower(login), at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- Every change made through the web app or the CLI: who, what, when.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint REFERENCES users ON DELETE SET NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}',
    ip          text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, at DESC);

-- Nonces of signed links that were used to complete an item: a link works once.
CREATE TABLE used_link_nonces (
    nonce      text PRIMARY KEY,
    used_at    timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_by    text NOT NULL DEFAULT ''
);
CREATE INDEX used_link_nonces_expires ON used_link_nonces (expires_at);

-- The secret URL of an office's iCalendar feed is derived from ZWGK_SECRET and this generation;
-- rotating bumps the generation so that the old URL stops working.
CREATE TABLE ical_feeds (
    office_id  bigint PRIMARY KEY REFERENCES offices ON DELETE CASCADE,
    generation int NOT NULL DEFAULT 1,
    rotated_at timestamptz NOT NULL DEFAULT now()
);

-- A list file uploaded for preview, kept until the admin confirms it (or a day passes): the
-- confirmation re-reads exactly the previewed bytes and commits against the previewed revision.
CREATE TABLE list_uploads (
    token         text PRIMARY KEY,
    user_id       bigint REFERENCES users ON DELETE CASCADE,
    unit_id       bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    year          int NOT NULL,
    file_name     text NOT NULL,
    data          bytea NOT NULL,
    options       jsonb NOT NULL DEFAULT '{}',
    base_revision int NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Dashboard indexes on the tracking tables (owned by 00003 and 00005): overdue items and items
-- due soon are a small part of all items, so partial indexes keep the dashboard's scans short.
CREATE INDEX item_state_overdue ON item_state (due_at, item_id) INCLUDE (escalation_level)
    WHERE status = 'overdue';
CREATE INDEX item_state_upcoming ON item_state (due_at, item_id) WHERE status = 'upcoming';
-- 00003's item_offices_office holds only office_id; with item_id too, a supervisor's offices
-- reach their items by an index-only scan.
CREATE INDEX item_offices_office_item ON item_offices (office_id, item_id);

-- The dashboard's figures per office and per unit (overdue items by escalation level, items due
-- within 7 days, completion rates over cycles) aggregate every item: too much to compute on each
-- request once there are many, so they are snapshots that the web server refreshes
-- (synchronously while that is cheap, in the background with a bounded age once it is not; the
-- page shows their time). The overdue and due-soon item lists are always live.
-- A cycle counts for the completion rate once its workflow marked it overdue or done; it is on
-- time when done and not late. Items count once per unit, and once for each of their offices.
CREATE MATERIALIZED VIEW office_stats AS
WITH live AS (
    SELECT io.office_id,
           count(*) FILTER (WHERE s.status = 'overdue') AS overdue,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level = 0) AS level0,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level = 1) AS level1,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level = 2) AS level2,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level >= 3) AS level3,
           count(*) FILTER (WHERE s.status = 'upcoming') AS due_soon,
           min(s.due_at) FILTER (WHERE s.status = 'overdue') AS oldest_due
    FROM item_state s
    JOIN items i ON i.id = s.item_id AND i.status = 'active'
    JOIN item_offices io ON io.item_id = s.item_id
    WHERE s.status = 'overdue' OR (s.status = 'upcoming' AND s.due_at < now() + interval '7 days')
    GROUP BY io.office_id
), cycles AS (
    SELECT io.office_id,
           count(*) FILTER (WHERE c.status IN ('overdue', 'done') OR c.done_at IS NOT NULL) AS cycles_closed,
           count(*) FILTER (WHERE c.done_at IS NOT NULL) AS cycles_done,
           count(*) FILTER (WHERE c.done_at IS NOT NULL AND NOT c.late) AS cycles_on_time
    FROM item_cycles c
    JOIN items i ON i.id = c.item_id AND i.status = 'active'
    JOIN item_offices io ON io.item_id = c.item_id
    GROUP BY io.office_id
)
SELECT o.id AS office_id, o.unit_id,
       COALESCE(live.overdue, 0) AS overdue, COALESCE(live.level0, 0) AS level0, COALESCE(live.level1, 0) AS level1,
       COALESCE(live.level2, 0) AS level2, COALESCE(live.level3, 0) AS level3, COALESCE(live.due_soon, 0) AS due_soon,
       live.oldest_due,
       COALESCE(cycles.cycles_closed, 0) AS cycles_closed, COALESCE(cycles.cycles_done, 0) AS cycles_done,
       COALESCE(cycles.cycles_on_time, 0) AS cycles_on_time
FROM offices o
LEFT JOIN live ON live.office_id = o.id
LEFT JOIN cycles ON cycles.office_id = o.id;
CREATE UNIQUE INDEX office_stats_office ON office_stats (office_id);
CREATE INDEX office_stats_unit ON office_stats (unit_id);
CREATE INDEX office_stats_rank ON office_stats (overdue DESC, oldest_due ASC NULLS LAST, due_soon DESC, office_id);

CREATE MATERIALIZED VIEW unit_stats AS
WITH live AS (
    SELECT l.unit_id,
           count(*) FILTER (WHERE s.status = 'overdue') AS overdue,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level = 0) AS level0,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level = 1) AS level1,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level = 2) AS level2,
           count(*) FILTER (WHERE s.status = 'overdue' AND s.escalation_level >= 3) AS level3,
           count(*) FILTER (WHERE s.status = 'upcoming') AS due_soon
    FROM item_state s
    JOIN items i ON i.id = s.item_id AND i.status = 'active'
    JOIN lists l ON l.id = i.list_id
    WHERE s.status = 'overdue' OR (s.status = 'upcoming' AND s.due_at < now() + interval '7 days')
    GROUP BY l.unit_id
), cycles AS (
    SELECT l.unit_id,
           count(*) FILTER (WHERE c.status IN ('overdue', 'done') OR c.done_at IS NOT NULL) AS cycles_closed,
           count(*) FILTER (WHERE c.done_at IS NOT NULL) AS cycles_done,
           count(*) FILTER (WHERE c.done_at IS NOT NULL AND NOT c.late) AS cycles_on_time
    FROM item_cycles c
    JOIN items i ON i.id = c.item_id AND i.status = 'active'
    JOIN lists l ON l.id = i.list_id
    GROUP BY l.unit_id
)
SELECT u.id AS unit_id,
       COALESCE(live.overdue, 0) AS overdue, COALESCE(live.level0, 0) AS level0, COALESCE(live.level1, 0) AS level1,
       COALESCE(live.level2, 0) AS level2, COALESCE(live.level3, 0) AS level3, COALESCE(live.due_soon, 0) AS due_soon,
       COALESCE(cycles.cycles_closed, 0) AS cycles_closed, COALESCE(cycles.cycles_done, 0) AS cycles_done,
       COALESCE(cycles.cycles_on_time, 0) AS cycles_on_time
FROM units u
LEFT JOIN live ON live.unit_id = u.id
LEFT JOIN cycles ON cycles.unit_id = u.id;
CREATE UNIQUE INDEX unit_stats_unit ON unit_stats (unit_id);

CREATE TABLE web_snapshots (
    name         text PRIMARY KEY,
    refreshed_at timestamptz NOT NULL,
    took_ms      double precision NOT NULL
);

-- +goose Down
DROP TABLE web_snapshots;
DROP MATERIALIZED VIEW unit_stats;
DROP MATERIALIZED VIEW office_stats;
DROP INDEX item_offices_office_item;
DROP INDEX item_state_upcoming;
DROP INDEX item_state_overdue;
DROP TABLE list_uploads;
DROP TABLE ical_feeds;
DROP TABLE used_link_nonces;
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE user_units;
DROP TABLE user_offices;
DROP TABLE users;
