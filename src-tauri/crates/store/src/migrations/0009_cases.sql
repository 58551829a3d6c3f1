-- 0009: commitments (承诺时限). The hall's catalogue of case types, its
-- cases (工单) as the domain left them after each event (the whole case as
-- JSON in `data`; the columns are what lists, due boards and reports select
-- and sort on), and each case's steps with their actors.
CREATE TABLE case_types (
    hall     INTEGER NOT NULL REFERENCES halls(key),
    code     TEXT NOT NULL,
    position INTEGER NOT NULL,
    config   TEXT NOT NULL,
    PRIMARY KEY (hall, code)
);
CREATE TABLE cases (
    id           BLOB PRIMARY KEY,
    hall         INTEGER NOT NULL REFERENCES halls(key),
    number       TEXT NOT NULL,
    case_type    TEXT NOT NULL,
    business_day TEXT NOT NULL,
    staff        TEXT NOT NULL,
    team         TEXT,
    received_at  INTEGER NOT NULL,
    accepted_at  INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    state        TEXT NOT NULL,
    closed_at    INTEGER,
    outcome      TEXT,
    data         TEXT NOT NULL
);
CREATE UNIQUE INDEX cases_number ON cases (hall, number);
CREATE INDEX cases_open ON cases (hall, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_by_day ON cases (hall, business_day);
CREATE TABLE case_steps (
    hall    INTEGER NOT NULL REFERENCES halls(key),
    seq     INTEGER NOT NULL,
    case_id BLOB NOT NULL,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    staff   TEXT,
    detail  TEXT,
    PRIMARY KEY (hall, seq)
);
CREATE INDEX case_steps_by_case ON case_steps (case_id, seq);
