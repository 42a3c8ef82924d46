-- Events recorded on items (POST /api/items/{id}/events), counted per item and per user so that
-- nobody can page an office, its head and the leaders dozens of times an hour: each accepted
-- request takes a row, and the web refuses one more once an hour holds the limit. Rows older
-- than the window are deleted as new ones arrive; they are counters, not history (the item's
-- history is item_events).

-- +goose Up
CREATE TABLE item_event_requests (
    id      bigserial PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    at      timestamptz NOT NULL
);
CREATE INDEX item_event_requests_item ON item_event_requests (item_id, at);
CREATE INDEX item_event_requests_user ON item_event_requests (user_id, at);

-- +goose Down
DROP TABLE item_event_requests;
