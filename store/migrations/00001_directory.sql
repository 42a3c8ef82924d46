-- Units (departments) and their offices (科室). Groups such as 各科室 or 各相关科室 are names an
-- admin maps to concrete offices of the unit; the importer resolves a group on a list to them.

-- +goose Up
CREATE TABLE units (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name <> ''),
    -- reminder and escalation policy override for the whole unit (schedule.Policy as JSON)
    policy     jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE offices (
    id         bigserial PRIMARY KEY,
    unit_id    bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    name       text NOT NULL CHECK (name <> ''),
    -- other spellings met in lists: short forms, Traditional characters
    aliases    text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (unit_id, name)
);
CREATE INDEX offices_aliases ON offices USING gin (aliases);

-- One row per member office of a group; a group with no row has no members yet.
CREATE TABLE office_groups (
    unit_id    bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    name       text NOT NULL CHECK (name <> ''),
    office_id  bigint NOT NULL REFERENCES offices ON DELETE CASCADE,
    PRIMARY KEY (unit_id, name, office_id)
);

-- +goose Down
DROP TABLE office_groups;
DROP TABLE offices;
DROP TABLE units;
