-- 0001: the event log and the projections of current state.
-- Never edit a shipped migration; add the next number instead.

-- One row per hall in this database. `key` is the compact integer used by
-- every other table; `id` is the hall's stable UUID.
CREATE TABLE halls (
    key     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    config  TEXT NOT NULL,             -- JSON of hallq_core::Hall
    day     TEXT NOT NULL,             -- current business day, YYYY-MM-DD
    last_at INTEGER NOT NULL,          -- time of the last event, UTC ms
    last_seq INTEGER NOT NULL DEFAULT 0
);

-- The append-only event log: the truth everything else is derived from.
CREATE TABLE events (
    hall  INTEGER NOT NULL REFERENCES halls(key),
    seq   INTEGER NOT NULL,            -- per-hall, gapless, from 1
    id    BLOB NOT NULL UNIQUE,        -- UUIDv7
    at    INTEGER NOT NULL,            -- UTC ms, never decreasing within a hall
    kind  TEXT NOT NULL,
    actor TEXT NOT NULL,               -- JSON of hallq_core::Actor
    data  TEXT NOT NULL,               -- JSON of hallq_core::EventData
    PRIMARY KEY (hall, seq)
) WITHOUT ROWID;

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE services (
    hall     INTEGER NOT NULL REFERENCES halls(key),
    code     TEXT NOT NULL,
    position INTEGER NOT NULL,
    prefix   TEXT NOT NULL,
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    target_wait_min     INTEGER NOT NULL,
    target_handling_min INTEGER NOT NULL,
    enabled  INTEGER NOT NULL,
    PRIMARY KEY (hall, code)
) WITHOUT ROWID;

CREATE TABLE staff (
    hall   INTEGER NOT NULL REFERENCES halls(key),
    number TEXT NOT NULL,
    name   TEXT NOT NULL,
    role   TEXT NOT NULL,
    active INTEGER NOT NULL,
    PRIMARY KEY (hall, number)
) WITHOUT ROWID;

CREATE TABLE counters (
    hall     INTEGER NOT NULL REFERENCES halls(key),
    number   INTEGER NOT NULL,
    name     TEXT NOT NULL,
    services TEXT NOT NULL,            -- JSON array of service codes, in order
    policy   TEXT NOT NULL,            -- JSON of hallq_core::RoutingPolicy
    status   TEXT NOT NULL,
    pause_reason TEXT,
    staff    TEXT,
    current_ticket BLOB,
    priority_streak INTEGER NOT NULL,
    status_since INTEGER NOT NULL,
    PRIMARY KEY (hall, number)
) WITHOUT ROWID;

-- Every ticket leg with its timestamps; durations are generated columns so
-- reports and ad-hoc SQL agree with hallq_core::Ticket's methods.
CREATE TABLE tickets (
    id        BLOB PRIMARY KEY,
    hall      INTEGER NOT NULL REFERENCES halls(key),
    visit_id  BLOB NOT NULL,
    leg       INTEGER NOT NULL,
    number    TEXT NOT NULL,
    service   TEXT NOT NULL,
    priority  TEXT NOT NULL,
    priority_reason TEXT,
    appointment TEXT,
    business_day TEXT NOT NULL,
    visit_issued_at INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    called_at INTEGER,
    last_called_at INTEGER,
    recalls   INTEGER NOT NULL,
    started_at INTEGER,
    ended_at  INTEGER,
    state     TEXT NOT NULL,
    resolution TEXT,
    counter   INTEGER,
    staff     TEXT,
    target_counter INTEGER,
    transferred_to BLOB,
    rating    INTEGER,
    rating_reason TEXT,
    rated_at  INTEGER,
    people_ahead INTEGER NOT NULL,
    estimated_wait_ms INTEGER,
    wait_ms     INTEGER GENERATED ALWAYS AS (max(called_at - issued_at, 0)) VIRTUAL,
    walkup_ms   INTEGER GENERATED ALWAYS AS (max(started_at - last_called_at, 0)) VIRTUAL,
    handling_ms INTEGER GENERATED ALWAYS AS (max(ended_at - started_at, 0)) VIRTUAL,
    visit_ms    INTEGER GENERATED ALWAYS AS (
        CASE WHEN state = 'done' THEN max(ended_at - visit_issued_at, 0) END) VIRTUAL
);
-- Reports read a hall's range of business days.
CREATE INDEX tickets_by_day ON tickets (hall, business_day);
-- The live screens read the open tickets only.
CREATE INDEX tickets_open ON tickets (hall, state, service)
    WHERE state IN ('waiting', 'called', 'serving');

-- When each counter was open (not paused, not closed): utilisation's denominator.
CREATE TABLE counter_sessions (
    hall      INTEGER NOT NULL REFERENCES halls(key),
    counter   INTEGER NOT NULL,
    staff     TEXT,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX counter_sessions_by_time ON counter_sessions (hall, opened_at);

-- Who was logged in where, and when.
CREATE TABLE staff_sessions (
    hall      INTEGER NOT NULL REFERENCES halls(key),
    staff     TEXT NOT NULL,
    counter   INTEGER NOT NULL,
    login_at  INTEGER NOT NULL,
    logout_at INTEGER
);
CREATE INDEX staff_sessions_by_time ON staff_sessions (hall, login_at);

-- Staff PINs (argon2 hashes). Secrets are not events: they are never
-- exported or replayed, and a rebuild leaves them alone.
CREATE TABLE credentials (
    hall     INTEGER NOT NULL REFERENCES halls(key),
    staff    TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    PRIMARY KEY (hall, staff)
) WITHOUT ROWID;
