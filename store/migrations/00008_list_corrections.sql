-- The corrections an admin made to how a list was read (column roles, header and section rows,
-- merged rows, groups, rules: importer.Corrections), kept with the list so that its next
-- revision is read the same way.

-- +goose Up
ALTER TABLE lists ADD COLUMN corrections jsonb;

-- +goose Down
ALTER TABLE lists DROP COLUMN corrections;
