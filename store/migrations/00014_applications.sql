-- 依申请公开: the register of 政府信息公开申请 and its case files. Each application has one
-- Temporal workflow (application-<id>) that owns its clocks; these tables are the projection it
-- writes, with a per-workflow sequence so that retried or replayed writes are harmless. The
-- applicant's name and contact are personal data: only the unit's handlers and admins see them.

-- +goose Up
CREATE TABLE applications (
    id                bigserial PRIMARY KEY,
    unit_id           bigint NOT NULL REFERENCES units ON DELETE CASCADE,
    office_id         bigint NOT NULL REFERENCES offices,
    -- 登记编号 as the unit numbers its register; optional
    ref               text NOT NULL DEFAULT '',
    applicant_type    text NOT NULL CHECK (applicant_type IN ('person', 'business', 'research', 'charity', 'legal', 'other_org')),
    applicant_name    text NOT NULL CHECK (applicant_name <> ''),
    applicant_contact text NOT NULL DEFAULT '',
    channel           text NOT NULL CHECK (channel IN ('in_person', 'post_signed', 'letter', 'online', 'fax')),
    handed_in         date,
    signed_for        date,
    confirmed         date,
    -- the receipt date of 第三十一条, derived from the channel and the dates above
    received          date NOT NULL,
    content           text NOT NULL CHECK (content <> ''),
    -- what the workflow last recorded
    seq               bigint NOT NULL DEFAULT 0,
    state             text NOT NULL DEFAULT 'open'
                      CHECK (state IN ('open', 'correction', 'consulting', 'replied', 'closed', 'withdrawn')),
    clock_start       date NOT NULL,
    -- the reply due day; NULL while the clock is stopped for 补正
    due               date,
    correction_due    date,
    extension_days    int NOT NULL DEFAULT 0 CHECK (extension_days BETWEEN 0 AND 20),
    escalation_level  int NOT NULL DEFAULT 0,
    reply_type        text NOT NULL DEFAULT '',
    reply_reason      text NOT NULL DEFAULT '',
    -- the day the application was answered or 视为放弃: when it leaves the year's open count
    finished_on       date,
    closed_at         timestamptz,
    provisional       boolean NOT NULL DEFAULT false,
    created_by        text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (finished_on IS NULL OR finished_on >= received)
);
CREATE INDEX applications_unit_received ON applications (unit_id, received);
CREATE INDEX applications_open_due ON applications (due) WHERE finished_on IS NULL;

-- The case file: every state change with who made it, mirrored from the workflow's history so
-- that pages read it without scanning Temporal.
CREATE TABLE application_events (
    application_id bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
    seq            bigint NOT NULL,
    kind           text NOT NULL,
    at             timestamptz NOT NULL,
    actor          text NOT NULL DEFAULT '',
    detail         jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (application_id, seq)
);

-- Application reminders and escalations go into the same notices the dispatcher bundles into
-- one digest per recipient and window; a notice is about an item or an application.
ALTER TABLE notices ALTER COLUMN item_id DROP NOT NULL;
ALTER TABLE notices ADD COLUMN application_id bigint REFERENCES applications ON DELETE CASCADE;
ALTER TABLE notices ADD CONSTRAINT notices_one_subject CHECK ((item_id IS NULL) <> (application_id IS NULL));
CREATE INDEX notices_application ON notices (application_id) WHERE application_id IS NOT NULL;

-- +goose Down
DELETE FROM notices WHERE application_id IS NOT NULL;
ALTER TABLE notices DROP CONSTRAINT notices_one_subject;
ALTER TABLE notices DROP COLUMN application_id;
ALTER TABLE notices ALTER COLUMN item_id SET NOT NULL;
DROP TABLE application_events;
DROP TABLE applications;
