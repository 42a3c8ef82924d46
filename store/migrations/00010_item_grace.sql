-- A list imported late ("track from today"): its items' escalation ladder starts at grace_until
-- instead of at their past due dates, so that a late import does not escalate everything at
-- once. NULL: escalate as the list says.

-- +goose Up
ALTER TABLE items ADD COLUMN grace_until timestamptz;

-- +goose Down
ALTER TABLE items DROP COLUMN grace_until;
