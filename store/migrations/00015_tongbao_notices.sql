-- The monthly 通报 goes to each supervisor of a unit through the same notices the dispatcher
-- bundles into one digest per person and window, so it is a notice about a unit and a month
-- (cycle_key 2026-11), neither an item nor an application. Its unique key (workflow_id
-- tongbao/<unit>, cycle_key, target person@<id>) is what keeps a re-run from sending twice.

-- +goose Up
ALTER TABLE notices ADD COLUMN unit_id bigint REFERENCES units ON DELETE CASCADE;
-- the 通报's figures as its message states them, computed when it was planned
ALTER TABLE notices ADD COLUMN note text NOT NULL DEFAULT '';
ALTER TABLE notices DROP CONSTRAINT notices_one_subject;
ALTER TABLE notices ADD CONSTRAINT notices_one_subject CHECK (num_nonnulls(item_id, application_id, unit_id) = 1);
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('reminder', 'due', 'overdue', 'escalation', 'tongbao'));
CREATE INDEX notices_unit ON notices (unit_id) WHERE unit_id IS NOT NULL;

-- +goose Down
DELETE FROM notices WHERE unit_id IS NOT NULL;
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('reminder', 'due', 'overdue', 'escalation'));
ALTER TABLE notices DROP CONSTRAINT notices_one_subject;
ALTER TABLE notices ADD CONSTRAINT notices_one_subject CHECK ((item_id IS NULL) <> (application_id IS NULL));
ALTER TABLE notices DROP COLUMN note;
ALTER TABLE notices DROP COLUMN unit_id;
