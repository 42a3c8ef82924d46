-- Setup links mailed by the worker (issue 14). The web has no mail channel, so it records the
-- mail in the transaction that issues the link and the worker sends it: a link is never mailed
-- without existing, nor issued with its mail lost to a crash in between.
--
-- The body holds the link in clear, as the mail itself does; it is wiped (NULL) once the mail
-- is sent or given up, and when the link is used or expires, so that a copy of the database
-- opens no account for longer than the link's mail is in flight. handle is the Message-ID's
-- local part (and the dev outbox key): the same on every attempt, so a resend after a crash
-- collapses into one message in mail clients.
--
-- A row dies with its link: a newer link deletes the unused one before it, and its mail is
-- then never sent.

-- +goose Up
CREATE TABLE setup_mails (
    link_id    bigint PRIMARY KEY REFERENCES setup_links ON DELETE CASCADE,
    person_id  bigint REFERENCES people ON DELETE SET NULL,
    handle     text NOT NULL UNIQUE,
    recipient  text NOT NULL,
    address    text NOT NULL,
    subject    text NOT NULL,
    body_text  text,
    body_html  text,
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'void')),
    attempts   int NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL DEFAULT now(),
    error      text NOT NULL DEFAULT '',
    provider_id text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    CHECK (status = 'pending' OR (body_text IS NULL AND body_html IS NULL))
);
CREATE INDEX setup_mails_pending ON setup_mails (next_at) WHERE status = 'pending';

-- +goose Down
DROP TABLE setup_mails;
