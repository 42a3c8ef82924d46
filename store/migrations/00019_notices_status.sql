-- The metrics scrape (store.MetricsCounts) counts notices by status in one pass over the table,
-- the largest one: every reminder ever planned stays as sent or dropped. With this index the
-- pass is an index-only scan of a few MB instead of a sequential scan of the heap (179 MB at a
-- million notices). It carries at so that the due count and the oldest due notice are read
-- from it too. See docs/performance.md for the timings.

-- +goose Up
CREATE INDEX notices_status_at ON notices (status, at);

-- +goose Down
DROP INDEX notices_status_at;
