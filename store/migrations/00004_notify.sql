-- Who gets messages (people attached to offices and units, office group-chat robots) and what was
-- sent to them: the delivery log that makes every message go out once, and the dev outbox.

-- +goose Up
CREATE TABLE people (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    email      text NOT NULL DEFAULT '',
    mobile     text NOT NULL DEFAULT '' CHECK (mobile ~ '^(\+?[0-9]{6,16})?$'),
    -- channels in the order this person prefers them: email, sms
    channels   text[] NOT NULL DEFAULT '{email}'
               CHECK (channels <@ ARRAY['email', 'sms']::text[] AND cardinality(channels) > 0),
    -- receives the alert when a delivery fails for good
    alerts     boolean NOT NULL DEFAULT false,
    active     boolean NOT NULL DEFAULT true,
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (email <> '' OR mobile <> '')
);
-- an address identifies a person, so that a re-imported roster updates instead of duplicating
CREATE UNIQUE INDEX people_email ON people (lower(email)) WHERE email <> '';
CREATE UNIQUE INDEX people_mobile ON people (mobile) WHERE mobile <> '';

-- contact: 科室 contact person, gets reminders; head: 科室 head, gets the first escalation.
CREATE TABLE office_people (
    office_id  bigint NOT NULL REFERENCES offices ON DELETE CASCADE,
    person_id  bigint NOT NULL REFERENCES people ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('contact', 'head')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_id, person_id, role)
);
CREATE INDEX office_people_person ON office_people (person_id);

-- Supervisors of a unit by escalation level: 分管领导 (leader), 政务公开办 (gkb), 办公室主任 (director).
CREATE TABLE unit_supervisors (
    unit_id    bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    person_id  bigint NOT NULL REFERENCES people ON DELETE CASCADE,
    level      int NOT NULL CHECK (level BETWEEN 1 AND 9),
    role       text NOT NULL DEFAULT 'leader' CHECK (role IN ('leader', 'gkb', 'director')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, person_id, level)
);
CREATE INDEX unit_supervisors_person ON unit_supervisors (person_id);

-- The group chat of an office: a DingTalk or WeCom robot webhook, with the DingTalk signing secret.
CREATE TABLE office_robots (
    id         bigserial PRIMARY KEY,
    office_id  bigint NOT NULL REFERENCES offices ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('dingtalk', 'wecom')),
    name       text NOT NULL DEFAULT '',
    webhook    text NOT NULL CHECK (webhook ~ '^https?://'),
    secret     text NOT NULL DEFAULT '',
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (office_id, webhook)
);

-- One row per logical message and recipient. key is the caller's idempotency key; the payload
-- is the message as first submitted, so a retry sends exactly what the first attempt would have.
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL CHECK (key <> ''),
    recipient       text NOT NULL,            -- person:ID, robot:ID
    recipient_name  text NOT NULL DEFAULT '',
    kind            text NOT NULL,
    urgent          boolean NOT NULL DEFAULT false,
    subject         text NOT NULL DEFAULT '',
    item_ids        bigint[] NOT NULL DEFAULT '{}',
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    channel         text NOT NULL DEFAULT '',
    address         text NOT NULL DEFAULT '',
    provider_id     text NOT NULL DEFAULT '',
    provider_answer text NOT NULL DEFAULT '',
    error           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    failed_at       timestamptz,
    -- when the admins were told about this failure
    alerted_at      timestamptz,
    UNIQUE (key, recipient)
);
CREATE INDEX deliveries_created ON deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_unalerted ON deliveries (failed_at) WHERE status = 'failed' AND alerted_at IS NULL;
CREATE INDEX deliveries_recipient ON deliveries (recipient, created_at DESC);

-- Each try on one channel. An attempt stays 'sending' while its outcome is unknown (the worker
-- died, or the provider's answer was lost); the next try reconciles it before sending again.
-- Quotas count the attempts that a provider may have accepted: sending, unknown and sent.
CREATE TABLE delivery_attempts (
    delivery_id bigint NOT NULL REFERENCES deliveries ON DELETE CASCADE,
    n           int NOT NULL,
    channel     text NOT NULL,
    address     text NOT NULL,
    template    text NOT NULL DEFAULT '',
    status      text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'quota', 'unknown')),
    class       text NOT NULL DEFAULT '',     -- permanent, transient, quota, unknown
    provider_id text NOT NULL DEFAULT '',
    answer      text NOT NULL DEFAULT '',
    error       text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (delivery_id, n)
);
CREATE INDEX delivery_attempts_quota ON delivery_attempts (channel, address, started_at)
    WHERE status IN ('sending', 'sent', 'unknown');

-- What `zwgk dev` would have sent without an SMTP server or SMS provider; the web shows it.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    key        text NOT NULL UNIQUE,
    channel    text NOT NULL,
    recipient  text NOT NULL DEFAULT '',
    address    text NOT NULL DEFAULT '',
    subject    text NOT NULL DEFAULT '',
    body_text  text NOT NULL DEFAULT '',
    body_html  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_created ON outbox (created_at DESC, id DESC);

-- +goose Down
DROP TABLE outbox;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE office_robots;
DROP TABLE unit_supervisors;
DROP TABLE office_people;
DROP TABLE people;
