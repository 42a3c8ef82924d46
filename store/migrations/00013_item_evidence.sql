-- Evidence files of completed cycles (issue 11): an office that marks a cycle done may attach
-- the document itself (a PDF of the published notice, a screenshot, the Word or Excel file) beside
-- or instead of the URL of the published page. The bytes live here, in a bytea column, rather
-- than as large objects: a file is at most 20 MB, it goes and comes back with its row in one
-- statement and one transaction, pg_dump and the item's ON DELETE CASCADE carry it, and nothing
-- has to lo_unlink orphans. The sha256 is kept so that an inspector can tell the file shown is
-- the one that was uploaded.

-- +goose Up
CREATE TABLE item_evidence (
    id           bigserial PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES items ON DELETE CASCADE,
    cycle_key    text NOT NULL CHECK (cycle_key <> ''),
    -- the uploader's file name, without directories; shown and offered on download
    name         text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    -- the type sniffed from the content, never the one the browser claimed
    content_type text NOT NULL CHECK (content_type IN (
                     'application/pdf', 'image/png', 'image/jpeg',
                     'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                     'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')),
    size         bigint NOT NULL CHECK (size > 0),
    sha256       bytea NOT NULL CHECK (length(sha256) = 32),
    content      bytea NOT NULL,
    -- the account is kept by id while it exists and by login for good
    uploaded_by  bigint REFERENCES users ON DELETE SET NULL,
    uploader     text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (octet_length(content) = size)
);
CREATE INDEX item_evidence_item ON item_evidence (item_id, cycle_key);
-- PDFs, images and Office files are compressed already: store them out of line as they are.
ALTER TABLE item_evidence ALTER COLUMN content SET STORAGE EXTERNAL;

-- +goose Down
DROP TABLE item_evidence;
