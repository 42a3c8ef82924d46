-- The dashboard refreshes its figures when the items changed after they were computed: these
-- indexes make "did anything change since T" an index probe per table.

-- +goose Up
CREATE INDEX item_state_updated ON item_state (updated_at);
CREATE INDEX items_updated ON items (updated_at);
CREATE INDEX item_cycles_updated ON item_cycles (updated_at);

-- +goose Down
DROP INDEX item_cycles_updated;
DROP INDEX items_updated;
DROP INDEX item_state_updated;
