-- Accounts and people as one, password setup links, per-person notification settings (issue 14).
--
-- A setup link replaces handing a password over by voice or chat: the admin issues a one-time
-- link, the user chooses the password. Only the token's SHA-256 is stored, as for sessions, so
-- that a copy of the database opens no account; used_at makes it single use.
--
-- users.person_id links an account to the person who receives the reminders, so that someone
-- signed in can choose how they are reached. One person, one account.
--
-- people.wanted_channels is the subset of the person's channels they want for reminders (NULL:
-- all of them); people.digest false turns off the non-urgent reminders before and on the due
-- day. Escalations ignore both: the dispatcher sends them on every channel.

-- +goose Up
CREATE TABLE setup_links (
    id         bigserial PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_by bigint REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX setup_links_user ON setup_links (user_id);

ALTER TABLE users ADD COLUMN person_id bigint UNIQUE REFERENCES people ON DELETE SET NULL;

ALTER TABLE people ADD COLUMN wanted_channels text[]
    CHECK (wanted_channels IS NULL OR (wanted_channels <@ ARRAY['email', 'sms']::text[] AND cardinality(wanted_channels) > 0));
ALTER TABLE people ADD COLUMN digest boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE people DROP COLUMN digest;
ALTER TABLE people DROP COLUMN wanted_channels;
ALTER TABLE users DROP COLUMN person_id;
DROP TABLE setup_links;
