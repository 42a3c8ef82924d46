-- What a list row says besides its primary rule: every obligation it carries, the points it is
-- worth at the check, the columns kept as they are, and whether its owner is still to be
-- assigned (待分派).

-- +goose Up
ALTER TABLE items
    -- every rule of the item, the primary one (items.rule) first; [] for items imported before
    ADD COLUMN rules jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN score numeric,
    ADD COLUMN deduction text NOT NULL DEFAULT '',
    ADD COLUMN fields jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN unassigned boolean NOT NULL DEFAULT false,
    ADD COLUMN unassigned_reason text NOT NULL DEFAULT '';
CREATE INDEX items_unassigned ON items (list_id) WHERE unassigned;

-- +goose Down
DROP INDEX items_unassigned;
ALTER TABLE items DROP COLUMN rules, DROP COLUMN score, DROP COLUMN deduction, DROP COLUMN fields,
    DROP COLUMN unassigned, DROP COLUMN unassigned_reason;
