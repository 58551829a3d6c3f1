-- 0003: follow-ups (回访) of low ratings, due within 15 working days.
CREATE TABLE follow_ups (
    ticket       BLOB PRIMARY KEY,
    hall         INTEGER NOT NULL REFERENCES halls(key),
    number       TEXT NOT NULL,
    service      TEXT NOT NULL,
    counter      INTEGER,
    staff        TEXT,
    level        INTEGER NOT NULL,
    reason       TEXT,
    rated_at     INTEGER NOT NULL,
    business_day TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    closed_at    INTEGER,
    note         TEXT
);
CREATE INDEX follow_ups_open ON follow_ups (hall, deadline) WHERE closed_at IS NULL;
CREATE INDEX follow_ups_by_day ON follow_ups (hall, business_day);
