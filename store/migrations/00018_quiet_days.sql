-- Per-person quiet days (issue 14): weekdays (1 = Monday … 7 = Sunday) and date ranges on which
-- a person gets no non-urgent reminders. The dispatcher defers those reminders to the person's
-- next send window that is not quiet; escalations and urgent hour clocks ignore quiet days, as
-- they ignore people.digest.

-- +goose Up
ALTER TABLE people ADD COLUMN quiet_weekdays smallint[] NOT NULL DEFAULT '{}'
    CHECK (quiet_weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]);

CREATE TABLE person_quiet_ranges (
    id        bigserial PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people ON DELETE CASCADE,
    from_date date NOT NULL,
    to_date   date NOT NULL,
    note      text NOT NULL DEFAULT '',
    CHECK (to_date >= from_date)
);
CREATE INDEX person_quiet_ranges_person ON person_quiet_ranges (person_id, to_date);

-- +goose Down
DROP TABLE person_quiet_ranges;
ALTER TABLE people DROP COLUMN quiet_weekdays;
