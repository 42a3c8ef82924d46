-- Working-day calendar years loaded by admins (`zwgk calendar load FILE`): the statutory days off
-- and make-up working days of a year the official data (lunar-go) lacks or gets wrong. A year here
-- replaces the official data of that year as a whole.

-- +goose Up
CREATE TABLE calendar_years (
    year      int PRIMARY KEY CHECK (year BETWEEN 1900 AND 2200),
    -- where the schedule came from: the file and who loaded it, or the State Council notice
    source    text NOT NULL CHECK (source <> ''),
    loaded_by text NOT NULL DEFAULT '',
    loaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE calendar_days (
    day     date PRIMARY KEY,
    year    int NOT NULL REFERENCES calendar_years ON DELETE CASCADE,
    -- false: a day off (休); true: a make-up working day (班)
    working boolean NOT NULL,
    name    text NOT NULL DEFAULT '',
    CHECK (extract(year FROM day) = year)
);
CREATE INDEX calendar_days_year ON calendar_days (year);

-- +goose Down
DROP TABLE calendar_days;
DROP TABLE calendar_years;
